#!/usr/bin/env bash
# Runs ferry's whole test suite on this machine: installs what is missing
# (Deno from the npm registry; nncp, filespooler, socat, mosquitto, direwolf,
# qemu-user, clang, lld... from Debian when run as root), then what `deno task
# ok` runs: format check, lint, type check and every test. The Dire Wolf tests
# (real audio at 1200 bit/s: minutes of waiting, little processor) run beside
# the rest; a run with arguments (`bash scripts/test.sh --filter NAME`) runs
# them in one `deno test`. Ends with one line: `N passed, N failed`.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
deno_bin=$(bash scripts/bootstrap.sh | tail -n 1) || { echo "0 passed, 1 failed"; exit 1; }
export PATH="$(dirname "$deno_bin"):$PATH"
rm -rf test-results
mkdir -p test-results
if ! { "$deno_bin" fmt --check && "$deno_bin" lint && "$deno_bin" task check; }; then
  echo "0 passed, 1 failed"
  echo "test.sh: the checks before the tests failed (format, lint or type check); see above" >&2
  exit 1
fi
status=0
test_args=(test -A --reporter=dot)
if [ $# -gt 0 ]; then
  "$deno_bin" "${test_args[@]}" --junit-path=test-results/junit.xml test/ "$@" || status=$?
  reports=(test-results/junit.xml)
else
  beside=test/direwolf/
  "$deno_bin" "${test_args[@]}" --junit-path=test-results/junit-beside.xml "$beside" \
    >test-results/beside.log 2>&1 &
  beside_pid=$!
  "$deno_bin" "${test_args[@]}" --junit-path=test-results/junit.xml --ignore="$beside" test/ ||
    status=$?
  wait "$beside_pid" || status=$?
  echo "--- $beside (run beside the rest)"
  cat test-results/beside.log
  reports=(test-results/junit.xml test-results/junit-beside.xml)
fi
"$deno_bin" run --allow-read scripts/junit_summary.ts "${reports[@]}" || status=1
exit $status
