#!/usr/bin/env bash
# The Debian packages the tests drive, installed with apt-get when missing (as root; another user
# gets the exact command to run):
#   - Chromium, for the staff console's and the app's browser tests (playwright-core with
#     executablePath /usr/bin/chromium: a Playwright browser download fails on these machines);
#   - adb, the Android platform tools' client, for the remote repair tunnel's adb session test.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
log() { echo "test-tools: $*" >&2; }
source "$ROOT/scripts/apt.sh"

missing=()
[[ -x /usr/bin/chromium ]] || missing+=(chromium fonts-noto-core)
command -v adb >/dev/null 2>&1 || missing+=(adb)
[[ ${#missing[@]} -eq 0 ]] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  log "error: need ${missing[*]}; install them with your OS package manager"
  exit 1
fi
if [[ $(id -u) != 0 ]]; then
  log "error: missing ${missing[*]}; run: sudo apt-get update && sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
  exit 1
fi
log "installing ${missing[*]} (apt-get)..."
apt_get update -qq
DEBIAN_FRONTEND=noninteractive apt_get install -y --no-install-recommends "${missing[@]}"
[[ -x /usr/bin/chromium ]] || { log "error: apt-get installed no /usr/bin/chromium"; exit 1; }
command -v adb >/dev/null 2>&1 || { log "error: apt-get installed no adb"; exit 1; }
