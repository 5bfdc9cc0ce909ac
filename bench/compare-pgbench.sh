#!/usr/bin/env bash
# Side by side on one PostgreSQL cluster, one after the other, each on a fresh database:
#   hot, spread  pgbench's raw contentInstance transactions (bench/pgbench/hot.sql,
#                spread.sql) against onecse-bench's create-cin-hot and create-cin-spread;
#   latest       onecse-bench's retrieve-latest on PostgreSQL against the same on the
#                embedded SQLite.
# It prints onecse's rate as a share of the reference. Needs pgbench, createdb/dropdb/psql
# and release builds of onecse and onecse-bench
# (cargo build --release -p onecse -p onecse-bench).
#
#   bench/compare-pgbench.sh [CLIENTS] [SECONDS]      (default 64 clients, 15 s)
#
# Settings: PGHOST (127.0.0.1; a directory such as /var/run/postgresql connects both
# pgbench and onecse through the Unix socket), PGPORT (5432), PGUSER (postgres), PORT for
# onecse (8095). libpq's other variables (PGSSLMODE, say) reach pgbench and onecse alike.
#
# The database is ANALYZEd during the warm-up, after onecse-bench has made its rows: a
# never-analyzed table can get a plan that sorts all of a container's instances to find
# its latest; deployments get the statistics from autovacuum within a minute.
set -euo pipefail
cd "$(dirname "$0")/.."
clients=${1:-64}
seconds=${2:-15}
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
port=${PORT:-8095}
warmup=5
db=onecse_compare
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
onecse=target/release/onecse
bench=target/release/onecse-bench
for tool in pgbench createdb dropdb psql curl "$onecse" "$bench"; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done

# libpq's URL form: a socket directory goes percent-encoded in the host part.
host=${PGHOST//\//%2F}
pg_url="postgres://${PGUSER}@${host}:${PGPORT}/${db}"
sqlite_url="sqlite://${scratch}/onecse.db"

fresh_database() {
  dropdb --if-exists "$db" >/dev/null 2>&1
  createdb -T template0 --encoding=UTF8 --lc-collate=C --lc-ctype=C "$db"
  rm -f "${scratch}"/onecse.db*
}

pgbench_tps() { # script
  fresh_database
  "$onecse" migrate --database-url "$pg_url" >/dev/null 2>&1
  psql -q -d "$db" -f bench/pgbench/setup.sql >/dev/null
  pgbench -n -c "$clients" -j 2 -T "$seconds" -f "bench/pgbench/$1" "$db" 2>/dev/null \
    | awk '/^tps/ {print int($3); exit}'
}

onecse_rate() { # scenario database-url
  fresh_database
  ONECSE_LOG=warn "$onecse" --bind "127.0.0.1:${port}" --database-url "$2" >/dev/null 2>&1 &
  local pid=$!
  for _ in $(seq 1 100); do
    curl -s -o /dev/null "http://127.0.0.1:${port}/healthz" && break
    sleep 0.2
  done
  local analyzer=
  if [[ $2 == postgres* ]]; then
    (for _ in $(seq 1 "$warmup"); do sleep 1; psql -q -d "$db" -c ANALYZE 2>/dev/null; done) &
    analyzer=$!
  fi
  "$bench" "$1" --target "http://127.0.0.1:${port}/cse-in" --connections "$clients" \
    --duration "$seconds" --warmup "$warmup" 2>/dev/null \
    | awk '/per sec/ {getline; print int($2); exit}'
  # Nothing may still be connected when the next run drops the database.
  [[ -n $analyzer ]] && { wait "$analyzer" 2>/dev/null || true; }
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

row() { # case reference-label reference ours
  printf '%-8s %-22s %10s %14s %7s%%\n' "$1" "$2" "$3" "$4" "$(($4 * 100 / ($3 > 0 ? $3 : 1)))"
}

printf '%-8s %-22s %10s %14s %8s\n' case reference "ref rate" "onecse req/s" ratio
for case in hot spread; do
  raw=$(pgbench_tps "${case}.sql")
  ours=$(onecse_rate "create-cin-${case}" "$pg_url")
  row "$case" "pgbench tps" "$raw" "$ours"
done
sqlite=$(onecse_rate retrieve-latest "$sqlite_url")
pg=$(onecse_rate retrieve-latest "$pg_url")
row latest "onecse on SQLite" "$sqlite" "$pg"
dropdb --if-exists "$db" >/dev/null 2>&1
