#!/bin/sh
# Soak test: SOAK_SECONDS (default 120) of mixed load on 127.0.0.1 against
# `marsad serve --port 0`, the server's RSS sampled every second from
# /proc/PID/status. Passes when there was no 5xx, no socket error, a clean
# SIGTERM exit, and no upward memory trend after the warm-up: the mean RSS of
# the second half must not exceed the mean of the first quarter by more than
# 10% or by more than 2 MB. Writes OUTDIR/report.md.
#
#   tests/soak/soak.sh BIN DB [OUTDIR]
#
# Load comes from wrk with tests/soak/mix.lua when wrk is installed, from
# parallel curl loops otherwise. Knobs (environment): SOAK_SECONDS,
# SOAK_WARMUP (default: a sixth of the run, at least 10 s), SOAK_CONNECTIONS
# (16), SOAK_THREADS (server worker threads, 2), SOAK_LOAD=wrk|curl.
set -eu

bin=${1:?usage: $0 BIN DB [OUTDIR]}
db=${2:?usage: $0 BIN DB [OUTDIR]}
out=${3:-build/soak}
secs=${SOAK_SECONDS:-120}
warm=${SOAK_WARMUP:-$((secs / 6 < 10 ? 10 : secs / 6))}
conns=${SOAK_CONNECTIONS:-16}
threads=${SOAK_THREADS:-2}
here=$(cd "$(dirname "$0")" && pwd)
if [ -z "${SOAK_LOAD:-}" ]; then
    if command -v wrk >/dev/null 2>&1; then SOAK_LOAD=wrk; else SOAK_LOAD=curl; fi
fi
[ "$warm" -lt "$secs" ] || {
    echo "soak: SOAK_WARMUP ($warm) must be below SOAK_SECONDS ($secs)" >&2
    exit 2
}

mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/marsad-soak-XXXXXX")
pid=""
loaders=""
cleanup() {
    for p in $loaders; do kill "$p" 2>/dev/null || true; done
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

cp "$db" "$work/marsad.db"
[ -f "$db-wal" ] && cp "$db-wal" "$work/marsad.db-wal"
token=$("$bin" token create --name soak --scope admin --db "$work/marsad.db")

# Access-log lines are dropped on the way to the log file: two minutes of load
# would otherwise write hundreds of megabytes.
mkfifo "$work/stderr"
grep --line-buffered -v '"method":' <"$work/stderr" >"$out/server.log" &
"$bin" serve --host 127.0.0.1 --port 0 --db "$work/marsad.db" --threads "$threads" \
    >/dev/null 2>"$work/stderr" &
pid=$!

port=""
i=0
while [ $i -lt 300 ]; do
    port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' \
        "$out/server.log" | head -n 1)
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || {
        echo "soak: the server exited" >&2
        cat "$out/server.log" >&2
        exit 1
    }
    sleep 0.1
    i=$((i + 1))
done
[ -n "$port" ] || {
    echo "soak: the server did not report its port" >&2
    exit 1
}
base="http://127.0.0.1:$port"
claim=$(curl -s "$base/v1/claims?limit=1&fields=id" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p' |
    head -n 1)
echo "soak: $base pid $pid, ${secs}s of $SOAK_LOAD load ($conns connections), warm-up ${warm}s"

# RSS sampler: one line per second, "second rss_kb".
(
    t=0
    while [ "$t" -lt "$secs" ] && kill -0 "$pid" 2>/dev/null; do
        rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
        [ -n "$rss" ] && echo "$t $rss"
        sleep 1
        t=$((t + 1))
    done
) >"$out/rss.tsv" &
sampler=$!

if [ "$SOAK_LOAD" = wrk ]; then
    SOAK_TOKEN=$token SOAK_CLAIM=$claim wrk -t 2 -c "$conns" -d "${secs}s" --timeout 10s \
        -s "$here/mix.lua" "$base" >"$out/wrk.txt" 2>&1 || true
    counts=$(grep '^soak-counts' "$out/wrk.txt" || true)
else
    # Fallback: curl processes fetching a URL list over keep-alive, until the deadline.
    urls="$work/urls"
    for p in /healthz /readyz /version /metrics /v1 '/v1/claims?limit=20' \
        '/v1/claims?limit=50&offset=100' '/v1/claims?sort=-as_of,value&limit=100' \
        '/v1/claims?format=csv&limit=100' '/v1/claims?format=ndjson&limit=100' \
        "/v1/claims/$claim" /v1/sources /v1/entities /v1/events /v1/programs \
        /v1/statistics /v1/conflicts '/v1/search?q=moussalaha' /nope '/v1/claims?limit=0'; do
        echo "url = \"$base$p\""
        echo 'output = "/dev/null"'
    done >"$urls"
    end=$(($(date +%s) + secs))
    k=0
    while [ $k -lt "$conns" ]; do
        (
            while [ "$(date +%s)" -lt "$end" ]; do
                curl -s -K "$urls" -w '%{http_code}\n' --compressed --max-time 10 || echo 000
            done
        ) >"$work/codes.$k" &
        loaders="$loaders $!"
        k=$((k + 1))
    done
    for p in $loaders; do wait "$p" || true; done
    loaders=""
    cat "$work"/codes.* >"$out/codes.txt"
    counts=$(awk '{ c = substr($1, 1, 1); n++ }
        $1 == "000" { err++ ; next }
        c == "2" { c2++ } c == "3" { c3++ } c == "4" { c4++ } c == "5" { c5++ }
        END { printf "soak-counts requests=%d 2xx=%d 3xx=%d 4xx=%d 5xx=%d other=0 connect=%d " \
              "read=0 write=0 timeout=0 status=0 p50_ms=0 p99_ms=0 max_ms=0\n",
              n, c2, c3, c4, c5, err }' "$out/codes.txt")
fi
# The load is over: later samples would show an idle server.
kill "$sampler" 2>/dev/null || true
wait "$sampler" 2>/dev/null || true

metrics5=$(curl -s "$base/metrics" | awk '/^marsad_http_requests_total\{code="5xx"\}/ { print $2 }')
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=""

get() { echo "$counts" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
requests=$(get requests)
n5=$(get 5xx)
sockerr=$(($(get connect) + $(get read) + $(get write) + $(get timeout)))

# Memory trend after the warm-up: first quarter against second half.
trend=$(awk -v warm="$warm" 'BEGIN { n = 0 }
    $1 >= warm { t[n] = $1; r[n] = $2; n++ }
    END {
        if (n < 8) { print "samples=" n " q1=0 h2=0 growth_kb=0 pct=0 min=0 max=0"; exit }
        q = int(n / 4); h = int(n / 2)
        for (i = 0; i < q; i++) a += r[i]
        for (i = n - h; i < n; i++) b += r[i]
        a /= q; b /= h
        min = r[0]; max = r[0]
        for (i = 0; i < n; i++) { if (r[i] < min) min = r[i]; if (r[i] > max) max = r[i] }
        # The trend is judged on the lower quartile of each part: a leak raises the
        # floor, every sample; the responses in flight at the moment of a sample (16
        # connections, statistics and conflict pages computed per request, CSV and gzip
        # buffers) only raise the upper samples, whose share varies from run to run and
        # made even the median noisy. The means are reported for reference.
        for (i = 0; i < q; i++) s1[i] = r[i]
        for (i = 0; i < h; i++) s2[i] = r[n - h + i]
        m1 = quartile(s1, q); m2 = quartile(s2, h)
        printf "samples=%d q1=%.0f h2=%.0f growth_kb=%.0f pct=%.2f min=%d max=%d med1=%d med2=%d\n",
               n, a, b, m2 - m1, (m1 > 0 ? 100 * (m2 - m1) / m1 : 0), min, max, m1, m2
    }
    function quartile(v, k,    i, j, t) {
        for (i = 1; i < k; i++) {
            t = v[i]
            for (j = i - 1; j >= 0 && v[j] > t; j--) v[j + 1] = v[j]
            v[j + 1] = t
        }
        return v[int((k - 1) / 4)]
    }' "$out/rss.tsv")
tget() { echo "$trend" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
growth=$(tget growth_kb)
pct=$(tget pct)
samples=$(tget samples)

verdict=PASS
reasons=""
fail() {
    verdict=FAIL
    reasons="$reasons
- $1"
}
[ -n "$counts" ] || fail "the load generator reported nothing (see wrk.txt)"
[ "${requests:-0}" -gt 0 ] || fail "no requests were answered"
[ "${n5:-1}" -eq 0 ] || fail "$n5 answers were 5xx"
[ "${metrics5:-0}" = 0 ] || fail "the server counted $metrics5 5xx answers (/metrics)"
[ "$sockerr" -eq 0 ] || fail "$sockerr socket errors (connect/read/write/timeout)"
[ "$status" -eq 0 ] || fail "the server exited with status $status after SIGTERM"
[ "${samples:-0}" -ge 8 ] || fail "only ${samples:-0} RSS samples after the warm-up"
if awk -v g="$growth" -v p="$pct" 'BEGIN { exit !(g > 2048 || p > 10) }'; then
    fail "the lower quartile of RSS grew by ${growth} KiB (${pct}%) from the first quarter to the second half"
fi

{
    echo "# Soak report"
    echo
    echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "- binary: \`$bin\`, $threads worker threads; load: $SOAK_LOAD, $conns connections, ${secs} s"
    echo "- verdict: **$verdict**$reasons"
    echo
    echo "## Requests"
    echo
    echo "| requests | req/s | 2xx | 3xx | 4xx | 5xx | socket errors | p50 ms | p99 ms | max ms |"
    echo "|---|---|---|---|---|---|---|---|---|---|"
    echo "| ${requests:-0} | $((${requests:-0} / secs)) | $(get 2xx) | $(get 3xx) | $(get 4xx) |" \
        "${n5:-?} | $sockerr | $(get p50_ms) | $(get p99_ms) | $(get max_ms) |"
    echo
    echo "4xx answers are expected: the mix sends unknown paths, bad parameters and"
    echo "unauthenticated writes on purpose. The server's own count of 5xx: ${metrics5:-?}."
    echo
    echo "## Memory (VmRSS, KiB)"
    echo
    echo "Warm-up: the first ${warm} s are ignored. After it: $samples samples,"
    echo "min $(tget min), max $(tget max); lower quartile of the first quarter $(tget med1), of the"
    echo "second half $(tget med2): growth ${growth} KiB (${pct}%). Limit: 10% and 2048 KiB."
    echo "Means (for reference; single large responses spike them): first quarter $(tget q1),"
    echo "second half $(tget h2)."
    echo
    echo "| second | RSS KiB |"
    echo "|---|---|"
    awk '$1 % 10 == 0 { printf "| %d | %d |\n", $1, $2 }' "$out/rss.tsv"
    echo
    echo "Raw samples: \`rss.tsv\`; load generator output: \`wrk.txt\` or \`codes.txt\`;"
    echo "server log without access lines: \`server.log\`."
} >"$out/report.md"

echo "soak: $verdict: ${requests:-0} requests, ${n5:-?} 5xx, $sockerr socket errors," \
    "RSS growth ${growth} KiB (${pct}%); report in $out/report.md"
[ "$verdict" = PASS ]
