#!/usr/bin/env bash
# @trafficlab/api-host scripts/edge-teardown.sh, rendered with:
project_dir='/srv/app'
socket_dir='edge'
prefix='trafficlab-nginx'
lock_file='/var/lock/trafficlab-deploy.lock'
lock_timeout_seconds='900'

# Functions every host script uses, included between the header and the script's own text.
# as_root COMMAND...: privileged commands through sudo when the SSH user is not root.
as_root() { if [ "${EUID}" -eq 0 ]; then "$@"; else sudo -n -- "$@"; fi; }

# take_host_lock TAG LOCK_FILE TIMEOUT_SECONDS: takes the host-wide deploy lock on fd 9, waiting
# up to TIMEOUT_SECONDS; released when the script exits. Every deploying script takes it, so no
# two deploys on a host interleave.
take_host_lock() {
  local tag=$1 file=$2 timeout_seconds=$3
  as_root touch "$file"
  # A read-only descriptor is enough for flock(2), so the SSH user can hold a lock file root created.
  exec 9<"$file"
  if ! flock --exclusive --nonblock 9; then
    echo "$tag: another deploy holds $file; waiting up to $timeout_seconds s"
    flock --exclusive --timeout "$timeout_seconds" 9 || { echo "$tag: gave up waiting for $file" >&2; exit 1; }
  fi
}

# Removes both colours of the HTTP nginx behind the edge front and their socket directory, under
# the deploy lock (for `pulumi destroy`, after compose down has removed the front).
# Rendered by edgeTeardownScript (edge-deploy.ts): the header, prelude.sh, host-lock.sh, then this file.
set -euo pipefail

# The header: the compose project's directory, the socket directory relative to it, the
# container prefix, the deploy lock and how long to wait for it.
: "${project_dir:?}" "${socket_dir:?}" "${prefix:?}" "${lock_file:?}" "${lock_timeout_seconds:?}"

take_host_lock deploy "$lock_file" "$lock_timeout_seconds"
for colour in blue green; do
  if as_root docker inspect --type container "$prefix-$colour" >/dev/null 2>&1; then
    as_root docker rm --force "$prefix-$colour" >/dev/null
    echo "edge-teardown: removed $prefix-$colour"
  fi
done
if [ -d "$project_dir" ]; then as_root rm -rf "${project_dir:?}/${socket_dir:?}"; fi
echo "edge-teardown: done"
