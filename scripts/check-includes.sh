#!/usr/bin/env bash
# Fails when a layer includes a header of a layer above it, listing each
# offending file:line. Dependencies point one way (README.md, Layout):
#
#   app -> http, reconcile -> store, net -> providers -> core
#
# Layers on the same level do not include each other either (http and
# reconcile, store and net): each is used by the layer above, and a link
# between two of them would tie together what can be tested and replaced on
# its own. A file belongs to the layer of its folder: src/<layer>/ (its private
# headers included) and include/deliveryd/<layer>/. tools/, tests/, bench/ and
# fuzz/ sit outside the layers and may include anything.
set -euo pipefail
cd "$(dirname "$0")/.."
# Tracked and new files; a tracked file deleted but not yet committed is skipped.
mapfile -t files < <(git ls-files -co --exclude-standard -- 'src/*' 'include/deliveryd/*' |
    grep -E '\.(cpp|hpp|h|cc|ipp)$' | while read -r f; do [ -f "$f" ] && echo "$f"; done)
[ ${#files[@]} -eq 0 ] && exit 0

awk '
BEGIN {
    # Higher numbers are higher layers; equal numbers are siblings.
    rank["core"] = 1
    rank["providers"] = 2
    rank["store"] = 3; rank["net"] = 3
    rank["http"] = 4; rank["reconcile"] = 4
    rank["app"] = 5
    bad = 0
}
# The layer of a repository path (src/<layer>/... or include/deliveryd/<layer>/...).
function layer_of(path,    parts, n) {
    n = split(path, parts, "/")
    if (parts[1] == "src" && n >= 3) return parts[2]
    if (parts[1] == "include" && parts[2] == "deliveryd" && n >= 4) return parts[3]
    return ""
}
# dir + "/" + rel with "." and ".." folded, for includes relative to the file.
function joined(dir, rel,    parts, n, i, out, k, res) {
    n = split(dir "/" rel, parts, "/")
    k = 0
    for (i = 1; i <= n; i++) {
        if (parts[i] == "" || parts[i] == ".") continue
        if (parts[i] == ".." && k > 0) { k--; continue }
        out[++k] = parts[i]
    }
    res = out[1]
    for (i = 2; i <= k; i++) res = res "/" out[i]
    return res
}
FNR == 1 {
    from = layer_of(FILENAME)
    if (!(from in rank)) {
        printf "%s: in no layer of this script; add its folder to the ranks above\n", FILENAME
        bad = 1
        nextfile
    }
    dir = FILENAME
    sub(/\/[^\/]*$/, "", dir)
}
/^[ \t]*#[ \t]*include[ \t]*["<]/ {
    line = $0
    sub(/^[ \t]*#[ \t]*include[ \t]*["<]/, "", line)
    sub(/[">].*$/, "", line)
    target = line
    split(target, parts, "/")
    if (parts[1] == "deliveryd") {
        to = parts[2]
    } else if (parts[1] in rank && index(target, "/") > 0) {
        to = parts[1]                      # a private header: src/<layer>/...
    } else if (substr($0, index($0, "include") + 7) ~ /^[ \t]*"/) {
        to = layer_of(joined(dir, target)) # relative to the including file
    } else {
        next                               # a system or third-party header
    }
    if (to == "" || to == from) next
    if (!(to in rank)) {
        printf "%s:%d: includes \"%s\", of no known layer\n", FILENAME, FNR, target
        bad = 1
    } else if (rank[to] >= rank[from]) {
        printf "%s:%d: %s includes %s (\"%s\")\n", FILENAME, FNR, from, to, target
        bad = 1
    }
}
END {
    if (bad) {
        print "layer violations (above): app -> http, reconcile -> store, net -> providers -> core;" \
            " move the code to the lower layer or hand it in from above" > "/dev/stderr"
        exit 1
    }
}
' "${files[@]}"
