#!/usr/bin/env bash
# `npm run up`: everything needed to run FixBazaar locally with demo data, from a fresh clone.
# Installs dependencies, provisions the project-local PostgreSQL+PostGIS cluster, migrates, builds,
# starts the server and prints where it is. Ctrl-C stops the server cleanly (the cluster keeps
# running; `npm run db -- stop` stops it).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
step() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }

if [ ! -x node_modules/.bin/node ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "installing dependencies (npm ci)"
  npm ci
fi
NODE="$root/node_modules/.bin/node"
export PATH="$root/node_modules/.bin:$PATH"

if [ -z "${DATABASE_URL:-}" ]; then
  step "local PostgreSQL + PostGIS"
  bash scripts/db.sh start
fi

step "build"
bash scripts/build.sh --if-stale
bash scripts/console.sh build
bash scripts/mobile.sh build

step "migrate"
"$NODE" dist/scripts/migrate.js

port="${PORT:-3000}"
host="${HOST:-127.0.0.1}"
sandbox=""
livekit=""
server=""
console=""
console_port="${CONSOLE_PORT:-3100}"
app=""
app_port="${APP_PORT:-8081}"
# Stops what this script started (also when a step fails).
stop() {
  if [ -n "$app" ]; then kill -TERM "$app" 2>/dev/null || true; wait "$app" 2>/dev/null || true; fi
  if [ -n "$console" ]; then kill -TERM "$console" 2>/dev/null || true; wait "$console" 2>/dev/null || true; fi
  if [ -n "$server" ]; then kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  if [ -n "$sandbox" ]; then kill -TERM "$sandbox" 2>/dev/null || true; wait "$sandbox" 2>/dev/null || true; fi
  if [ -n "$livekit" ]; then kill -TERM "$livekit" 2>/dev/null || true; wait "$livekit" 2>/dev/null || true; fi
}
trap stop EXIT
gateway="Razorpay (${RAZORPAY_API_URL:-https://api.razorpay.com})"
if [ -z "${RAZORPAY_KEY_ID:-}" ]; then
  # No Razorpay keys: the local sandbox stands in for Razorpay (README "Razorpay sandbox").
  sbx_port="${RAZORPAY_SANDBOX_PORT:-4010}"
  step "local Razorpay sandbox on http://127.0.0.1:$sbx_port"
  "$NODE" dist/scripts/razorpay-sandbox/main.js --port "$sbx_port" \
    --webhook-url "http://$host:$port/webhooks/razorpay" --activate-accounts &
  sandbox=$!
  export RAZORPAY_API_URL="http://127.0.0.1:$sbx_port"
  gateway="local Razorpay sandbox $RAZORPAY_API_URL (control: /__sandbox/…)"
  for _ in $(seq 1 50); do
    "$NODE" -e "fetch('$RAZORPAY_API_URL/__sandbox/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))" && break
    sleep 0.1
  done
fi

calls="LiveKit (${LIVEKIT_URL:-unset})"
if [ -z "${LIVEKIT_API_KEY:-}" ]; then
  # No LiveKit keys: the local stand-in serves the calls' control plane (README "Calls and push").
  lk_port="${LIVEKIT_STANDIN_PORT:-7880}"
  step "local LiveKit stand-in on http://127.0.0.1:$lk_port"
  "$NODE" dist/scripts/livekit-standin/main.js --port "$lk_port" \
    --webhook-url "http://$host:$port/webhooks/livekit" &
  livekit=$!
  export LIVEKIT_URL="http://127.0.0.1:$lk_port"
  calls="local LiveKit stand-in $LIVEKIT_URL (no media)"
fi

step "demo data"
"$NODE" dist/src/cli.js seed:demo
# The demo technicians' payee details submitted (held for finance's review): ready for jobs.
"$NODE" dist/src/cli.js seed:payees
"$NODE" dist/src/cli.js seed:catalog
if [ -n "$sandbox" ]; then
  # The demo dealers' Route linked accounts, created and activated at the sandbox, so they can be paid.
  "$NODE" dist/src/cli.js seed:route
fi

step "starting FixBazaar on http://$host:$port"
"$NODE" dist/src/main.js &
server=$!
trap 'exit 0' INT TERM

for _ in $(seq 1 150); do
  if ! kill -0 "$server" 2>/dev/null; then
    wait "$server" || true
    echo "FixBazaar exited during start-up; see the log lines above" >&2
    exit 1
  fi
  if "$NODE" -e "fetch('http://$host:$port/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"; then
    break
  fi
  sleep 0.2
done

step "starting the staff console on http://$host:$console_port"
API_URL="http://$host:$port" CONSOLE_HOST="$host" CONSOLE_PORT="$console_port" bash scripts/console.sh start &
console=$!
for _ in $(seq 1 150); do
  if ! kill -0 "$console" 2>/dev/null; then
    wait "$console" || true
    echo "the staff console exited during start-up; see the log lines above" >&2
    exit 1
  fi
  if "$NODE" -e "fetch('http://$host:$console_port/sign-in').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"; then
    break
  fi
  sleep 0.2
done

step "starting the app's web build on http://$host:$app_port"
API_URL="http://$host:$port" RAZORPAY_SANDBOX_URL="$( [ -n "$sandbox" ] && echo "$RAZORPAY_API_URL" )" \
  WEB_HOST="$host" WEB_PORT="$app_port" bash scripts/mobile.sh start &
app=$!
for _ in $(seq 1 50); do
  if ! kill -0 "$app" 2>/dev/null; then
    wait "$app" || true
    echo "the app's web server exited during start-up; see the log lines above" >&2
    exit 1
  fi
  if "$NODE" -e "fetch('http://$host:$app_port/').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"; then
    break
  fi
  sleep 0.2
done

cat >&2 <<TXT

  FixBazaar is ready
    API        http://$host:$port
    console    http://$host:$console_port   (staff console: admin, finance, cfo, compliance, ops leader; sign in with TOTP)
    app        http://$host:$app_port   (the app's web build: customers, business buyers, dealers; README "Mobile app")
    API docs   http://$host:$port/docs   (contract: /openapi.json)
    health     http://$host:$port/health/ready
    metrics    http://$host:$port/metrics   (Bearer METRICS_TOKEN if set, else loopback only)
    payments   $gateway
    calls      $calls
    database   $( [ -n "${DATABASE_URL:-}" ] && echo "DATABASE_URL" || bash scripts/db.sh url app | sed -E 's#//([^:]+):[^@]*@#//\1:***@#' )
    demo logins (password fixbazaar-demo-2026; POST /auth/login {"identifier": "<email>", "password": ...})
      staff sign in with a second step: POST /auth/mfa/verify {"mfaToken", "code"}; TOTP secret
      FIXBAZAARDEMOSTAFFTOTPSECRETAAAA (authenticator app, or the README's one-line code command)
      admin@demo.fixbazaar.in        admin
      finance@demo.fixbazaar.in      finance
      ops@demo.fixbazaar.in          ops_leader
      compliance@demo.fixbazaar.in   compliance
      cfo@demo.fixbazaar.in          cfo
      customer@demo.fixbazaar.in     customer (B2C)
      business@demo.fixbazaar.in     business buyer (B2B, verified)
      dealer@demo.fixbazaar.in       dealer (approved)   dealer.pending@demo.fixbazaar.in (pending)
      dealer.mumbai@ / dealer.delhi@ / dealer.chennai@demo.fixbazaar.in   more dealers
    outbox     $( [ -n "${NOTIFICATIONS_OUTBOX_DIR:-}" ] && echo "$NOTIFICATIONS_OUTBOX_DIR" || echo "$root/.local/outbox" )   (reset and phone codes; nothing is sent)
    demo catalog: GET http://$host:$port/catalog/listings?q=iphone%2013%20display
      tech.hardware@demo.fixbazaar.in / tech.software@demo.fixbazaar.in   technicians

  Ctrl-C stops the server.
TXT
status=0
wait "$server" || status=$?
exit "$status"
