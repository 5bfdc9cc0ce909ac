#!/usr/bin/env bash
# Interoperability of onecse with the ACME oneM2M CSE (a CSE no one here wrote), over
# loopback only, both ways round:
#   A. ACME is the IN-CSE (/id-in, cse-in), onecse an MN-CSE (/id-mn, cse-mn) that
#      registers with it;
#   B. onecse is the IN-CSE, ACME an MN-CSE that registers with onecse.
# Each pair runs the conformance suite's inter-CSE groups (CSR, FWD, ANN) twice, once
# with each CSE as the target and the other as --peer; then the MN stops, and the
# script checks that it deregistered (its remoteCSE on the IN is gone).
#
# Needs: ACME installed (python3 -m venv /work/acme-venv &&
# /work/acme-venv/bin/pip install acmecse, or ACME=path/to/acmecse), and the onecse
# and onecse-conformance binaries (cargo build -p onecse -p onecse-conformance, or
# ONECSE=… CONFORMANCE=…). Ports: PORT_BASE (19310) … PORT_BASE+3.
#
# Usage: bench/acme-interop.sh [OUT_DIR]    (logs and reports go to OUT_DIR)
set -uo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
ACME=${ACME:-/work/acme-venv/bin/acmecse}
ONECSE=${ONECSE:-$here/target/debug/onecse}
CONFORMANCE=${CONFORMANCE:-$here/target/debug/onecse-conformance}
PORT_BASE=${PORT_BASE:-19310}
OUT=${1:-$(mktemp -d /tmp/acme-interop.XXXXXX)}
mkdir -p "$OUT"

for tool in "$ACME" "$ONECSE" "$CONFORMANCE"; do
    [ -x "$tool" ] || { echo "missing: $tool" >&2; exit 2; }
done

pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
    wait 2>/dev/null
}
trap cleanup EXIT

# acme_ini DIR TYPE CSE_ID CSE_NAME PORT [REGISTRAR_PORT]: writes DIR/acme.ini.
acme_ini() {
    local dir=$1 type=$2 id=$3 name=$4 port=$5 registrar=${6:-}
    mkdir -p "$dir"
    cat >"$dir/acme.ini" <<EOF
[basic.config]
cseType=$type
cseID=$id
cseName=$name
adminID=CAdmin
networkInterface=127.0.0.1
cseHost=127.0.0.1
httpPort=$port
databaseType=memory
logLevel=info
consoleType=simple
$(if [ -n "$registrar" ]; then printf 'registrarCseHost=127.0.0.1\nregistrarCsePort=%s\nregistrarCseID=id-in\nregistrarCseName=cse-in\n' "$registrar"; fi)

[cse.registration]
allowedCSROriginators=/id-mn*,/id-in
checkInterval=5

[textui]
startWithTUI=false
EOF
}

# start_acme DIR: starts ACME with DIR/acme.ini (ACME wants a bare file name);
# its process ID in `started`.
start_acme() {
    (cd "$1" && exec "$ACME" --config acme.ini --base-directory "$1" </dev/null >"$1/acme.log" 2>&1) &
    started=$!
    pids+=("$started")
}

# start_onecse NAME PORT ARGS…: starts onecse on its own SQLite file; its process
# ID in `started`.
start_onecse() {
    local name=$1 port=$2
    shift 2
    "$ONECSE" serve --bind "127.0.0.1:$port" --database-url "sqlite://$OUT/$name.db" \
        --notify-allowed-networks 127.0.0.0/8 "$@" >"$OUT/$name.log" 2>&1 &
    started=$!
    pids+=("$started")
}

# status URL: the X-M2M-RSC of a RETRIEVE by CAdmin.
status() {
    curl -s -o /dev/null -D - "$1" -H 'X-M2M-Origin: CAdmin' -H "X-M2M-RI: interop-$RANDOM" \
        -H 'X-M2M-RVI: 3' -H 'Accept: application/json' | tr -d '\r' |
        awk -F': ' 'tolower($1)=="x-m2m-rsc" {print $2}'
}

# wait_for URL RSC SECONDS: waits until URL answers RSC.
wait_for() {
    local url=$1 want=$2 left=$3
    while [ "$left" -gt 0 ]; do
        [ "$(status "$url")" = "$want" ] && return 0
        sleep 1
        left=$((left - 1))
    done
    return 1
}

results=()
note() { results+=("$1"); echo "== $1"; }

# conformance NAME TARGET_URL TARGET_ID PEER_URL
conformance() {
    "$CONFORMANCE" --target "$2" --cse-id "$3" --peer "$4" --group CSR --group FWD --group ANN \
        --json "$OUT/$1.json" >"$OUT/$1.txt" 2>&1
    local summary
    summary=$(grep -E '^conformance:' "$OUT/$1.txt" || tail -1 "$OUT/$1.txt")
    note "$1: $summary"
    grep -E ' (FAIL|SKIP) ' "$OUT/$1.txt" | sed 's/^/     /'
}

# check NAME CONDITION-COMMAND…: notes the outcome; returns it.
check() {
    local name=$1
    shift
    if "$@"; then
        note "$name: passed"
    else
        note "$name: FAILED"
        return 1
    fi
}

# exercise LABEL IN_PORT MN_PORT IN_NAME MN_NAME MN_PID: with the IN and the MN
# started, checks both registrations, runs CSR and FWD with each CSE as the target,
# stops the MN (SIGINT) and checks that it deregistered.
exercise() {
    local label=$1 in_port=$2 mn_port=$3 in_name=$4 mn_name=$5 mn_pid=$6
    local inn="http://127.0.0.1:$in_port/cse-in" mn="http://127.0.0.1:$mn_port/cse-mn"
    check "$label registration: $in_name (IN) holds cse-in/id-mn" wait_for "$inn/id-mn" 2000 30
    local registered=$?
    check "$label registration: $mn_name (MN) holds cse-mn/id-in" wait_for "$mn/id-in" 2000 30
    conformance "$label-target-$mn_name" "$mn" /id-mn "$inn"
    conformance "$label-target-$in_name" "$inn" /id-in "$mn"
    kill -INT "$mn_pid"
    if [ "$registered" = 0 ]; then
        check "$label deregistration: $mn_name stopped, $in_name's cse-in/id-mn is gone" \
            wait_for "$inn/id-mn" 4004 20
    fi
}

in_port=$PORT_BASE
mn_port=$((PORT_BASE + 1))
echo "--- A. ACME IN-CSE on $in_port, onecse MN-CSE on $mn_port"
acme_ini "$OUT/acme-in" IN id-in cse-in "$in_port"
start_acme "$OUT/acme-in"
acme_pid=$started
wait_for "http://127.0.0.1:$in_port/cse-in" 2000 60 || { note "A: ACME did not start"; exit 1; }
start_onecse onecse-mn "$mn_port" --cse-id /id-mn --cse-name cse-mn --cse-type MN \
    --registrar-url "http://127.0.0.1:$in_port" --registrar-check-interval-s 5
exercise A "$in_port" "$mn_port" acme onecse "$started"
kill "$acme_pid" 2>/dev/null

in_port=$((PORT_BASE + 2))
mn_port=$((PORT_BASE + 3))
echo "--- B. onecse IN-CSE on $in_port, ACME MN-CSE on $mn_port"
start_onecse onecse-in "$in_port" --registration-cse-originators '/id-mn*'
in_pid=$started
wait_for "http://127.0.0.1:$in_port/cse-in" 2000 30 || { note "B: onecse did not start"; exit 1; }
acme_ini "$OUT/acme-mn" MN id-mn cse-mn "$mn_port" "$in_port"
start_acme "$OUT/acme-mn"
wait_for "http://127.0.0.1:$mn_port/cse-mn" 2000 60 || { note "B: ACME did not start"; exit 1; }
exercise B "$in_port" "$mn_port" onecse acme "$started"
kill "$in_pid" 2>/dev/null

echo
echo "Summary (logs and reports in $OUT):"
printf '  %s\n' "${results[@]}"
