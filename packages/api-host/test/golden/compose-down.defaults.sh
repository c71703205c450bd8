#!/usr/bin/env bash
# @trafficlab/api-host scripts/compose-down.sh, rendered with:
project_dir='/opt/trafficlab'
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

# `docker compose down --remove-orphans` under the host-wide deploy lock; nothing to do (exit 0)
# when the project directory or its compose file is not there.
# Rendered by composeDownScript (deploy-scripts.ts): the header, prelude.sh, host-lock.sh, then this file.
set -euo pipefail

# The header: the compose project's directory, the lock file and how long to wait for it.
: "${project_dir:?}" "${lock_file:?}" "${lock_timeout_seconds:?}"

take_host_lock teardown "$lock_file" "$lock_timeout_seconds"
if [ ! -d "$project_dir" ]; then
  echo "teardown: $project_dir does not exist, nothing to stop"
  exit 0
fi
cd "$project_dir"
if [ ! -f compose.yaml ] && [ ! -f compose.yml ] && [ ! -f docker-compose.yaml ] && [ ! -f docker-compose.yml ]; then
  echo "teardown: no compose file in $project_dir, nothing to stop"
  exit 0
fi
as_root docker compose down --remove-orphans
# compose-up's copy of the last project that ran healthy.
as_root rm -f .compose.last-healthy.yaml
echo "teardown: compose project in $project_dir stopped and removed"
