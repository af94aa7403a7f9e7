#!/usr/bin/env bash
# Installs what ferry's tests, demo and benchmarks need, when it is missing:
#   - Deno 2.9.6 from the npm registry, into .tools/ (no download host needed)
#   - Debian packages: nncp, filespooler, socat, mosquitto, time, zstd, util-linux, strace,
#     openssl, clang and lld (to check that the committed WebAssembly is rebuilt from its C),
#     direwolf (the KISS/AX.25 link test runs two real Dire Wolf soft modems),
#     and for the Debian packages and their tests: dpkg-dev, binutils, lintian,
#     systemd (systemd-analyze), qemu-user with the arm64 C and GCC runtime libraries
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
command -v script >/dev/null 2>&1 || need+=(bsdutils)
command -v mosquitto >/dev/null 2>&1 && command -v mosquitto_pub >/dev/null 2>&1 || need+=(mosquitto mosquitto-clients)
[ -x /usr/bin/time ] || need+=(time)
command -v zstd >/dev/null 2>&1 || need+=(zstd)
command -v mkfs.ext4 >/dev/null 2>&1 || need+=(e2fsprogs)
command -v losetup >/dev/null 2>&1 || need+=(mount)
command -v strace >/dev/null 2>&1 || need+=(strace)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
ldconfig -p 2>/dev/null | grep -q "libcrypto\.so\.3 " || need+=(libssl3)
command -v clang >/dev/null 2>&1 || need+=(clang)
command -v direwolf >/dev/null 2>&1 || need+=(direwolf)
command -v wasm-ld >/dev/null 2>&1 || need+=(lld)
command -v dpkg-deb >/dev/null 2>&1 && command -v dpkg-architecture >/dev/null 2>&1 || need+=(dpkg-dev)
command -v readelf >/dev/null 2>&1 && command -v objdump >/dev/null 2>&1 || need+=(binutils)
command -v lintian >/dev/null 2>&1 || need+=(lintian)
command -v systemd-analyze >/dev/null 2>&1 || need+=(systemd)
command -v qemu-aarch64 >/dev/null 2>&1 || need+=(qemu-user)
[ -e /usr/aarch64-linux-gnu/lib/libc.so.6 ] || need+=(libc6-arm64-cross)
[ -e /usr/aarch64-linux-gnu/lib/libgcc_s.so.1 ] || need+=(libgcc-s1-arm64-cross)
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
