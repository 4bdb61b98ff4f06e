# Sourced by db.sh and redis.sh. apt_get ARGS: apt-get that waits, up to 5 minutes, while another
# apt-get or dpkg holds the package locks, instead of giving up at once: DPkg::Lock::Timeout makes
# it wait for dpkg's lock, and a refusal on another lock (apt 2.6 does not wait for the package
# lists' lock in `update`) is tried again every 5 seconds. The output goes to a file (a service
# started by dpkg may keep its output open; a pipe would then never end), then to stderr; fd 9 (the
# calling script's lock) is not inherited, so such a service cannot hold that lock either.
apt_get() {
  local log status deadline=$((SECONDS + 300))
  log=$(mktemp)
  while :; do
    status=0
    apt-get -o DPkg::Lock::Timeout=300 "$@" >"$log" 2>&1 9>&- || status=$?
    cat "$log" >&2
    if ((status != 0)) && grep -q 'Could not get lock' "$log" && ((SECONDS < deadline)); then
      echo "apt-get: another apt-get or dpkg holds the lock; trying again in 5 s" >&2
      sleep 5
      continue
    fi
    rm -f "$log"
    return "$status"
  done
}
