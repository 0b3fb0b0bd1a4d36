#!/usr/bin/env bash
# Writes Sources/faramesh/Templates/DockerfileTemplate.swift from the top-level Dockerfile, so that
# `faramesh init-docker` writes exactly that file (one source). `--check` exits 1 when it is stale.
# A Swift test (CLIStandaloneTests "init-docker writes the repository's Dockerfile") fails when stale too.
set -euo pipefail
cd "$(dirname "$0")/.."
out=Sources/faramesh/Templates/DockerfileTemplate.swift
generated="$(mktemp)"
trap 'rm -f "$generated"' EXIT
if grep -q '"""#' Dockerfile; then echo "Dockerfile must not contain \"\"\"#" >&2; exit 1; fi
{
  echo '// Generated from the top-level Dockerfile by scripts/gen-dockerfile-template.sh: do not edit.'
  echo 'extension ProjectTemplates {'
  echo '    /// `Dockerfile`: the repository'"'"'s top-level Dockerfile, byte for byte (without its final newline).'
  echo '    static let dockerfile = #"""'
  sed -e 's/^\(.\)/        \1/' Dockerfile
  echo '        """#'
  echo '}'
} > "$generated"
if [ "${1:-}" = "--check" ]; then
  if ! cmp -s "$generated" "$out"; then
    echo "$out is stale: run scripts/gen-dockerfile-template.sh" >&2
    exit 1
  fi
  exit 0
fi
cp "$generated" "$out"
echo "wrote $out"
