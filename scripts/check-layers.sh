#!/bin/sh
# Checks that dependencies only point down (README "Layers"). It reads what the compiler
# says each source file includes, directly or through other headers (cc -M), so a header
# that pulls in a forbidden one is caught where it is used, not only at its #include line.
# The layers are the folders of server/, lowest first:
#
#   base/    buffers and the JSON writer, logging, config, status, hashing, dates, interval
#            arithmetic: libc only
#   domain/  the evidence rule, validation, consistency rules, drift, extraction: no I/O
#            (no SQLite, no HTTP, no database handle; validation may use jansson)
#   store/   db.c and the repositories: the SQLite users; no HTTP, no JSON library
#   http/    http_server.c (the only libmicrohttpd user), requests, router, query, list
#   api/     the route table, handlers, encoders, and the engines handlers share
#   app/     wiring, the command line, the seed build (tools/synth/, the benchmark generator,
#            is a tool of its own outside server/)
#
# Headers stay in include/ (one per module); a header belongs to its module's layer.
# CC and the flags come from the Makefile (make check-layers); run alone it uses cc and
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

all=$(ls server/*/*.c)
# Headers without a source file of their own, by layer: small types shared downward
# (base), the records the repositories fill and the validators check (domain), the
# handlers' declarations (api).
header_only_base="problem|sort_key|embedded"
header_only_domain="claim|entity|program|source|search|statistic|statistic_internal|extract_internal|write_fields"
header_only_api="handlers"
header_only_app="seed_internal"
# The headers of the modules of a layer, as a regex over include/ paths.
# $2 (optional): a regex of module names to leave out.
layer_headers() {
    names=$(ls server/"$1"/*.c | sed 's|.*/||; s|\.c$||')
    case $1 in
    base) names="$names $header_only_base" ;;
    domain) names="$names $header_only_domain" ;;
    api) names="$names $header_only_api" ;;
    esac
    names=$(echo "$names" | tr -s ' |' '\n' | sed '/^$/d' | grep -vxE "${2:-^$}" | tr '\n' '|' | sed 's/|$//')
    echo "^include/($names)\.h\$"
}
upper_of_store="$(layer_headers http)|$(layer_headers api)|$(layer_headers app)"
upper_of_domain="$(layer_headers store)|$upper_of_store"
upper_of_base="$(layer_headers domain)|$upper_of_domain"

# Only the HTTP server knows libmicrohttpd.
deny "$(echo "$all" | grep -v '^server/http/http_server\.c$')" '/microhttpd\.h$' \
    "only http/http_server.c may use libmicrohttpd"
# SQLite stays in the store and the loaders of the app layer.
deny "$(echo "$all" | grep -vE '^server/(store/|app/(seed[a-z_]*|main|cli)\.c$)')" '/sqlite3\.h$' \
    "only store/ and the loaders (app/seed, cli, main) may use SQLite"
# Handlers reach data through repositories and the JSON writer; never SQLite or jansson.
deny "server/api/*_handlers.c" '/(sqlite3|microhttpd|jansson)\.h$' \
    "handlers use the repositories, the JSON writer (buf.h) and http.h"
# The store never sees the layers above it, nor a JSON library.
deny "server/store/*.c" "/(microhttpd|jansson)\\.h\$|$upper_of_store" \
    "the store only talks to SQLite (pass it plain values and the types of sort_key.h/problem.h)"
# The domain has no I/O and sees only base/.
deny "server/domain/*.c" "/(sqlite3|microhttpd)\\.h\$|$upper_of_domain" \
    "domain code sees base/ and domain/ only (the database through struct write_lookup)"
# base/ is libc (and pthreads) only.
deny "server/base/*.c" "/(sqlite3|microhttpd|jansson)\\.h\$|$upper_of_base" \
    "base/ uses libc only"
# http/ serves whatever routes it is given: it does not know the handlers or the app.
# The one exception, still to be cut: http_server.c reads the application context
# (app.h: config, metrics, routes and their guard, the dataset version); the rest of
# http/ is held to the rule.
deny "$(echo "$all" | grep '^server/http/' | grep -v 'http_server\.c$')" "$(layer_headers api)|$(layer_headers app)" \
    "http/ knows requests, routes and lists, not the handlers"
deny "server/http/http_server.c" "$(layer_headers api)|$(layer_headers app app)" \
    "the transport reaches only the application context above it"

[ $fail -eq 0 ] && echo "check-layers: ok"
exit $fail
