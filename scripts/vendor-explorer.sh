#!/bin/sh
# Vendors the charting library that the explorer at / loads: Observable Plot's browser
# bundle and the d3 bundle it runs on (Plot's UMD build expects a global d3).
#
#   scripts/vendor-explorer.sh          install @observablehq/plot and d3 at the versions pinned
#                                       by explorer/package.json and explorer/package-lock.json,
#                                       copy their published bundles to explorer/vendor/
#                                       (committed, so that `make run` never needs npm)
#   scripts/vendor-explorer.sh --check  the same into a temporary folder, then fail unless every
#                                       committed copy is byte-identical to what npm delivers
#
# The install happens in a scratch copy of explorer/{package.json,package-lock.json,.npmrc}
# with `npm ci` (exactly the locked tree, no install scripts, see explorer/.npmrc).
set -eu
cd "$(dirname "$0")/.."

mode=vendor
case "${1:-}" in
"") ;;
--check) mode=check ;;
*)
    echo "usage: scripts/vendor-explorer.sh [--check]" >&2
    exit 2
    ;;
esac

command -v npm >/dev/null 2>&1 || {
    echo "vendor-explorer: npm is needed (Debian: apt-get install npm)" >&2
    exit 1
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
cp explorer/package.json explorer/package-lock.json explorer/.npmrc "$tmp/"
(cd "$tmp" && npm ci --no-audit --no-fund --loglevel=error >"$tmp/npm.log" 2>&1) || {
    cat "$tmp/npm.log" >&2
    echo "vendor-explorer: npm ci failed" >&2
    exit 1
}

# package, file in the package, name under explorer/vendor/
files="@observablehq/plot dist/plot.umd.min.js plot.umd.min.js
@observablehq/plot LICENSE plot.LICENSE
d3 dist/d3.min.js d3.min.js
d3 LICENSE d3.LICENSE"

# The installed versions are the pinned ones (and Plot runs on the d3 that is vendored).
for pkg in @observablehq/plot d3; do
    version=$(node -p "require('$tmp/node_modules/$pkg/package.json').version")
    pinned=$(node -p "require('./explorer/package.json').dependencies['$pkg']")
    [ "$version" = "$pinned" ] || {
        echo "vendor-explorer: installed $pkg $version, explorer/package.json pins $pinned" >&2
        exit 1
    }
done
[ ! -d "$tmp/node_modules/@observablehq/plot/node_modules/d3" ] || {
    echo "vendor-explorer: Plot resolved its own d3, not the pinned one" >&2
    exit 1
}

status=0
echo "$files" | while read -r pkg file name; do
    src="$tmp/node_modules/$pkg/$file"
    [ -s "$src" ] || {
        echo "vendor-explorer: the $pkg package has no $file" >&2
        exit 1
    }
    if [ "$mode" = check ]; then
        if ! cmp -s "$src" "explorer/vendor/$name"; then
            echo "vendor-explorer: explorer/vendor/$name differs from $pkg/$file as published;" >&2
            echo "vendor-explorer: run scripts/vendor-explorer.sh and commit the result" >&2
            exit 1
        fi
    else
        mkdir -p explorer/vendor
        cp "$src" "explorer/vendor/$name"
    fi
done || status=1
[ $status -eq 0 ] || exit 1
if [ "$mode" = check ]; then
    echo "vendor-explorer: explorer/vendor/ is @observablehq/plot $(node -p "require('./explorer/package.json').dependencies['@observablehq/plot']") and d3 $(node -p "require('./explorer/package.json').dependencies.d3") as published"
else
    echo "vendor-explorer: explorer/vendor/: $(cd explorer/vendor && wc -c plot.umd.min.js d3.min.js | tr '\n' ' ')"
fi
