#!/usr/bin/env bash
# `npm run build`: compiles src/, tunnel/, scripts/, migrations/ and test/bench into dist/ (nest
# build: tsc with the swagger plugin). With --if-stale (cli, migrate, openapi, bench:*, pretest) it builds only
# when something the build reads is newer than the last successful build (dist/.build-stamp): a
# source file or folder (an added, edited, renamed or deleted file changes its folder's mtime), a
# tsconfig, nest-cli.json or the installed dependencies. The stamp is taken when a build starts, so a
# file saved during a build is built again next time.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
stamp=dist/.build-stamp

stale() {
  [[ -f $stamp ]] || return 0
  [[ -n $(find src tunnel scripts migrations test/bench ormconfig.ts tsconfig.json tsconfig.build.json \
    nest-cli.json node_modules/.package-lock.json -newer "$stamp" -print -quit 2>/dev/null) ]]
}

# One build at a time per checkout (a second caller waits, then finds it fresh).
mkdir -p .local
exec 9>>.local/build.lock
flock -w 600 9 || { echo "build: timed out waiting for another build" >&2; exit 1; }

if [[ ${1:-} == --if-stale ]] && ! stale; then exit 0; fi
mkdir -p dist
started=$(mktemp dist/.build-stamp.XXXXXX)
trap 'rm -f "$started"' EXIT
nest build 9>&-
mv "$started" "$stamp"
