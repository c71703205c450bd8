# shellcheck shell=bash
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
