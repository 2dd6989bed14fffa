#!/usr/bin/env bash
# Starts or stops a private PostgreSQL cluster made by scripts/lib/postgres.sh.
# Usage: scripts/pgctl.sh start DIR PORT | stop DIR
# Used by the integration tests that take the database away and bring it back.
set -euo pipefail
source "$(dirname "$0")/lib/postgres.sh"
case "${1:-}" in
    start) pg_start "$2" "$3" ;;
    stop) pg_stop "$2" ;;
    *) echo "usage: $0 start DIR PORT | stop DIR" >&2; exit 2 ;;
esac
