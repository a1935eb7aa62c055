#!/bin/sh
# Runs the server binary under valgrind memcheck, drives a request mix with
# curl, stops it with SIGTERM and checks valgrind's verdict: no memory errors,
# no leaks, a clean exit, and no 5xx answer.
#
#   tests/valgrind-server.sh BIN DB [OUTDIR]
#
# BIN is build/marsad (a build without sanitizers), DB the default database
# (copied, never written). The token CLI runs under valgrind too. Logs go to
# OUTDIR (default build/valgrind). VALGRIND overrides the valgrind command.
set -eu

bin=${1:?usage: $0 BIN DB [OUTDIR]}
db=${2:?usage: $0 BIN DB [OUTDIR]}
out=${3:-build/valgrind}
vg=${VALGRIND:-valgrind}
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/marsad-vg-XXXXXX")
pid=""
cleanup() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

VG_FLAGS="--tool=memcheck --error-exitcode=99 --leak-check=full \
 --errors-for-leak-kinds=definite,indirect,possible --show-leak-kinds=definite,indirect,possible \
 --num-callers=30 --child-silent-after-fork=yes"
[ -f tests/valgrind.supp ] && VG_FLAGS="$VG_FLAGS --suppressions=tests/valgrind.supp"

cp "$db" "$work/marsad.db"
[ -f "$db-wal" ] && cp "$db-wal" "$work/marsad.db-wal"

fail() {
    echo "valgrind-server: $*" >&2
    for f in "$out"/*.log; do
        [ -f "$f" ] && { echo "--- $f" >&2; tail -n 60 "$f" >&2; }
    done
    exit 1
}

# 1. The token CLI under memcheck.
# shellcheck disable=SC2086
token=$($vg $VG_FLAGS --log-file="$out/token.vg.log" "$bin" token create --name vg --scope admin \
    --db "$work/marsad.db" 2>"$out/token.stderr.log") || fail "token create failed under valgrind"
[ -n "$token" ] || fail "token create printed no token"

# 2. The server under memcheck.
# shellcheck disable=SC2086
$vg $VG_FLAGS --log-file="$out/server.vg.log" "$bin" serve --host 127.0.0.1 --port 0 \
    --db "$work/marsad.db" --threads 2 --max-body 64k \
    >"$out/server.stdout.log" 2>"$out/server.stderr.log" &
pid=$!

port=""
i=0
while [ $i -lt 1200 ]; do # up to 120 s: memcheck starts slowly
    port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' \
        "$out/server.stderr.log" | head -n 1)
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || fail "the server exited before listening"
    sleep 0.1
    i=$((i + 1))
done
[ -n "$port" ] || fail "the server did not report its port"
base="http://127.0.0.1:$port"

codes="$out/codes.txt"
: >"$codes"
req() { # req METHOD PATH [curl args...]
    m=$1
    p=$2
    shift 2
    c=$(curl -s -o /dev/null -w '%{http_code}' --max-time 60 -X "$m" "$@" "$base$p" || echo 000)
    echo "$c $m $p" >>"$codes"
}
auth="Authorization: Bearer $token"
json="Content-Type: application/json"
patch="Content-Type: application/merge-patch+json"

for p in /healthz /readyz /version /metrics /v1 /openapi.json /docs \
    '/v1/claims' '/v1/claims?limit=5&sort=-as_of,value&fields=id,value,as_of' \
    '/v1/claims?format=csv&limit=20' '/v1/claims?format=ndjson&limit=20' \
    '/v1/claims?metric=foreign_fighters_departed&include=source,metric' \
    '/v1/claims?q=returnees&kind=statistic,event' '/v1/claims?cursor=azE6MTI&limit=3' \
    '/v1/claims?as_of_from=2014&as_of_to=2017-06&value_min=10' \
    /v1/sources '/v1/sources?q=morocco' /v1/entities /v1/events /v1/programs /v1/statistics \
    /v1/conflicts '/v1/search?q=moussalaha' '/v1/search?q=%22NEAR(%20*' \
    /nope '/v1/claims?limit=0' '/v1/claims?bogus=1' '/v1/claims?q=%FF' '/v1/claims/%00'; do
    req GET "$p"
done
req GET '/v1/claims?limit=200' -H 'Accept-Encoding: gzip'
first=$(curl -s "$base/v1/claims?limit=1&fields=id" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p' | head -n 1)
src=$(curl -s "$base/v1/sources?limit=1" | sed -n 's/^{"data":\[{"id":"\([^"]*\)".*/\1/p')
[ -n "$first" ] || fail "no claim id found"
req GET "/v1/claims/$first"
req GET "/v1/claims/$first/revisions"
[ -n "$src" ] && req GET "/v1/sources/$src" && req GET "/v1/sources/$src/text" &&
    req GET "/v1/sources/$src/claims?limit=3"
etag=$(curl -s -D - -o /dev/null "$base/v1/claims?limit=2" | tr -d '\r' |
    sed -n 's/^[Ee][Tt][Aa][Gg]: //p')
req GET '/v1/claims?limit=2' -H "If-None-Match: $etag"
req OPTIONS /v1/claims -H 'Origin: https://example.org' -H 'Access-Control-Request-Method: GET'
req HEAD '/v1/claims?limit=1' -I
req POST /healthz
req BREW /healthz
req GET "/$(head -c 9000 /dev/zero | tr '\0' a)"
req GET /healthz -H "X-Big: $(head -c 20000 /dev/zero | tr '\0' b)"
# Writes: unauthenticated, malformed, invalid, deep, too large, then real changes.
req POST /v1/claims -H "$json" -d '{}'
req POST /v1/claims -H "$auth" -H "$json" -d '{"id":'
req POST /v1/claims -H "$auth" -H "$json" -d '{"id":"x","source":"nope"}'
req POST /v1/claims -H "$auth" -H 'Content-Type: text/plain' -d '{}'
req POST /v1/programs -H "$auth" -H "$json" --data-binary "$(head -c 5000 /dev/zero | tr '\0' '[')"
req POST /v1/sources -H "$auth" -H "$json" -H 'Expect:' --data-binary \
    "{\"id\":\"$(head -c 70000 /dev/zero | tr '\0' z)\"}"
req PATCH "/v1/claims/$first" -H "$auth" -H "$patch" -d '{"note":"checked under valgrind"}'
req PATCH "/v1/claims/$first" -H "$auth" -H "$patch" -d '{"note":null}'
req POST /v1/programs -H "$auth" -H "$json" \
    -d '{"id":"vg-program","name":"Valgrind program","kind":"program","aliases":["VG"]}'
req DELETE /v1/programs/vg-program -H "$auth"
req POST /v1/programs/vg-program/restore -H "$auth"
req GET /v1/programs/vg-program/revisions
req GET "/v1/claims/$first"

# 3. SIGTERM: graceful stop, then valgrind's verdict.
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=""
n5=$(awk '$1 >= 500 && $1 != 501 && $1 != 505' "$codes" | wc -l)
n0=$(awk '$1 == "000"' "$codes" | wc -l)
total=$(wc -l <"$codes")
echo "valgrind-server: $total requests, $n5 5xx, $n0 transfer failures, server exit $status"
[ "$n0" -eq 0 ] || fail "transfers failed: $(awk '$1 == "000"' "$codes" | head -n 5)"
[ "$n5" -eq 0 ] || fail "5xx answers: $(awk '$1 >= 500 && $1 != 501' "$codes" | head -n 5)"
[ "$status" -ne 99 ] || fail "memcheck found errors or leaks in the server (see server.vg.log)"
[ "$status" -eq 0 ] || fail "the server exited with status $status after SIGTERM"
grep -q "ERROR SUMMARY: 0 errors" "$out/server.vg.log" || fail "memcheck reported errors"
grep -q "ERROR SUMMARY: 0 errors" "$out/token.vg.log" || fail "memcheck reported errors (token)"
echo "valgrind-server: no errors, no leaks (logs in $out)"
