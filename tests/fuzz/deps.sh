#!/bin/sh
# Installs the tools of the hardening targets, only when they are missing.
#
#   tests/fuzz/deps.sh fuzz       clang with libFuzzer (clang, libclang-rt-14-dev)
#   tests/fuzz/deps.sh valgrind   valgrind
#   tests/fuzz/deps.sh soak       curl (wrk is used when present, never required)
#
# Same rules as scripts/deps.sh: MARSAD_NO_INSTALL=1, or no root and no
# passwordless sudo, prints the apt-get command and exits 1.
set -eu

what=${1:-fuzz}
need=""
case "$what" in
fuzz)
    cc=${FUZZ_CC:-clang}
    command -v "$cc" >/dev/null 2>&1 || need="$need clang"
    # libFuzzer's runtime ships in libclang-rt-14-dev on Debian 12.
    if command -v "$cc" >/dev/null 2>&1; then
        rt=$("$cc" -print-file-name=libclang_rt.fuzzer-x86_64.a 2>/dev/null || true)
        if [ -z "$rt" ] || [ ! -f "$rt" ]; then
            rt=$(ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a 2>/dev/null | head -n 1)
        fi
        [ -n "$rt" ] && [ -f "$rt" ] || need="$need libclang-rt-14-dev"
    else
        need="$need libclang-rt-14-dev"
    fi
    ;;
valgrind)
    command -v valgrind >/dev/null 2>&1 || need="$need valgrind"
    command -v curl >/dev/null 2>&1 || need="$need curl"
    ;;
soak)
    command -v curl >/dev/null 2>&1 || need="$need curl"
    ;;
*)
    echo "usage: $0 fuzz|valgrind|soak" >&2
    exit 2
    ;;
esac

[ -z "$need" ] && exit 0
echo "marsad: missing packages:$need" >&2
if [ "${MARSAD_NO_INSTALL:-0}" = 1 ]; then
    echo "marsad: MARSAD_NO_INSTALL=1; install them with: apt-get install -y$need" >&2
    exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
else
    echo "marsad: not allowed to install packages; run as root: apt-get install -y$need" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null || {
    echo "marsad: apt-get update failed" >&2
    exit 1
}
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $need >/dev/null || {
    echo "marsad: apt-get install failed for:$need" >&2
    exit 1
}
echo "marsad: installed:$need" >&2
