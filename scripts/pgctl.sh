#!/usr/bin/env bash
# Starts or stops a private PostgreSQL cluster made by scripts/lib/postgres.sh.
# Usage: scripts/pgctl.sh start DIR PORT | start-tls DIR PORT | stop DIR
# Used by the integration tests that take the database away and bring it back,
# and by the TLS tests: start-tls serves TLS with a certificate for
# "localhost" signed by a throwaway CA made on first use in DIR/tls
# (ca.crt, and other-ca.crt: a CA that signed nothing there).
set -euo pipefail
source "$(dirname "$0")/lib/postgres.sh"

# make_test_tls DIR: the throwaway CAs and the server's key and certificate.
make_test_tls() {
    local tls=$1/tls
    [ -f "$tls/server.crt" ] && return 0
    mkdir -p "$tls"
    local ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
    for ca in ca other-ca; do
        openssl req -x509 "${ec[@]}" -days 2 -keyout "$tls/$ca.key" -out "$tls/$ca.crt" \
            -subj "/CN=deliveryd throwaway test $ca" 2>/dev/null
    done
    openssl req "${ec[@]}" -keyout "$tls/server.key" -out "$tls/server.csr" \
        -subj "/CN=localhost" 2>/dev/null
    printf '%s\n' 'subjectAltName=DNS:localhost' 'basicConstraints=CA:FALSE' \
        'keyUsage=digitalSignature' 'extendedKeyUsage=serverAuth' >"$tls/server.ext"
    openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.crt" -CAkey "$tls/ca.key" \
        -CAcreateserial -days 2 -extfile "$tls/server.ext" -out "$tls/server.crt" 2>/dev/null
    # The server refuses a key that others can read.
    chmod 600 "$tls/server.key"
    if [ "$(id -u)" -eq 0 ]; then chown -R postgres:postgres "$tls"; fi
    chmod 755 "$tls"
}

case "${1:-}" in
    start) pg_start "$2" "$3" ;;
    start-tls)
        mkdir -p "$2"
        make_test_tls "$2"
        PG_SERVER_OPTIONS="-c ssl=on -c ssl_cert_file='$2/tls/server.crt' -c ssl_key_file='$2/tls/server.key'" \
            pg_start "$2" "$3"
        ;;
    stop) pg_stop "$2" ;;
    *) echo "usage: $0 start DIR PORT | start-tls DIR PORT | stop DIR" >&2; exit 2 ;;
esac
