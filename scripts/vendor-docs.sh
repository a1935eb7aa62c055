#!/bin/sh
# Vendors the Redoc bundle that GET /docs loads from GET /docs/redoc.standalone.js.
#
#   scripts/vendor-docs.sh          install redoc at the version pinned by docs/package.json and
#                                   docs/package-lock.json, copy its bundles/redoc.standalone.js
#                                   to docs/vendor/redoc.standalone.js (committed, so that
#                                   `make run` never needs npm)
#   scripts/vendor-docs.sh --check  the same into a temporary folder, then fail unless the
#                                   committed copy is byte-identical to what npm delivers
#                                   (with the one logo URL inlined, see below)
#
# The install happens in a scratch copy of docs/{package.json,package-lock.json,.npmrc}
# with `npm ci` (exactly the locked tree, no install scripts, see docs/.npmrc).
set -eu
cd "$(dirname "$0")/.."

mode=vendor
case "${1:-}" in
"") ;;
--check) mode=check ;;
*)
    echo "usage: scripts/vendor-docs.sh [--check]" >&2
    exit 2
    ;;
esac

command -v npm >/dev/null 2>&1 || {
    echo "vendor-docs: npm is needed (Debian: apt-get install npm)" >&2
    exit 1
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
cp docs/package.json docs/package-lock.json docs/.npmrc "$tmp/"
(cd "$tmp" && npm ci --no-audit --no-fund --loglevel=error >"$tmp/npm.log" 2>&1) || {
    cat "$tmp/npm.log" >&2
    echo "vendor-docs: npm ci failed" >&2
    exit 1
}
bundle="$tmp/node_modules/redoc/bundles/redoc.standalone.js"
[ -s "$bundle" ] || {
    echo "vendor-docs: the redoc package has no bundles/redoc.standalone.js" >&2
    exit 1
}
version=$(node -p "require('$tmp/node_modules/redoc/package.json').version")
pinned=$(node -p "require('./docs/package.json').dependencies.redoc")
[ "$version" = "$pinned" ] || {
    echo "vendor-docs: installed redoc $version, docs/package.json pins $pinned" >&2
    exit 1
}

# Redoc hard-codes one image, the "API docs by Redocly" logo on cdn.redoc.ly: /docs would
# ask a CDN for it, and its own Content-Security-Policy would block it with a console error.
# The vendored copy has that one URL replaced by an empty inline SVG; nothing else changes.
logo='https://cdn.redoc.ly/redoc/logo-mini.svg'
inline='data:image/svg+xml,%3Csvg%20xmlns=%22http://www.w3.org/2000/svg%22/%3E'
[ "$(grep -c "$logo" "$bundle")" = 1 ] || {
    echo "vendor-docs: redoc $version no longer has exactly one $logo" >&2
    exit 1
}
sed "s#$logo#$inline#" "$bundle" >"$tmp/redoc.standalone.js"
bundle_src=$bundle
bundle=$tmp/redoc.standalone.js

if [ "$mode" = check ]; then
    if cmp -s "$bundle" docs/vendor/redoc.standalone.js; then
        echo "vendor-docs: docs/vendor/redoc.standalone.js is redoc $version as published (logo inlined)"
        exit 0
    fi
    echo "vendor-docs: docs/vendor/redoc.standalone.js differs from redoc $version as published;" >&2
    echo "vendor-docs: run scripts/vendor-docs.sh and commit the result" >&2
    exit 1
fi
mkdir -p docs/vendor
cp "$bundle" docs/vendor/redoc.standalone.js
cp "$tmp/node_modules/redoc/LICENSE" docs/vendor/redoc.LICENSE
cp "$bundle_src.LICENSE.txt" docs/vendor/
echo "vendor-docs: docs/vendor/redoc.standalone.js is redoc $version ($(wc -c <docs/vendor/redoc.standalone.js) bytes)"
