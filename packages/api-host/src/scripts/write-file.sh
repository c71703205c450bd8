# shellcheck shell=bash
# Writes stdin to $target with $mode, atomically: a temporary file in the same directory, then a
# rename, creating the directory if needed. The content comes only from stdin, so a secret never
# appears on a command line, in `ps` or in the script; with umask 077 it is never readable by
# others, not even while being written.
# Rendered by writeFileScript (deploy-scripts.ts): the header, prelude.sh, then this file.
set -euo pipefail

# The header: absolute path of the file, and its mode (600, 640, 644, 700, 750 or 755).
: "${target:?}" "${mode:?}"

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
