#!/usr/bin/env bash
# Builds the Marsad container image with podman and checks it end to end.
#
#   docker/smoke-test.sh              lint, build marsad:test, run it and check it
#   SMOKE_COMPOSE=1 docker/smoke-test.sh
#                                     also bring up docker/compose.yaml with the
#                                     "replicas" profile (docker-compose through podman)
#
# Follows /work/shared/CONTAINERS.md: rootful podman with runc and cgroupfs, a
# debian:bookworm-slim base image made by debootstrap (no registry here), and
# `podman build --format docker` (the OCI format drops HEALTHCHECK). Needs root or
# passwordless sudo (apt-get, /etc/containers, rootful podman). Every wait has a
# timeout, and whatever the script creates (containers, volume, temporary files,
# the podman API service) is removed on exit, pass or fail.
#
# Environment: SMOKE_IMAGE (default marsad:test), SMOKE_CLAIM_BODY (JSON body the
# write-API step POSTs to /v1/claims instead of the one derived from the first claim).
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        exec sudo -n -E bash "$0" "$@"
    fi
    echo "smoke-test: needs root (apt-get, /etc/containers, rootful podman)" >&2
    exit 1
fi

cd "$(dirname "$0")/.."
ROOT=$(pwd)
IMAGE=${SMOKE_IMAGE:-marsad:test}
RUN_ID="smoke-$$-$RANDOM"
VOLUME="marsad-$RUN_ID"
BASE_IMAGE=debian:bookworm-slim
NPM_PREFIX=$ROOT/build/npm-docker
START=$SECONDS

CONTAINERS=()
WORK=""
PODMAN_SERVICE_PID=""
COMPOSE_PROJECT=""
COMPOSE_SOCK=""
HEALTH_LOOP_PID=""
STAGE_NAMES=()
STAGE_STARTS=()

stage() {
    STAGE_NAMES+=("$*")
    STAGE_STARTS+=("$SECONDS")
    printf '\n== %s\n' "$*"
}
# podman without systemd logs "unable to get systemd connection" on every start
# and stop (harmless, CONTAINERS.md): keep the rest of its stderr.
no_systemd_noise() { grep -v 'unable to get systemd connection' >&2 || true; }
info() { printf '   %s\n' "$*"; }
ok() { printf '   ok: %s\n' "$*"; }
die() {
    printf 'smoke-test: FAIL: %s\n' "$*" >&2
    exit 1
}

# Unmounts anything left mounted under a directory (an interrupted debootstrap
# leaves proc/sys there), so removing it never reaches into the host.
unmount_under() {
    local dir=$1 m
    while read -r m; do
        umount -l "$m" 2>/dev/null || true
    done < <(awk -v d="$dir/" 'index($2, d) == 1 {print $2}' /proc/self/mounts | sort -r)
}

cleanup() {
    local rc=$?
    set +e
    trap - EXIT INT TERM
    if [ -n "$HEALTH_LOOP_PID" ]; then
        kill "$HEALTH_LOOP_PID" 2>/dev/null
        wait "$HEALTH_LOOP_PID" 2>/dev/null
    fi
    if [ -n "$COMPOSE_PROJECT" ]; then
        if [ "$rc" -ne 0 ]; then
            DOCKER_HOST="unix://$COMPOSE_SOCK" timeout 60 docker-compose -p "$COMPOSE_PROJECT" \
                -f docker/compose.yaml --profile replicas logs --tail 30 2>&1 | tail -n 120
        fi
        DOCKER_HOST="unix://$COMPOSE_SOCK" timeout 120 docker-compose -p "$COMPOSE_PROJECT" \
            -f docker/compose.yaml --profile replicas down -v -t 10 >/dev/null 2>&1
    fi
    if [ -n "$PODMAN_SERVICE_PID" ]; then
        kill "$PODMAN_SERVICE_PID" 2>/dev/null
        wait "$PODMAN_SERVICE_PID" 2>/dev/null
        rm -f "$COMPOSE_SOCK"
    fi
    local id
    for id in "${CONTAINERS[@]}"; do
        if [ "$rc" -ne 0 ]; then
            echo "---- last log lines of container ${id:0:12}" >&2
            timeout 20 podman logs --tail 30 "$id" >&2 2>&1
        fi
        timeout 60 podman rm -f -t 2 "$id" >/dev/null 2>&1
    done
    if podman volume exists "$VOLUME" 2>/dev/null; then
        timeout 60 podman volume rm -f "$VOLUME" >/dev/null 2>&1
    fi
    if [ -n "$WORK" ] && [ -d "$WORK" ]; then
        unmount_under "$WORK"
        rm -rf --one-file-system "$WORK"
    fi
    local i end
    printf '\nstage timings:\n'
    for i in "${!STAGE_NAMES[@]}"; do
        end=${STAGE_STARTS[$((i + 1))]:-$SECONDS}
        printf '  %4d s  %s\n' "$((end - STAGE_STARTS[i]))" "${STAGE_NAMES[i]}"
    done
    if [ "$rc" -eq 0 ]; then
        printf '\nsmoke-test: PASS in %d s\n' "$((SECONDS - START))"
    else
        printf '\nsmoke-test: FAILED (exit %d) after %d s\n' "$rc" "$((SECONDS - START))" >&2
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# Temporary files, logs and the debootstrap tree (on disk, not in a tmpfs).
WORK=$(mktemp -d /var/tmp/marsad-smoke.XXXXXX)

# Every podman call is bounded; long ones (build, import) use their own timeout.
podman() { timeout 120 /usr/bin/env podman "$@"; }

# Prints an unused TCP port on 127.0.0.1 (never assume 8080 is free).
free_port() {
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' &&
            return 0
    fi
    local p _
    for _ in $(seq 1 100); do
        p=$((20000 + RANDOM % 40000))
        if [ -z "$(ss -Htln "sport = :$p" 2>/dev/null)" ]; then
            echo "$p"
            return 0
        fi
    done
    return 1
}

# http_code URL [curl args...]: prints the status code (000 when nothing answered).
http_code() {
    local url=$1
    shift
    curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@" "$url" || true
}

# wait_http CONTAINER URL SECONDS: waits until URL answers 200, failing early
# when the container stops.
wait_http() {
    local cid=$1 url=$2 limit=$3 deadline=$((SECONDS + $3))
    while [ "$(http_code "$url")" != 200 ]; do
        if [ "$(podman inspect --format '{{.State.Running}}' "$cid" 2>/dev/null)" != true ]; then
            die "container ${cid:0:12} stopped before $url answered"
        fi
        [ "$SECONDS" -lt "$deadline" ] || die "$url did not answer 200 within $limit s"
        sleep 0.5
    done
}

# run_container NAME-SUFFIX [podman run options...]: starts $IMAGE on a free port,
# retrying when the port was taken in between. Sets CID and PORT.
run_container() {
    local suffix=$1 out attempt errf=$WORK/run.err
    shift
    for attempt in 1 2 3 4 5; do
        PORT=$(free_port) || die "no free TCP port found"
        if out=$(timeout 120 podman run -d --name "marsad-$RUN_ID-$suffix" \
            -p "127.0.0.1:$PORT:8080" "$@" "$IMAGE" 2>"$errf"); then
            CID=$(printf '%s\n' "$out" | tail -n 1)
            CONTAINERS+=("$CID")
            return 0
        fi
        out="$out $(cat "$errf")"
        timeout 30 podman rm -f "marsad-$RUN_ID-$suffix" >/dev/null 2>&1 || true
        case $out in
        *"address already in use"*) info "port $PORT was taken meanwhile (attempt $attempt)" ;;
        *) die "podman run failed: $out" ;;
        esac
    done
    die "podman run: no free port after 5 attempts"
}

# stop_and_check CID: podman stop must finish in under 10 s with exit code 0.
stop_and_check() {
    local cid=$1 t0 t1 ms code
    t0=$(date +%s%N)
    timeout 30 podman stop -t 10 "$cid" >/dev/null 2> >(no_systemd_noise) || die "podman stop ${cid:0:12} failed"
    t1=$(date +%s%N)
    ms=$(((t1 - t0) / 1000000))
    code=$(podman inspect --format '{{.State.ExitCode}}' "$cid")
    [ "$ms" -lt 10000 ] || die "podman stop took $ms ms (SIGTERM not handled?)"
    [ "$code" = 0 ] || die "container exited with code $code after SIGTERM"
    ok "podman stop took $ms ms, exit code 0"
}

# json_str JSON FIELD: the first "FIELD":"..." string value, still JSON-escaped.
json_str() {
    printf '%s' "$1" | grep -oE "\"$2\":\"([^\"\\\\]|\\\\.)*\"" | head -n 1 | sed -E "s/^\"$2\"://" || true
}
# json_strs JSON FIELD: the first "FIELD":[...] array of strings, as JSON.
json_strs() {
    printf '%s' "$1" | grep -oE "\"$2\":\\[(\"([^\"\\\\]|\\\\.)*\",?)*\\]" | head -n 1 | sed -E "s/^\"$2\"://" || true
}
# json_num JSON FIELD: the first "FIELD":N integer value.
json_num() {
    printf '%s' "$1" | grep -oE "\"$2\":-?[0-9]+" | head -n 1 | sed -E "s/^\"$2\"://" || true
}

apt_install() {
    info "apt-get install $*"
    export DEBIAN_FRONTEND=noninteractive
    timeout 600 apt-get update -qq >/dev/null || die "apt-get update failed"
    timeout 900 apt-get install -y -qq "$@" >/dev/null || die "apt-get install $* failed"
}

# ---------------------------------------------------------------------------
stage "tools: podman runc debootstrap curl docker-compose npm"
missing=()
for tool in podman runc debootstrap curl; do
    type -P "$tool" >/dev/null 2>&1 || missing+=("$tool") # type -P: podman is also a function here
done
[ "${#missing[@]}" -eq 0 ] || apt_install "${missing[@]}"
command -v docker-compose >/dev/null 2>&1 || apt_install --no-install-recommends docker-compose
command -v npm >/dev/null 2>&1 || apt_install --no-install-recommends npm
info "$(podman --version), $(docker-compose version --short 2>/dev/null | head -n 1 | sed 's/^/docker-compose /'), npm $(npm --version 2>/dev/null)"

# ---------------------------------------------------------------------------
stage "lint: dockerfile-utils and dockerfilelint on the Dockerfiles, compose config"
if [ ! -x "$NPM_PREFIX/node_modules/.bin/dockerfile-utils" ] ||
    [ ! -x "$NPM_PREFIX/node_modules/.bin/dockerfilelint" ]; then
    mkdir -p "$NPM_PREFIX"
    timeout 300 npm install --prefix "$NPM_PREFIX" --no-audit --no-fund --loglevel=error \
        dockerfile-utils@0.16.3 dockerfilelint@1.8.0 >/dev/null ||
        die "npm install dockerfile-utils dockerfilelint failed"
fi
for df in docker/Dockerfile docker/nginx.Dockerfile; do
    # dockerfile-utils: any diagnostic, warning or error, fails the lint.
    out=$(timeout 60 "$NPM_PREFIX/node_modules/.bin/dockerfile-utils" lint --json "$df") || true
    [ "$out" = "[]" ] || die "dockerfile-utils lint $df: $out"
    timeout 60 "$NPM_PREFIX/node_modules/.bin/dockerfilelint" "$df" >"$WORK/lint.txt" 2>&1 || {
        cat "$WORK/lint.txt"
        die "dockerfilelint $df"
    }
    ok "$df: dockerfile-utils and dockerfilelint clean"
done
timeout 60 docker-compose -f docker/compose.yaml config -q || die "docker-compose config (default profile)"
timeout 60 docker-compose -f docker/compose.yaml --profile replicas config -q ||
    die "docker-compose config (replicas profile)"
ok "docker/compose.yaml is valid (default and replicas profiles)"

# ---------------------------------------------------------------------------
stage "podman configuration (/etc/containers/containers.conf)"
conf=/etc/containers/containers.conf
if [ -e "$conf" ]; then
    info "$conf exists; left as it is"
    if ! grep -q 'runc' "$conf" || ! grep -q 'cgroupfs' "$conf"; then
        info "warning: $conf does not select runc and cgroupfs (see CONTAINERS.md)"
    fi
else
    nofile=$(ulimit -Hn)
    nproc=$(ulimit -Hu)
    if [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ]; then nproc=32768; fi
    if [ "$nofile" = unlimited ]; then nofile=1048576; fi
    mkdir -p /etc/containers
    cat >"$conf" <<EOF
# Written by marsad docker/smoke-test.sh (see CONTAINERS.md): root here lacks
# CAP_SYS_RESOURCE, so container rlimits may not exceed the shell's hard limits, and
# crun refuses this host's hybrid cgroup v1/v2.
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
    info "wrote $conf (nofile=$nofile, nproc=$nproc)"
fi

# ---------------------------------------------------------------------------
stage "base image $BASE_IMAGE"
if podman image exists "$BASE_IMAGE"; then
    info "present; debootstrap skipped"
else
    # The bookworm mirror (and security mirror) this machine's apt already uses.
    mirror="" security=""
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -e "$f" ] || continue
        while IFS='|' read -r uri suites; do
            case " $suites " in *" bookworm "*) [ -n "$mirror" ] || mirror=$uri ;; esac
            case " $suites " in *" bookworm-security "*) [ -n "$security" ] || security=$uri ;; esac
        done < <(awk 'BEGIN { RS = ""; FS = "\n" }
            { uri = ""; suites = ""; deb = 0
              for (i = 1; i <= NF; i++) {
                if ($i ~ /^Types:/ && $i ~ /[[:space:]]deb([[:space:]]|$)/) deb = 1
                if ($i ~ /^URIs:/) { split($i, a, /[[:space:]]+/); uri = a[2] }
                if ($i ~ /^Suites:/) { s = $i; sub(/^Suites:[[:space:]]*/, "", s); suites = s }
              }
              if (deb && uri != "") print uri "|" suites }' "$f")
    done
    if [ -z "$mirror" ] && [ -e /etc/apt/sources.list ]; then
        mirror=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i !~ /^\[/ && $i !~ /\]$/) { if ($(i+1) == "bookworm") { print $i; exit } break } }' /etc/apt/sources.list)
        security=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i !~ /^\[/ && $i !~ /\]$/) { if ($(i+1) == "bookworm-security") { print $i; exit } break } }' /etc/apt/sources.list)
    fi
    mirror=${mirror:-http://deb.debian.org/debian}
    info "debootstrap --variant=minbase bookworm from $mirror"
    rootfs=$WORK/rootfs
    timeout 1200 debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$WORK/debootstrap.log" 2>&1 || {
        tail -n 30 "$WORK/debootstrap.log" >&2
        die "debootstrap failed"
    }
    unmount_under "$rootfs"
    # Slim it the way the official debian:*-slim images are: no apt lists or caches,
    # no docs, man pages or translations now or after later installs, no .debs kept.
    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* "$rootfs"/var/log/*.log \
        "$rootfs"/var/log/apt/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* \
        "$rootfs"/usr/share/lintian/* "$rootfs"/usr/share/groff/* "$rootfs"/tmp/* \
        "$rootfs"/etc/apt/sources.list
    find "$rootfs"/usr/share/doc -mindepth 1 -not -name copyright -not -type d -delete
    find "$rootfs"/usr/share/doc -mindepth 1 -type d -empty -delete
    find "$rootfs"/usr/share/locale -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
    : >"$rootfs"/etc/resolv.conf
    : >"$rootfs"/etc/hostname
    rm -f "$rootfs"/etc/machine-id "$rootfs"/var/lib/dbus/machine-id
    cat >"$rootfs"/etc/dpkg/dpkg.cfg.d/docker <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
    cat >"$rootfs"/etc/apt/apt.conf.d/docker-clean <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
    echo 'Acquire::Languages "none";' >"$rootfs"/etc/apt/apt.conf.d/docker-no-languages
    echo 'Acquire::GzipIndexes "true";' >"$rootfs"/etc/apt/apt.conf.d/docker-gzip-indexes
    echo 'Apt::AutoRemove::SuggestsImportant "false";' >"$rootfs"/etc/apt/apt.conf.d/docker-autoremove-suggests
    {
        printf 'Types: deb\nURIs: %s\nSuites: bookworm bookworm-updates\nComponents: main\n' "$mirror"
        printf 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n'
        if [ -n "$security" ]; then
            printf '\nTypes: deb\nURIs: %s\nSuites: bookworm-security\nComponents: main\n' "$security"
            printf 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n'
        fi
    } >"$rootfs"/etc/apt/sources.list.d/debian.sources
    tar --numeric-owner -C "$rootfs" -c . |
        timeout 600 podman import --change 'CMD ["/bin/bash"]' - "localhost/$BASE_IMAGE" >/dev/null ||
        die "podman import failed"
    podman tag "localhost/$BASE_IMAGE" "docker.io/library/$BASE_IMAGE"
    unmount_under "$rootfs"
    rm -rf --one-file-system "$rootfs"
    info "imported localhost/$BASE_IMAGE, tagged docker.io/library/$BASE_IMAGE"
fi

# ---------------------------------------------------------------------------
stage "build $IMAGE from docker/Dockerfile"
before_external=$(podman ps -a --external --format '{{.ID}}' 2>/dev/null | sort)
if ! timeout 1800 podman build --pull=never --format docker -t "$IMAGE" -f docker/Dockerfile . \
    >"$WORK/build.log" 2>&1; then
    tail -n 40 "$WORK/build.log" >&2
    # A build that failed or was killed leaves its working container behind.
    for id in $(comm -13 <(echo "$before_external") \
        <(podman ps -a --external --format '{{.ID}}' 2>/dev/null | sort)); do
        if command -v buildah >/dev/null 2>&1; then buildah rm "$id"; else podman rm -f "$id"; fi
    done >/dev/null 2>&1 || true
    die "podman build failed"
fi
info "$(podman image inspect --format '{{.Id}}' "$IMAGE" | cut -c1-12), $(podman image inspect --format '{{.Size}}' "$IMAGE" | awk '{printf "%.1f MB", $1 / 1e6}')"

# ---------------------------------------------------------------------------
stage "run $IMAGE with a named volume for /data"
podman volume create "$VOLUME" >/dev/null
run_container main -v "$VOLUME:/data"
MAIN=$CID
MAIN_PORT=$PORT
BASE="http://127.0.0.1:$MAIN_PORT"
info "container ${MAIN:0:12} on 127.0.0.1:$MAIN_PORT"
wait_http "$MAIN" "$BASE/healthz" 30
ok "GET /healthz 200"

# ---------------------------------------------------------------------------
stage "checks"
body=$(curl -fsS --max-time 10 "$BASE/v1/claims?limit=1") || die "GET /v1/claims?limit=1 failed"
case $body in
'{"data":['*) ok "GET /v1/claims?limit=1 returns JSON with \"data\"" ;;
*) die "GET /v1/claims?limit=1: unexpected body: ${body:0:200}" ;;
esac
[ "$(http_code "$BASE/readyz")" = 200 ] || die "GET /readyz is not 200"
ok "GET /readyz 200"

uid=$(timeout 30 podman exec "$MAIN" id -u)
[ "$uid" != 0 ] || die "podman exec id -u says root"
ok "podman exec id -u: $uid"
pid1=$(timeout 30 podman exec "$MAIN" cat /proc/1/status)
pid1_name=$(printf '%s\n' "$pid1" | awk '$1 == "Name:" {print $2}')
pid1_uids=$(printf '%s\n' "$pid1" | awk '$1 == "Uid:" {print $2, $3, $4, $5}')
[ "$pid1_name" = marsad ] || die "PID 1 is '$pid1_name', not marsad (entrypoint must exec)"
[ "$pid1_uids" = "10001 10001 10001 10001" ] || die "PID 1 Uid line is '$pid1_uids'"
ok "PID 1 is marsad with Uid $pid1_uids (/proc/1/status)"
info "podman top: $(timeout 30 podman top "$MAIN" pid huser user args | tail -n +2 | tr -s ' ' | head -n 3 | paste -sd ';')"
timeout 30 podman exec "$MAIN" sh -c '! test -w /usr/share/marsad/marsad.db' ||
    die "the built-in default database is writable"
ok "built-in default database /usr/share/marsad/marsad.db is read-only"

timeout 60 podman healthcheck run "$MAIN" >/dev/null 2>&1 || die "podman healthcheck run failed"
ok "podman healthcheck run: healthy"
hc=$(podman inspect --format '{{json .Config.Healthcheck}}' "$MAIN")
case $hc in
*'/healthz'*) ok "podman inspect shows the HEALTHCHECK: $hc" ;;
*) die "podman inspect shows no HEALTHCHECK on /healthz (built without --format docker?): $hc" ;;
esac
stopsig=$(podman image inspect --format '{{.Config.StopSignal}}' "$IMAGE")
[ "$stopsig" = SIGTERM ] || die "image StopSignal is '$stopsig'"
ok "image StopSignal SIGTERM, User $(podman image inspect --format '{{.Config.User}}' "$IMAGE")"

# ---------------------------------------------------------------------------
stage "data on the volume survives podman restart"
post_code=$(http_code "$BASE/v1/claims" -X POST -H 'Content-Type: application/json' --data '{}')
if [ "$post_code" = 401 ]; then
    info "write API present (POST /v1/claims without a token: 401): writing a claim through the API"
    tok_out=$(timeout 30 podman exec "$MAIN" marsad token create --name smoke --scope write \
        --db /data/marsad.db) || die "marsad token create failed: $tok_out"
    token=$(json_str "$tok_out" token | tr -d '"')
    [ -n "$token" ] || token=$(printf '%s\n' "$tok_out" | awk 'NF {last = $NF} END {print last}')
    [ -n "$token" ] || die "no token in the output of marsad token create: $tok_out"
    marker="Smoke test marker $RUN_ID"
    if [ -n "${SMOKE_CLAIM_BODY:-}" ]; then
        claim=$SMOKE_CLAIM_BODY
    else
        # A new claim on the first claim's quote (a verbatim span of a stored source),
        # with the marker as its statement.
        claim=$(printf '{"source":%s,"quote":%s,"statement":"%s","kind":%s,"claimant":%s,"claimant_kind":%s,"topics":%s}' \
            "$(json_str "$body" source)" "$(json_str "$body" quote)" "$marker" \
            "$(json_str "$body" kind)" "$(json_str "$body" claimant)" \
            "$(json_str "$body" claimant_kind)" "$(json_strs "$body" topics)")
    fi
    hdrs=$WORK/post.headers
    created=$(curl -sS --max-time 10 -D "$hdrs" -X POST -H "Authorization: Bearer $token" \
        -H 'Content-Type: application/json' --data "$claim" -w '\n%{http_code}' "$BASE/v1/claims") ||
        die "POST /v1/claims failed"
    code=$(printf '%s\n' "$created" | tail -n 1)
    created=$(printf '%s\n' "$created" | sed '$d')
    case $code in
    200 | 201) ;;
    *) die "POST /v1/claims with a write token answered $code: ${created:0:400} (set SMOKE_CLAIM_BODY to a valid claim)" ;;
    esac
    claim_id=$(sed -nE 's#^[Ll]ocation: .*/v1/claims/([^[:space:]?]+).*#\1#p' "$hdrs" | head -n 1)
    [ -n "$claim_id" ] || claim_id=$(json_str "$created" id | tr -d '"')
    [ -n "$claim_id" ] || die "POST /v1/claims: no id in Location or body: ${created:0:400}"
    check_marker() {
        local got
        got=$(curl -fsS --max-time 10 "$BASE/v1/claims/$claim_id") || die "GET /v1/claims/$claim_id failed ($1)"
        case $got in *"$marker"*) ;; *) die "claim $claim_id lacks the marker ($1): ${got:0:300}" ;; esac
    }
    check_marker "before restart"
    ok "created claim $claim_id carrying the marker"
    version_before=$(json_num "$(curl -fsS --max-time 10 "$BASE/version")" dataset_version)
    timeout 60 podman restart -t 10 "$MAIN" >/dev/null 2> >(no_systemd_noise) || die "podman restart failed"
    wait_http "$MAIN" "$BASE/healthz" 30
    check_marker "after restart"
    version_after=$(json_num "$(curl -fsS --max-time 10 "$BASE/version")" dataset_version)
    [ "$version_before" = "$version_after" ] ||
        die "dataset_version $version_before before restart, $version_after after"
    ok "after podman restart: claim $claim_id and dataset_version $version_after are still there (write API)"
else
    info "write API not available (POST /v1/claims without a token: $post_code): fallback check"
    info "(dataset_version, the database file's inode and mtime, a marker file on the volume)"
    version_before=$(json_num "$(curl -fsS --max-time 10 "$BASE/version")" dataset_version)
    stat_before=$(timeout 30 podman exec "$MAIN" stat -c 'inode=%i mtime=%Y' /data/marsad.db)
    timeout 30 podman exec "$MAIN" sh -c "echo '$RUN_ID' > /data/.smoke-marker" ||
        die "cannot write to /data"
    timeout 60 podman restart -t 10 "$MAIN" >/dev/null 2> >(no_systemd_noise) || die "podman restart failed"
    wait_http "$MAIN" "$BASE/healthz" 30
    version_after=$(json_num "$(curl -fsS --max-time 10 "$BASE/version")" dataset_version)
    stat_after=$(timeout 30 podman exec "$MAIN" stat -c 'inode=%i mtime=%Y' /data/marsad.db)
    marker=$(timeout 30 podman exec "$MAIN" cat /data/.smoke-marker 2>/dev/null || true)
    timeout 30 podman exec "$MAIN" rm -f /data/.smoke-marker
    [ -n "$version_before" ] || die "no dataset_version in /version"
    [ "$version_before" = "$version_after" ] ||
        die "dataset_version '$version_before' before restart, '$version_after' after"
    [ "$stat_before" = "$stat_after" ] ||
        die "/data/marsad.db changed across the restart: $stat_before -> $stat_after"
    [ "$marker" = "$RUN_ID" ] || die "the marker file on /data did not survive the restart"
    ok "after podman restart: same database file ($stat_after), dataset_version $version_after, marker file kept (fallback)"
fi
case $(timeout 20 podman logs "$MAIN" 2>&1 | grep -c 'copied the default database') in
1) ok "the entrypoint copied the default database once (first start only)" ;;
*) die "the entrypoint copied the default database more than once, or never" ;;
esac

# ---------------------------------------------------------------------------
stage "a read-only replica on the same volume (MARSAD_READ_ONLY=1)"
run_container replica -v "$VOLUME:/data" -e MARSAD_READ_ONLY=1
REPLICA=$CID
RBASE="http://127.0.0.1:$PORT"
wait_http "$REPLICA" "$RBASE/healthz" 30
rbody=$(curl -fsS --max-time 10 "$RBASE/v1/claims?limit=1") || die "replica: GET /v1/claims failed"
wbody=$(curl -fsS --max-time 10 "$BASE/v1/claims?limit=1") || die "writer: GET /v1/claims failed"
[ "$rbody" = "$wbody" ] || die "replica and writer answer /v1/claims?limit=1 differently"
rversion=$(json_num "$(curl -fsS --max-time 10 "$RBASE/version")" dataset_version)
[ "$rversion" = "$version_after" ] || die "replica dataset_version $rversion, writer $version_after"
if [ -n "${claim_id:-}" ]; then
    [ "$(http_code "$RBASE/v1/claims/$claim_id")" = 200 ] || die "replica does not see claim $claim_id"
fi
rcode=$(http_code "$RBASE/v1/claims" -X POST -H 'Content-Type: application/json' --data '{}')
case $rcode in 2??) die "replica accepted a POST ($rcode)" ;; esac
ok "replica serves the writer's data (dataset_version $rversion); POST answered $rcode"
stop_and_check "$REPLICA"

# ---------------------------------------------------------------------------
stage "clean stop on SIGTERM"
stop_and_check "$MAIN"
timeout 20 podman logs "$MAIN" 2>&1 | tail -n 3 | grep -q '"stopped"' ||
    die "marsad did not log its clean shutdown"
ok "marsad logged \"stopped\""

# ---------------------------------------------------------------------------
if [ "${SMOKE_COMPOSE:-0}" = 1 ]; then
    stage "compose: docker/compose.yaml --profile replicas through podman's Docker API"
    COMPOSE_SOCK=$WORK/podman.sock
    # Runs until the cleanup stops it by its pid.
    command podman system service --time=0 "unix://$COMPOSE_SOCK" >/dev/null 2>&1 &
    PODMAN_SERVICE_PID=$!
    deadline=$((SECONDS + 30))
    until [ -S "$COMPOSE_SOCK" ]; do
        [ "$SECONDS" -lt "$deadline" ] || die "podman system service did not start"
        sleep 0.5
    done
    export DOCKER_HOST="unix://$COMPOSE_SOCK"
    COMPOSE_PROJECT="marsad$RUN_ID"
    COMPOSE_PROJECT=${COMPOSE_PROJECT//-/}
    MARSAD_HOST_PORT=$(free_port)
    MARSAD_REPLICAS_HOST_PORT=$(free_port)
    export MARSAD_HOST_PORT MARSAD_REPLICAS_HOST_PORT
    # podman runs healthchecks from systemd timers, absent here: run them by hand so
    # that depends_on: service_healthy can be met.
    (
        while sleep 2; do
            for id in $(podman ps -q --filter "label=com.docker.compose.project=$COMPOSE_PROJECT"); do
                timeout 10 podman healthcheck run "$id" >/dev/null 2>&1 || true
            done
        done
    ) &
    HEALTH_LOOP_PID=$!
    timeout 900 docker-compose -p "$COMPOSE_PROJECT" -f docker/compose.yaml --profile replicas \
        up -d --build >"$WORK/compose.log" 2>&1 || {
        tail -n 40 "$WORK/compose.log" >&2
        die "docker-compose up failed"
    }
    deadline=$((SECONDS + 60))
    until [ "$(http_code "http://127.0.0.1:$MARSAD_REPLICAS_HOST_PORT/v1/claims?limit=1")" = 200 ]; do
        [ "$SECONDS" -lt "$deadline" ] || die "nginx on 127.0.0.1:$MARSAD_REPLICAS_HOST_PORT did not answer"
        sleep 1
    done
    [ "$(http_code "http://127.0.0.1:$MARSAD_HOST_PORT/healthz")" = 200 ] || die "compose marsad service"
    for _ in 1 2 3 4 5 6; do
        curl -fsS --max-time 5 -o /dev/null "http://127.0.0.1:$MARSAD_REPLICAS_HOST_PORT/v1/claims?limit=1" ||
            die "a request through nginx failed"
    done
    wcode=$(http_code "http://127.0.0.1:$MARSAD_REPLICAS_HOST_PORT/v1/claims" -X POST --data '{}')
    [ "$wcode" = 403 ] || die "nginx let a POST through to the replicas ($wcode)"
    ok "writer on 127.0.0.1:$MARSAD_HOST_PORT, 3 replicas behind nginx on 127.0.0.1:$MARSAD_REPLICAS_HOST_PORT; POST via nginx 403"
    served=$(for s in replica-1 replica-2 replica-3; do
        docker-compose -p "$COMPOSE_PROJECT" -f docker/compose.yaml --profile replicas logs "$s" 2>/dev/null |
            grep -c '/v1/claims' || true
    done | paste -sd ' ')
    info "requests logged per replica: $served"
fi

stage "cleanup"
