#!/usr/bin/env bash
# Fails when two source files of one target declare the same name in an
# anonymous namespace, listing each name and its files.
#
# CI's sanitizer builds compile a target's files in unity batches (one
# translation unit of several files, CMAKE_UNITY_BUILD). There, two files'
# private helpers share a namespace: the same name twice is at best a compile
# error, and at worst an overload from the other file that a call silently
# prefers, so that the tests would run other code than the release build
# ships. Holding every name unique within a target rules out both.
#
# The targets built in batches are the folders below; the provider parsers
# (src/core, src/providers), the unit tests and the simulator's tests are not
# batched. A name is what a line at column 0 inside `namespace {` declares: a
# function, a variable, a type or an alias (clang-format puts every
# declaration of a namespace there, and continuation lines never). The same
# alias of the same type twice is allowed: C++ allows it too.
set -euo pipefail
cd "$(dirname "$0")/.."

groups=(
    "src/store src/net src/http src/reconcile src/app"
    "tools/provider-sim/src"
    "tools/loadgen"
    "tests/support"
    "tests/integration"
    "tests/resilience"
)

status=0
for group in "${groups[@]}"; do
    # shellcheck disable=SC2086 # the group is a list of folders
    mapfile -t files < <(git ls-files -co --exclude-standard -- $group |
        grep -E '\.cpp$' | while read -r f; do [ -f "$f" ] && echo "$f"; done)
    [ ${#files[@]} -eq 0 ] && continue
    awk '
    FNR == 1 { anonymous = 0; raw_end = "" }
    # Inside a raw string literal (SQL, mostly): nothing is declared there.
    raw_end != "" {
        if (index($0, raw_end)) { raw_end = "" }
        next
    }
    match($0, /R"[A-Za-z_]*\(/) {
        delimiter = substr($0, RSTART + 2, RLENGTH - 3)
        if (!index(substr($0, RSTART + RLENGTH), ")" delimiter "\"")) {
            raw_end = ")" delimiter "\""
        }
    }
    /^namespace \{/ { anonymous = 1; next }
    /^\}  \/\/ namespace$/ && anonymous { anonymous = 0; next }
    !anonymous { next }
    # Only declarations start at column 0; skip what cannot name anything
    # new or may repeat harmlessly: using-declarations and directives,
    # namespace aliases, template heads (the next line names the template),
    # test macros, operators (overloads for different types).
    /^[ \t}{#\/)]/ || /^$/ { next }
    /^using [A-Za-z_:]*;/ || /^using namespace / || /^namespace / || /^template/ { next }
    /^[A-Z_]+\(/ || /^static_assert/ { next }
    /operator/ { next }
    {
        line = $0
        # Template arguments may hold parentheses and braces: drop them.
        while (gsub(/<[^<>]*>/, "", line) > 0) {}
        name = ""
        if (match(line, /^(struct|class|union|enum( class)?) [A-Za-z_][A-Za-z0-9_]*/)) {
            name = substr(line, 1, RLENGTH)
            sub(/.* /, "", name)
        } else if (match(line, /^using [A-Za-z_][A-Za-z0-9_]* =/)) {
            # The same alias of the same type may be declared again.
            name = substr(line, 7, RLENGTH - 8)
            type = substr($0, RLENGTH + 1)
            if (!(name in alias)) {
                alias[name] = type
                next
            }
            if (alias[name] != type) {
                printf "%s: an alias of two types in files of a unity target, one is %s\n", name, FILENAME
                clash = 1
            }
            next
        } else if (match(line, /[=({;[]/)) {
            head = substr(line, 1, RSTART - 1)
            sub(/[ \t]+$/, "", head)
            if (match(head, /[A-Za-z_][A-Za-z0-9_]*$/) && substr(head, RSTART - 1, 1) != ":") {
                name = substr(head, RSTART)
            }
        }
        if (name == "") { next }
        if (!((name, FILENAME) in seen)) {
            seen[name, FILENAME] = 1
            count[name]++
            where[name] = where[name] " " FILENAME
        }
    }
    END {
        bad = clash
        for (name in count) {
            if (count[name] > 1) {
                printf "%s: declared in more than one file of a unity target:%s\n", name, where[name]
                bad = 1
            }
        }
        exit bad
    }
    ' "${files[@]}" || status=1
done
if [ "$status" -ne 0 ]; then
    echo "Give each its own name, or move a helper they share to a header of its own." >&2
fi
exit "$status"
