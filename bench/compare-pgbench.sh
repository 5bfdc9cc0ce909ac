#!/usr/bin/env bash
# Runs pgbench's raw contentInstance transactions (bench/pgbench/hot.sql, spread.sql)
# and onecse-bench's create-cin-hot and create-cin-spread one after the other on the
# same PostgreSQL cluster, each on a fresh database, and prints onecse's rate as a
# share of pgbench's. Needs pgbench, createdb/dropdb/psql and release builds of onecse
# and onecse-bench (cargo build --release -p onecse -p onecse-bench).
#
#   bench/compare-pgbench.sh [CLIENTS] [SECONDS]      (default 64 clients, 15 s)
#
# Settings: PGHOST (127.0.0.1), PGPORT (5432), PGUSER (postgres), PORT for onecse (8095).
set -euo pipefail
cd "$(dirname "$0")/.."
clients=${1:-64}
seconds=${2:-15}
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
port=${PORT:-8095}
db=onecse_compare
url="postgres://${PGUSER}@${PGHOST}:${PGPORT}/${db}"
onecse=target/release/onecse
bench=target/release/onecse-bench
for tool in pgbench createdb dropdb psql "$onecse" "$bench"; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done

fresh_database() {
  dropdb --if-exists "$db" >/dev/null 2>&1
  createdb -T template0 --encoding=UTF8 --lc-collate=C --lc-ctype=C "$db"
}

pgbench_tps() { # script
  fresh_database
  "$onecse" migrate --database-url "$url" >/dev/null 2>&1
  psql -q -d "$db" -f bench/pgbench/setup.sql >/dev/null
  pgbench -n -c "$clients" -j 2 -T "$seconds" -f "bench/pgbench/$1" "$db" 2>/dev/null \
    | awk '/^tps/ {print int($3); exit}'
}

onecse_rate() { # scenario
  fresh_database
  ONECSE_LOG=warn "$onecse" --bind "127.0.0.1:${port}" --database-url "$url" >/dev/null 2>&1 &
  local pid=$!
  for _ in $(seq 1 100); do
    curl -s -o /dev/null "http://127.0.0.1:${port}/healthz" && break
    sleep 0.2
  done
  "$bench" "$1" --target "http://127.0.0.1:${port}/cse-in" --connections "$clients" \
    --duration "$seconds" 2>/dev/null | awk '/per sec/ {getline; print int($2); exit}'
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

printf '%-8s %12s %14s %8s\n' case "pgbench tps" "onecse req/s" ratio
for case in hot spread; do
  raw=$(pgbench_tps "${case}.sql")
  ours=$(onecse_rate "create-cin-${case}")
  printf '%-8s %12s %14s %7s%%\n' "$case" "$raw" "$ours" "$(( ours * 100 / (raw > 0 ? raw : 1) ))"
done
dropdb --if-exists "$db" >/dev/null 2>&1
