#!/usr/bin/env bash
# Runs ferry's whole test suite on this machine: installs what is missing
# (Deno from the npm registry; nncp, filespooler, socat, mosquitto, clang,
# lld from Debian when run as root), then `deno task ok` (format check, lint, type
# check, all tests). Ends with one line: `N passed, N failed`.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
deno_bin=$(bash scripts/bootstrap.sh | tail -n 1) || { echo "0 passed, 1 failed"; exit 1; }
export PATH="$(dirname "$deno_bin"):$PATH"
rm -rf test-results
mkdir -p test-results
status=0
"$deno_bin" task ok "$@" || status=$?
if [ -f test-results/junit.xml ]; then
  "$deno_bin" run --allow-read scripts/junit_summary.ts test-results/junit.xml || status=1
else
  echo "0 passed, 1 failed"
  echo "test.sh: the checks before the tests failed (format, lint or type check); see above" >&2
  status=1
fi
exit $status
