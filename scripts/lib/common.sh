# Shared by scripts/run.sh and scripts/test.sh: Debian packages and the build.
# Source it; it defines functions only.

DELIVERYD_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# Everything deliveryd needs to build, test and run, from Debian 12's archive.
DELIVERYD_PACKAGES=(
    cmake ninja-build g++ pkg-config git ca-certificates
    libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
    libcurl4-openssl-dev libpqxx-dev libyaml-cpp-dev libspdlog-dev prometheus-cpp-dev libjemalloc-dev
    libgtest-dev libgmock-dev
    postgresql-15 postgresql-client-15
    clang-format wrk curl pgbouncer
    chromium nodejs npm  # the admin pages' browser test (tests/browser)
)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Installs what is missing; asks apt only when something is.
install_packages() {
    local missing=()
    local provided
    # What installed packages provide counts too: NodeSource's nodejs
    # provides npm (and conflicts with Debian's npm package).
    provided=$(dpkg-query -W -f='${Status}|${Provides}\n' 2>/dev/null |
        sed -n 's/^install ok installed|//p' | tr ',' '\n' | sed 's/ *(.*//; s/^ *//')
    for p in "${DELIVERYD_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
            grep -qx -- "$p" <<<"$provided" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    [ "$(id -u)" -eq 0 ] || die "missing packages (${missing[*]}); run as root or install them"
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The browser test's playwright-core, at the version tests/browser/package-lock.json
# pins, from the npm registry into tests/browser/node_modules (not tracked).
# It downloads no browser: the test drives Debian's chromium.
install_browser_test_modules() {
    local dir="$DELIVERYD_ROOT/tests/browser" want have
    want=$(node -p "require('$dir/package-lock.json').packages['node_modules/playwright-core'].version")
    have=$(node -p "require('$dir/node_modules/playwright-core/package.json').version" 2>/dev/null || true)
    [ "$want" = "$have" ] && return 0
    log "installing playwright-core $want into tests/browser/node_modules"
    (cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
}

# build_tree DIR [cmake options...]: configures once, then builds everything.
build_tree() {
    local dir=$1; shift
    log "building in ${dir#$DELIVERYD_ROOT/}"
    cmake -S "$DELIVERYD_ROOT" -B "$dir" -G Ninja "$@" >/dev/null
    cmake --build "$dir" -j "$(nproc)"
}
