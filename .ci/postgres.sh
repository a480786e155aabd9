# shellcheck shell=bash
# A local PostgreSQL for the store tests, SOURCED by .ci/run before the tests.
#
# On a Debian machine (root, or a user with sudo) it installs PostgreSQL when it is missing, starts the
# newest installed major version's "main" cluster (creating it if needed; already running is fine), creates
# the role `edx` and the database `edxkit_test` if they do not exist, and exports
#   EDX_TEST_POSTGRES_URL=postgresql+psycopg://edx:edx-test@localhost:PORT/edxkit_test
# The store tests run on SQLite always and on PostgreSQL when that variable is set.
#
# Being sourced under `set -euo pipefail`, it never exits the caller: when PostgreSQL cannot be set up it
# prints why and leaves the variable unset, so the PostgreSQL tests are skipped with that reason — unless
# EDX_REQUIRE_POSTGRES=1, which makes a failed setup fail the run.

_edx_pg_log() { echo "postgres.sh: $*" >&2; }

_edx_pg_setup() {
  local sudo="" as_postgres
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { _edx_pg_log "neither root nor sudo: cannot set up PostgreSQL"; return 1; }
    sudo="sudo"
  fi
  if [ "$(id -u)" -eq 0 ] && command -v runuser >/dev/null; then
    as_postgres=(runuser -u postgres --)
  else
    as_postgres=(sudo -u postgres)
  fi

  if ! command -v pg_ctlcluster >/dev/null || ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
    command -v apt-get >/dev/null || { _edx_pg_log "PostgreSQL is not installed and apt-get is missing"; return 1; }
    echo "+ apt-get install postgresql"
    $sudo apt-get update -qq || return 1
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null || return 1
  fi

  local major
  major=$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | sort -V | tail -n 1)
  [ -n "$major" ] || { _edx_pg_log "no PostgreSQL version under /usr/lib/postgresql"; return 1; }

  if ! pg_lsclusters -h | awk -v v="$major" '$1 == v && $2 == "main" {found = 1} END {exit !found}'; then
    echo "+ pg_createcluster $major main"
    $sudo pg_createcluster "$major" main >/dev/null || return 1
  fi
  local port status
  port=$(pg_lsclusters -h | awk -v v="$major" '$1 == v && $2 == "main" {print $3}')
  status=$(pg_lsclusters -h | awk -v v="$major" '$1 == v && $2 == "main" {print $4}')
  if [ "$status" != "online" ]; then
    echo "+ pg_ctlcluster $major main start"
    $sudo pg_ctlcluster "$major" main start || return 1
  fi
  local i ready=""
  for i in $(seq 1 30); do
    if "${as_postgres[@]}" psql -p "$port" -Atqc "select 1" >/dev/null 2>&1; then
      ready=1
      break
    fi
    sleep 1
  done
  [ -n "$ready" ] || { _edx_pg_log "cluster $major/main did not accept connections on port $port"; return 1; }

  # Role and database, idempotently (the password is for this throw-away local test database only).
  "${as_postgres[@]}" psql -p "$port" -v ON_ERROR_STOP=1 -Atq >/dev/null <<'SQL' || return 1
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'edx') THEN
    CREATE ROLE edx LOGIN PASSWORD 'edx-test';
  ELSE
    ALTER ROLE edx LOGIN PASSWORD 'edx-test';
  END IF;
END
$$;
SQL
  if [ -z "$("${as_postgres[@]}" psql -p "$port" -Atqc "SELECT 1 FROM pg_database WHERE datname = 'edxkit_test'")" ]; then
    "${as_postgres[@]}" createdb -p "$port" -O edx edxkit_test || return 1
  fi
  export EDX_TEST_POSTGRES_URL="postgresql+psycopg://edx:edx-test@localhost:${port}/edxkit_test"
  echo "+ PostgreSQL $major on port $port: EDX_TEST_POSTGRES_URL=$EDX_TEST_POSTGRES_URL"
}

if ! _edx_pg_setup; then
  if [ "${EDX_REQUIRE_POSTGRES:-0}" = "1" ]; then
    _edx_pg_log "PostgreSQL setup failed and EDX_REQUIRE_POSTGRES=1"
    return 1 2>/dev/null || exit 1
  fi
  _edx_pg_log "PostgreSQL setup failed: the store tests run on SQLite only (PostgreSQL ones are skipped)"
fi
unset -f _edx_pg_setup _edx_pg_log
