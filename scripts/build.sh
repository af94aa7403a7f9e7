#!/usr/bin/env bash
# Builds a self-contained ferry bundle for a 64-bit ARM (or x86-64) Linux:
# the Deno runtime for that platform (from the npm registry), the app, and
# its dependencies cached, so the target needs no network. Unpack it on the
# target and run `sudo bash scripts/install.sh` inside. From the same bundle
# it builds a Debian package (packaging files in scripts/deb/):
#
#   bash scripts/build.sh [--reuse] [arm64|x64]
#     -> dist/ferry-<version>-linux-<arch>.tar.gz
#     -> dist/ferry_<version>_<arm64|amd64>.deb   (apt install ./ferry_*.deb)
#
# --reuse skips the build when both files exist and were built from the same
# inputs (the app, the packaging files and this script); tests use it.
#
# With DENORT_BIN pointing at a denort binary for the target, it also makes a
# single-file executable with `deno compile` (Deno's download host is not
# needed then).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
reuse=0
if [ "${1:-}" = --reuse ]; then reuse=1; shift; fi
arch=${1:-arm64}
case "$arch" in
  arm64|aarch64) pkg=@deno/linux-arm64-glibc; target=aarch64-unknown-linux-gnu; arch=arm64; deb_arch=arm64 ;;
  x64|x86_64|amd64) pkg=@deno/linux-x64-glibc; target=x86_64-unknown-linux-gnu; arch=x64; deb_arch=amd64 ;;
  *) echo "build.sh: unknown arch $arch (arm64 or x64)" >&2; exit 2 ;;
esac
deno_version=2.9.6
version=$(grep -o 'VERSION = "[^"]*"' "$root/src/cli/version.ts" | cut -d'"' -f2)
tarball="$root/dist/ferry-$version-linux-$arch.tar.gz"
deb="$root/dist/ferry_${version}_${deb_arch}.deb"
stamp="$root/dist/.ferry_${version}_${deb_arch}.inputs"
inputs=$(cd "$root" && find deno.json deno.lock main.ts src hw systemd README.md LICENSE scripts/build.sh \
  scripts/deb -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
inputs="$inputs deno@$deno_version"
if [ "$reuse" = 1 ] && [ -f "$tarball" ] && [ -f "$deb" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$inputs" ]; then
  echo "reused $tarball"
  echo "reused $deb"
  exit 0
fi
rm -f "$stamp"
host_deno=$(bash "$root/scripts/bootstrap.sh" | tail -n 1)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out="$work/ferry"
mkdir -p "$out/bin" "$root/dist"
(cd "$work" && npm pack --silent "$pkg@$deno_version" >/dev/null && tar -xzf ./*.tgz)
install -m 0755 "$work/package/deno" "$out/bin/deno"
(cd "$root" && tar -c deno.json deno.lock main.ts src hw systemd scripts README.md LICENSE) | tar -x -C "$out"
# npm packages are platform-independent JavaScript and WebAssembly here, so the
# host can fill the cache the target will use.
# The command line and the command modules are imported by computed specifiers (see
# src/cli/commands/index.ts), so they are named here.
DENO_DIR="$out/deno-dir" "$host_deno" cache --frozen --config "$out/deno.json" "$out/main.ts" \
  "$out/src/cli/main.ts" "$out"/src/cli/commands/*.ts "$out/src/packet/mth_worker.ts"
tar -czf "$tarball" -C "$work" ferry
echo "built $tarball"
bash "$root/scripts/deb/build_deb.sh" "$out" "$deb_arch" "$version" "$deb"
echo "$inputs" > "$stamp"
echo "built $deb"
if [ -n "${DENORT_BIN:-}" ]; then
  exe="$root/dist/ferry-$version-linux-$arch"
  DENORT_BIN="$DENORT_BIN" "$host_deno" compile -A --target "$target" --no-check \
    --v8-flags=--expose-gc,--max-semi-space-size=1 \
    --include "$root/src/packet/mth_worker.ts" --include "$root/src/cli/main.ts" \
    $(printf -- '--include %s ' "$root"/src/cli/commands/*.ts) --output "$exe" "$root/main.ts"
  echo "built $exe"
fi
