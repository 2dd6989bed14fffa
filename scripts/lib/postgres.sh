# A private PostgreSQL 15 cluster in a folder of our own, started and stopped
# with pg_ctl. PostgreSQL refuses to run as root, so as root the cluster is
# owned by and run as the `postgres` user. Source it; it defines functions only.

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

as_pg_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A free TCP port on 127.0.0.1 in 20000-60000.
free_port() {
    local port
    for _ in $(seq 1 50); do
        port=$((20000 + RANDOM % 40000))
        port_in_use "$port" || { echo "$port"; return 0; }
    done
    return 1
}

# pg_dir_usable DIR: can the cluster owner reach DIR (every parent searchable)?
pg_dir_usable() {
    [ "$(id -u)" -ne 0 ] && return 0
    local parent
    parent=$(dirname "$1")
    mkdir -p "$parent"
    runuser -u postgres -- test -x "$parent" -a -w "$parent" 2>/dev/null ||
        runuser -u postgres -- test -x "$parent" 2>/dev/null
}

# pg_start DIR PORT: initialises DIR on first use, then starts the server on
# 127.0.0.1:PORT (socket in DIR). Does nothing when it is already running.
# PG_SERVER_OPTIONS adds server options (-c name=value ...).
pg_start() {
    local dir=$1 port=$2
    mkdir -p "$dir"
    if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$dir"; fi
    chmod 700 "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        as_pg_owner "$PG_BIN/initdb" -D "$dir/data" -U postgres --auth=trust \
            --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
            { cat "$dir/initdb.log" >&2; return 1; }
    fi
    if as_pg_owner "$PG_BIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
        return 0
    fi
    as_pg_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -c listen_addresses=127.0.0.1 -k '$dir' -c fsync=${PG_FSYNC:-on} ${PG_SERVER_OPTIONS:-}" \
        start >/dev/null || { tail -20 "$dir/server.log" >&2; return 1; }
}

pg_stop() {
    local dir=$1
    [ -f "$dir/data/PG_VERSION" ] || return 0
    as_pg_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
}

# pg_port DIR: the port the running server in DIR listens on.
pg_port() { sed -n 4p "$1/data/postmaster.pid" 2>/dev/null; }

# pg_ensure_database PORT ROLE DB: creates the login role and its database.
pg_ensure_database() {
    local port=$1 role=$2 db=$3
    local psql=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres)
    "${psql[@]}" -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$role'" | grep -q 1 ||
        "${psql[@]}" -c "CREATE ROLE \"$role\" LOGIN CREATEDB"
    "${psql[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1 ||
        "${psql[@]}" -c "CREATE DATABASE \"$db\" OWNER \"$role\""
}
