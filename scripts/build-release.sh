#!/usr/bin/env bash
# Builds the release binary the way it ships (the Dockerfile from `faramesh init-docker` does the
# same): optimised, Swift runtime and Foundation linked statically. Prints the binary's path.
# The benchmark scripts measure this binary. Scratch folder: .build-static (gitignored).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --static-swift-stdlib --scratch-path .build-static --product faramesh >&2
echo "$(swift build -c release --static-swift-stdlib --scratch-path .build-static --show-bin-path)/faramesh"
