#!/usr/bin/env bash
# ferry's demo on this machine: installs what is missing (Deno from the npm
# registry, nncp/socat/... from Debian when run as root), then runs
# scripts/demo.ts, which narrates what happens and verifies it at the end.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
deno_bin=$(bash scripts/bootstrap.sh | tail -n 1)
exec "$deno_bin" run -A scripts/demo.ts "$@"
