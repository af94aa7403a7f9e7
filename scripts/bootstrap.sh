#!/usr/bin/env bash
# Installs what ferry's tests, demo and benchmarks need, when it is missing:
#   - Deno 2.9.6 from the npm registry, into .tools/ (no download host needed)
#   - Debian packages: nncp, filespooler, socat, mosquitto, time, zstd, util-linux,
#     clang and lld (to check that the committed WebAssembly is rebuilt from its C),
#     direwolf (the KISS/AX.25 link test runs two real Dire Wolf soft modems)
# Safe to run again; prints the Deno binary path on its last line.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
deno_version=2.9.6
tools="$root/.tools"
deno_bin="$tools/node_modules/deno/deno"

if [ ! -x "$deno_bin" ] || ! "$deno_bin" --version 2>/dev/null | grep -q "^deno $deno_version "; then
  echo "bootstrap: installing deno@$deno_version from the npm registry" >&2
  mkdir -p "$tools"
  (cd "$tools" && npm install --no-audit --no-fund --loglevel=error --prefix "$tools" "deno@$deno_version" >&2)
fi

need=()
command -v nncp-file >/dev/null 2>&1 || need+=(nncp)
command -v fspl >/dev/null 2>&1 || need+=(filespooler)
command -v socat >/dev/null 2>&1 || need+=(socat)
command -v mosquitto >/dev/null 2>&1 && command -v mosquitto_pub >/dev/null 2>&1 || need+=(mosquitto mosquitto-clients)
[ -x /usr/bin/time ] || need+=(time)
command -v zstd >/dev/null 2>&1 || need+=(zstd)
command -v mkfs.ext4 >/dev/null 2>&1 || need+=(e2fsprogs)
command -v losetup >/dev/null 2>&1 || need+=(mount)
command -v clang >/dev/null 2>&1 || need+=(clang)
command -v direwolf >/dev/null 2>&1 || need+=(direwolf)
command -v wasm-ld >/dev/null 2>&1 || need+=(lld)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "bootstrap: missing Debian packages: ${need[*]}; run as root or: sudo apt-get install -y ${need[*]}" >&2
    exit 1
  fi
  echo "bootstrap: installing Debian packages: ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y --no-install-recommends "${need[@]}" >&2; then
    apt-get update >&2
    apt-get install -y --no-install-recommends "${need[@]}" >&2
  fi
fi
echo "$deno_bin"
