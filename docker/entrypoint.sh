#!/bin/sh
# Container entrypoint (installed as /usr/local/bin/marsad-entrypoint).
#
# With no arguments, or arguments that start with "-": put the default database on
# the /data volume when none is there, then become `marsad serve` with those
# arguments appended. exec: marsad is PID 1, gets SIGTERM itself and exits 0.
# Any other first argument runs that command instead (`marsad --version`, `sh`).
set -eu

default_db=/usr/share/marsad/marsad.db
db=/data/marsad.db

case "${1:-}" in
"" | -*) ;;
*) exec "$@" ;;
esac

if [ ! -e "$db" ]; then
    if [ ! -w /data ]; then
        echo "marsad-entrypoint: /data is not writable by uid $(id -u); mount a volume" \
            "owned by that uid (a named volume is) or provide /data/marsad.db" >&2
        exit 1
    fi
    # Copy under a temporary name, then link it into place: the link fails when
    # another container sharing the volume created the file first, and no server
    # ever opens a half-copied database.
    tmp=$(mktemp /data/.marsad.db.XXXXXX)
    cp "$default_db" "$tmp"
    chmod 0640 "$tmp"
    if ln "$tmp" "$db" 2>/dev/null; then
        echo "marsad-entrypoint: copied the default database to $db" >&2
    fi
    rm -f "$tmp"
fi

exec /usr/local/bin/marsad serve --host 0.0.0.0 --port 8080 --db "$db" "$@"
