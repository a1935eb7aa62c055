#!/bin/sh
# make contract: lints openapi.yaml, then checks a running server against it.
#
#   sh tests/contract/run.sh BUILD_DIR
#
# 1. Installs what it needs when missing: Node.js and npm, Debian's chromium (for the
#    browser test), and the npm tools of tests/contract with `npm ci` (pinned by
#    tests/contract/package-lock.json; skipped when node_modules already matches it).
# 2. Redocly CLI lints openapi.yaml (redocly.yaml): zero errors, or it stops here.
# 3. Copies BUILD_DIR/marsad.db to a scratch folder, creates an admin and a write token in
#    the copy, and starts BUILD_DIR/marsad on it three times on free ports of 127.0.0.1:
#    plain, --read-only, and --rate-limit 1.
# 4. Runs the node:test suites (contract.test.mjs, browser.test.mjs, explorer.test.mjs: the
#    explorer's views, screenshots in BUILD_DIR/explorer-screenshots), the generated
#    TypeScript client (tests/contract/client: types from openapi-typescript, calls through
#    openapi-fetch, tsc --noEmit --strict) directly and through a Prism validating proxy
#    (0 violations), and tests/readme_examples.sh against the servers, then stops them (also
#    on failure).
#
# CHROMIUM=/path overrides /usr/bin/chromium; MARSAD_README=/path another README;
# MARSAD_NO_INSTALL=1 only reports what is missing.
set -eu
cd "$(dirname "$0")/../.."
build=${1:-build}
bin=$build/marsad
db=$build/marsad.db
[ -x "$bin" ] && [ -f "$db" ] || {
    echo "contract: $bin and $db are needed (make BUILD=$build)" >&2
    exit 2
}

SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
fi
apt_install() {
    if [ "${MARSAD_NO_INSTALL:-0}" = 1 ] || { [ "$(id -u)" -ne 0 ] && [ -z "$SUDO" ]; }; then
        echo "contract: missing $*; install them with: apt-get install -y $*" >&2
        exit 1
    fi
    echo "contract: installing $*" >&2
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq >/dev/null
    # shellcheck disable=SC2086
    $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || apt_install nodejs npm
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || apt_install chromium
command -v curl >/dev/null 2>&1 || apt_install curl

# npm tools, exactly as locked.
lock_sum=$(sha256sum tests/contract/package-lock.json | cut -d' ' -f1)
stamp=tests/contract/node_modules/.marsad-lock-sha256
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_sum" ]; then
    echo "== contract: npm ci (tests/contract)"
    (cd tests/contract && npm ci --no-audit --no-fund --loglevel=error)
    echo "$lock_sum" >"$stamp"
fi

echo "== contract: redocly lint openapi.yaml"
tests/contract/node_modules/.bin/redocly lint --config redocly.yaml --format=stylish openapi.yaml

tmp=$(mktemp -d)
pids=""
cleanup() {
    for p in $pids; do
        kill "$p" 2>/dev/null || true
    done
    for p in $pids; do
        wait "$p" 2>/dev/null || true
    done
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

cp "$db" "$tmp/contract.db"
token=$("$bin" token create --name contract-admin --scope admin --db "$tmp/contract.db")
write_token=$("$bin" token create --name contract-writer --scope write --db "$tmp/contract.db")

# Starts the server with extra flags in the background, logging to $1.
start() {
    log=$1
    shift
    "$bin" serve --host 127.0.0.1 --port 0 --db "$tmp/contract.db" "$@" >"$log" 2>&1 &
    pids="$pids $!"
}
# Prints the base URL the server logged to $1 once it listens.
listening() {
    i=0
    while [ $i -lt 100 ]; do
        u=$(grep -o 'listening on http://127\.0\.0\.1:[0-9]*' "$1" 2>/dev/null | head -n 1 | cut -d' ' -f3)
        if [ -n "$u" ]; then
            echo "$u"
            return 0
        fi
        i=$((i + 1))
        sleep 0.1
    done
    echo "contract: the server did not start:" >&2
    cat "$1" >&2
    return 1
}
start "$tmp/server.log"
start "$tmp/server-ro.log" --read-only
start "$tmp/server-limited.log" --rate-limit 1
url=$(listening "$tmp/server.log")
ro_url=$(listening "$tmp/server-ro.log")
limited_url=$(listening "$tmp/server-limited.log")
echo "== contract: servers at $url, $ro_url (--read-only), $limited_url (--rate-limit 1)"

status=0
# Screenshots of each explorer view (the CI artefact folder).
shots=$(cd "$build" && pwd)/explorer-screenshots
mkdir -p "$shots"
echo "== contract: node --test (contract.test.mjs, browser.test.mjs, explorer.test.mjs; screenshots in $shots)"
(
    cd tests/contract
    MARSAD_URL=$url MARSAD_RO_URL=$ro_url MARSAD_LIMITED_URL=$limited_url MARSAD_TOKEN=$token MARSAD_WRITE_TOKEN=$write_token \
        MARSAD_SPEC=$(pwd)/../../openapi.yaml CHROMIUM=$CHROMIUM MARSAD_SCREENSHOTS=$shots \
        node --test --test-concurrency=1 --test-reporter=spec contract.test.mjs browser.test.mjs explorer.test.mjs
) || status=1

# A typed client: its types generated from the spec (openapi-typescript), its
# calls through openapi-fetch, every operation, compiled with tsc --strict and no casts.
client=tests/contract/client
tsbin=tests/contract/node_modules/.bin
echo "== contract: generated TypeScript client (openapi-typescript, openapi-fetch, tsc --noEmit --strict)"
if "$tsbin/openapi-typescript" openapi.yaml -o "$client/api.d.ts" >"$tmp/openapi-typescript.log" 2>&1 &&
    "$tsbin/tsc" --noEmit --strict -p "$client/tsconfig.json" &&
    "$tsbin/tsc" --noCheck -p "$client/tsconfig.json"; then
    MARSAD_URL=$url MARSAD_TOKEN=$token MARSAD_WRITE_TOKEN=$write_token node "$client/out/client.js" >"$tmp/client.log" 2>&1 || {
        cat "$tmp/client.log"
        status=1
    }
    tail -n 1 "$tmp/client.log"

    # The same client through a Prism validating proxy (--errors: any request or response
    # that breaks openapi.yaml becomes an error the client reports).
    echo "== contract: Prism validating proxy ($tsbin/prism proxy --errors)"
    prism_port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
    "$tsbin/prism" proxy openapi.yaml "$url" --host 127.0.0.1 --port "$prism_port" --errors >"$tmp/prism.log" 2>&1 &
    pids="$pids $!"
    i=0
    while [ $i -lt 120 ] && ! grep -q 'Prism is listening' "$tmp/prism.log"; do
        i=$((i + 1))
        sleep 0.25
    done
    if MARSAD_URL=http://127.0.0.1:$prism_port MARSAD_TOKEN=$token MARSAD_WRITE_TOKEN=$write_token \
        node "$client/out/client.js" >"$tmp/client-prism.log" 2>&1; then
        tail -n 1 "$tmp/client-prism.log"
    else
        cat "$tmp/client-prism.log"
        status=1
    fi
    violations=$(grep -c -i 'violation' "$tmp/prism.log" || true)
    echo "== contract: Prism: $violations violations"
    if [ "$violations" -ne 0 ]; then
        grep -i 'violation' "$tmp/prism.log" | head -n 20
        status=1
    fi
else
    cat "$tmp/openapi-typescript.log"
    status=1
fi

echo "== contract: README examples"
sh tests/readme_examples.sh "$url" "${MARSAD_README:-README.md}" || status=1

if [ $status -ne 0 ]; then
    echo "== contract: FAILED (server log: last lines)"
    tail -n 20 "$tmp/server.log"
    exit 1
fi
echo "== contract: passed"
