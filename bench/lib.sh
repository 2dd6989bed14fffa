# Helpers for the bench/ scripts: the PostgreSQL they measure against, and
# where the CPU went during a run. Source after scripts/lib/postgres.sh; it
# defines functions only.

# bench_build: installs what is missing and builds the release tree the
# benchmarks run, in BUILD (default build/release).
bench_build() {
    install_packages
    BUILD=${BUILD:-$DELIVERYD_ROOT/build/release}
    build_tree "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDELIVERYD_TESTS=OFF
}

# bench_pg_start DIR PORT [STATEMENTS]: a private cluster with PostgreSQL's
# default settings, and the deliveryd role and database. STATEMENTS=1 also
# loads pg_stat_statements (for statement_times).
bench_pg_start() {
    local dir=$1 port=$2 statements=${3:-0}
    pg_start "$dir" "$port"
    if [ "$statements" = 1 ]; then
        pg_stop "$dir"
        printf "%s\n" "shared_preload_libraries = 'pg_stat_statements'" \
            "pg_stat_statements.track = all" >>"$dir/data/postgresql.conf"
        pg_start "$dir" "$port"
    fi
    pg_ensure_database "$port" deliveryd deliveryd
    if [ "$statements" = 1 ]; then
        psql -X -q -h 127.0.0.1 -p "$port" -U postgres -d deliveryd \
            -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"
    fi
}

# bench_migrated_database DELIVERYD: a private cluster (bench_pg_start) in a
# temporary directory removed on exit, migrated by the deliveryd binary
# given; sets PG_DIR, PG_PORT and URL. For scripts that need nothing else
# cleaned up (it sets the EXIT trap).
bench_migrated_database() {
    PG_DIR=$(mktemp -d /tmp/deliveryd-bench-pg.XXXXXX)
    PG_PORT=$(free_port)
    trap 'pg_stop "$PG_DIR"; rm -rf "$PG_DIR"' EXIT
    bench_pg_start "$PG_DIR" "$PG_PORT"
    URL="postgresql://deliveryd@127.0.0.1:$PG_PORT/deliveryd"
    "$1" migrate --config <(printf 'database:\n  url: %s\nlog:\n  level: warn\n' "$URL")
}

# statement_times PORT: PostgreSQL's own time per statement since the last
# call: execution only, without planning, the round trips or the commit's
# WAL flush.
statement_times() {
    psql -X -q -h 127.0.0.1 -p "$1" -U postgres -d deliveryd <<'SQL'
SELECT calls, round(total_exec_time::numeric / 1000, 2) AS seconds,
       round(mean_exec_time::numeric * 1000) AS us_per_call,
       wal_records, pg_size_pretty(wal_bytes) AS wal,
       left(regexp_replace(query, '\s+', ' ', 'g'), 50) AS statement
FROM pg_stat_statements
WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'deliveryd')
ORDER BY total_exec_time DESC
LIMIT 6;
SELECT pg_stat_statements_reset() IS NULL AS reset;
SQL
}

# Ticks of CPU (user + system) a process has used so far (0 once it is gone).
cpu_ticks() {
    awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0
}

# The cluster in DIR: the postmaster and every process it started.
pg_processes() {
    local postmaster
    postmaster=$(head -1 "$1/data/postmaster.pid")
    echo "$postmaster" $(pgrep -P "$postmaster")
}

# Busy and idle ticks of the whole machine so far.
machine_ticks() {
    awk '/^cpu /{print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6}' /proc/stat
}

# cpu_begin DAEMON_PID PG_DIR ... cpu_end: prints how the machine's CPU time
# was shared between deliveryd, PostgreSQL (every process of the cluster,
# including backends started during the run), everything else (wrk, mostly)
# and idle, in per cent of all cores.
declare -A CPU_PG_T0
cpu_begin() {
    CPU_DAEMON=$1
    CPU_PG_DIR=$2
    CPU_DAEMON_T0=$(cpu_ticks "$CPU_DAEMON")
    CPU_PG_T0=()
    local pid
    for pid in $(pg_processes "$CPU_PG_DIR"); do
        CPU_PG_T0[$pid]=$(cpu_ticks "$pid")
    done
    CPU_MACHINE_T0=($(machine_ticks))
}

cpu_end() {
    local daemon=$(($(cpu_ticks "$CPU_DAEMON") - CPU_DAEMON_T0)) pg=0 pid
    for pid in $(pg_processes "$CPU_PG_DIR"); do
        pg=$((pg + $(cpu_ticks "$pid") - ${CPU_PG_T0[$pid]:-0}))
    done
    local now=($(machine_ticks))
    local busy=$((now[0] - CPU_MACHINE_T0[0])) idle=$((now[1] - CPU_MACHINE_T0[1]))
    awk -v d="$daemon" -v p="$pg" -v b="$busy" -v i="$idle" 'BEGIN {
        a = b + i
        printf "cpu (%% of all cores): deliveryd %.0f, postgres %.0f, other %.0f, idle %.0f\n",
            100 * d / a, 100 * p / a, 100 * (b - d - p) / a, 100 * i / a }'
}

# The polling benchmarks (polling.sh, query_zns.sh, sweep.sh): the simulator
# and deliveryd on 127.0.0.1 over a private cluster. bench_polling_setup
# builds, starts the cluster in a temporary directory and sets WORK, PG_DIR,
# PG_PORT, HTTP_PORT, SIM_PORT and URL; on exit both programs stop and the
# directory goes.
bench_polling_setup() {
    bench_build
    WORK=$(mktemp -d /tmp/deliveryd-bench.XXXXXX)
    chmod 755 "$WORK"
    PG_DIR="$WORK/pg"
    PG_PORT=$(free_port)
    HTTP_PORT=$(free_port)
    SIM_PORT=$(free_port)
    DAEMON_PID=
    SIM_PID=
    trap 'bench_stop_programs; pg_stop "$PG_DIR"; rm -rf "$WORK"' EXIT
    bench_pg_start "$PG_DIR" "$PG_PORT"
    URL="postgresql://deliveryd@127.0.0.1:$PG_PORT/deliveryd"
}

bench_stop_programs() {
    if [ -n "$DAEMON_PID" ]; then kill "$DAEMON_PID" 2>/dev/null && wait "$DAEMON_PID" 2>/dev/null; fi
    if [ -n "$SIM_PID" ]; then kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null; fi
    DAEMON_PID=
    SIM_PID=
    return 0
}

# bench_start_sim [OPTIONS...]: provider-sim on SIM_PORT serving
# $WORK/messages.json, every answer 50 ms late; returns once it answers.
bench_start_sim() {
    "$BUILD/tools/provider-sim/provider-sim" --listen "127.0.0.1:$SIM_PORT" \
        --messages-file "$WORK/messages.json" --latency 50ms --log-level warn "$@" \
        >"$WORK/sim.log" 2>&1 &
    SIM_PID=$!
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$SIM_PORT/healthz" >/dev/null && break; sleep 0.2; done
}

# bench_start_deliveryd ACCOUNT_LINES RECONCILE_LINES [LOG_LEVEL]: writes
# $WORK/deliveryd.yaml (the simulator's default account, with ACCOUNT_LINES
# added to it, and RECONCILE_LINES as the reconcile section), migrates and
# runs deliveryd; returns once it is ready.
bench_start_deliveryd() {
    cat >"$WORK/deliveryd.yaml" <<YAML
database:
  url: $URL
http:
  listen: 127.0.0.1:$HTTP_PORT
esms:
  api_base: http://127.0.0.1:$SIM_PORT
  callback_api_base: http://127.0.0.1:$SIM_PORT
  accounts:
    - name: default
      api_key: sim-api-key
      secret_key: sim-secret-key
$1
reconcile:
$2
log:
  level: ${3:-warn}
YAML
    "$BUILD/deliveryd" migrate --config "$WORK/deliveryd.yaml" >/dev/null
    "$BUILD/deliveryd" run --config "$WORK/deliveryd.yaml" >"$WORK/deliveryd.log" 2>&1 &
    DAEMON_PID=$!
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$HTTP_PORT/readyz" >/dev/null && break; sleep 0.2; done
}

# bench_sim_stats: the simulator's /sim/stats.
bench_sim_stats() {
    curl -sf "http://127.0.0.1:$SIM_PORT/sim/stats"
}

# dba_queries URL SMS_ID RUNS: each query of docs/dba.md (its "### heading"
# and first ```sql block, in order; the history query asks about SMS_ID),
# with its plan (EXPLAIN ANALYZE, BUFFERS) and its time over RUNS warm runs;
# sets SUMMARY, one line per query: name, median ms, fastest ms.
dba_queries() {
    local url=$1 sms_id=$2 runs=$3 name sql times median fastest i
    local -a NAMES QUERIES
    # The queries of docs/dba.md, read from it in its order: each "### heading"
    # and its first ```sql block. The history query gets a message of this data.
    NAMES=() QUERIES=()
    while IFS= read -r -d '' name && IFS= read -r -d '' sql; do
        NAMES+=("$name")
        QUERIES+=("$(printf '%s' "$sql" | sed "s/WHERE sms_id = '[^']*'/WHERE sms_id = '$sms_id'/")")
    done < <(awk '
        /^## / { heading = ""; next }
        /^### / { heading = substr($0, 5); taken = 0; next }
        /^```sql$/ && heading != "" && !taken { inside = 1; sql = ""; next }
        /^```$/ && inside { printf "%s%c%s%c", heading, 0, sql, 0; inside = 0; taken = 1; next }
        inside { sql = sql $0 "\n" }
    ' "$DELIVERYD_ROOT/docs/dba.md")
    [ "${#QUERIES[@]}" -ge 6 ] || die "found ${#QUERIES[@]} queries in docs/dba.md, expected 6"

    SUMMARY=()
    for i in "${!QUERIES[@]}"; do
        name=${NAMES[$i]} sql=${QUERIES[$i]}
        printf '\n\033[1m== %s\033[0m\n%s\n\n' "$name" "$sql"
        # Warm: the first run after the fill would also count reading from disk.
        psql -X -q -v ON_ERROR_STOP=1 "$url" -c "$sql" >/dev/null
        psql -X -q -v ON_ERROR_STOP=1 "$url" -c "EXPLAIN (ANALYZE, BUFFERS) $sql"
        times=$({
            printf '%s\n' '\timing on' '\o /dev/null'
            for _ in $(seq "$runs"); do echo "$sql"; done
        } | psql -X -q -v ON_ERROR_STOP=1 "$url" | awk '/^Time:/ { print $2 }' | sort -n)
        median=$(echo "$times" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
        fastest=$(echo "$times" | head -1)
        echo "time over $runs runs (psql, client side): median $median ms, fastest $fastest ms"
        SUMMARY+=("$(printf '%-48s %10s ms %10s ms' "$name" "$median" "$fastest")")
    done
}
