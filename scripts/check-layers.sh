#!/bin/sh
# Checks that dependencies only point down (see README "Layout"): a grep over #include lines.
set -u
fail=0
deny() { # file-glob pattern message
    for f in $1; do
        [ -f "$f" ] || continue
        if grep -nE "^#include [<\"]($2)" "$f" >/dev/null; then
            echo "check-layers: $f includes $(grep -oE "^#include [<\"]($2)[^>\"]*" "$f" | head -1 | cut -c10-): $3"
            fail=1
        fi
    done
}
# Only the HTTP server knows libmicrohttpd.
deny "$(ls server/*.c include/*.h | grep -v http_server.c)" "microhttpd" "only http_server.c may use libmicrohttpd"
# SQLite stays in the database layer, the repositories, the seed loader and main's version probe.
deny "$(ls server/*.c include/*.h | grep -vE '(db|_repo|seed|main|synth|cli)\.c$')" "sqlite3" "only db.c, *_repo.c and the loaders may use SQLite"
# Handlers reach data through repositories only.
deny "server/*_handlers.c" "sqlite3|microhttpd|jansson" "handlers use repo, json and http modules"
# Repositories never build HTTP or JSON.
deny "server/*_repo.c" "microhttpd|jansson|http\\.h" "repositories only talk to SQLite"
# Pure modules use libc only.
deny "server/pdate.c server/sha256.c server/buf.c server/config.c server/log.c server/status.c server/stats.c server/extract.c server/drift.c server/consistency.c" "sqlite3|jansson|microhttpd|http\\.h|db\\.h" "pure modules use libc only"
[ $fail -eq 0 ] && echo "check-layers: ok"
exit $fail
