#!/usr/bin/env bash
# @trafficlab/api-host scripts/remove-file.sh, rendered with:
target='/opt/trafficlab/acme/renew.sh'

# Functions every host script uses, included between the header and the script's own text.
# as_root COMMAND...: privileged commands through sudo when the SSH user is not root.
as_root() { if [ "${EUID}" -eq 0 ]; then "$@"; else sudo -n -- "$@"; fi; }

# Removes $target, and its directory once empty: what a file step runs when it is deleted
# (`pulumi destroy`, or a file the project no longer has, e.g. the ACME scripts without a domain).
# Rendered by removeFileScript (deploy-scripts.ts): the header, prelude.sh, then this file.
set -euo pipefail

# The header: absolute path of the file.
: "${target:?}"

as_root rm -f "$target"
directory="${target%/*}"
if [ -n "$directory" ]; then as_root rmdir --ignore-fail-on-non-empty "$directory"; fi
echo "removed $target"
