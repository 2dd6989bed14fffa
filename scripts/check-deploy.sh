#!/usr/bin/env bash
# Validates deploy/ offline, without a cluster, a container engine or systemd
# running: builds the kustomize base and the production and eSMS-only overlays
# with the kubectl of Debian's kubernetes-client package (unpacked under
# .local/, not installed), checks every object against the Kubernetes API
# models and deliveryd's deployment policy (deploy/kubernetes/validate.py),
# proves that broken manifests are rejected, checks the Prometheus alerting
# rules and runs their unit tests with promtool (from Debian's prometheus
# package, unpacked the same way), verifies the systemd units (deliveryd and
# its retention timer), and compares the Dockerfile with the build.
#
# With DELIVERYD_BINARY=path/to/deliveryd it also runs `deliveryd check-config`
# on the config.yaml of every build (and sees it refuse production's without
# ETELECOM_API_KEY), gives the retention command lines of the CronJobs and
# the systemd unit to the binary (they must get as far as connecting to the
# database), and checks that the Dockerfile's runtime packages provide every
# library the binary links.
#
# Run as root on Debian 12 (it installs what it needs with apt-get).
# Exits non-zero on any failure.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"

PY=/usr/bin/python3 # Debian's, with python3-kubernetes; not a pyenv python3
DEPLOY="$DELIVERYD_ROOT/deploy"
K8S="$DEPLOY/kubernetes"
CACHE="$DELIVERYD_ROOT/.local/deploy-tools"
VALIDATE=("$PY" "$K8S/validate.py")
FAILURES=0

fail() {
    printf 'FAILED: %s\n' "$*" >&2
    FAILURES=$((FAILURES + 1))
}
ok() { printf '  ok %s\n' "$*"; }

# common.sh's installer, for this script's own list; the project's build
# packages are kept for comparing with the Dockerfile.
PROJECT_PACKAGES=("${DELIVERYD_PACKAGES[@]}")
DELIVERYD_PACKAGES=(python3-kubernetes python3-jsonschema python3-yaml systemd binutils)
install_packages

# fetch_tool PACKAGE FILE: FILE (a path inside the Debian package) unpacked
# once into the cache as $CACHE/PACKAGE/root/FILE; the rest of the package is
# dropped. Never installed: another package may own /usr/bin/kubectl, and
# the prometheus package would add a running Prometheus.
fetch_tool() {
    local package=$1 file=$2 dir="$CACHE/$1"
    if [ ! -x "$dir/root/$file" ]; then
        log "fetching Debian's $package into ${dir#"$DELIVERYD_ROOT"/}"
        rm -rf "$dir"
        mkdir -p "$dir/download"
        (
            cd "$dir/download"
            apt-get download -qq -o APT::Sandbox::User=root "$package" 2>/dev/null || {
                apt-get update -qq
                apt-get download -qq -o APT::Sandbox::User=root "$package"
            }
        ) || die "apt-get download $package failed"
        local deb
        deb=$(ls "$dir/download/${package}"_*.deb)
        dpkg-deb -f "$deb" Version >"$dir/version"
        dpkg-deb -x "$deb" "$dir/unpacked"
        [ -x "$dir/unpacked/$file" ] || die "$package has no $file"
        mkdir -p "$dir/root.tmp/$(dirname "$file")"
        mv "$dir/unpacked/$file" "$dir/root.tmp/$file"
        rm -rf "$dir/download" "$dir/unpacked"
        mv "$dir/root.tmp" "$dir/root"
    fi
    ok "$(basename "$file") from $package $(cat "$dir/version") (${dir#"$DELIVERYD_ROOT"/}/root/$file)"
}
# kubectl 1.20 and its kustomize.
fetch_tool kubernetes-client usr/bin/kubectl
KUBECTL="$CACHE/kubernetes-client/root/usr/bin/kubectl"

WORK=$(mktemp -d /tmp/deliveryd-check-deploy.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# build NAME DIR: kubectl kustomize DIR > $WORK/NAME.yaml
build() {
    if ! "$KUBECTL" kustomize "$2" >"$WORK/$1.yaml" 2>"$WORK/$1.err"; then
        cat "$WORK/$1.err" >&2
        fail "kubectl kustomize ${2#"$DELIVERYD_ROOT"/}"
        return 1
    fi
    ok "kubectl kustomize ${2#"$DELIVERYD_ROOT"/}: $(grep -c '^kind:' "$WORK/$1.yaml") objects"
}

# check NAME [validate.py options]: schema and policy of one build; keeps its
# config.yaml, the environment variables that config uses and the arguments of
# the CronJob's deliveryd retention.
check() {
    local name=$1
    shift
    log "validating $name"
    "${VALIDATE[@]}" "$@" --config-out "$WORK/$name-config.yaml" \
        --env-out "$WORK/$name-env.txt" --retention-args-out "$WORK/$name-retention.txt" \
        "$WORK/$name.yaml" || fail "$name manifests"
}

log "building the manifests"
build base "$K8S/base" && check base --replicas 3
build production "$K8S/overlays/production" && check production --min-replicas 3 --pinned-image
build esms-only "$K8S/overlays/esms-only" && check esms-only --min-replicas 3 --pinned-image

# The eSMS-only overlay is production without eTelecom: its config.yaml is
# production's without the etelecom: section, and it needs no ETELECOM_API_KEY.
if [ -f "$WORK/production-config.yaml" ] && [ -f "$WORK/esms-only-config.yaml" ]; then
    if "$PY" - "$WORK/production-config.yaml" "$WORK/esms-only-config.yaml" <<'EOF'; then
import sys
import yaml
production, esms_only = (yaml.safe_load(open(path, encoding="utf-8")) for path in sys.argv[1:])
if "etelecom" in esms_only:
    sys.exit("esms-only config.yaml has an etelecom: section")
production.pop("etelecom", None)
if production != esms_only:
    differ = sorted(k for k in set(production) | set(esms_only)
                    if production.get(k) != esms_only.get(k))
    sys.exit(f"esms-only config.yaml differs from production's in {', '.join(differ)}")
EOF
        if grep -qx ETELECOM_API_KEY "$WORK/esms-only-env.txt"; then
            fail "the esms-only config uses \${ETELECOM_API_KEY}"
        else
            ok "esms-only config.yaml: production's without etelecom:, no \${ETELECOM_API_KEY}"
        fi
    else
        fail "overlays/esms-only/config.yaml is not production's without its etelecom: section"
    fi
fi

# The private CA of "PostgreSQL over TLS" (deploy/README.md): the production
# overlay's commented-out `# - ca.crt`, uncommented in a copy with a
# certificate next to it, must build, validate, and put ca.crt next to
# config.yaml in the ConfigMap every container mounts at /etc/deliveryd.
log "building the production overlay with its private CA line uncommented"
cp -r "$K8S" "$WORK/private-ca"
sed -i 's|^      # - ca.crt$|      - ca.crt|' "$WORK/private-ca/overlays/production/kustomization.yaml"
if ! grep -qx '      - ca.crt' "$WORK/private-ca/overlays/production/kustomization.yaml"; then
    fail "overlays/production/kustomization.yaml has no commented-out '      # - ca.crt' line"
else
    printf '%s\n' '-----BEGIN CERTIFICATE-----' 'Y2hlY2stZGVwbG95' '-----END CERTIFICATE-----' \
        >"$WORK/private-ca/overlays/production/ca.crt"
    if build production-ca "$WORK/private-ca/overlays/production" &&
        check production-ca --min-replicas 3 --pinned-image; then
        if "$PY" - "$WORK/production-ca.yaml" <<'EOF'; then
import sys
import yaml
maps = [d for d in yaml.safe_load_all(open(sys.argv[1], encoding="utf-8"))
        if d and d["kind"] == "ConfigMap" and "config.yaml" in d.get("data", {})]
sys.exit(0 if maps and all("ca.crt" in m["data"] for m in maps) else 1)
EOF
            ok "production with its private CA: ca.crt beside config.yaml in the mounted ConfigMap"
        else
            fail "production with its private CA: no ca.crt beside config.yaml in the ConfigMap"
        fi
    fi
fi

log "checking that broken manifests are rejected"
if [ -f "$WORK/base.yaml" ]; then
    "${VALIDATE[@]}" --self-test "$WORK/base.yaml" || fail "validate.py --self-test"
    # End to end: a kustomization whose patch adds an unknown field and drops
    # the image must build (kustomize does not check) and must be rejected.
    cp -r "$K8S/base" "$WORK/broken"
    cat >"$WORK/broken/broken-patch.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: deliveryd
spec:
  template:
    spec:
      containers:
        - name: deliveryd
          image: null
          imagePullPolicyy: Always
EOF
    printf 'patchesStrategicMerge:\n  - broken-patch.yaml\n' >>"$WORK/broken/kustomization.yaml"
    if build broken "$WORK/broken"; then
        if "${VALIDATE[@]}" "$WORK/broken.yaml" >"$WORK/broken.out" 2>&1; then
            fail "a Deployment with an unknown field and no image was accepted"
        elif grep -q 'imagePullPolicyy: unknown field' "$WORK/broken.out" &&
            grep -q 'image: required field missing' "$WORK/broken.out"; then
            ok "kustomize build with an unknown field and no image: rejected"
        else
            cat "$WORK/broken.out" >&2
            fail "the broken build was rejected for the wrong reasons"
        fi
    fi
fi

# dummy_env NAME: sets vars to a clean environment with a dummy value for
# exactly the variables the config of build NAME uses (the policy check has
# made sure the Deployment and the CronJob set each of them).
dummy_env() {
    vars=(PATH=/usr/bin:/bin)
    local v var
    for v in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS; do
        [ -n "${!v:-}" ] && vars+=("$v=${!v}")
    done
    while read -r var; do
        case "$var" in
            "") ;;
            # A URL libpq can parse (check-config checks it), of a server
            # that is not there (port 1 refuses at once).
            *DATABASE_URL) vars+=("$var=postgresql://check-deploy@127.0.0.1:1/dummy") ;;
            *) vars+=("$var=check-deploy-dummy") ;;
        esac
    done <"$WORK/$1-env.txt"
}

# retention_accepted WHAT NAME ARGS...: deliveryd ARGS (a retention command
# line, its --config replaced by build NAME's config.yaml) must accept its
# arguments and config and fail only at connecting to the dummy database:
# exit 1, where a bad option or duration is exit 2.
retention_accepted() {
    local what=$1 name=$2 rc=0 i
    shift 2
    local args=("$@")
    for i in "${!args[@]}"; do
        [ "${args[$i]}" = --config ] && args[i + 1]="$WORK/$name-config.yaml"
    done
    dummy_env "$name"
    env -i "${vars[@]}" "$DELIVERYD_BINARY" "${args[@]}" >"$WORK/retention.out" 2>&1 || rc=$?
    if [ "$rc" -eq 1 ] && grep -q 'could not connect to the database' "$WORK/retention.out"; then
        ok "$what: deliveryd ${*} accepted (stopped at the dummy database)"
    else
        cat "$WORK/retention.out" >&2
        fail "$what: deliveryd ${*} exited $rc, expected 1 at connecting to the database"
    fi
}

if [ -n "${DELIVERYD_BINARY:-}" ]; then
    log "deliveryd check-config and retention arguments ($DELIVERYD_BINARY)"
    [ -x "$DELIVERYD_BINARY" ] || die "DELIVERYD_BINARY=$DELIVERYD_BINARY is not executable"
    for name in base production esms-only; do
        [ -f "$WORK/$name-config.yaml" ] || continue
        dummy_env "$name"
        if env -i "${vars[@]}" "$DELIVERYD_BINARY" check-config \
            --config "$WORK/$name-config.yaml" >"$WORK/$name-check.out" 2>&1; then
            ok "$name config.yaml: check-config exit 0 (env: $(tr '\n' ' ' <"$WORK/$name-env.txt"))"
        else
            cat "$WORK/$name-check.out" >&2
            fail "$name config.yaml: deliveryd check-config rejected it"
        fi
        if [ -s "$WORK/$name-retention.txt" ]; then
            mapfile -t retention_args <"$WORK/$name-retention.txt"
            retention_accepted "$name CronJob" "$name" "${retention_args[@]}"
        fi
    done
    # A Secret without a key the config uses: the provider keys are optional
    # in the manifests, so it is deliveryd that must refuse to start (exit 2,
    # a bad configuration) and say which variable is missing.
    if [ -f "$WORK/production-config.yaml" ]; then
        dummy_env production
        without=()
        for v in "${vars[@]}"; do
            [ "${v%%=*}" = ETELECOM_API_KEY ] || without+=("$v")
        done
        rc=0
        env -i "${without[@]}" "$DELIVERYD_BINARY" check-config \
            --config "$WORK/production-config.yaml" >"$WORK/missing-key.out" 2>&1 || rc=$?
        if [ "$rc" -eq 2 ] && grep -q 'ETELECOM_API_KEY is not set' "$WORK/missing-key.out"; then
            ok "production config.yaml without ETELECOM_API_KEY: refused, exit 2, naming it"
        else
            cat "$WORK/missing-key.out" >&2
            fail "production config.yaml without ETELECOM_API_KEY: exit $rc, expected 2 naming it"
        fi
    fi
else
    log "skipping check-config and the runtime library check (set DELIVERYD_BINARY)"
fi

log "checking the Prometheus alerting rules"
RULES="$DEPLOY/prometheus/deliveryd-alerts.yaml"
RULE_TESTS="$DEPLOY/prometheus/deliveryd-alerts.test.yaml"
fetch_tool prometheus usr/bin/promtool
PROMTOOL="$CACHE/prometheus/root/usr/bin/promtool"
if "$PROMTOOL" check rules "$RULES" >"$WORK/promtool.out" 2>&1; then
    ok "promtool check rules deploy/prometheus/deliveryd-alerts.yaml: $(grep -o '[0-9]* rules found' "$WORK/promtool.out")"
else
    cat "$WORK/promtool.out" >&2
    fail "promtool check rules deploy/prometheus/deliveryd-alerts.yaml"
fi
# The tests name the rules file relative to themselves.
if (cd "$(dirname "$RULE_TESTS")" && "$PROMTOOL" test rules "$(basename "$RULE_TESTS")") \
    >"$WORK/promtool.out" 2>&1; then
    ok "promtool test rules deploy/prometheus/deliveryd-alerts.test.yaml: passed"
else
    cat "$WORK/promtool.out" >&2
    fail "promtool test rules deploy/prometheus/deliveryd-alerts.test.yaml"
fi
# Every alert is tested both ways: firing (expected alerts) and quiet (none).
"$PY" - "$RULES" "$RULE_TESTS" <<'EOF' || fail "alerts without a firing and a quiet test (above)"
import sys
import yaml
rules, tests = (yaml.safe_load(open(path, encoding="utf-8")) for path in sys.argv[1:])
alerts = [r["alert"] for g in rules["groups"] for r in g["rules"] if "alert" in r]
cases = [c for t in tests["tests"] for c in t.get("alert_rule_test") or []]
bad = [a for a in alerts
       if not any(c["alertname"] == a and c.get("exp_alerts") for c in cases)
       or not any(c["alertname"] == a and not c.get("exp_alerts") for c in cases)]
for a in bad:
    print(f"FAILED: {a} needs a test where it fires and one where it stays quiet",
          file=sys.stderr)
print(f"  ok each of the {len(alerts)} alerts fires in a test and stays quiet in another")
sys.exit(1 if bad else 0)
EOF

log "checking the Dockerfile"
before=$FAILURES
DOCKERFILE="$DEPLOY/Dockerfile"
build_stage=$(sed -n '/^FROM debian:bookworm AS build/,/^FROM /p' "$DOCKERFILE")
runtime_stage=$(sed -n '/^FROM debian:bookworm-slim/,$p' "$DOCKERFILE")
[ -n "$build_stage" ] || fail "Dockerfile: no 'FROM debian:bookworm AS build' stage"
[ -n "$runtime_stage" ] || fail "Dockerfile: no 'FROM debian:bookworm-slim' runtime stage"
# The build stage installs every library -dev package the project builds with.
for p in "${PROJECT_PACKAGES[@]}"; do
    case $p in
    libgtest-dev | libgmock-dev) ;; # tests only
    *-dev | cmake | ninja-build | g++ | pkg-config)
        grep -Fqw -- "$p" <<<"$build_stage" || fail "Dockerfile build stage lacks $p" ;;
    esac
done
for opt in DELIVERYD_TESTS DELIVERYD_BENCH DELIVERYD_WERROR; do
    grep -q "option($opt " "$DELIVERYD_ROOT/CMakeLists.txt" ||
        fail "Dockerfile passes -D$opt but CMakeLists.txt has no such option"
    grep -q -- "-D$opt=" "$DOCKERFILE" || fail "Dockerfile no longer sets -D$opt"
done
while read -r src; do
    [ -e "$DELIVERYD_ROOT/$src" ] || fail "Dockerfile copies $src, which does not exist"
    # .dockerignore is an allow list: what is copied must be let in.
    grep -qxF "!${src%/}" "$DELIVERYD_ROOT/.dockerignore" ||
        fail "Dockerfile copies $src, which .dockerignore keeps out of the context"
done < <(sed -n 's/^COPY \([^-][^ ]*\) .*/\1/p' "$DOCKERFILE")
grep -q '^USER 10001' <<<"$runtime_stage" || fail "Dockerfile: runtime stage is not USER 10001"
grep -q 'runAsUser: 10001' "$K8S/base/deployment.yaml" ||
    fail "the Deployment does not run as the image's uid 10001"
needed=()
[ -n "${DELIVERYD_BINARY:-}" ] &&
    mapfile -t needed < <(readelf -d "$DELIVERYD_BINARY" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p')
if printf '%s\n' "${needed[@]}" | grep -q '^lib\(asan\|ubsan\|tsan\)'; then
    log "skipping the runtime library check: $DELIVERYD_BINARY is a sanitizer build (links more)"
elif [ ${#needed[@]} -gt 0 ]; then
    # Every library the binary links comes from a package the runtime stage
    # installs (or from the base image: libc6, libstdc++6, libgcc-s1).
    lib_missing=0
    for soname in "${needed[@]}"; do
        pkgs=$(dpkg -S "*/$soname" 2>/dev/null | cut -d: -f1 | sed 's/,.*//' | sort -u) || true
        found=
        for p in $pkgs; do
            case $p in libc6 | libstdc++6 | libgcc-s1) found=base ;; esac
            grep -Fqw -- "$p" <<<"$runtime_stage" && found=$p
        done
        if [ -z "$found" ]; then
            fail "Dockerfile runtime stage lacks a package for $soname (${pkgs:-none found})"
            lib_missing=1
        fi
    done
    [ "$lib_missing" -eq 1 ] ||
        ok "Dockerfile: runtime packages provide all ${#needed[@]} libraries $(basename "$DELIVERYD_BINARY") links"
fi
[ "$FAILURES" -eq "$before" ] &&
    ok "Dockerfile: build packages, CMake options, COPY sources, .dockerignore, USER 10001 (built and run by scripts/build-image.sh)"

log "verifying the systemd units"
before=$FAILURES
UNIT="$DEPLOY/systemd/deliveryd.service"
RETENTION_UNIT="$DEPLOY/systemd/deliveryd-retention.service"
TIMER="$DEPLOY/systemd/deliveryd-retention.timer"
# systemd-analyze verify needs the units' executables: a stub deliveryd in a
# scratch root that also holds the system's units (sysinit.target and so on).
root="$WORK/systemd-root"
mkdir -p "$root/usr/local/bin" "$root/bin" "$root/etc/systemd/system" "$root/usr/lib/systemd"
cp -r /usr/lib/systemd/system "$root/usr/lib/systemd/"
printf '#!/bin/sh\nexit 0\n' >"$root/usr/local/bin/deliveryd"
chmod 0755 "$root/usr/local/bin/deliveryd"
cp "$root/usr/local/bin/deliveryd" "$root/bin/kill"  # ExecReload
cp "$UNIT" "$RETENTION_UNIT" "$TIMER" "$root/etc/systemd/system/"
# Unknown keys are only warnings to systemd; any output is a failure here.
for unit in deliveryd.service deliveryd-retention.service deliveryd-retention.timer; do
    if systemd-analyze verify --root="$root" "$unit" >"$WORK/verify.out" 2>&1 &&
        [ ! -s "$WORK/verify.out" ]; then
        ok "systemd-analyze verify deploy/systemd/$unit"
    else
        cat "$WORK/verify.out" >&2
        fail "systemd-analyze verify deploy/systemd/$unit"
    fi
done
for unit in deliveryd.service deliveryd-retention.service; do
    exposure=$(systemd-analyze security --offline=true --root="$root" "$unit" 2>/dev/null |
        sed -n "s/.*Overall exposure level for $unit: \([0-9.]*\).*/\1/p")
    if [ -n "$exposure" ] && awk -v e="$exposure" 'BEGIN { exit !(e <= 2.0) }'; then
        ok "systemd-analyze security $unit: exposure $exposure (at most 2.0)"
    else
        fail "systemd-analyze security $unit: exposure ${exposure:-unknown}, expected at most 2.0"
    fi
done
for key in 'ExecStartPre=/usr/local/bin/deliveryd migrate' 'ExecStart=/usr/local/bin/deliveryd run' \
    'ExecReload=/bin/kill -HUP $MAINPID' \
    'EnvironmentFile=/etc/deliveryd/deliveryd.env' 'Restart=on-failure' 'KillSignal=SIGTERM' \
    'NoNewPrivileges=yes' 'ProtectSystem=strict'; do
    grep -q "^$key" "$UNIT" || fail "deliveryd.service lacks $key"
done
grace=$(sed -n 's/^TimeoutStopSec=\([0-9]*\)s\?$/\1/p' "$UNIT")
k8s_grace=$(sed -n 's/^ *terminationGracePeriodSeconds: *\([0-9]*\)$/\1/p' "$K8S/base/deployment.yaml")
if [ -z "$grace" ] || [ "$grace" -lt "${k8s_grace:-0}" ]; then
    fail "deliveryd.service TimeoutStopSec=${grace:-?} is shorter than the pods' grace period ${k8s_grace:-?}s"
fi
[ "$FAILURES" -eq "$before" ] &&
    ok "deliveryd.service: migrate before run, EnvironmentFile, Restart, SIGTERM, TimeoutStopSec ${grace}s, hardening"

# The retention service: a oneshot as the same user with the same environment
# and every hardening line of deliveryd.service (from "NoNewPrivileges=" to
# the end of [Service]); the timer: daily, spread, catching up after downtime.
before=$FAILURES
for key in 'Type=oneshot' 'User=deliveryd' 'Group=deliveryd' \
    'EnvironmentFile=/etc/deliveryd/deliveryd.env' \
    'ExecStart=/usr/local/bin/deliveryd retention --config /etc/deliveryd/config.yaml --older-than '; do
    grep -q "^$key" "$RETENTION_UNIT" || fail "deliveryd-retention.service lacks $key"
done
while read -r line; do
    grep -qxF -- "$line" "$RETENTION_UNIT" ||
        fail "deliveryd-retention.service lacks deliveryd.service's hardening line $line"
done < <(sed -n '/^NoNewPrivileges=/,/^\[/p' "$UNIT" | grep '^[A-Za-z]')
for key in 'OnCalendar=' 'RandomizedDelaySec=' 'Persistent=true' 'Unit=deliveryd-retention.service' \
    'WantedBy=timers.target'; do
    grep -q "^$key" "$TIMER" || fail "deliveryd-retention.timer lacks $key"
done
calendar=$(sed -n 's/^OnCalendar=//p' "$TIMER")
if ! systemd-analyze calendar "$calendar" >"$WORK/calendar.out" 2>&1; then
    cat "$WORK/calendar.out" >&2
    fail "deliveryd-retention.timer: OnCalendar=$calendar is not a calendar event"
elif ! grep -q 'Normalized form: \*-\*-\* [0-9:]*$' "$WORK/calendar.out"; then
    fail "deliveryd-retention.timer: OnCalendar=$calendar is not once a day"
fi
# The same period as the CronJob (change both; deploy/README.md).
unit_older=$(sed -n 's/^ExecStart=.* --older-than \([^ ]*\).*/\1/p' "$RETENTION_UNIT")
cron_older=$(sed -n '/^--older-than$/{n;p}' "$WORK/base-retention.txt" 2>/dev/null)
[ "$unit_older" = "$cron_older" ] ||
    fail "deliveryd-retention.service --older-than ${unit_older:-?} differs from the CronJob's ${cron_older:-?}"
[ "$FAILURES" -eq "$before" ] &&
    ok "deliveryd-retention.service and .timer: oneshot as deliveryd, EnvironmentFile, deliveryd.service's hardening, OnCalendar $calendar (daily), --older-than $unit_older as the CronJob"
if [ -n "${DELIVERYD_BINARY:-}" ] && [ -f "$WORK/base-config.yaml" ]; then
    read -r -a unit_args <<<"$(sed -n 's|^ExecStart=/usr/local/bin/deliveryd ||p' "$RETENTION_UNIT")"
    retention_accepted "deliveryd-retention.service" base "${unit_args[@]}"
fi

if [ "$FAILURES" -ne 0 ]; then
    log "deploy/ checks FAILED ($FAILURES)"
    exit 1
fi
log "deploy/ checks passed"
