#!/bin/bash
# usage: [DB=name] bench/notify-statements.sh BINARY LABEL  (receiver: python3 bench/notify-statements-receiver.py &)
# Counts the PostgreSQL statements and onecse CPU of 20 creates into a container with 100 subscriptions (log_statement on DB only).
BIN=$1; L=$2; DB=${DB:-onecse_notify_statements}; U=http://127.0.0.1:19487/cse-in
dropdb -h 127.0.0.1 -U postgres --if-exists $DB; createdb -h 127.0.0.1 -U postgres -T template0 $DB
psql -h 127.0.0.1 -U postgres -qc "ALTER DATABASE $DB SET log_statement = 'all'"
ONECSE_LOG=warn $BIN --bind 127.0.0.1:19487 --database-url postgres://postgres@127.0.0.1:5432/$DB --notify-allowed-networks 127.0.0.0/8 >/tmp/np-$L.log 2>&1 & P=$!
sleep 4
H=(-H 'X-M2M-Origin: CAdmin' -H 'X-M2M-RI: r' -H 'X-M2M-RVI: 3')
curl -s "${H[@]}" -H 'Content-Type: application/json;ty=3' -d '{"m2m:cnt":{"rn":"c"}}' $U >/dev/null
for i in $(seq 1 100); do curl -s "${H[@]}" -H 'Content-Type: application/json;ty=23' -d "{\"m2m:sub\":{\"rn\":\"s$i\",\"nu\":[\"http://127.0.0.1:19488/n\"],\"enc\":{\"net\":[3]}}}" $U/c >/dev/null; done
sleep 3
LOG=/var/log/postgresql/postgresql-15-main.log
S0=$(grep -c "@$DB " $LOG); read -r a b < <(awk '{print $14, $15}' /proc/$P/stat)
for i in $(seq 1 20); do curl -s "${H[@]}" -H 'Content-Type: application/json;ty=4' -d "{\"m2m:cin\":{\"con\":\"$i\"}}" $U/c >/dev/null; done
for t in $(seq 1 60); do n=$(psql -h 127.0.0.1 -U postgres -d $DB -Atc "select count(*) from outbox" 2>/dev/null); [ "$n" = 0 ] && break; sleep 1; done
sleep 1
S1=$(grep -c "@$DB " $LOG); read -r c d < <(awk '{print $14, $15}' /proc/$P/stat)
echo "$L: outbox left $n; statement log lines for 20 creates x 100 subscribers: $((S1-S0)); onecse CPU ticks: $(( (c+d)-(a+b) ))"
grep "@$DB " $LOG | tail -n $((S1-S0)) | grep -oE "(execute [^:]*|statement): [A-Z]+" | sed 's/execute [^:]*/execute/' | sort | uniq -c | sort -rn | head -8
kill $P; wait $P 2>/dev/null
