#!/usr/bin/env bash
# Shows that the callback token comparison takes the same work whatever the
# token given: callgrind counts the instructions of 100,000 comparisons of a
# 64-byte token against one wrong at its first, middle or last byte, the
# right one, and a shorter one. Instruction counts, not seconds: repeatable on
# a busy machine. The counts of the four 64-byte cases must be equal.
# Environment: BUILD (release build tree, default build/release).
set -euo pipefail
source "$(dirname "$0")/../scripts/lib/common.sh"
source "$(dirname "$0")/lib.sh"

DELIVERYD_PACKAGES+=(valgrind)
bench_build

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
printf '%-8s %16s\n' given "instructions"
for where in first middle last equal shorter; do
    valgrind --tool=callgrind --callgrind-out-file="$out/$where" \
        --toggle-collect='deliveryd::http::constant_time_equal*' \
        "$BUILD/bench/bench_token_compare" "$where" >/dev/null 2>&1
    printf '%-8s %16s\n' "$where" "$(callgrind_annotate "$out/$where" 2>/dev/null |
        awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')"
done
