#!/usr/bin/env bash
# Installs ferry on this machine (as root): the app and its cached
# dependencies under /opt/ferry, the `ferry` command in /usr/local/bin, a
# `ferry` system user (in group dialout), /etc/ferry, the spool, and the
# systemd units and udev rule. Run it from a checkout or an unpacked bundle
# made by scripts/build.sh. It does not start anything:
#   sudo bash scripts/install.sh
#   sudo ferry init --name shed --spool /var/spool/ferry --output /etc/ferry/ferry.hjson --owner ferry
#   sudo systemctl enable --now ferry-agent
set -euo pipefail
[ "$(id -u)" -eq 0 ] || { echo "install.sh: run as root" >&2; exit 1; }
src=$(cd "$(dirname "$0")/.." && pwd)
prefix=${FERRY_PREFIX:-/opt/ferry}

if [ -x "$src/bin/deno" ]; then
  deno_bin="$src/bin/deno"            # an unpacked bundle
else
  deno_bin=$(bash "$src/scripts/bootstrap.sh" | tail -n 1)
fi

install -d -m 0755 "$prefix" "$prefix/bin" "$prefix/app"
install -m 0755 "$deno_bin" "$prefix/bin/deno"
(cd "$src" && tar -c --exclude=.git --exclude=.tools --exclude=test-results --exclude=deno-dir \
  deno.json deno.lock main.ts src hw systemd scripts README.md LICENSE) | tar -x -C "$prefix/app"
if [ -d "$src/deno-dir" ]; then
  rm -rf "$prefix/deno-dir" && cp -a "$src/deno-dir" "$prefix/deno-dir"
else
  DENO_DIR="$prefix/deno-dir" "$prefix/bin/deno" cache --frozen --config "$prefix/app/deno.json" \
    "$prefix/app/main.ts" "$prefix/app/src/packet/mth_worker.ts"
fi

cat > /usr/local/bin/ferry <<WRAP
#!/bin/sh
# ferry: runs the installed app with its cached dependencies (no network needed).
export DENO_DIR=$prefix/deno-dir
export DENO_NO_UPDATE_CHECK=1
exec $prefix/bin/deno run --cached-only --frozen --quiet -A \\
  --v8-flags=--expose-gc,--max-semi-space-size=1 \\
  --config $prefix/app/deno.json $prefix/app/main.ts "\$@"
WRAP
chmod 0755 /usr/local/bin/ferry

getent group ferry >/dev/null || groupadd --system ferry
getent passwd ferry >/dev/null || useradd --system --gid ferry --groups dialout \
  --home-dir /var/lib/ferry --no-create-home --shell /usr/sbin/nologin ferry
install -d -m 0750 -o ferry -g ferry /etc/ferry /var/spool/ferry /var/lib/ferry
install -m 0644 "$src/systemd/ferry-agent.service" /etc/systemd/system/
install -m 0644 "$src/systemd/ferry-media@.service" /etc/systemd/system/
install -d -m 0755 /etc/udev/rules.d
install -m 0644 "$src/systemd/90-ferry-media.rules" /etc/udev/rules.d/
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  udevadm control --reload 2>/dev/null || true
fi
echo "installed: /usr/local/bin/ferry ($("$prefix/bin/deno" --version | head -n 1))"
echo "next: ferry init --name NAME --spool /var/spool/ferry --output /etc/ferry/ferry.hjson --owner ferry"
echo "      sudo systemctl enable --now ferry-agent"
