#!/usr/bin/env bash
# Makes the Debian package from a bundle made by scripts/build.sh, with
# dpkg-deb (files owned by root, no fakeroot needed):
#
#   bash scripts/deb/build_deb.sh BUNDLE_DIR arm64|amd64 VERSION OUT.deb
#
#   /opt/ferry/bin/deno            the Deno runtime for the architecture
#   /opt/ferry/app/                the app (main.ts, src, hw, deno.json, deno.lock)
#   /opt/ferry/deno-dir/npm/       its npm dependencies, cached (runs with --cached-only)
#   /usr/bin/ferry                 the command (scripts/deb/ferry.sh)
#   /lib/systemd/system/           ferry-agent.service, ferry-media@.service
#   /lib/udev/rules.d/             90-ferry-media.rules
#   /etc/default/ferry             V8 flags (conffile)
#   maintainer scripts             ferry user in dialout, /etc/ferry, spool, purge
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bundle=$1 deb_arch=$2 version=$3 out_deb=$4
case "$deb_arch" in
  arm64) elf_machine=AArch64 ;;
  amd64) elf_machine=X86-64 ;;
  *) echo "build_deb.sh: unknown Debian architecture $deb_arch (arm64 or amd64)" >&2; exit 2 ;;
esac
host_deno=$(bash "$root/scripts/bootstrap.sh" | tail -n 1)
# Reproducible dates: the last commit's, else a fixed one.
epoch=${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct 2>/dev/null || echo 1764547200)}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pkg="$work/pkg"
umask 022
install -d "$pkg/DEBIAN" "$pkg/opt/ferry/bin" "$pkg/opt/ferry/app" "$pkg/opt/ferry/deno-dir" \
  "$pkg/usr/bin" "$pkg/lib/systemd/system" "$pkg/lib/udev/rules.d" "$pkg/etc/default" \
  "$pkg/usr/share/doc/ferry" "$pkg/usr/share/man/man1" "$pkg/usr/share/lintian/overrides" \
  "$pkg/var/lib/ferry"

readelf -h "$bundle/bin/deno" | grep -q "Machine:.*$elf_machine" || {
  echo "build_deb.sh: $bundle/bin/deno is not an $elf_machine binary" >&2
  exit 1
}
install -m 0755 "$bundle/bin/deno" "$pkg/opt/ferry/bin/deno"
(cd "$bundle" && tar -c deno.json deno.lock main.ts src hw) | tar -x -C "$pkg/opt/ferry/app"
cp -r "$bundle/deno-dir/npm" "$pkg/opt/ferry/deno-dir/npm"
# Linter settings some npm packages ship for their own development; nothing reads them at run time.
find "$pkg/opt/ferry/deno-dir/npm" -type f -name '.eslintrc*' -delete
install -m 0755 "$here/ferry.sh" "$pkg/usr/bin/ferry"

# Units: the package's command is /usr/bin/ferry (install.sh uses /usr/local/bin), and the
# agent's compile caches in /var/cache/ferry stay writable under ProtectSystem=strict.
for unit in ferry-agent.service ferry-media@.service; do
  sed -e 's|/usr/local/bin/ferry|/usr/bin/ferry|g' \
    -e '/^ReadWritePaths=/a # Deno compile caches of /usr/bin/ferry (the package sets DENO_DIR there).\nCacheDirectory=ferry\nCacheDirectoryMode=0750' \
    -e 's|^Documentation=.*|Documentation=man:ferry(1) file:///usr/share/doc/ferry/README.md.gz|' \
    "$root/systemd/$unit" > "$pkg/lib/systemd/system/$unit"
  chmod 0644 "$pkg/lib/systemd/system/$unit"
done
install -m 0644 "$root/systemd/90-ferry-media.rules" "$pkg/lib/udev/rules.d/"
install -m 0644 "$here/default" "$pkg/etc/default/ferry"

# Documentation: copyright, changelog, README, and a manual page from --help.
install -m 0644 "$here/copyright" "$pkg/usr/share/doc/ferry/copyright"
date_rfc=$(LC_ALL=C date -u -d "@$epoch" -R)
printf 'ferry (%s) unstable; urgency=medium\n\n  * Release %s.\n\n -- %s  %s\n' \
  "$version" "$version" "$(sed -n 's/^Maintainer: //p' "$here/control.in")" "$date_rfc" |
  gzip -9n > "$pkg/usr/share/doc/ferry/changelog.gz"
gzip -9n < "$root/README.md" > "$pkg/usr/share/doc/ferry/README.md.gz"
gzip -9n < "$root/systemd/README.md" > "$pkg/usr/share/doc/ferry/README.systemd.md.gz"
help=$(DENO_DIR="$bundle/deno-dir" DENO_NO_UPDATE_CHECK=1 "$host_deno" run --cached-only --frozen \
  --quiet -A --config "$bundle/deno.json" "$bundle/main.ts" --help)
{
  printf '.TH FERRY 1 "%s" "ferry %s" "User Commands"\n' "$(date -u -d "@$epoch" +%Y-%m-%d)" "$version"
  printf '.SH NAME\nferry \\- store-and-forward agent for offline machines (NNCP packets)\n'
  printf '.SH SYNOPSIS\n.B ferry\n[\\fB\\-\\-config\\fR \\fIPATH\\fR] \\fICOMMAND\\fR ...\n'
  printf '.SH DESCRIPTION\nEvery command has \\fB\\-\\-help\\fR with examples.\n'
  printf 'Configuration: /etc/ferry/ferry.hjson; wrapper settings: /etc/default/ferry.\n'
  printf '.PP\n.nf\n'
  printf '%s\n' "$help" | sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"
  printf '.fi\n.SH FILES\n.TP\n/etc/ferry/ferry.hjson\nconfiguration (made by \\fBferry init\\fR)\n'
  printf '.TP\n/var/spool/ferry\nthe NNCP spool\n.TP\n/etc/default/ferry\nV8 flags for every run\n'
  printf '.SH SEE ALSO\n/usr/share/doc/ferry/README.md.gz\n'
} | gzip -9n > "$pkg/usr/share/man/man1/ferry.1.gz"
install -m 0644 "$here/lintian-overrides" "$pkg/usr/share/lintian/overrides/ferry"

for script in postinst prerm postrm; do install -m 0755 "$here/$script" "$pkg/DEBIAN/$script"; done
install -m 0644 "$here/conffiles" "$pkg/DEBIAN/conffiles"
# The oldest glibc symbol version the runtime needs.
glibc=$(objdump -T "$pkg/opt/ferry/bin/deno" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' |
  sort -uV | tail -n 1)
size=$(du -sk --exclude=DEBIAN "$pkg" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$deb_arch/" -e "s/@SIZE@/$size/" \
  -e "s/@GLIBC@/$glibc/" "$here/control.in" > "$pkg/DEBIAN/control"
(cd "$pkg" && find . -path ./DEBIAN -prune -o -type f -print0 | LC_ALL=C sort -z |
  xargs -0 md5sum | sed 's|  \./|  |' > DEBIAN/md5sums)
chmod 0644 "$pkg/DEBIAN/md5sums"
find "$pkg" -exec touch -h -d "@$epoch" {} +
mkdir -p "$(dirname "$out_deb")"
SOURCE_DATE_EPOCH=$epoch dpkg-deb --root-owner-group -Zgzip -z9 --build "$pkg" "$out_deb" >/dev/null
