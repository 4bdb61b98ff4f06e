#!/usr/bin/env bash
# The staff console (admin-ui/, a Next.js project of its own).
# Usage: bash scripts/console.sh install   npm ci in admin-ui when its lock changed since the last install
#        bash scripts/console.sh build     install, then `next build` when a source is newer than the build
#        bash scripts/console.sh start     build, then serve on CONSOLE_PORT (3100) with API_URL (the API)
# Runs on the project's Node 24 (node_modules/.bin first on PATH, as npm scripts have it).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
UI="$ROOT/admin-ui"
export PATH="$ROOT/node_modules/.bin:$PATH" NEXT_TELEMETRY_DISABLED=1
log() { echo "console: $*" >&2; }

install() {
  if [[ ! -d $UI/node_modules/next ]] || [[ $UI/package-lock.json -nt $UI/node_modules/.package-lock.json ]]; then
    log "installing admin-ui dependencies (npm ci)"
    (cd "$UI" && npm ci --no-audit --no-fund)
  fi
}

build() {
  install
  local stamp="$UI/.next/BUILD_ID"
  if [[ -f $stamp ]] && [[ -z $(find "$UI/src" "$UI/next.config.ts" "$UI/package-lock.json" "$UI/tsconfig.json" \
    -newer "$stamp" -print -quit) ]]; then
    return 0
  fi
  log "building (next build)"
  (cd "$UI" && node node_modules/next/dist/bin/next build)
}

case "${1:-}" in
  install) install ;;
  build) build ;;
  start)
    build
    cd "$UI"
    exec node node_modules/next/dist/bin/next start --hostname "${CONSOLE_HOST:-127.0.0.1}" --port "${CONSOLE_PORT:-3100}"
    ;;
  *)
    echo "usage: bash scripts/console.sh install|build|start" >&2
    exit 2
    ;;
esac
