#!/bin/sh
# ferry: runs the app under /opt/ferry with the dependencies cached there, so
# no network is needed. Deno keeps its compile caches (transpiled modules and
# V8 code cache, which make start-up about three times faster) in a folder the
# caller can write: /var/cache/ferry for the ferry user, ~/.cache/ferry for
# others, with the npm packages linked from /opt/ferry/deno-dir.
opt=/opt/ferry
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
