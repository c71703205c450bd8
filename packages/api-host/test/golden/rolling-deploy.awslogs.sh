#!/usr/bin/env bash
# @trafficlab/api-host scripts/rolling-deploy.sh, rendered with:
image='trafficlab/api:1.4.0'
project_dir='/opt/trafficlab'
env_file='api.env'
state_dir='.deploy'
network='trafficlab-api'
service_alias='trafficlab-api-live'
prefix='trafficlab-api'
env_from_stdin='0'
prune_images='1'
api_port='8080'
health_path='/actuator/health'
health_interval='10s'
health_timeout='5s'
health_retries='6'
health_start_period='90s'
health_timeout_seconds='300'
poll_seconds='2'
drain_seconds='5'
stop_timeout_seconds='30'
lock_file='/var/lock/trafficlab-deploy.lock'
lock_timeout_seconds='900'
log_lines='50'
container_environment=()
log_options=('--log-driver' 'awslogs' '--log-opt' 'awslogs-region=ap-northeast-2' '--log-opt' 'awslogs-group=/trafficlab/prod/api' '--log-opt' 'awslogs-create-group=false' '--log-opt' 'tag={{.Name}}/{{.ID}}')

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

# Rolls the API in $project_dir onto $image: blue/green behind nginx, without a reload.
# Rendered by rollingDeployScript (rolling-deploy.ts): the header, prelude.sh, host-lock.sh, then this file.
#
# nginx's upstream has one server per color, `<prefix>-blue` and `<prefix>-green`, each resolved
# again every second (`resolve`): Docker's DNS answers a container's name on $network. The new
# color joins $network once healthy (under $service_alias too, which marks the color that serves);
# then the old one is renamed `<name>-retiring`: its name stops resolving, nginx drops it from the
# upstream and sends nothing more to it, not even on a pooled keep-alive connection, while its
# requests in flight finish; only then is it stopped gracefully. Stopping it while nginx could
# still pick it lost POSTs: nginx does not retry a non-idempotent request on a connection the
# stopping API closed. A rename, unlike leaving the network, drops no connection. nginx is never
# reloaded, so no client connection is closed.
set -euo pipefail

# The header. The image; the compose project's directory and, relative to it, the env file and
# the state directory; the docker network nginx shares with the API, the name nginx sends API
# traffic to, the container prefix (`<prefix>-blue`, `<prefix>-green`); 1 to write the env file
# from stdin first, else 0; 1 to remove older images of the API after a deploy, else 0.
: "${image:?}" "${project_dir:?}" "${env_file:?}" "${state_dir:?}" "${network:?}" "${service_alias:?}" "${prefix:?}" "${env_from_stdin:?}" "${prune_images:?}"
# The container: the port the API listens on, the path its healthcheck requests, the docker
# healthcheck's interval, timeout, retries and start period.
: "${api_port:?}" "${health_path:?}" "${health_interval:?}" "${health_timeout:?}" "${health_retries:?}" "${health_start_period:?}"
# The rollout: seconds for the new container to become healthy, between two checks, between the
# new container joining and the old one stopping (nginx follows within twice its resolver validity), and
# the old one's `docker stop` grace; the deploy lock and how long to wait for it; how many log
# lines of a failed container to show.
: "${health_timeout_seconds:?}" "${poll_seconds:?}" "${drain_seconds:?}" "${stop_timeout_seconds:?}"
: "${lock_file:?}" "${lock_timeout_seconds:?}" "${log_lines:?}"
# The array of non-secret `KEY=value` variables passed with --env, maybe empty.
# shellcheck disable=SC2154 # an array of the header: set -u stops the script when it is missing
: "${#container_environment[@]}"
# The array of the container's log flags: json-file with rotation, or awslogs to the stack's api group.
# shellcheck disable=SC2154 # an array of the header: set -u stops the script when it is missing
: "${#log_options[@]}"

take_host_lock rolling-deploy "$lock_file" "$lock_timeout_seconds"
cd "$project_dir"
if [ "$env_from_stdin" = 1 ]; then
  # The env file comes on stdin: never in the script, a command line or a log.
  env_tmp="$(umask 077 && as_root mktemp "$env_file.XXXXXX")"
  trap 'as_root rm -f "$env_tmp"' EXIT
  as_root tee "$env_tmp" >/dev/null
  as_root chmod 600 "$env_tmp"
  as_root mv -f "$env_tmp" "$env_file"
  trap - EXIT
fi
[ -f "$env_file" ] || { printf 'rolling-deploy: %s/%s is missing; not starting\n' "$(pwd)" "$env_file" >&2; exit 1; }

# What the container is made of besides the image and the env file's content: the fingerprint
# covers them, so a change rolls the container out.
environment_options=(--env-file "$env_file")
# ${a[@]+"${a[@]}"}: bash 4.2 (Amazon Linux 2) calls an empty array unbound under set -u.
for variable in ${container_environment[@]+"${container_environment[@]}"}; do
  environment_options+=(--env "$variable")
done
health_url="http://127.0.0.1:$api_port$health_path"
# JRE images carry curl or wget, rarely both. curl first: quiet but for the reason of a failure,
# where GNU wget says nothing with -q; wget without -q, so its output names the reason too.
health_options=(
  --health-cmd "if command -v curl >/dev/null 2>&1; then curl -fsS -o /dev/null '$health_url'; else wget -O /dev/null '$health_url'; fi"
  --health-interval "$health_interval" --health-timeout "$health_timeout" --health-retries "$health_retries" --health-start-period "$health_start_period"
)
spec_hash="$(printf '%s\n' "$image" "$network" "$service_alias" "$api_port" "${environment_options[@]}" "${health_options[@]}" "${log_options[@]}" | sha256sum)"
spec_hash="${spec_hash%% *}"

# "status|health|exit code|fingerprint|image" of a container; fails when there is none.
container_info() {
  as_root docker inspect --type container --format '{{.State.Status}}|{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}|{{.State.ExitCode}}|{{index .Config.Labels "trafficlab.fingerprint"}}|{{.Config.Image}}' "$1" 2>/dev/null
}

# Whether container $1 answers to $service_alias on $network, that is: nginx sends it traffic.
serves_traffic() {
  local aliases
  aliases="$(as_root docker inspect --type container --format "{{with index .NetworkSettings.Networks \"$network\"}}{{range .Aliases}}{{.}} {{end}}{{end}}" "$1" 2>/dev/null)" || return 1
  [[ " $aliases " == *" $service_alias "* ]]
}

# Puts container $1 under $service_alias: nginx's next resolution (within a second) includes it.
join_service() {
  if serves_traffic "$1"; then return 0; fi
  as_root docker network connect --alias "$service_alias" "$network" "$1"
  echo "rolling-deploy: $1 joined $network as $service_alias"
}

state_value() {
  if [ -f "$state_dir/$1" ]; then cat "$state_dir/$1"; fi
}

# A temporary file in the same directory, then a rename: a reader never sees half a file.
replace_file() {
  local path=$1 content=$2 directory tmp
  directory="$(dirname "$path")"
  as_root install -d -m 0755 "$directory" || return 1
  tmp="$(as_root mktemp "$directory/.$(basename "$path").XXXXXX")" || return 1
  printf '%s\n' "$content" | as_root tee "$tmp" >/dev/null || return 1
  as_root chmod 644 "$tmp" || return 1
  as_root mv -f "$tmp" "$path"
}

# What a container that failed its probation says: its last log lines and its health checks' own output.
explain_failure() {
  echo "== last $log_lines log lines of $1 ==" >&2
  as_root docker logs --tail "$log_lines" "$1" >&2 || true
  echo "== the health check's last results for $1 ($health_url) ==" >&2
  as_root docker inspect --type container --format '{{if .State.Health}}{{range .State.Health.Log}}{{.End}} exit {{.ExitCode}}: {{.Output}}{{println}}{{else}}no health check has run yet{{println}}{{end}}{{else}}the container has no health check{{end}}' "$1" >&2 || true
}

# Stops container $1 (a retiring one, out of nginx's upstream) gracefully, the API finishing its
# requests in flight, and removes it.
stop_and_remove() {
  as_root docker stop -t "$stop_timeout_seconds" "$1" >/dev/null
  as_root docker rm "$1" >/dev/null
  echo "rolling-deploy: stopped and removed $1"
}

# Takes container $1 out of nginx's upstream, waits until nginx has resolved again (requests
# already sent to it finish meanwhile), then stops and removes it.
retire() {
  local retiring="$1-retiring"
  as_root docker rename "$1" "$retiring"
  echo "rolling-deploy: renamed $1 to $retiring; waiting $drain_seconds s for nginx to drop it"
  sleep "$drain_seconds"
  stop_and_remove "$retiring"
}

# A deploy stopped after the rename left a retiring container: nginx sends it nothing any more.
for color in blue green; do
  if as_root docker inspect --type container "$prefix-$color-retiring" >/dev/null 2>&1; then
    echo "rolling-deploy: $prefix-$color-retiring is left from an interrupted deploy; stopping it"
    stop_and_remove "$prefix-$color-retiring"
  fi
done

# The active color is the one nginx sends traffic to. The state file decides when neither answers
# to the name, and when both do: a deploy stopped during its drain left the old color beside the
# new one, which it had already recorded as active.
serving=""
for color in blue green; do
  if serves_traffic "$prefix-$color"; then serving="$serving $color"; fi
done
case "$serving" in
  " blue" | " green") active_color="${serving# }" ;;
  " blue green") if [ "$(state_value active-color)" = blue ]; then active_color=blue; else active_color=green; fi ;;
  *) active_color="$(state_value active-color)" ;;
esac
# The other color when it answers to the name too: nginx sends it traffic, so it is stopped
# gracefully, never removed by force.
stale=""
if [ "$serving" = " blue green" ]; then
  if [ "$active_color" = blue ]; then stale="$prefix-green"; else stale="$prefix-blue"; fi
fi
case "$active_color" in
  blue | green | "") ;;
  *)
    echo "rolling-deploy: ignoring unknown active color '$active_color' in $state_dir/active-color" >&2
    active_color="" ;;
esac

old="" old_info="" old_image=""
if [ -n "$active_color" ]; then
  if old_info="$(container_info "$prefix-$active_color")"; then
    old="$prefix-$active_color"
  else
    echo "rolling-deploy: $prefix-$active_color, the active color, has no container"
  fi
fi

if ! as_root docker network inspect "$network" >/dev/null 2>&1; then
  as_root docker network create "$network" >/dev/null
  echo "rolling-deploy: created network $network"
fi
if ! as_root docker image inspect --format '{{.Id}}' "$image" >/dev/null 2>&1; then
  echo "rolling-deploy: $image is not on the host; pulling it"
  as_root docker pull --quiet "$image" >/dev/null
fi
image_id="$(as_root docker image inspect --format '{{.Id}}' "$image")"
env_sum="$(as_root sha256sum "$env_file")"
fingerprint="$(printf '%s\n' "$spec_hash" "${env_sum%% *}" "$image_id" | sha256sum)"
fingerprint="${fingerprint%% *}"
previous_recorded="$(state_value previous-image)"

if [ -n "$old" ]; then
  IFS='|' read -r old_status old_health _ old_fingerprint old_image <<<"$old_info"
  if [ "$old_status" = running ] && [ "$old_health" = healthy ] && [ "$old_fingerprint" = "$fingerprint" ]; then
    echo "rolling-deploy: $old already runs $image with this env file and is healthy; nothing to roll"
    join_service "$old"
    if [ -n "$stale" ]; then
      echo "rolling-deploy: $stale still answers to $service_alias beside $old (a deploy stopped during its drain); stopping it"
      retire "$stale"
    fi
    printf 'previous-image=%s\n' "$previous_recorded"
    exit 0
  fi
fi

if [ "$active_color" = blue ]; then color=green; else color=blue; fi
new="$prefix-$color"
if [ "$new" = "$stale" ]; then
  echo "rolling-deploy: $new still answers to $service_alias beside $old (a deploy stopped during its drain); stopping it first"
  retire "$new"
elif container_info "$new" >/dev/null; then
  echo "rolling-deploy: removing $new, left over from an earlier deploy (nginx does not send traffic to it)"
  as_root docker rm --force "$new" >/dev/null
fi

switched=0
# Until nginx sends traffic to it, a failed or interrupted deploy removes the new container.
remove_new_container() {
  if [ "$switched" = 0 ]; then
    as_root docker rm --force "$new" >/dev/null 2>&1 || true
    echo "rolling-deploy: removed $new; nginx still sends traffic to ${old:-no container}" >&2
  fi
}
trap remove_new_container EXIT

echo "rolling-deploy: starting $new from $image beside ${old:-no running API container}"
# On Docker's default bridge while on probation: it reaches the database and cache, but nginx,
# which asks for $service_alias on $network, does not see it yet. No published port.
as_root docker run --detach --name "$new" --network bridge --restart no \
  "${environment_options[@]}" \
  --label trafficlab.role=api --label "trafficlab.color=$color" --label "trafficlab.fingerprint=$fingerprint" \
  "${health_options[@]}" \
  "${log_options[@]}" \
  "$image" >/dev/null

deadline=$((SECONDS + health_timeout_seconds))
while :; do
  info="$(container_info "$new")" || info="missing|none|?||"
  IFS='|' read -r status health exit_code _ _ <<<"$info"
  failure=""
  case "$status/$health" in
    running/healthy) break ;;
    running/unhealthy) failure="became unhealthy" ;;
    running/* | created/*) ;;
    *) failure="stopped (state $status, exit code $exit_code)" ;;
  esac
  if [ -z "$failure" ] && [ "$SECONDS" -ge "$deadline" ]; then failure="did not become healthy within $health_timeout_seconds s (health: $health)"; fi
  if [ -n "$failure" ]; then
    echo "rolling-deploy: $new $failure; not switching" >&2
    explain_failure "$new"
    exit 1
  fi
  sleep "$poll_seconds"
done
# Restarts only once it has proven healthy: a crash on probation must show as a stop, not a loop.
as_root docker update --restart unless-stopped "$new" >/dev/null
echo "rolling-deploy: $new is healthy"

join_service "$new"
switched=1
trap - EXIT

# The last image that differs from this one, so a redeploy of the same image keeps the rollback target.
candidate="${old_image:-$(state_value current-image)}"
if [ -n "$candidate" ] && [ "$candidate" != "$image" ]; then previous_image="$candidate"; else previous_image="$previous_recorded"; fi
replace_file "$state_dir/active-color" "$color"
replace_file "$state_dir/current-image" "$image"
replace_file "$state_dir/previous-image" "$previous_image"

if [ -n "$old" ]; then
  # Both colors are in nginx's upstream once it has resolved $new's name; then the old one leaves it.
  echo "rolling-deploy: waiting $drain_seconds s for nginx to resolve $new"
  sleep "$drain_seconds"
  retire "$old"
fi

if [ "$prune_images" = 1 ]; then
  # The root volume is small: keep the running image and the rollback target, nothing older.
  repository="${image%@*}"
  if [[ "${repository##*/}" == *:* ]]; then repository="${repository%:*}"; fi
  keep=" $image_id $(as_root docker image inspect --format '{{.Id}}' "$previous_image" 2>/dev/null || true) "
  while read -r id; do
    if [ -n "$id" ] && [[ "$keep" != *" $id "* ]] && as_root docker image rm "$id" >/dev/null 2>&1; then
      echo "rolling-deploy: removed the older image $id of $repository"
    fi
  done < <(as_root docker image ls --no-trunc --quiet "$repository" | sort -u)
  # Only the API's repository: that listing includes its untagged (dangling) images too. No
  # `docker image prune`: it would remove every dangling image on the host, other projects' too.
fi
echo "rolling-deploy: $new serves $image"
printf 'previous-image=%s\n' "$previous_image"
