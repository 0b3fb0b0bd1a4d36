#!/usr/bin/env bash
# Builds the release binary the way it ships (the top-level Dockerfile, which `faramesh init-docker`
# also writes, runs this script): optimised, Swift runtime and Foundation linked statically. Prints its path.
# The benchmark scripts measure this binary. Scratch folder: .build-static (gitignored).
set -euo pipefail
cd "$(dirname "$0")/.."
# The MCP SDK (faramesh mcp-proxy) imports FoundationNetworking, which links libcurl: a static
# Foundation needs libcurl's development files at link time and libcurl at run time.
if ! ls /usr/lib/*/libcurl.so >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  echo "==> installing libcurl4-openssl-dev (FoundationNetworking link)" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends libcurl4-openssl-dev >&2
fi
swift build -c release --static-swift-stdlib --scratch-path .build-static --product faramesh >&2
echo "$(swift build -c release --static-swift-stdlib --scratch-path .build-static --show-bin-path)/faramesh"
