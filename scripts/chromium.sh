#!/usr/bin/env bash
# Debian's Chromium for the staff console's browser tests (admin-ui/test, playwright-core with
# executablePath /usr/bin/chromium: a Playwright browser download fails on these machines).
# Installs it with apt-get when missing (as root; another user gets the exact command to run).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
log() { echo "chromium: $*" >&2; }
source "$ROOT/scripts/apt.sh"

[[ -x /usr/bin/chromium ]] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  log "error: need Chromium at /usr/bin/chromium; install it with your OS package manager"
  exit 1
fi
if [[ $(id -u) != 0 ]]; then
  log "error: Chromium is missing; run: sudo apt-get update && sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium fonts-noto-core"
  exit 1
fi
log "installing chromium (apt-get)..."
apt_get update -qq
DEBIAN_FRONTEND=noninteractive apt_get install -y --no-install-recommends chromium fonts-noto-core
[[ -x /usr/bin/chromium ]] || { log "error: apt-get installed no /usr/bin/chromium"; exit 1; }
