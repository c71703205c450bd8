# shellcheck shell=bash
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
