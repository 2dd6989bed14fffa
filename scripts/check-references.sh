#!/usr/bin/env bash
# Fails when a tracked file points outside the repository: an absolute path
# of a development machine, the folder the project was once written next to,
# or a document that was never part of it (an issue number, a design or style
# document, the provider API notes). A reader of the repository has only the
# repository, so a comment states its reason itself.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
if git grep -n -I -E '(^|[^[:alnum:]_.])/work/|\.\./shared/' -- . ':!scripts/check-references.sh'; then
    echo "references to paths outside the repository (above): say what they held instead" >&2
    status=1
fi
# Migrations 001-004 are applied and checksummed: their comments cannot change.
if git grep -n -I -E \
    -e '(^|[^[:alnum:]_])[Ii]ssue[[:space:]]+#?[0-9]' \
    -e '(^|[^[:alnum:]_])DESIGN([^[:alnum:]_]|$)' \
    -e 'STYLE([[:space:]]+[0-9]|\.md)' \
    -e 'provider-apis\.md|[Rr]eference[[:space:]]+§' \
    -- . ':!scripts/check-references.sh' ':!sql/00[1-4]_*.sql'; then
    echo "references to documents outside the repository (above): say the reason itself" >&2
    status=1
fi
exit "$status"
