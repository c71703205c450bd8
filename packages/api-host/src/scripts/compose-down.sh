# shellcheck shell=bash
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
