#!/usr/bin/env bash
# Project-local PostgreSQL + PostGIS cluster for development and tests.
# Usage: bash scripts/db.sh [start|stop|reset|status|url [app|owner]|psql [args...]|replica start|stop|url|psql|drill]
# (drill: the backup and point-in-time restore drill on clusters of its own, scripts/drill.sh)
# Everything lives in <repo>/.local/pg; .local/pg/cluster.json holds port and passwords. Run as root
# in a checkout the cluster user cannot reach (under /root, in a 0700 folder), the server's files
# (data, log, socket) live in /var/lib/fixbazaar/<hash of the repo path>, linked as .local/pg/data.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
LOCAL="$ROOT/.local"
PG_DIR="$LOCAL/pg"
META="$PG_DIR/cluster.json"
REPO_HASH=$(printf %s "$ROOT" | cksum | cut -d' ' -f1)
EXTERNAL="/var/lib/fixbazaar/$REPO_HASH"
# STATE holds the server's files: .local/pg, or the directory .local/pg/data links into.
set_paths() {
  STATE=$1
  DATA="$STATE/data"
  LOG="$STATE/server.log"
  RUN="$STATE/run"
  # Unix socket paths are limited to 107 bytes; fall back to /tmp for deep checkouts.
  if (( ${#RUN} > 85 )); then RUN="/tmp/fixbazaar-pg-$REPO_HASH"; fi
}
if [[ -L $PG_DIR/data ]]; then set_paths "$(dirname "$(readlink -f "$PG_DIR/data")")"; else set_paths "$PG_DIR"; fi
DB=fixbazaar OWNER=fixbazaar_owner APP=fixbazaar_app SUPER=postgres HOST=127.0.0.1

log() { echo "db: $*" >&2; }
die() { echo "db: error: $*" >&2; exit 1; }
is_root() { [[ $(id -u) == 0 ]]; }
source "$ROOT/scripts/apt.sh"

# meta KEY -> value from cluster.json (flat object, values without quotes or commas)
meta() { grep -o "\"$1\": *[^,}]*" "$META" | head -1 | sed 's/^[^:]*: *//; s/"//g; s/ *$//'; }

# ---- server binaries and packages -------------------------------------------------------
find_bin() {
  local d
  if command -v pg_config >/dev/null 2>&1; then
    d=$(pg_config --bindir 2>/dev/null || true)
    if [[ -n $d && -x $d/initdb && -x $d/pg_ctl ]]; then echo "$d"; return; fi
  fi
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
    if [[ -x $d/initdb && -x $d/pg_ctl ]]; then echo "$d"; return; fi
  done
  return 1
}
server_ver() { "$BIN/postgres" --version | grep -oE '[0-9]+' | head -1; }
ext_dir() {
  local share
  share=$("$BIN/pg_config" --sharedir 2>/dev/null || echo "/usr/share/postgresql/$(server_ver)")
  echo "$share/extension"
}

ensure_packages() {
  local ver="" pkgs
  if BIN=$(find_bin); then
    [[ -f $(ext_dir)/postgis.control ]] && return 0
    ver=$(server_ver)
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    die "need a PostgreSQL (15+) server with PostGIS 3; install both with your OS package manager"
  fi
  if is_root; then log "installing PostgreSQL/PostGIS packages (apt-get)..."; apt_get update -qq; fi
  [[ -n $ver ]] || ver=$(apt-cache depends postgresql 2>/dev/null | grep -oE 'postgresql-[0-9]+' | head -1 | cut -d- -f2 || true)
  # Pin server and PostGIS to the same major version.
  if [[ -n $ver ]]; then pkgs="postgresql-$ver postgresql-$ver-postgis-3"; else pkgs="postgresql postgresql-postgis"; fi
  if ! is_root; then
    die "PostgreSQL server and/or PostGIS missing. Run:
  sudo apt-get update && sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $pkgs"
  fi
  # shellcheck disable=SC2086 # $pkgs is a list
  DEBIAN_FRONTEND=noninteractive apt_get install -y --no-install-recommends $pkgs || die "apt-get install failed"
  BIN=$(find_bin) || die "PostgreSQL server binaries still not found after install"
  [[ -f $(ext_dir)/postgis.control ]] || die "postgis.control still missing in $(ext_dir)"
}

# ---- OS user that owns the cluster (initdb refuses to run as root) --------------------
setup_os_user() {
  if ! is_root; then PGOS=$(id -un); return; fi
  if id postgres >/dev/null 2>&1; then PGOS=postgres; else
    PGOS=fixbazaar-pg
    id "$PGOS" >/dev/null 2>&1 || useradd --system --no-create-home --user-group --shell /usr/sbin/nologin "$PGOS"
  fi
}
# Run a server-side command as the cluster owner; fd 9 (our lock) must not leak into the postmaster.
as_pg() { if is_root; then (cd "$STATE" && runuser -u "$PGOS" -- "$@" 9>&-); else "$@" 9>&-; fi; }
prepare_dirs() {
  mkdir -p "$PG_DIR"
  if is_root; then
    chmod o+x "$LOCAL"
    chown "$PGOS:" "$PG_DIR"
    if [[ $STATE == "$PG_DIR" ]] && ! as_pg test -w "$PG_DIR"; then relocate; fi
    if [[ $STATE != "$PG_DIR" ]]; then
      mkdir -p "$STATE"
      chmod 711 "$(dirname "$STATE")"
      chmod 700 "$STATE"
    fi
    mkdir -p "$RUN"
    chown "$PGOS:" "$STATE" "$RUN"
  fi
  mkdir -p "$RUN"
  chmod 700 "$RUN"
}
# A parent of the checkout is closed to the cluster user (a clone under /root or in a 0700 folder):
# keep the server's files where it can reach them, owned by it (0700), linked from .local/pg/data.
relocate() {
  [[ -e $PG_DIR/data ]] && die "user '$PGOS' cannot reach the cluster in $PG_DIR (a parent directory is not traversable); run: npm run db -- reset (it moves the cluster to $EXTERNAL)"
  log "user '$PGOS' cannot reach $PG_DIR (a parent directory is not traversable): the server's files go to $EXTERNAL"
  ln -s "$EXTERNAL/data" "$PG_DIR/data"
  set_paths "$EXTERNAL"
}

# ---- server state -------------------------------------------------------------------------
# Prints the postmaster pid if our server is running (pid alive and its cwd is our data dir).
pm_pid() {
  local pid
  [[ -f $DATA/postmaster.pid ]] || return 1
  pid=$(head -1 "$DATA/postmaster.pid" 2>/dev/null || true)
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  [[ $(readlink "/proc/$pid/cwd" 2>/dev/null) == "$DATA" ]] || return 1
  echo "$pid"
}
# Any process (orphaned backend) still working in our data dir?
leftovers() { local p; for p in /proc/[0-9]*; do [[ $(readlink "$p/cwd" 2>/dev/null) == "$DATA" ]] && return 0; done; return 1; }
port_free() {
  ! (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null && ! ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
}
# Sets PORT to the first free port from $1 up to $2 - 1 (default 54499).
free_port_from() {
  local end=${2:-54500}
  PORT=$1
  while ! port_free "$PORT"; do PORT=$((PORT + 1)); (( PORT < end )) || die "no free port in $1-$((end - 1))"; done
}
sql() { local db=$1; shift; PGCONNECT_TIMEOUT=10 psql -X -q -v ON_ERROR_STOP=1 -h "$RUN" -p "$PORT" -U "$SUPER" -d "$db" "$@"; }

# ---- init -----------------------------------------------------------------------------------
# write_meta PORT: a new $META for a cluster on PORT, with new passwords.
write_meta() {
  local pw_owner pw_app
  rand() { openssl rand -hex 16 2>/dev/null || od -An -N16 -tx1 /dev/urandom | tr -d ' \n'; }
  pw_owner=$(rand) pw_app=$(rand)
  ( umask 077; printf '{\n  "host": "%s",\n  "port": %s,\n  "database": "%s",\n  "ownerUser": "%s",\n  "ownerPassword": "%s",\n  "appUser": "%s",\n  "appPassword": "%s"\n}\n' \
      "$HOST" "$1" "$DB" "$OWNER" "$pw_owner" "$APP" "$pw_app" >"$META" )
}
# run_initdb DIR CONF: a new cluster in DIR whose postgresql.conf includes CONF (in DIR) if present.
run_initdb() {
  local locale=C out
  locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$' && locale=C.UTF-8
  rm -rf "$1"
  out=$(as_pg "$BIN/initdb" -D "$1" -U "$SUPER" -E UTF8 --locale="$locale" --auth-local=trust --auth-host=scram-sha-256 2>&1) \
    || { echo "$out" >&2; die "initdb failed"; }
  echo "include_if_exists = '$2'" >>"$1/postgresql.conf"
}
init_cluster() {
  local port
  free_port_from 54329; port=$PORT
  write_meta "$port"
  log "initialising cluster in $DATA (port $port)..."
  run_initdb "$DATA" fixbazaar.conf
}

# (Re)write server settings from cluster.json; applied on every start.
write_config() {
  cat >"$DATA/fixbazaar.conf" <<EOF
# Generated by scripts/db.sh on each start. DEV/TEST CLUSTER ONLY: durability is switched off
# (fsync, synchronous_commit, full_page_writes) for speed; a crash can lose or corrupt data.
listen_addresses = '$HOST'
port = $PORT
unix_socket_directories = '$RUN'
unix_socket_permissions = 0700
max_connections = 300
shared_buffers = 256MB
fsync = off
synchronous_commit = off
full_page_writes = off
logging_collector = off
log_line_prefix = '%m [%p] %q%u@%d '
EOF
  # Superuser only through the (0700) unix socket; everyone else by password over TCP.
  printf '%s\n' "local all $SUPER trust" "local replication $SUPER trust" \
    "host all all $HOST/32 scram-sha-256" >"$DATA/pg_hba.conf"
  if is_root; then chown "$PGOS:" "$DATA/fixbazaar.conf" "$DATA/pg_hba.conf"; fi
}

start_server() {
  local i
  if [[ -f $DATA/postmaster.pid ]]; then
    for i in $(seq 20); do leftovers || break; sleep 0.5; done
    leftovers && die "processes from a previous server still use $DATA; stop them first"
    log "removing stale postmaster.pid"
    rm -f "$DATA/postmaster.pid" "$RUN"/.s.PGSQL."$PORT"*
  fi
  local attempt
  for attempt in 1 2 3; do
    if ! port_free "$PORT"; then
      # Another program (often another checkout's cluster) took the recorded port while this one
      # was stopped: move to the next free port and record it (readers take the port from
      # cluster.json).
      move_port "$PORT"
    fi
    write_config
    log "starting server on $HOST:$PORT..."
    local logged
    logged=$(stat -c %s "$LOG" 2>/dev/null || echo 0)
    as_pg "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -W start >/dev/null
    for i in $(seq 60); do
      "$BIN/pg_isready" -q -h "$HOST" -p "$PORT" && pm_pid >/dev/null && return 0
      # Another checkout's cluster bound the port between the check and this start (this start's
      # log says so, and no server runs): take the next free port and start again.
      if ! pm_pid >/dev/null && tail -c +$((logged + 1)) "$LOG" 2>/dev/null | grep -q 'could not bind'; then
        log "port $PORT was taken while starting (attempt $attempt)"
        move_port "$PORT"
        continue 2
      fi
      sleep 0.5
    done
    break
  done
  tail -n 20 "$LOG" >&2 || true
  die "server did not become ready within 30 s (log: $LOG)"
}

# Records the first free port after $1 in cluster.json as this cluster's port (PORT).
move_port() {
  local was=$1
  free_port_from $((was + 1))
  sed -i "s/\"port\": $was,/\"port\": $PORT,/" "$META"
  [[ $(meta port) == "$PORT" ]] || die "could not record the new port in $META"
  log "port $was is taken by another process; this cluster now uses $PORT"
}

# Extensions, schema grant and default privileges in one database (skipped when already there).
ensure_db_objects() {
  local ok
  ok=$(sql "$1" -tA <<SQL
SELECT (SELECT count(*) FROM pg_extension WHERE extname IN ('postgis','pg_trgm','btree_gist','citext')) = 4
   AND (SELECT count(*) FROM pg_default_acl d JOIN pg_roles r ON r.oid = d.defaclrole
        WHERE r.rolname = '$OWNER' AND d.defaclacl::text LIKE '%$APP=%') = 3
   AND has_schema_privilege('$APP', 'public', 'USAGE');
SQL
)
  [[ $ok == t ]] && return 0
  log "configuring database $1"
  sql "$1" <<SQL
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE EXTENSION IF NOT EXISTS citext;
GRANT USAGE ON SCHEMA public TO $APP;
ALTER DEFAULT PRIVILEGES FOR ROLE $OWNER IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO $APP;
ALTER DEFAULT PRIVILEGES FOR ROLE $OWNER IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO $APP;
ALTER DEFAULT PRIVILEGES FOR ROLE $OWNER IN SCHEMA public GRANT EXECUTE ON FUNCTIONS TO $APP;
SQL
}

# Whether role $1 logs in over TCP with password $2.
can_login() { PGPASSWORD=$2 PGCONNECT_TIMEOUT=10 psql -X -w -h "$HOST" -p "$PORT" -U "$1" -d postgres -tAc 'SELECT 1' >/dev/null 2>&1; }

ensure_objects() {
  # A password is set only when the role cannot log in with cluster.json's: setting it again makes
  # a new SCRAM verifier (a new salt), which would stale PgBouncer's copy (scripts/pgbouncer.sh).
  local set_owner_pw=false set_app_pw=false
  can_login "$OWNER" "$(meta ownerPassword)" || set_owner_pw=true
  can_login "$APP" "$(meta appPassword)" || set_app_pw=true
  sql postgres -v owner_pw="$(meta ownerPassword)" -v app_pw="$(meta appPassword)" \
    -v set_owner_pw=$set_owner_pw -v set_app_pw=$set_app_pw <<SQL
SELECT 'CREATE ROLE $OWNER' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$OWNER') \gexec
SELECT 'CREATE ROLE $APP' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$APP') \gexec
ALTER ROLE $OWNER LOGIN CREATEDB NOSUPERUSER NOCREATEROLE NOREPLICATION;
ALTER ROLE $APP LOGIN NOCREATEDB NOSUPERUSER NOCREATEROLE NOREPLICATION;
\if :set_owner_pw
ALTER ROLE $OWNER PASSWORD :'owner_pw';
\endif
\if :set_app_pw
ALTER ROLE $APP PASSWORD :'app_pw';
\endif
-- What the app asks for at connect, which PgBouncer drops (scripts/pgbouncer.sh; in production
-- deploy/base/platform/postgres-cluster.yaml): DATABASE_STATEMENT_TIMEOUT_MS's default and the
-- isolation the ledger relies on. A connection's own startup parameters still take precedence.
ALTER ROLE $APP SET statement_timeout = '15s';
ALTER ROLE $APP SET default_transaction_isolation = 'read committed';
-- The owner drops test databases WITH (FORCE), which ends the app role's connections to them.
GRANT pg_signal_backend TO $OWNER;
SQL
  # template1 first, so every database created later (tests clone) inherits all of it.
  ensure_db_objects template1
  sql postgres <<SQL
SELECT 'CREATE DATABASE $DB OWNER $OWNER TEMPLATE template1' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$DB') \gexec
SQL
  ensure_db_objects "$DB"
}

# ---- commands -----------------------------------------------------------------------------
lock() { mkdir -p "$LOCAL"; exec 9>>"$LOCAL/pg.lock"; flock -w 300 9 || die "timed out waiting for another db.sh"; }

cmd_start() {
  if [[ -n ${DATABASE_URL:-} ]]; then log "DATABASE_URL is set; the local cluster is not needed"; return 0; fi
  ensure_packages
  setup_os_user
  prepare_dirs
  [[ -f $DATA/PG_VERSION ]] || init_cluster
  [[ -f $META ]] || die "$META is missing but the cluster exists; run: npm run db -- reset"
  PORT=$(meta port)
  pm_pid >/dev/null || start_server
  ensure_objects
  echo "postgres ready on $HOST:$PORT (database $DB)"
}

cmd_stop() {
  local pid
  # PgBouncer in front of it (scripts/pgbouncer.sh) goes too.
  if [[ -f $RUN/pgbouncer.pid ]]; then bash "$ROOT/scripts/pgbouncer.sh" stop; fi
  if ! pid=$(pm_pid); then log "not running"; return 0; fi
  BIN=$(find_bin) || die "PostgreSQL binaries not found"
  setup_os_user
  log "stopping server (pid $pid)..."
  as_pg "$BIN/pg_ctl" -D "$DATA" -m fast -w -t 60 stop >/dev/null
}

cmd_status() {
  local pid
  if [[ -f $DATA/PG_VERSION ]]; then echo "initialised: yes (data $DATA)"; else echo "initialised: no ($DATA)"; fi
  [[ -f $META ]] && echo "port: $(meta port)"
  if pid=$(pm_pid); then echo "running: yes (pid $pid)"; return 0; fi
  echo "running: no"; return 3
}

cmd_url() {
  [[ -f $META ]] || die "no local cluster ($META missing); run: npm run db -- start"
  case "${1:-app}" in
    app) echo "postgresql://$(meta appUser):$(meta appPassword)@$(meta host):$(meta port)/$(meta database)" ;;
    owner) echo "postgresql://$(meta ownerUser):$(meta ownerPassword)@$(meta host):$(meta port)/$(meta database)" ;;
    *) die "usage: db.sh url [app|owner]" ;;
  esac
}

cmd_psql() {
  [[ -f $META ]] || die "no local cluster; run: npm run db -- start"
  PGHOST=$RUN PGPORT=$(meta port) PGUSER=$SUPER PGDATABASE=$DB exec psql "$@"
}

# ---- streaming replica (hot standby) ------------------------------------------------------
# A local standby of this cluster, for reads that tolerate staleness (DATABASE_REPLICA_URL):
# pg_basebackup over the superuser's socket, then streaming replication. Its files live beside
# the primary's (replica/), its port is the first free one after the primary's; `stop` removes it.
REPLICA="$STATE/replica"
RDATA="$REPLICA/data"
RLOG="$REPLICA/server.log"
RRUN="$RUN-replica"

replica_pid() { [[ -f $RDATA/postmaster.pid ]] && head -1 "$RDATA/postmaster.pid"; }
replica_running() { local pid; pid=$(replica_pid) && kill -0 "$pid" 2>/dev/null; }

replica_start() {
  [[ -f $META ]] || die "no local cluster; run: npm run db -- start"
  PORT=$(meta port)
  pm_pid >/dev/null || die "the primary is not running; run: npm run db -- start"
  BIN=$(find_bin) || die "PostgreSQL binaries not found"
  setup_os_user
  if [[ -f $REPLICA/port ]] && replica_running; then
    echo "replica ready on $HOST:$(cat "$REPLICA/port")"; return 0
  fi
  # The primary takes replication connections from its superuser over the socket (pg_hba).
  if ! grep -q '^local replication' "$DATA/pg_hba.conf"; then
    write_config
    as_pg "$BIN/pg_ctl" -D "$DATA" reload >/dev/null
  fi
  rm -rf "$REPLICA" "$RRUN"
  mkdir -p "$REPLICA" "$RRUN"
  if is_root; then chown "$PGOS:" "$REPLICA" "$RRUN"; fi
  chmod 0700 "$REPLICA" "$RRUN"
  log "copying the primary (pg_basebackup)..."
  as_pg "$BIN/pg_basebackup" -h "$RUN" -p "$PORT" -U "$SUPER" -D "$RDATA" -X stream -R -c fast
  local rport attempt logged
  free_port_from $((PORT + 1)); rport=$PORT; PORT=$(meta port)
  for attempt in 1 2 3; do
    echo "$rport" >"$REPLICA/port"
    # The copy's settings are the primary's: its own port and socket, a hot standby.
    cat >"$RDATA/fixbazaar.conf" <<EOF
# Generated by scripts/db.sh replica start. DEV/TEST ONLY (durability off, as on the primary).
listen_addresses = '$HOST'
port = $rport
unix_socket_directories = '$RRUN'
unix_socket_permissions = 0700
max_connections = 300
shared_buffers = 128MB
fsync = off
synchronous_commit = off
full_page_writes = off
hot_standby = on
hot_standby_feedback = on
logging_collector = off
EOF
    if is_root; then chown "$PGOS:" "$RDATA/fixbazaar.conf"; fi
    log "starting the replica on $HOST:$rport..."
    logged=$(stat -c %s "$RLOG" 2>/dev/null || echo 0)
    if as_pg "$BIN/pg_ctl" -D "$RDATA" -l "$RLOG" -w -t 60 start >/dev/null; then
      echo "replica ready on $HOST:$rport"
      return 0
    fi
    # The port was taken between the check and the start (another cluster, or a connection's
    # ephemeral port on a busy machine): take the next free one and start again.
    tail -c +$((logged + 1)) "$RLOG" 2>/dev/null | grep -q 'could not bind' || break
    log "port $rport was taken while starting the replica (attempt $attempt)"
    free_port_from $((rport + 1)); rport=$PORT; PORT=$(meta port)
  done
  tail -n 20 "$RLOG" >&2
  die "the replica did not start (log: $RLOG)"
}

replica_stop() {
  if replica_running; then
    BIN=$(find_bin) || die "PostgreSQL binaries not found"
    setup_os_user
    log "stopping the replica..."
    as_pg "$BIN/pg_ctl" -D "$RDATA" -m fast -w -t 60 stop >/dev/null
  fi
  rm -rf "$REPLICA" "$RRUN"
}

cmd_replica() {
  case "${1:-}" in
    start) lock; replica_start ;;
    stop) lock; replica_stop ;;
    url)
      [[ -f $REPLICA/port ]] || die "no replica; run: npm run db -- replica start"
      echo "postgresql://$(meta appUser):$(meta appPassword)@$(meta host):$(cat "$REPLICA/port")/$(meta database)" ;;
    psql)
      shift
      [[ -f $REPLICA/port ]] || die "no replica; run: npm run db -- replica start"
      PGHOST=$RRUN PGPORT=$(cat "$REPLICA/port") PGUSER=$SUPER PGDATABASE=$DB exec psql "$@" ;;
    *) die "usage: db.sh replica start|stop|url|psql [args...]" ;;
  esac
}
# Sourced (scripts/pgbouncer.sh): the paths and helpers above, no command.
[[ ${BASH_SOURCE[0]} == "$0" ]] || return 0

cmd=${1:-start}
[[ $# -gt 0 ]] && shift
case "$cmd" in
  start) lock; cmd_start ;;
  stop) lock; cmd_stop ;;
  reset)
    lock; cmd_stop
    log "deleting $PG_DIR"
    rm -rf "$PG_DIR" "$RUN"
    if [[ $STATE != "$PG_DIR" ]]; then log "deleting $STATE"; rm -rf "$STATE"; fi
    set_paths "$PG_DIR"
    cmd_start ;;
  status) cmd_status ;;
  replica) cmd_replica "$@" ;;
  url) cmd_url "$@" ;;
  psql) cmd_psql "$@" ;;
  drill) source "$ROOT/scripts/drill.sh"; cmd_drill ;;
  *) die "unknown command '$cmd' (start|stop|reset|status|url [app|owner]|psql [args]|drill)" ;;
esac
