#!/bin/sh
# ferry: runs the app under /opt/ferry with the dependencies cached there, so
# no network is needed. Deno keeps its compile caches (transpiled modules and
# V8 code cache, which make start-up about three times faster) in a folder the
# caller can write: /var/cache/ferry for the ferry user, ~/.cache/ferry for
# others, with the npm packages linked from /opt/ferry/deno-dir.
opt=/opt/ferry
# Deno's arm64 build assumes 4 KiB memory pages and crashes at start on a
# kernel with larger ones (the 16K kernel some Raspberry Pi 5 images boot).
page=$(getconf PAGESIZE 2>/dev/null || echo 4096)
if [ "$page" != 4096 ]; then
  echo "ferry: this kernel uses $page-byte memory pages; ferry's runtime (Deno) needs 4096." >&2
  echo "ferry: on a Raspberry Pi 5 add kernel=kernel8.img to /boot/firmware/config.txt and reboot." >&2
  exit 1
fi
FERRY_V8_FLAGS=--expose-gc,--max-semi-space-size=1
if [ -r /etc/default/ferry ]; then . /etc/default/ferry; fi
if [ -n "${FERRY_CACHE_DIR:-}" ]; then
  cache=$FERRY_CACHE_DIR
elif [ "$(id -un 2>/dev/null)" = ferry ]; then
  cache=/var/cache/ferry
elif [ -n "${XDG_CACHE_HOME:-}" ]; then
  cache=$XDG_CACHE_HOME/ferry
elif [ -n "${HOME:-}" ]; then
  cache=$HOME/.cache/ferry
else
  cache=$opt/deno-dir
fi
if [ "$cache" != "$opt/deno-dir" ] && [ ! -e "$cache/npm" ]; then
  if ! { mkdir -p "$cache" && ln -sfn "$opt/deno-dir/npm" "$cache/npm"; } 2>/dev/null; then
    cache=$opt/deno-dir
  fi
fi
export DENO_DIR="$cache"
export DENO_NO_UPDATE_CHECK=1
exec "$opt/bin/deno" run --cached-only --frozen --quiet -A --v8-flags="$FERRY_V8_FLAGS" \
  --config "$opt/app/deno.json" "$opt/app/main.ts" "$@"
