#!/bin/sh
# scripts/deps.sh, as the README promises it: when something is missing and it may
# not install (MARSAD_NO_INSTALL=1), it names the exact apt-get command and exits 1;
# when everything is present it does nothing and exits 0.
set -u
fail() { echo "test_deps: FAIL: $1"; exit 1; }
stub=$(mktemp -d)
trap 'rm -rf "$stub"' EXIT
# A pkg-config that finds nothing: every library counts as missing.
printf '#!/bin/sh\nexit 1\n' > "$stub/pkg-config"
chmod +x "$stub/pkg-config"

out=$(PATH="$stub:$PATH" MARSAD_NO_INSTALL=1 sh scripts/deps.sh build 2>&1)
rc=$?
[ "$rc" -eq 1 ] || fail "expected exit 1 when packages are missing, got $rc"
echo "$out" | grep -q "apt-get install -y.*libmicrohttpd-dev" ||
    fail "the message does not name the apt-get command: $out"
echo "$out" | grep -q "libjansson-dev" || fail "jansson not reported missing: $out"

out=$(MARSAD_NO_INSTALL=1 sh scripts/deps.sh test 2>&1)
rc=$?
[ "$rc" -eq 0 ] || fail "deps.sh test should find everything installed here: $out"
[ -z "$out" ] || fail "deps.sh printed something with nothing missing: $out"
echo "test_deps: ok"
