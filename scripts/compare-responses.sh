#!/bin/sh
# Serves one database with two builds of the server and compares their answers on a corpus
# of URLs read from the database: every claim, source, program, entity and metric by id,
# their lists with filters, sorts, sparse fields and paging, the CSV and NDJSON twins,
# the statistics and conflicts, search, the export, and requests that must fail. A
# refactoring must leave every body byte-identical (the request id in a problem's body,
# which differs per process, is left out of the comparison).
#
#   sh scripts/compare-responses.sh OLD_BIN NEW_BIN DB
#
# Prints the number of URLs and the differing ones; exits 1 when any differs.
set -u
[ $# -eq 3 ] || { echo "usage: $0 OLD_BIN NEW_BIN DB" >&2; exit 2; }
old=$1 new=$2 db=$3
tmp=$(mktemp -d)
pids=""
cleanup() {
    for p in $pids; do
        kill "$p" 2>/dev/null
    done
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

start() { # bin name: serves a copy of the database with bin, read-only, in the background
    cp "$db" "$tmp/$2.db"
    "$1" serve --host 127.0.0.1 --port 0 --db "$tmp/$2.db" --read-only >"$tmp/$2.log" 2>&1 &
    pids="$pids $!"
}
listening() { # name: prints the base URL the server logged once it listens
    i=0
    while [ $i -lt 100 ]; do
        u=$(grep -o 'listening on http://127\.0\.0\.1:[0-9]*' "$tmp/$1.log" | head -n 1 | cut -d' ' -f3)
        [ -n "$u" ] && { echo "$u"; return 0; }
        i=$((i + 1))
        sleep 0.1
    done
    echo "compare-responses: the $1 server did not start" >&2
    cat "$tmp/$1.log" >&2
    return 1
}
start "$old" old
start "$new" new
a=$(listening old) || exit 2
b=$(listening new) || exit 2

q() { sqlite3 -readonly "$db" "$1"; }
{
    for c in claims sources programs entities; do
        t=${c%s}
        [ "$c" = entities ] && t=entity
        q "SELECT '/v1/$c/' || id FROM $t WHERE $( [ "$t" = entity ] && echo 1 || echo 'deleted_at IS NULL') ORDER BY seq LIMIT 150"
    done
    q "SELECT '/v1/claims/' || id || '?context=40' FROM claim ORDER BY seq LIMIT 40"
    q "SELECT '/v1/statistics/' || id FROM metric ORDER BY seq LIMIT 60"
    q "SELECT '/v1/metrics/' || id FROM metric ORDER BY seq LIMIT 30"
    q "SELECT '/v1/claims?metric=' || id || '&sort=as_of' FROM metric ORDER BY seq LIMIT 30"
    q "SELECT '/v1/sources/' || id || '/claims' FROM source WHERE deleted_at IS NULL ORDER BY seq LIMIT 20"
    q "SELECT '/v1/sources/' || s.id || '/text' FROM source s JOIN source_text t ON t.source_seq = s.seq ORDER BY s.seq LIMIT 10"
    q "SELECT '/v1/programs/' || id || '/claims' FROM program WHERE deleted_at IS NULL ORDER BY seq LIMIT 20"
    q "SELECT '/v1/conflicts?metric=' || id FROM metric ORDER BY seq LIMIT 20"
    for c in claims events sources programs entities statistics conflicts metrics relations; do
        for f in "" .csv .ndjson; do
            echo "/v1/$c$f"
            echo "/v1/$c$f?limit=7"
            echo "/v1/$c$f?limit=5&offset=5"
            echo "/v1/$c$f?fields=id"
        done
    done
    for w in returnees Musalaha Rafiki prison 2016 fighters "Abu%20Hafs" BCIJ; do
        echo "/v1/search?q=$w"
        echo "/v1/search.csv?q=$w&limit=5"
    done
    echo "/v1/claims?kind=statistic&as_of_from=2016&as_of_to=2019&value_min=1000"
    echo "/v1/claims?numeric=true&limit=100"
    echo "/v1/claims?sort=-as_of&limit=50"
    echo "/v1/events?from=2014&to=2018"
    echo "/v1/statistics?all=true"
    echo "/v1/export"
    echo "/v1"
    echo "/version"
    echo "/openapi.json"
    echo "/v1/claims/no-such-claim"
    echo "/v1/claims?limit=0"
    echo "/v1/claims?bogus=1"
    echo "/v1/claims?fields=nope"
    echo "/v1/search"
    echo "/v1/nowhere"
} >"$tmp/urls"

n=0 bad=0
while read -r u; do
    n=$((n + 1))
    sa=$(curl -s -o "$tmp/a" -w '%{http_code} %{content_type}' "$a$u")
    sb=$(curl -s -o "$tmp/b" -w '%{http_code} %{content_type}' "$b$u")
    sed -i 's/"request_id":"[^"]*"//' "$tmp/a" "$tmp/b"
    if [ "$sa" != "$sb" ] || ! cmp -s "$tmp/a" "$tmp/b"; then
        bad=$((bad + 1))
        echo "differs: $u ($sa vs $sb)"
    fi
done <"$tmp/urls"
echo "compare-responses: $n URLs, $bad differ"
[ "$bad" -eq 0 ]
