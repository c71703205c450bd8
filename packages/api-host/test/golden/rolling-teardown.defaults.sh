#!/usr/bin/env bash
# @trafficlab/api-host scripts/rolling-teardown.sh, rendered with:
project_dir='/opt/trafficlab'
env_file='api.env'
state_dir='.deploy'
network='trafficlab-api'
prefix='trafficlab-api'
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

# Removes both API containers (`<prefix>-blue`, `<prefix>-green`), their network, the env file
# (it holds the data tier's secrets) and the deploy state, under the deploy lock (for `pulumi destroy`, after `docker compose down` has removed
# nginx). The images stay on the host.
# Rendered by rollingTeardownScript (rolling-deploy.ts): the header, prelude.sh, host-lock.sh, then this file.
set -euo pipefail

# The header: the compose project's directory, the env file and the state directory relative to
# it, the docker network, the container prefix, the deploy lock and how long to wait for it.
: "${project_dir:?}" "${env_file:?}" "${state_dir:?}" "${network:?}" "${prefix:?}" "${lock_file:?}" "${lock_timeout_seconds:?}"

take_host_lock rolling-teardown "$lock_file" "$lock_timeout_seconds"
for container in "$prefix-blue" "$prefix-green" "$prefix-blue-retiring" "$prefix-green-retiring"; do
  if as_root docker inspect --type container "$container" >/dev/null 2>&1; then
    as_root docker rm --force "$container" >/dev/null
    echo "rolling-teardown: removed $container"
  fi
done
if as_root docker network inspect "$network" >/dev/null 2>&1; then
  as_root docker network rm "$network" >/dev/null || echo "rolling-teardown: network $network is still in use; left in place" >&2
fi
as_root rm -rf "$project_dir/$state_dir"
as_root rm -f "$project_dir/$env_file"
echo "rolling-teardown: API containers removed; their images stay on the host"
