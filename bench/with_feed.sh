#!/usr/bin/env bash
# deliveryd with the change feed on, for benchmarks that start deliveryd
# with a configuration file of their own (the peers' runner):
#   python3 <peers>/run.py bench/with_feed.sh
# Passes every argument on to DELIVERYD (default build/release/deliveryd);
# before `run --config FILE`, adds `feed: {notify: true}` to FILE.
set -euo pipefail
DELIVERYD=${DELIVERYD:-"$(dirname "$0")/../build/release/deliveryd"}
if [ "${1:-}" = run ] && [ "${2:-}" = --config ] && [ -n "${3:-}" ]; then
    grep -q '^feed:' "$3" || printf 'feed:\n  notify: true\n' >>"$3"
fi
exec "$DELIVERYD" "$@"
