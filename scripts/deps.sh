#!/bin/sh
# Installs the Debian packages Marsad needs, only when they are missing.
#
#   scripts/deps.sh build   libraries and tools to build and run the server
#   scripts/deps.sh test    the above plus what `make test` needs
#   scripts/deps.sh ci      the above plus the linters CI runs
#
# Detection goes through pkg-config (libraries) and command -v (tools), so a
# machine that already has everything never calls apt-get. When packages are
# missing and this process may not install them (not root and no sudo, or
# MARSAD_NO_INSTALL=1), it prints the exact command to run and exits 1.
set -eu

what=${1:-build}

need_pkgs=""
add() { need_pkgs="$need_pkgs $1"; }

have_pc() { pkg-config --exists "$1" 2>/dev/null; }

command -v cc >/dev/null 2>&1 || add gcc
command -v make >/dev/null 2>&1 || add make
command -v pkg-config >/dev/null 2>&1 || add pkg-config
if command -v pkg-config >/dev/null 2>&1; then
    have_pc libmicrohttpd || add libmicrohttpd-dev
    have_pc jansson || add libjansson-dev
    have_pc sqlite3 || add libsqlite3-dev
    have_pc zlib || add zlib1g-dev
    have_pc yaml-0.1 || add libyaml-dev
else
    add "libmicrohttpd-dev libjansson-dev libsqlite3-dev zlib1g-dev libyaml-dev"
fi

if [ "$what" = test ] || [ "$what" = ci ]; then
    if command -v pkg-config >/dev/null 2>&1; then
        have_pc cmocka || add libcmocka-dev
        have_pc libcurl || add libcurl4-openssl-dev
    else
        add "libcmocka-dev libcurl4-openssl-dev"
    fi
    command -v curl >/dev/null 2>&1 || add curl
    command -v sqlite3 >/dev/null 2>&1 || add sqlite3
fi

if [ "$what" = ci ]; then
    command -v clang-format >/dev/null 2>&1 || add clang-format
fi

[ -z "$need_pkgs" ] && exit 0

echo "marsad: missing packages:$need_pkgs" >&2
if [ "${MARSAD_NO_INSTALL:-0}" = 1 ]; then
    echo "marsad: MARSAD_NO_INSTALL=1; install them with: apt-get install -y$need_pkgs" >&2
    exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
else
    echo "marsad: not allowed to install packages (not root, no passwordless sudo)." >&2
    echo "marsad: run as root: apt-get install -y$need_pkgs" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has empty package lists; refresh them once, quietly.
$SUDO apt-get update -qq >/dev/null || {
    echo "marsad: apt-get update failed" >&2
    exit 1
}
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $need_pkgs >/dev/null || {
    echo "marsad: apt-get install failed for:$need_pkgs" >&2
    exit 1
}
echo "marsad: installed:$need_pkgs" >&2
