#!/usr/bin/env bash
# Static checks of the Swift package, for CI and before a commit:
#   1. the code is formatted as .swift-format says (swift-nio's rules, 120 columns; seconds);
#   2. every `import` of every target (tests included) is a declared dependency of that target
#      (builds the package and its tests: scripts/test.sh relies on this build).
# `scripts/validate.sh --fix` formats the files in place first (then checks as usual).
# FARAMESH_VALIDATE_SKIP="format" (or "imports") skips one of them.
set -euo pipefail
cd "$(dirname "$0")/.."
skip=" ${FARAMESH_VALIDATE_SKIP:-} "

if [[ "$skip" != *" format "* ]]; then
  echo "==> swift format lint --strict"
  # Generated files (the embedded web UI) are checked through their generator, not here.
  mapfile -t files < <(git ls-files 'Package.swift' 'Sources/*.swift' 'Tests/*.swift' \
                       | grep -v -e '+Generated\.swift$')
  if [ "${1:-}" = "--fix" ]; then swift format -i --parallel "${files[@]}"; fi
  swift format lint --strict --parallel "${files[@]}"
fi
if [[ "$skip" != *" imports "* ]]; then
  echo "==> swift build --build-tests --explicit-target-dependency-import-check error"
  swift build --build-tests --explicit-target-dependency-import-check error
fi

echo "==> validate passed"
