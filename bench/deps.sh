#!/bin/sh
# Installs what `make bench` needs, only what is missing:
#   Debian: wrk, valgrind, curl, taskset (util-linux), Node.js + npm
#   npm:    express and better-sqlite3 into bench/express/node_modules, from the committed
#           package.json + package-lock.json; better-sqlite3's native module is built from
#           source (npm 11 runs no install script unless approved, and no prebuilt binary
#           can be downloaded here).
# Same rules as scripts/deps.sh: MARSAD_NO_INSTALL=1, or no root and no sudo, prints the
# command to run instead.
set -eu
cd "$(dirname "$0")/.."

need=""
command -v wrk >/dev/null 2>&1 || need="$need wrk"
command -v valgrind >/dev/null 2>&1 || need="$need valgrind"
command -v curl >/dev/null 2>&1 || need="$need curl"
command -v taskset >/dev/null 2>&1 || need="$need util-linux"
command -v node >/dev/null 2>&1 || need="$need nodejs"
command -v npm >/dev/null 2>&1 || need="$need npm"
command -v g++ >/dev/null 2>&1 || need="$need g++"
command -v python3 >/dev/null 2>&1 || need="$need python3" # node-gyp

if [ -n "$need" ]; then
    echo "bench: missing packages:$need" >&2
    if [ "${MARSAD_NO_INSTALL:-0}" = 1 ]; then
        echo "bench: MARSAD_NO_INSTALL=1; install them with: apt-get install -y$need" >&2
        exit 1
    fi
    if [ "$(id -u)" -eq 0 ]; then
        SUDO=""
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO="sudo -n"
    else
        echo "bench: run as root: apt-get install -y$need" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq >/dev/null
    # shellcheck disable=SC2086
    $SUDO apt-get install -y -qq --no-install-recommends $need >/dev/null
    echo "bench: installed:$need" >&2
fi

major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 20 ]; then
    echo "bench: Node.js $(node -v) is too old for better-sqlite3 12 (needs 20 or newer)" >&2
    exit 1
fi

cd bench/express
# node-gyp compiles against the installed Node.js headers when they are there.
if [ -f /usr/include/node/node.h ] && [ -z "${npm_config_nodedir:-}" ]; then
    npm_config_nodedir=/usr
    export npm_config_nodedir
fi
works() { node -e "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()" \
    >/dev/null 2>&1 && node -e "require('express')" >/dev/null 2>&1; }
stamp=node_modules/.marsad-bench-lock
if [ -f "$stamp" ] && cmp -s package-lock.json "$stamp" && works; then
    exit 0
fi
echo "bench: npm ci in bench/express (express, better-sqlite3)" >&2
npm ci --no-audit --no-fund --loglevel=error
if ! works; then
    # npm 11 skips install scripts that are not approved; package.json approves
    # better-sqlite3 (allowScripts), and this builds the native module from source.
    npm install-scripts approve better-sqlite3 >/dev/null 2>&1 || true
    npm rebuild better-sqlite3 --foreground-scripts --loglevel=error
fi
works || {
    echo "bench: better-sqlite3 or express does not load after npm ci + rebuild" >&2
    exit 1
}
cp package-lock.json "$stamp"
