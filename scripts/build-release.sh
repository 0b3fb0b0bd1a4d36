#!/usr/bin/env bash
# Builds the release binary the way it ships (the top-level Dockerfile, which `faramesh init-docker`
# also writes, runs this script): optimised, Swift runtime and Foundation linked statically. Prints its path.
# The benchmark scripts measure this binary. Scratch folder: .build-static (gitignored).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --static-swift-stdlib --scratch-path .build-static --product faramesh >&2
echo "$(swift build -c release --static-swift-stdlib --scratch-path .build-static --show-bin-path)/faramesh"
