#!/usr/bin/env bash
# The app (mobile/, an Expo project of its own) and its web build.
# Usage: bash scripts/mobile.sh install   npm ci in mobile when its lock changed since the last install
#        bash scripts/mobile.sh build     install, then type-check and `expo export -p web` when a source is newer than the build
#                                         (the typed client, src/api/schema.ts, is written by the root's `npm run openapi`)
#        bash scripts/mobile.sh start     build, then serve the web build on WEB_PORT (8081) with API_URL (the API) behind /api
# Runs on the project's Node 24 (node_modules/.bin first on PATH, as npm scripts have it).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
APP="$ROOT/mobile"
export PATH="$ROOT/node_modules/.bin:$PATH" EXPO_NO_TELEMETRY=1 CI=1
log() { echo "mobile: $*" >&2; }

install() {
  if [[ ! -d $APP/node_modules/expo ]] || [[ $APP/package-lock.json -nt $APP/node_modules/.package-lock.json ]]; then
    log "installing mobile dependencies (npm ci)"
    (cd "$APP" && npm ci --no-audit --no-fund)
  fi
}

build() {
  install
  local stamp="$APP/dist/index.html"
  if [[ -f $stamp ]] && [[ -z $(find "$APP/src" "$APP/app.json" "$APP/package-lock.json" "$APP/tsconfig.json" \
    "$APP/babel.config.js" -newer "$stamp" -print -quit) ]]; then
    return 0
  fi
  log "type-checking, then building for the web (expo export -p web)"
  (cd "$APP" && node node_modules/typescript/bin/tsc --noEmit &&
    node node_modules/expo/bin/cli export --platform web --output-dir dist)
}

case "${1:-}" in
  install) install ;;
  build) build ;;
  start)
    build
    exec node "$APP/scripts/serve-web.mjs"
    ;;
  *)
    echo "usage: bash scripts/mobile.sh install|build|start" >&2
    exit 2
    ;;
esac
