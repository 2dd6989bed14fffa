#!/usr/bin/env bash
# Fails when a tracked file points outside the repository: an absolute path
# of a development machine, or the folder the project was once written next
# to. A reader of the repository has only the repository.
set -euo pipefail
cd "$(dirname "$0")/.."
if git grep -n -I -E '(^|[^[:alnum:]_.])/work/|\.\./shared/' -- . ':!scripts/check-references.sh'; then
    echo "references to paths outside the repository (above): say what they held instead" >&2
    exit 1
fi
