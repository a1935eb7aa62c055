#!/bin/sh
# Checks that dependencies only point down (README "Layers"). It reads what the compiler
# says each source file includes, directly or through other headers (cc -M), so a header
# that pulls in a forbidden one is caught where it is used, not only the #include line.
#
#   base     buf, log, config, status, sha256, pdate, stats, problem, sort_key, embedded
#   domain   evidence, consistency, drift, extract, statistic_analysis: pure, libc only
#   store    db.c and *_repo.c: the SQLite users; no HTTP, no JSON library
#   http     http_server.c (the only libmicrohttpd user), http, router, query, list
#   api      *_handlers.c, *_json.c, routes.c: reach data through repositories
#   app      app, main, cli, seed, synth: wiring and the command line
#
# CC and CFLAGS come from the Makefile (make check-layers); run alone it uses cc and
# pkg-config.
set -u
cd "$(dirname "$0")/.." || exit 2
CC=${CC:-cc}
CFLAGS=${LAYER_CFLAGS:-"-std=c17 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Iinclude $(pkg-config --cflags libmicrohttpd jansson sqlite3 2>/dev/null)"}
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# The headers file $1 reaches, one per line (its own path first).
reach() {
    # shellcheck disable=SC2086
    $CC $CFLAGS -M "$1" 2>/dev/null | tr -d '\134' | tr ' ' '\n' | sed '/^$/d; /:$/d'
}

# deny FILES PATTERN WHY: no file of FILES may reach a header whose path matches PATTERN
# (an extended regex over the path, e.g. '/sqlite3\.h$').
deny() {
    for f in $1; do
        [ -f "$f" ] || continue
        out="$tmp/$(echo "$f" | tr '/' '_')"
        [ -f "$out" ] || reach "$f" >"$out"
        hit=$(grep -E "$2" "$out" | head -n 1)
        [ -n "$hit" ] || continue
        # Which header of this project brings it in (none: the file includes it itself).
        via=""
        name=$(basename "$hit")
        via=$(grep -E '^include/' "$out" | while read -r h; do
            if grep -qE "^#include [<\"]${name}[>\"]" "$h"; then
                echo " (through $h)"
                break
            fi
        done)
        echo "check-layers: $f reaches $hit$via: $3"
        fail=1
    done
}

all=$(ls server/*.c)
except() { # the files of $all whose name does not match the regex $1
    echo "$all" | tr ' ' '\n' | grep -vE "$1"
}

# Only the HTTP server knows libmicrohttpd.
deny "$(except 'http_server\.c$')" '/microhttpd\.h$' "only http_server.c may use libmicrohttpd"
# SQLite stays in the store (db.c, the repositories) and the loaders of the app layer.
deny "$(except '/(db|[a-z_]+_repo|seed|main|synth|cli)\.c$')" '/sqlite3\.h$' \
    "only db.c, *_repo.c and the loaders (seed, synth, cli, main) may use SQLite"
# Handlers reach data through repositories and the JSON writer; never SQLite or MHD.
deny "server/*_handlers.c" '/(sqlite3|microhttpd|jansson)\.h$' \
    "handlers use the repositories, the JSON writer and http.h"
# The store never sees HTTP, the request parsers or a JSON library.
deny "server/db.c server/*_repo.c" '/(microhttpd|jansson)\.h$|^include/(http|query|list|router|routes|app|handlers)\.h$' \
    "the store only talks to SQLite (pass it plain values and the types of sort_key.h/problem.h)"
# The domain is pure: libc, and the base headers.
deny "server/evidence.c server/consistency.c server/drift.c server/extract.c server/statistic_analysis.c server/stats.c server/pdate.c server/sha256.c server/buf.c server/status.c" \
    '/(sqlite3|jansson|microhttpd)\.h$|^include/(http|query|list|router|db|app|handlers|seed)\.h$|_repo\.h$' \
    "pure modules use libc and the base headers only"
# Validation is domain code: the store and the loaders call it, never the reverse.
deny "server/write_json.c server/catalog_json.c" '/(sqlite3|microhttpd)\.h$|^include/(db|app|seed|handlers|query|list)\.h$|_repo\.h$' \
    "validation reads the database only through struct write_lookup"

[ $fail -eq 0 ] && echo "check-layers: ok"
exit $fail
