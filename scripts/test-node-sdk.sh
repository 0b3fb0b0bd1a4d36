#!/usr/bin/env bash
# Node.js SDK (sdk/node, @faramesh/sdk) tests: `node --test` against real `faramesh serve`
# processes with tokens on (SQLite in temp dirs, loopback ports 18811-18898), npm pack/install
# offline, `tsc --noEmit --strict` on the declarations, and the README's Node.js snippet run as
# written against a local-mode server on 127.0.0.1:8000 (which must be free).
# Usage: scripts/test-node-sdk.sh PATH_TO_FARAMESH_BINARY
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -ne 1 ] || [ ! -x "$1" ]; then
  echo "usage: scripts/test-node-sdk.sh PATH_TO_FARAMESH_BINARY" >&2
  exit 2
fi
bin="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"

apt_install() {
  if ! apt-get install -y "$@" >/dev/null 2>&1; then
    apt-get update >/dev/null
    apt-get install -y "$@" >/dev/null
  fi
}

if ! command -v node >/dev/null 2>&1; then apt_install nodejs; fi
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 18 ]; then echo "Node.js >= 18 is required (found $(node --version))" >&2; exit 1; fi
if ! command -v npm >/dev/null 2>&1; then apt_install npm; fi
# TypeScript is not reachable through npm here; Debian ships it (node-typescript, tsc 4.8).
if ! command -v tsc >/dev/null 2>&1; then apt_install node-typescript; fi

example_port="${FARAMESH_EXAMPLE_PORT:-8000}"
if ! node -e 'const s=require("net").createServer();s.once("error",()=>process.exit(1));s.listen(+process.argv[1],"127.0.0.1",()=>s.close())' "$example_port"; then
  echo "error: port $example_port on 127.0.0.1 is in use; the README's Node.js snippet talks to http://127.0.0.1:8000," >&2
  echo "       so this script starts a local-mode faramesh there. Free the port (or set FARAMESH_EXAMPLE_PORT" >&2
  echo "       to run a copy of the snippet in which only the URL differs)." >&2
  exit 1
fi

echo "--> node $(node --version), npm $(npm --version), $(tsc --version)"
cd sdk/node
FARAMESH_BIN="$bin" FARAMESH_EXAMPLE_PORT="$example_port" node --test test/*.test.js
