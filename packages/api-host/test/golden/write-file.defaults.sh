#!/usr/bin/env bash
# @trafficlab/api-host scripts/write-file.sh, rendered with:
target='/opt/trafficlab/compose.yaml'
mode='644'
compose_service=''
compose_dir=''

# Functions every host script uses, included between the header and the script's own text.
# as_root COMMAND...: privileged commands through sudo when the SSH user is not root.
as_root() { if [ "${EUID}" -eq 0 ]; then "$@"; else sudo -n -- "$@"; fi; }

# Writes stdin to $target with $mode, atomically: a temporary file in the same directory, then a
# rename, creating the directory if needed. The content comes only from stdin, so a secret never
# appears on a command line, in `ps` or in the script; with umask 077 it is never readable by
# others, not even while being written.
# Rendered by writeFileScript (deploy-scripts.ts): the header, prelude.sh, then this file.
set -euo pipefail

# The header: absolute path of the file, and its mode (600, 640, 644, 700, 750 or 755).
: "${target:?}" "${mode:?}"
# A compose service that reads the file at its start (an env file), and the project's directory:
# when it runs, it is started again so it reads the new content. Both empty: none.
: "${compose_service?}" "${compose_dir?}"

umask 077
directory="${target%/*}"
directory="${directory:-/}"
as_root install -d -m 0755 "$directory"
tmp="$(as_root mktemp "${directory%/}/.${target##*/}.XXXXXX")"
trap 'as_root rm -f "$tmp"' EXIT
as_root tee "$tmp" >/dev/null
as_root chmod "$mode" "$tmp"
as_root mv -f "$tmp" "$target"
trap - EXIT
echo "wrote $target (mode $mode)"
if [ -n "$compose_service" ] && [ -f "$compose_dir/compose.yaml" ]; then
  cd "$compose_dir"
  # Compose sees the env file's new content as a changed service and recreates only that one.
  if [ -n "$(as_root docker compose ps --quiet "$compose_service" 2>/dev/null)" ]; then as_root docker compose up --detach --no-deps "$compose_service"; fi
fi
