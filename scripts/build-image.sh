#!/usr/bin/env bash
# Builds the container image from deploy/Dockerfile with podman and checks it,
# on a Debian 12 machine, as root, that reaches Debian's package mirror but no
# container registry:
#
#   1. installs podman, runc and debootstrap with apt-get;
#   2. makes the base images locally: `debootstrap --variant=minbase bookworm`
#      from the host's Debian mirror (the official debian images are minbase
#      too), imported as docker.io/library/debian:bookworm and, with the
#      documentation and locales cut as the official slim image does,
#      docker.io/library/debian:bookworm-slim, which is what the Dockerfile's
#      FROM lines resolve to; nothing is ever pulled. Their sources are the
#      host's Debian mirror and suites. The root file systems are cached as
#      tar files in .local/image-bases/ (DELIVERYD_IMAGE_BASES), remade after
#      DELIVERYD_BASE_MAX_AGE_DAYS (7) days or with DELIVERYD_REFRESH_BASES=1;
#   3. podman build (layers cached in podman's storage: a rerun with unchanged
#      sources takes seconds);
#   4. runs the image: --version, --help, check-config of
#      deploy/kubernetes/base/config.yaml with dummy credentials, and checks
#      that it runs as uid/gid 10001 and that the CA bundle is readable.
#
# Environment: DELIVERYD_IMAGE (tag, default localhost/deliveryd:dev),
# BUILD_JOBS (compile jobs in the build stage, default nproc).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

IMAGE=${DELIVERYD_IMAGE:-localhost/deliveryd:dev}
BUILD_JOBS=${BUILD_JOBS:-$(nproc)}
BASES=${DELIVERYD_IMAGE_BASES:-$DELIVERYD_ROOT/.local/image-bases}
MAX_AGE_DAYS=${DELIVERYD_BASE_MAX_AGE_DAYS:-7}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
LABEL=deliveryd.build-image=$$

[ "$(id -u)" -eq 0 ] || die "run as root (podman's root storage, debootstrap)"

# shellcheck disable=SC2034 # read by install_packages
DELIVERYD_PACKAGES=(podman runc debootstrap debian-archive-keyring)
install_packages

WORK=$(mktemp -d)
cleanup() {
    # Containers of this run only (they all carry $LABEL); --rm removes them
    # on a normal exit, this catches an interrupted one.
    podman ps -a -q --filter "label=$LABEL" 2>/dev/null | xargs -r podman rm -f >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

# Every container runs with runc: crun (podman's default on Debian 12) cannot
# run on hosts with hybrid cgroups (v1 controllers plus a v2 mount). The
# ulimits: as root podman sets the containers' nofile and nproc to values
# above the host's hard limits, which fails where root lacks CAP_SYS_RESOURCE
# (sandboxes, CI); these are for the build and the checks, the image sets none.
nofile=$(ulimit -Hn); [ "$nofile" = unlimited ] || [ "$nofile" -gt 65536 ] && nofile=65536
nproc_limit=$(ulimit -Hu); [ "$nproc_limit" = unlimited ] || [ "$nproc_limit" -gt 16384 ] && nproc_limit=16384
PODMAN_OPTS=(--runtime runc --ulimit "nofile=$nofile:$nofile" --ulimit "nproc=$nproc_limit:$nproc_limit")

# ---- the host's Debian mirror ------------------------------------------------
# "URI SUITE" of the host's Debian bookworm repositories (main), e.g.
# "http://deb.debian.org/debian/ bookworm".
host_repositories() {
    # shellcheck disable=SC2016 # apt's $(FIELD) placeholders
    apt-get indextargets --format '$(REPO_URI) $(RELEASE)' \
        'Identifier: Packages' 'Origin: Debian' 'Component: main' 2>/dev/null |
        awk '$2 ~ /^bookworm(-updates|-security)?$/' | sort -u
}
repos=$(host_repositories)
if [ -z "$repos" ]; then
    apt-get update -qq
    repos=$(host_repositories)
fi
[ -n "$repos" ] || die "no Debian bookworm repository in the host's apt sources"
MIRROR=$(awk '$2 == "bookworm" { print $1; exit }' <<<"$repos")
[ -n "$MIRROR" ] || die "the host's apt sources have no Debian bookworm main repository"

# The images' /etc/apt/sources.list.d/debian.sources: the host's mirrors and
# suites, in the official images' format.
{
    first=1
    while read -r uri; do
        [ $first -eq 1 ] || echo
        first=0
        printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: %s\n' \
            "$uri" "$(awk -v u="$uri" '$1 == u { printf "%s%s", s, $2; s = " " }' <<<"$repos")" "$KEYRING"
    done < <(awk '{ print $1 }' <<<"$repos" | sort -u)
} >"$WORK/debian.sources"

# The host's apt settings that decide whether its mirror answers: validity
# checks (e.g. for a snapshot mirror) go into the bases with the sources;
# proxies do not (a proxy URL may hold a password): they go to debootstrap and
# to the build's RUN steps as http_proxy/https_proxy, which podman passes on
# without storing them in the image.
apt-config dump | grep -iE '^Acquire::(Check-Valid-Until|Check-Date) ' >"$WORK/host-acquire.conf" || true
for scheme in http https; do
    var=${scheme}_proxy
    if [ -z "${!var:-}" ]; then
        eval "$(apt-config shell "$var" "Acquire::$scheme::Proxy")"
        if [ -n "${!var:-}" ] && [ "${!var}" != DIRECT ]; then export "${var?}"; else unset "$var"; fi
    fi
done

# ---- base images ---------------------------------------------------------------
# What the official images add to debootstrap's result (debuerreotype), in
# short; $1 is the root.
finish_root() {
    local root=$1
    rm -f "$root/etc/apt/sources.list"
    install -m 0644 "$WORK/debian.sources" "$root/etc/apt/sources.list.d/debian.sources"
    if [ -s "$WORK/host-acquire.conf" ]; then
        install -m 0644 "$WORK/host-acquire.conf" "$root/etc/apt/apt.conf.d/99host-acquire"
    fi
    printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
    chmod 0755 "$root/usr/sbin/policy-rc.d"
    cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'EOF'
# No package cache in image layers.
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
EOF
    echo 'Acquire::Languages "none";' >"$root/etc/apt/apt.conf.d/docker-no-languages"
    echo 'Acquire::GzipIndexes "true";' >"$root/etc/apt/apt.conf.d/docker-gzip-indexes"
    echo 'Apt::AutoRemove::SuggestsImportant "false";' >"$root/etc/apt/apt.conf.d/docker-autoremove-suggests"
    # The host's, copied by debootstrap; podman provides its own at run time.
    : >"$root/etc/resolv.conf"
    : >"$root/etc/hostname"
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/cache/apt/*.bin \
        "$root"/var/lib/apt/lists/* "$root"/var/log/*.log "$root"/var/log/apt/* "$root"/tmp/*
    mkdir -p "$root/var/lib/apt/lists/partial"
    find "$root/dev" -mindepth 1 -delete
}

# Slim: no documentation, man pages or translations (copyright files stay),
# now or from packages installed later.
slimify() {
    local root=$1
    cat >"$root/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/man/*
EOF
    find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
    find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
    rm -rf "$root"/usr/share/{groff,info,linda,lintian,locale,man}/*
}

make_bases() {
    local root=$WORK/rootfs
    log "debootstrap --variant=minbase bookworm from $MIRROR"
    debootstrap --variant=minbase --keyring="$KEYRING" bookworm "$root" "$MIRROR" \
        >"$WORK/debootstrap.log" 2>&1 || {
        tail -n 30 "$WORK/debootstrap.log" >&2
        die "debootstrap failed"
    }
    finish_root "$root"
    mkdir -p "$BASES"
    tar -C "$root" --numeric-owner -cf "$BASES/bookworm.tar.new" .
    slimify "$root"
    tar -C "$root" --numeric-owner -cf "$BASES/bookworm-slim.tar.new" .
    rm -rf "$root"
    mv "$BASES/bookworm.tar.new" "$BASES/bookworm.tar"
    mv "$BASES/bookworm-slim.tar.new" "$BASES/bookworm-slim.tar"
    rm -f "$BASES"/*.id
}

if [ "${DELIVERYD_REFRESH_BASES:-0}" = 1 ] || [ ! -f "$BASES/bookworm-slim.tar" ] ||
    [ -n "$(find "$BASES/bookworm.tar" -mtime "+$MAX_AGE_DAYS" 2>/dev/null)" ]; then
    make_bases
fi

# Imports a cached root unless the tag already holds that import (a new
# import would be a new image and invalidate every cached build layer).
for tag in bookworm bookworm-slim; do
    ref=docker.io/library/debian:$tag
    id=$(podman image inspect --format '{{.Id}}' "$ref" 2>/dev/null || true)
    if [ -z "$id" ] || [ "$id" != "$(cat "$BASES/$tag.id" 2>/dev/null)" ]; then
        log "importing ${BASES#"$DELIVERYD_ROOT"/}/$tag.tar as $ref"
        podman import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
            --change 'CMD ["bash"]' "$BASES/$tag.tar" "$ref" >/dev/null
        podman image inspect --format '{{.Id}}' "$ref" >"$BASES/$tag.id"
    fi
done

# ---- build ---------------------------------------------------------------------
old_id=$(podman image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)
log "podman build -f deploy/Dockerfile -t $IMAGE (BUILD_JOBS=$BUILD_JOBS)"
start=$SECONDS
podman build --pull=never --network host "${PODMAN_OPTS[@]}" \
    --build-arg "BUILD_JOBS=$BUILD_JOBS" -f "$DELIVERYD_ROOT/deploy/Dockerfile" -t "$IMAGE" \
    "$DELIVERYD_ROOT" || die "podman build failed"
log "built $IMAGE in $((SECONDS - start))s ($(podman image inspect --format '{{.Size}}' "$IMAGE") bytes)"
new_id=$(podman image inspect --format '{{.Id}}' "$IMAGE")
# The image this tag named before, now untagged (kept if something uses it).
if [ -n "$old_id" ] && [ "$old_id" != "$new_id" ]; then
    podman rmi "$old_id" >/dev/null 2>&1 || true
fi

# ---- checks ----------------------------------------------------------------------
run() { podman run --rm --pull=never --network none --label "$LABEL" "${PODMAN_OPTS[@]}" "$@"; }

log "checking the image"
version=$(run "$IMAGE" --version) || die "deliveryd --version failed in the image"
run "$IMAGE" --help >"$WORK/help.out" 2>&1 || { cat "$WORK/help.out" >&2; die "deliveryd --help failed in the image"; }
grep -q '^Usage: deliveryd' "$WORK/help.out" || { cat "$WORK/help.out" >&2; die "deliveryd --help: no usage"; }

# The Kubernetes base config, which expands these from the environment, under
# the Deployment's restrictions (read-only root, no capabilities).
if ! run --read-only --cap-drop all --security-opt no-new-privileges \
    -v "$DELIVERYD_ROOT/deploy/kubernetes/base/config.yaml:/etc/deliveryd/config.yaml:ro" \
    -e DELIVERYD_DATABASE_URL=postgresql://deliveryd:dummy-password@db.invalid/deliveryd \
    -e DELIVERYD_CALLBACK_TOKEN=dummy-token -e ESMS_API_KEY=dummy -e ESMS_SECRET_KEY=dummy \
    -e ETELECOM_API_KEY=dummy \
    "$IMAGE" check-config --config /etc/deliveryd/config.yaml >"$WORK/check-config.out" 2>&1; then
    cat "$WORK/check-config.out" >&2
    die "deliveryd check-config failed in the image"
fi
if grep -q 'dummy' "$WORK/check-config.out"; then
    die "deliveryd check-config printed a credential"
fi

# As the image's own user (no --user): uid/gid 10001 and the CA bundle that
# TLS connections (PostgreSQL, providers) verify against.
# shellcheck disable=SC2016 # expanded by the image's shell
if ! run --entrypoint /bin/sh "$IMAGE" -c '
    set -e
    test "$(id -u):$(id -g)" = 10001:10001 || { echo "runs as $(id -u):$(id -g)"; exit 1; }
    bundle=/etc/ssl/certs/ca-certificates.crt
    test -r "$bundle" || { echo "$bundle missing or unreadable"; exit 1; }
    n=$(grep -c "BEGIN CERTIFICATE" "$bundle")
    test "$n" -gt 0 || { echo "$bundle holds no certificate"; exit 1; }
    echo "$n"' >"$WORK/ca.out" 2>&1; then
    cat "$WORK/ca.out" >&2
    die "image user or CA bundle check failed"
fi

log "image $IMAGE ok: $version; --help, check-config; uid 10001 reads /etc/ssl/certs/ca-certificates.crt ($(cat "$WORK/ca.out") certificates)"
