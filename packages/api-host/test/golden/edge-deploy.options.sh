#!/usr/bin/env bash
# @trafficlab/api-host scripts/edge-deploy.sh, rendered with:
image='nginx:1.29.3-alpine'
project_dir='/srv/app'
socket_dir='edge'
config_dir='nginx'
https='1'
tls_dir='tls'
acme_webroot='acme-webroot'
network='trafficlab-api'
prefix='trafficlab-nginx'
container_config_dir='/etc/nginx/trafficlab'
container_tls_dir='/etc/nginx/tls'
container_webroot='/var/www/acme'
container_socket_dir='/run/trafficlab-edge'
health_port='80'
health_path='/nginx-health'
health_timeout_seconds='10'
poll_seconds='1'
drain_seconds='0'
stop_timeout_seconds='0'
lock_file='/var/lock/trafficlab-deploy.lock'
lock_timeout_seconds='900'
log_lines='50'
log_driver='awslogs'
log_options=('awslogs-region=ap-northeast-2' 'awslogs-group=/trafficlab/prod/nginx' 'awslogs-create-group=false' 'tag={{.Name}}/{{.ID}}')

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

# Rolls the HTTP nginx behind the edge front onto $image and the config in $config_dir:
# blue/green, no connection reset. Rendered by edgeDeployScript (edge-deploy.ts): the header,
# prelude.sh, host-lock.sh, then this file.
#
# The front (compose service nginx, a `stream` proxy, renderEdgeFrontConf) owns ports 80 and 443
# and connects each new client connection to `$socket_dir/live/http.sock` (or https.sock): `live`
# is a symlink to the directory of the colour that serves, where that colour's nginx listens on
# UNIX sockets. The new colour starts beside the old, proves healthy, and `live` is moved to it
# with one rename: every new connection goes to it. The old colour keeps its connections; a file
# `draining` in its directory makes it answer each request with `Connection: close`, so the
# keep-alive clients reconnect (to the new colour) after their next answer; after $drain_seconds
# it quits gracefully (SIGQUIT: its requests in flight finish), and only connections idle that
# whole time are closed. The front never restarts and is never reloaded.
set -euo pipefail

# The header. The nginx image; the compose project's directory and, relative to it, the colours'
# socket directory, nginx's config directory, and with https=1 the certificate directory and the
# ACME webroot; the docker network nginx shares with the API; the container prefix
# (`<prefix>-blue`, `<prefix>-green`).
: "${image:?}" "${project_dir:?}" "${socket_dir:?}" "${config_dir:?}" "${https:?}" "${tls_dir:?}" "${acme_webroot:?}" "${network:?}" "${prefix:?}"
# Inside the container: the config directory, the certificate mount, the webroot, the socket
# directory; the loopback port and path of nginx's own health location.
: "${container_config_dir:?}" "${container_tls_dir:?}" "${container_webroot:?}" "${container_socket_dir:?}" "${health_port:?}" "${health_path:?}"
# The rollout: seconds for the new colour to answer, between two looks, the drain, the old
# colour's `docker stop` grace; the deploy lock and its wait; log lines shown on failure; the log
# driver and its options (one `key=value` each).
: "${health_timeout_seconds:?}" "${poll_seconds:?}" "${drain_seconds:?}" "${stop_timeout_seconds:?}" "${lock_file:?}" "${lock_timeout_seconds:?}" "${log_lines:?}" "${log_driver:?}"
# shellcheck disable=SC2154 # an array of the header: set -u stops the script when it is missing
: "${#log_options[@]}"

take_host_lock deploy "$lock_file" "$lock_timeout_seconds"
cd "$project_dir"
as_root mkdir -p "$socket_dir"

sockets=(http.sock)
mounts=(--volume "$project_dir/$config_dir:$container_config_dir:ro")
if [ "$https" = 1 ]; then
  sockets+=(https.sock)
  mounts+=(--volume "$project_dir/$tls_dir:$container_tls_dir:ro" --volume "$project_dir/$acme_webroot:$container_webroot:ro")
fi
logging=(--log-driver "$log_driver")
for option in ${log_options[@]+"${log_options[@]}"}; do logging+=(--log-opt "$option"); done
# What the colour runs: a change of any of it (the config files' text too) is a new colour.
spec="$(
  {
    printf '%s\n' "$image" "$network" "$https" "${mounts[@]}" "${logging[@]}"
    find "$config_dir" -type f -print0 | sort -z | xargs -0 sha256sum
  } | sha256sum | cut -c1-64
)"

# "status|spec" of a container; fails when there is none.
container_info() {
  as_root docker inspect --type container --format '{{.State.Status}}|{{index .Config.Labels "trafficlab.edge-spec"}}' "$1" 2>/dev/null
}

active="$(as_root readlink "$socket_dir/live" 2>/dev/null || true)"
case "$active" in blue | green) ;; *) active="" ;; esac
if [ -n "$active" ] && info="$(container_info "$prefix-$active")"; then
  IFS='|' read -r status running_spec <<<"$info"
  if [ "$status" = running ] && [ "$running_spec" = "$spec" ]; then
    echo "edge-deploy: $prefix-$active already runs $image with this config; nothing to roll"
    exit 0
  fi
fi
if [ "$active" = blue ]; then colour=green; else colour=blue; fi
new="$prefix-$colour"
old=""
if [ -n "$active" ] && container_info "$prefix-$active" >/dev/null; then old="$prefix-$active"; fi
if container_info "$new" >/dev/null; then
  echo "edge-deploy: removing $new, left over from an earlier deploy (the front does not send it traffic)"
  as_root docker rm --force "$new" >/dev/null
fi
as_root rm -rf "${socket_dir:?}/$colour"
as_root mkdir -p "$socket_dir/$colour"

switched=0
remove_new_container() {
  if [ "$switched" = 0 ]; then
    as_root docker rm --force "$new" >/dev/null 2>&1 || true
    as_root rm -rf "${socket_dir:?}/$colour"
    echo "edge-deploy: removed $new; the front still sends traffic to ${old:-no colour}" >&2
  fi
}
trap remove_new_container EXIT

echo "edge-deploy: starting $new from $image beside ${old:-no running colour}"
# Sockets a crash left behind would make nginx's bind fail; the directory is this colour's own.
start="rm -f $container_socket_dir/*.sock $container_socket_dir/draining; exec nginx -c $container_config_dir/nginx.conf -g 'daemon off;'"
health_url="http://127.0.0.1:$health_port$health_path"
as_root docker run --detach --name "$new" --network "$network" --restart no \
  --stop-signal SIGQUIT --label trafficlab.role=edge --label "trafficlab.color=$colour" --label "trafficlab.edge-spec=$spec" \
  "${mounts[@]}" --volume "$project_dir/$socket_dir/$colour:$container_socket_dir" \
  --health-cmd "wget -q -O /dev/null $health_url" --health-interval 10s --health-timeout 3s --health-retries 3 --health-start-period 5s \
  "${logging[@]}" \
  --entrypoint sh "$image" -c "$start" >/dev/null

# Ready: running, its sockets there, and its health location answering (asked here, not by
# Docker's health check, whose first look may be an interval away).
deadline=$((SECONDS + health_timeout_seconds))
while :; do
  status="$(container_info "$new" | cut -d'|' -f1)" || status=missing
  failure=""
  if [ "$status" = running ]; then
    ready=1
    for socket in "${sockets[@]}"; do as_root test -S "$socket_dir/$colour/$socket" || ready=0; done
    if [ "$ready" = 1 ] && as_root docker exec "$new" wget -q -O /dev/null "$health_url" 2>/dev/null; then break; fi
  elif [ "$status" != created ]; then
    failure="stopped (state $status, exit code $(as_root docker inspect --format '{{.State.ExitCode}}' "$new" 2>/dev/null || echo '?'))"
  fi
  if [ -z "$failure" ] && [ "$SECONDS" -ge "$deadline" ]; then failure="did not answer $health_url within $health_timeout_seconds s"; fi
  if [ -n "$failure" ]; then
    echo "edge-deploy: $new $failure; not switching" >&2
    echo "== last $log_lines log lines of $new ==" >&2
    as_root docker logs --tail "$log_lines" "$new" >&2 2>&1 || true
    exit 1
  fi
  sleep "$poll_seconds"
done
# Restarts only once it has proven to start: a broken image must show as a stop, not a loop.
as_root docker update --restart unless-stopped "$new" >/dev/null
as_root ln -sfn "$colour" "$socket_dir/.live.new"
as_root mv -T "$socket_dir/.live.new" "$socket_dir/live"
switched=1
trap - EXIT
echo "edge-deploy: $new serves; the front sends every new connection to it"

if [ -n "$old" ]; then
  as_root touch "$socket_dir/$active/draining"
  echo "edge-deploy: $old answers with Connection: close; waiting $drain_seconds s for its keep-alive clients to move"
  sleep "$drain_seconds"
  echo "edge-deploy: stopping $old gracefully (its requests in flight finish within $stop_timeout_seconds s)"
  as_root docker stop --time "$stop_timeout_seconds" "$old" >/dev/null || true
  as_root docker rm --force "$old" >/dev/null || true
  as_root rm -rf "${socket_dir:?}/$active"
fi
echo "edge-deploy: done; $new runs $image"
