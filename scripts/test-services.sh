#!/usr/bin/env bash
# What `npm test` needs besides node_modules, made sure of BEFORE any test runs:
#
#   PostgreSQL  127.0.0.1:5432, database `test`, role `postgres` logs in over TCP without a password
#               (or whatever PORTCULLIS_TEST_PG_URL names: then that server is only checked, never touched)
#   Redis       127.0.0.1:6379 (or PORTCULLIS_TEST_REDIS_URL: only checked)
#   Chromium    Debian's, at /usr/bin/chromium (or PORTCULLIS_CHROMIUM: only checked), for the browser tests
#   and the PostgreSQL server binaries + redis-server, with which the scale tests run private instances.
#
# Why a script of its own: the tests used to assume these and `.ci/run` quietly provided them, so
# `npm ci && npm test` on a fresh machine failed half-way, in the browser tests. Now `npm test` and
# `.ci/run` both run this first. Where it can (root, or passwordless sudo; apt-get for packages) it
# installs and starts what is missing. Where it cannot, it starts nothing, prints one line per missing
# thing with the command that provides it, and exits 1 — so the test run never begins half-equipped
# and nothing is skipped silently. When everything is there it only probes: well under a second.
#
# Overrides, to exercise this script itself (test/frontdoor/test-services.test.ts) without touching
# the machine — not needed for normal use:
#   PORTCULLIS_SERVICES_UID         act as this uid (e.g. 1000: "not root")
#   PORTCULLIS_SERVICES_PG_PORT     the local PostgreSQL port to manage (default 5432)
#   PORTCULLIS_SERVICES_PG_CLUSTER  the Debian cluster name to create/start there (default main)
#   PORTCULLIS_SERVICES_DEBIAN_CHROMIUM  where `apt-get install chromium` is taken to put the browser
#                                   (default /usr/bin/chromium: "absent" is a path that does not exist)
# and PATH: without sudo and apt-get on it, nothing can be installed.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# The same defaults the tests use: src/testing/test-database.ts, src/testing/test-redis.ts,
# test/browser/harness.ts. A URL equal to the local default is "ours" to start and prepare.
PG_PORT="${PORTCULLIS_SERVICES_PG_PORT:-5432}"
PG_CLUSTER="${PORTCULLIS_SERVICES_PG_CLUSTER:-main}"
PG_USER=postgres
PG_DB=test
LOCAL_PG_URL="postgres://${PG_USER}@127.0.0.1:${PG_PORT}/${PG_DB}"
PG_URL="${PORTCULLIS_TEST_PG_URL:-$LOCAL_PG_URL}"
LOCAL_REDIS_URL="redis://127.0.0.1:6379"
REDIS_URL="${PORTCULLIS_TEST_REDIS_URL:-$LOCAL_REDIS_URL}"
# Where Debian's chromium package puts the browser (a test hook may move it: see the top).
DEBIAN_CHROMIUM="${PORTCULLIS_SERVICES_DEBIAN_CHROMIUM:-/usr/bin/chromium}"
CHROMIUM="${PORTCULLIS_CHROMIUM:-$DEBIAN_CHROMIUM}"

say() { printf 'test-services: %s\n' "$*"; }
# URLs are printed with their password masked: these lines end up in CI logs.
shown() { printf '%s' "$1" | sed -E 's#^([a-z]+://[^:/@]*):[^@/]*@#\1:***@#'; }
PG_SHOWN="$(shown "$PG_URL")"
REDIS_SHOWN="$(shown "$REDIS_URL")"

# ---------------------------------------------------------------------------------------------
# What this user may do. Privileged = root, or sudo that never asks for a password (sudo -n).

MY_UID="${PORTCULLIS_SERVICES_UID:-$(id -u)}"
if [ "$MY_UID" -eq 0 ]; then
  PRIVILEGED=yes; SUDO=(); AS_ROOT=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
  PRIVILEGED=yes; SUDO=(sudo -n); AS_ROOT="sudo "
else
  PRIVILEGED=no; SUDO=(); AS_ROOT="sudo "
fi
if command -v apt-get >/dev/null 2>&1; then HAVE_APT=yes; else HAVE_APT=no; fi
can_start() { [ "$PRIVILEGED" = yes ]; }
can_install() { [ "$PRIVILEGED" = yes ] && [ "$HAVE_APT" = yes ]; }

# What cannot be provided here, one line each; printed together at the end, before any test runs.
MISSING=()
missing() { MISSING+=("$*"); }

APT_UPDATED=no
apt_install() {
  if [ "$APT_UPDATED" = no ]; then "${SUDO[@]}" apt-get update; APT_UPDATED=yes; fi
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "$@"
}

as_postgres() {
  if [ "$MY_UID" -eq 0 ]; then
    if command -v runuser >/dev/null 2>&1; then runuser -u postgres -- "$@"; else su postgres -s /bin/sh -c "$(printf '%q ' "$@")"; fi
  else
    sudo -n -u postgres "$@"
  fi
}

# ---------------------------------------------------------------------------------------------
# Probes. One Node process per look, with the very clients the tests use (pg, ioredis), so "ok"
# here means "ok for the tests" — including passwords, TLS and database names in the URLs, which
# pg_isready or redis-cli would not check. Prints `<name> <status> <detail>` per service:
#   pg:    ok | down (nothing answers) | auth (login refused) | nodb (database missing) | error
#   redis: ok | down | error

probe() { # probe pg|redis|all
  PROBE="$1" PG_URL="$PG_URL" REDIS_URL="$REDIS_URL" node - <<'NODE'
'use strict';
const TIMEOUT_MS = 3000;
const out = (name, status, detail = '') => process.stdout.write(`${name} ${status} ${String(detail).replace(/\s+/g, ' ').trim()}\n`);
// Node 20 reports a refused dual-stack connect as an AggregateError with an empty message.
const describe = (e) => {
  const inner = e && Array.isArray(e.errors) && e.errors.length > 0 ? e.errors[0] : e;
  return { code: (e && e.code) || (inner && inner.code), message: (e && e.message) || (inner && inner.message) || String(e) };
};
const load = (name) => {
  try { return require(name); } catch (e) { throw new Error(`cannot load the ${name} package (run npm ci first): ${e.message}`); }
};
async function pg() {
  let client;
  try {
    client = new (load('pg').Client)({ connectionString: process.env.PG_URL, connectionTimeoutMillis: TIMEOUT_MS });
    client.on('error', () => undefined);
    await client.connect();
    await client.query('select 1');
    out('pg', 'ok');
  } catch (error) {
    const { code, message } = describe(error);
    if (code === '3D000') out('pg', 'nodb', message);
    else if (code === '28P01' || code === '28000' || /password/i.test(message)) out('pg', 'auth', message);
    else if (/^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|ENOENT)$/.test(code || '') || /timeout|terminated/i.test(message)) out('pg', 'down', code && !message.includes(code) ? `${code} ${message}` : message);
    else out('pg', 'error', code ? `${code} ${message}` : message);
  } finally {
    if (client) await client.end().catch(() => undefined);
  }
}
async function redis() {
  let client;
  let cause;
  try {
    const { Redis } = load('ioredis');
    client = new Redis(process.env.REDIS_URL, { lazyConnect: true, connectTimeout: TIMEOUT_MS, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    // With retries off, connect() rejects with "Connection is closed"; the cause comes as an event.
    client.on('error', (e) => { cause = e; });
    await client.connect();
    const reply = await client.ping();
    if (reply === 'PONG') out('redis', 'ok');
    else out('redis', 'error', `PING answered ${reply}`);
  } catch (error) {
    const { code, message } = describe(cause || error);
    out('redis', /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN)$/.test(code || '') || /connect|closed/i.test(message) ? 'down' : 'error', code && !message.includes(code) ? `${code} ${message}` : message);
  } finally {
    if (client) client.disconnect();
  }
}
const which = process.env.PROBE;
Promise.all([which !== 'redis' ? pg() : undefined, which !== 'pg' ? redis() : undefined]).then(() => process.exit(0));
NODE
}

# Sets STATUS and DETAIL for one service from a probe's output.
read_probe() { # read_probe <name> <probe output>
  local line
  line="$(printf '%s\n' "$2" | grep -m1 "^$1 " || true)"
  line="${line#"$1 "}"
  STATUS="${line%% *}"
  DETAIL="${line#"$STATUS"}"; DETAIL="${DETAIL# }"
  [ -n "$STATUS" ] || { STATUS=error; DETAIL="the probe printed nothing for $1"; }
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL

pg_server_installed() { compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; }
latest_pg_version() { ls /usr/lib/postgresql | sort -V | tail -n 1; }
pg_accepting() { command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p "$PG_PORT"; }
wait_for_pg() {
  for _ in $(seq 1 30); do pg_accepting && return 0; sleep 1; done
  say "PostgreSQL did not start accepting connections on 127.0.0.1:${PG_PORT} within 30 s" >&2
  return 1
}

# Local server not answering: install the package if need be, create the cluster if need be, start it.
pg_start_local() {
  if ! pg_server_installed; then
    say "PostgreSQL is not installed: apt-get install -y postgresql"
    apt_install postgresql
  fi
  local version; version="$(latest_pg_version)"
  if [ ! -d "/etc/postgresql/${version}/${PG_CLUSTER}" ]; then
    say "no cluster ${version}/${PG_CLUSTER}: creating it on port ${PG_PORT}"
    "${SUDO[@]}" pg_createcluster "$version" "$PG_CLUSTER" --port "$PG_PORT"
  fi
  say "starting cluster ${version}/${PG_CLUSTER}"
  # "Already running" is not an error here; wait_for_pg decides.
  "${SUDO[@]}" pg_ctlcluster --skip-systemctl-redirect "$version" "$PG_CLUSTER" start || say "pg_ctlcluster start returned $?"
  wait_for_pg
}

# A fresh Debian cluster asks TCP clients for a password (scram/md5). Trust role postgres from
# loopback only, ahead of the existing rules, and reload. Test machines only.
pg_trust_loopback() {
  local hba_file rules tmp
  hba_file="$(as_postgres psql -p "$PG_PORT" -Atqc 'show hba_file')"
  say "role ${PG_USER} needs a password over TCP: adding loopback trust for it to ${hba_file}"
  rules="host all ${PG_USER} 127.0.0.1/32 trust"$'\n'"host all ${PG_USER} ::1/128 trust"
  if ! as_postgres grep -qF "host all ${PG_USER} 127.0.0.1/32 trust" "$hba_file"; then
    tmp="$(mktemp)"
    { printf '%s\n' "# added by scripts/test-services.sh: passwordless TCP login for tests" "$rules"; as_postgres cat "$hba_file"; } > "$tmp"
    as_postgres tee "$hba_file" < "$tmp" >/dev/null
    rm -f "$tmp"
  fi
  as_postgres psql -p "$PG_PORT" -Atqc 'select pg_reload_conf()' >/dev/null
  sleep 1
}

# Role postgres is a superuser and now logs in: create the database through the maintenance db.
pg_create_db() {
  say "creating database ${PG_DB}"
  PG_URL="${LOCAL_PG_URL%/*}/postgres" PG_DB="$PG_DB" node - <<'NODE'
'use strict';
const { Client } = require('pg');
const client = new Client({ connectionString: process.env.PG_URL, connectionTimeoutMillis: 5000 });
client.connect()
  .then(() => client.query(`create database "${process.env.PG_DB}"`))
  .catch((e) => { if (e.code !== '42P04') { console.error(`create database failed: ${e.message}`); process.exitCode = 1; } })
  .finally(() => client.end().catch(() => undefined));
NODE
}

ensure_pg() { # ensure_pg <first probe output>
  local output="$1" fixed=""
  if [ "$PG_URL" != "$LOCAL_PG_URL" ]; then
    # Someone else's server: check it, never start or change it.
    read_probe pg "$output"
    case "$STATUS" in
      ok) return 0 ;;
      down) missing "postgresql: nothing answers at ${PG_SHOWN} (PORTCULLIS_TEST_PG_URL): ${DETAIL} — start that server, or unset PORTCULLIS_TEST_PG_URL to use ${LOCAL_PG_URL}" ;;
      auth) missing "postgresql: login refused at ${PG_SHOWN} (PORTCULLIS_TEST_PG_URL): ${DETAIL} — put the password in the URL, or let that server trust this role" ;;
      nodb) local db="${PG_URL##*/}"; db="${db%%\?*}"
        missing "postgresql: ${DETAIL} at ${PG_SHOWN} (PORTCULLIS_TEST_PG_URL) — create it: createdb --maintenance-db='${PG_SHOWN%/*}/postgres' '${db}'" ;;
      *) missing "postgresql: ${PG_SHOWN} (PORTCULLIS_TEST_PG_URL) is not usable: ${DETAIL}" ;;
    esac
    return 0
  fi
  # Ours: walk down->auth->nodb->ok, fixing each step once; the same step failing again is an error.
  for _ in 1 2 3 4; do
    read_probe pg "$output"
    case "$STATUS" in
      ok) [ -n "$fixed" ] && say "PostgreSQL ready at ${LOCAL_PG_URL}"; return 0 ;;
      down)
        if [[ "$fixed" == *down* ]]; then missing "postgresql: started but still not answering at ${LOCAL_PG_URL}: ${DETAIL}"; return 0; fi
        if ! pg_server_installed && ! can_install; then
          missing "postgresql: not installed (nothing answers on 127.0.0.1:${PG_PORT}) — install it: ${AS_ROOT}apt-get install -y postgresql, then start it: ${AS_ROOT}pg_ctlcluster --skip-systemctl-redirect <version> ${PG_CLUSTER} start"
          return 0
        fi
        if ! can_start; then
          local version; version="$(latest_pg_version)"
          if [ -d "/etc/postgresql/${version}/${PG_CLUSTER}" ]; then
            missing "postgresql: installed but not running on 127.0.0.1:${PG_PORT} — start it: ${AS_ROOT}pg_ctlcluster --skip-systemctl-redirect ${version} ${PG_CLUSTER} start"
          else
            missing "postgresql: installed, but no cluster ${version}/${PG_CLUSTER} and nothing answers on 127.0.0.1:${PG_PORT} — create and start one: ${AS_ROOT}pg_createcluster ${version} ${PG_CLUSTER} --port ${PG_PORT} --start"
          fi
          return 0
        fi
        pg_start_local ;;
      auth)
        if [[ "$fixed" == *auth* ]]; then missing "postgresql: role ${PG_USER} still cannot log in over TCP at 127.0.0.1:${PG_PORT} (${DETAIL}); check pg_hba.conf"; return 0; fi
        if ! can_start; then
          missing "postgresql: role ${PG_USER} cannot log in over TCP on 127.0.0.1:${PG_PORT} without a password (${DETAIL}) — allow it: ${AS_ROOT}bash scripts/test-services.sh (adds 'host all ${PG_USER} 127.0.0.1/32 trust' to pg_hba.conf)"
          return 0
        fi
        pg_trust_loopback ;;
      nodb)
        if [[ "$fixed" == *nodb* ]]; then missing "postgresql: database ${PG_DB} still missing at ${LOCAL_PG_URL}"; return 0; fi
        pg_create_db ;;
      *) missing "postgresql: ${LOCAL_PG_URL} is not usable: ${DETAIL}"; return 0 ;;
    esac
    fixed="$fixed $STATUS"
    output="$(probe pg)"
  done
}

# ---------------------------------------------------------------------------------------------
# Redis

redis_start_local() {
  if ! command -v redis-server >/dev/null 2>&1; then
    say "Redis is not installed: apt-get install -y redis-server"
    apt_install redis-server
  fi
  say "starting redis-server on 127.0.0.1:6379 (no persistence)"
  "${SUDO[@]}" mkdir -p /var/lib/redis /var/log/redis
  "${SUDO[@]}" redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
  local output
  for _ in $(seq 1 20); do
    output="$(probe redis)"; read_probe redis "$output"
    [ "$STATUS" = ok ] && { say "Redis answering"; return 0; }
    sleep 0.5
  done
  missing "redis: started but still not answering at ${LOCAL_REDIS_URL}: ${DETAIL} (see /var/log/redis/ci.log)"
}

ensure_redis() { # ensure_redis <first probe output>
  read_probe redis "$1"
  [ "$STATUS" = ok ] && return 0
  if [ "$REDIS_URL" != "$LOCAL_REDIS_URL" ]; then
    missing "redis: no answer at ${REDIS_SHOWN} (PORTCULLIS_TEST_REDIS_URL): ${DETAIL} — start that server, or unset PORTCULLIS_TEST_REDIS_URL to use ${LOCAL_REDIS_URL}"
  elif ! command -v redis-server >/dev/null 2>&1 && ! can_install; then
    missing "redis: not installed (nothing answers on 127.0.0.1:6379) — install and start it: ${AS_ROOT}apt-get install -y redis-server && ${AS_ROOT}redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no"
  elif ! can_start; then
    missing "redis: installed but not running on 127.0.0.1:6379 (${DETAIL}) — start it: ${AS_ROOT}redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no"
  else
    redis_start_local
  fi
}

# ---------------------------------------------------------------------------------------------
# Chromium: the browser project drives it through playwright-core, which downloads no browser.

ensure_chromium() {
  [ -x "$CHROMIUM" ] && return 0
  if [ "$CHROMIUM" != "$DEBIAN_CHROMIUM" ]; then
    # Installing the package would not put anything at a path someone chose.
    missing "chromium: no executable at ${CHROMIUM} (PORTCULLIS_CHROMIUM) — point PORTCULLIS_CHROMIUM at a Chromium, or unset it and install Debian's: ${AS_ROOT}apt-get install -y chromium"
  elif ! can_install; then
    missing "chromium: no executable at ${CHROMIUM} — install it: ${AS_ROOT}apt-get install -y chromium"
  else
    say "Chromium is not installed: apt-get install -y chromium"
    apt_install chromium
    [ -x "$CHROMIUM" ] || { missing "chromium: apt-get installed the package but there is still nothing at ${CHROMIUM}"; return 0; }
    say "installed $("$CHROMIUM" --version 2>/dev/null || echo chromium)"
  fi
}

# The scale tests start private PostgreSQL and Redis instances (test/scale/services.ts). With the
# local services above these binaries are there already; with URLs pointing elsewhere they may not be.
ensure_scale_binaries() {
  if ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
    missing "postgresql server binaries (initdb, pg_ctl: the scale tests' private clusters): none under /usr/lib/postgresql — install them: ${AS_ROOT}apt-get install -y postgresql"
  fi
  if ! command -v redis-server >/dev/null 2>&1; then
    missing "redis-server (the scale tests' private instances): not on PATH — install it: ${AS_ROOT}apt-get install -y redis-server"
  fi
}

# ---------------------------------------------------------------------------------------------

if ! command -v node >/dev/null 2>&1; then say "node is not on PATH" >&2; exit 1; fi
if [ ! -d node_modules/pg ] || [ ! -d node_modules/ioredis ]; then
  say "node_modules is incomplete — run: npm ci" >&2
  exit 1
fi

first="$(probe all)"
ensure_pg "$first"
ensure_redis "$first"
ensure_chromium
ensure_scale_binaries

if [ "${#MISSING[@]}" -gt 0 ]; then
  why=""
  if [ "$PRIVILEGED" = no ]; then why=" (this user cannot install or start them: not root, no passwordless sudo)"
  elif [ "$HAVE_APT" = no ]; then why=" (no apt-get here to install packages with)"; fi
  {
    say "the tests cannot run; missing, one line each with what provides it${why}:"
    printf '  %s\n' "${MISSING[@]}"
  } >&2
  exit 1
fi
say "ready: PostgreSQL ${PG_SHOWN}, Redis ${REDIS_SHOWN}, Chromium ${CHROMIUM}"
