# shellcheck shell=bash
# Functions every host script uses, included between the header and the script's own text.
# as_root COMMAND...: privileged commands through sudo when the SSH user is not root.
as_root() { if [ "${EUID}" -eq 0 ]; then "$@"; else sudo -n -- "$@"; fi; }
