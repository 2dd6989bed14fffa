# Shared by scripts/run.sh and scripts/test.sh: Debian packages and the build.
# Source it; it defines functions only.

DELIVERYD_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# Everything deliveryd needs to build, test and run, from Debian 12's archive.
DELIVERYD_PACKAGES=(
    cmake ninja-build g++ pkg-config git ca-certificates
    libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
    libcurl4-openssl-dev libpqxx-dev libyaml-cpp-dev libspdlog-dev prometheus-cpp-dev
    libgtest-dev libgmock-dev
    postgresql-15 postgresql-client-15
    clang-format wrk curl pgbouncer
)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Installs what is missing; asks apt only when something is.
install_packages() {
    local missing=()
    for p in "${DELIVERYD_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
            missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    [ "$(id -u)" -eq 0 ] || die "missing packages (${missing[*]}); run as root or install them"
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# build_tree DIR [cmake options...]: configures once, then builds everything.
build_tree() {
    local dir=$1; shift
    log "building in ${dir#$DELIVERYD_ROOT/}"
    cmake -S "$DELIVERYD_ROOT" -B "$dir" -G Ninja "$@" >/dev/null
    cmake --build "$dir" -j "$(nproc)"
}
