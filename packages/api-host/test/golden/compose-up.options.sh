#!/usr/bin/env bash
# @trafficlab/api-host scripts/compose-up.sh, rendered with:
project_dir='/srv/app'
project_name='trafficlab'
wait_timeout_seconds='30'
poll_seconds='1'
lock_file='/run/lock/app.lock'
lock_timeout_seconds='60'
log_lines='50'
required_files=('.env' 'nginx/conf.d/default.conf')
reload_urls=()

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

# `docker compose up -d --remove-orphans` under the host-wide deploy lock, so two deploys never
# interleave, then waits up to its timeout for every service to run and be healthy. It waits
# itself rather than with `--wait`, which gives up at once on a container that restarts (nginx
# restart-looping) instead of waiting its timeout. On failure it prints `docker compose ps`,
# each service's health checks and the last log lines of every service, starts the compose
# project that last ran healthy again (when there is one and it differs), then exits non-zero.
# Rendered by composeUpScript (deploy-scripts.ts): the header, prelude.sh, host-lock.sh, then this file.
set -euo pipefail

# The header: the compose project's directory and name (compose.yaml's `name:`), seconds to wait for healthy services, seconds
# between two looks, the lock file and how long to wait for it, how many log lines to show per
# service, and the array of files (relative to the project) that must exist before starting,
# maybe empty.
: "${project_dir:?}" "${project_name:?}" "${wait_timeout_seconds:?}" "${poll_seconds:?}" "${lock_file:?}" "${lock_timeout_seconds:?}" "${log_lines:?}"
# shellcheck disable=SC2154 # an array of the header: set -u stops the script when it is missing
: "${#required_files[@]}"
# An array, maybe empty: reload URLs on the host's loopback (Prometheus', Alertmanager's). Their
# config files are bind-mounted, so a new file recreates nothing and takes effect only with a POST.
# shellcheck disable=SC2154 # an array of the header: set -u stops the script when it is missing
: "${#reload_urls[@]}"

# The compose file of the last project that ran healthy, kept beside compose.yaml: what a failed
# change goes back to (compose-down removes it).
last_healthy=.compose.last-healthy.yaml
compose_options=()
compose() { as_root docker compose ${compose_options[@]+"${compose_options[@]}"} "$@"; }

take_host_lock deploy "$lock_file" "$lock_timeout_seconds"
cd "$project_dir"
# ${a[@]+"${a[@]}"}: bash 4.2 (Amazon Linux 2) calls an empty array unbound under set -u.
for file in ${required_files[@]+"${required_files[@]}"}; do
  [ -f "$file" ] || { printf 'deploy: %s/%s is missing; not starting\n' "$(pwd)" "$file" >&2; exit 1; }
done

# Every service, what is wrong with it, if anything: "<service> <what>" lines, none when all are fine.
# A container must run, and pass its health check when it has one. Right after a (re)start
# Docker has no health status yet, which is not "no health check": a crash-looping nginx shows
# "running" with an empty health between two restarts.
not_ready() {
  local services service ids id state
  services="$(compose config --services)" || return 2
  while IFS= read -r service; do
    [ -n "$service" ] || continue
    ids="$(compose ps --all --quiet "$service")" || return 2
    [ -n "$ids" ] || { echo "$service not created"; continue; }
    for id in $ids; do
      state="$(as_root docker inspect --type container --format '{{.State.Status}} {{if .Config.Healthcheck}}{{if .State.Health}}{{.State.Health.Status}}{{else}}no-status-yet{{end}}{{else}}no-healthcheck{{end}}' "$id")" || return 2
      case "$state" in
        "running healthy" | "running no-healthcheck") ;;
        *) echo "$service $state" ;;
      esac
    done
  done <<<"$services"
}

# What a failed start says, for every service: a running one can be the cause (nginx restart-looping
# reports "running" between two restarts).
report_failure() {
  echo "== docker compose ps =="
  compose ps --all || true
  local service
  while IFS= read -r service; do
    [ -n "$service" ] || continue
    echo "== $service: health checks =="
    compose ps --all --quiet "$service" | while IFS= read -r id; do
      as_root docker inspect --format '{{.Name}} restarted {{.RestartCount}} times; {{if .State.Health}}{{range .State.Health.Log}}{{.End}} exit {{.ExitCode}}: {{.Output}}{{println}}{{end}}{{else}}no healthcheck{{end}}' "$id" || true
    done
    echo "== last $log_lines log lines of $service =="
    compose logs --no-color --tail "$log_lines" "$service" || true
  done < <(compose config --services || true)
}

# start_and_wait: compose up, then every service running and healthy within the timeout (0), or
# the failure report (1).
start_and_wait() {
  if ! compose up --detach --remove-orphans; then
    echo "deploy: docker compose up failed" >&2
    report_failure >&2
    return 1
  fi
  # SECONDS counts whole seconds: one more, so the wait is never shorter than its timeout.
  local deadline=$((SECONDS + wait_timeout_seconds + 1)) waiting
  while :; do
    waiting="$(not_ready)" || waiting="docker compose cannot tell"
    [ -n "$waiting" ] || return 0
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "deploy: not running and healthy after $wait_timeout_seconds s: $waiting" >&2
      report_failure >&2
      return 1
    fi
    sleep "$poll_seconds"
  done
}

echo "deploy: docker compose up in $(pwd), waiting up to $wait_timeout_seconds s for healthy services"
# The service reads its files again; a file it refuses fails the step with the service's own words,
# and it keeps running on the files it read last.
reload_config() {
  local url=$1 answer deadline=$((SECONDS + wait_timeout_seconds))
  until answer="$(curl -sS --max-time 10 -X POST -w ' (HTTP %{http_code})' "$url" 2>&1)" && [[ $answer == *"(HTTP 200)" ]]; do
    # Connection refused, 503: it is (re)starting; anything else is its verdict on the files.
    if [[ $answer != *"(HTTP 000)"* && $answer != *"(HTTP 503)"* && $answer != curl:* ]] || [ "$SECONDS" -ge "$deadline" ]; then
      echo "deploy: $url refused the new configuration: $answer" >&2
      return 1
    fi
    sleep "$poll_seconds"
  done
  echo "deploy: reloaded $url"
}

# Networks compose made for services that are gone (hostMetrics off: `metrics`): `up
# --remove-orphans` removes the containers, not their networks, and `down` would then leave them
# too, as the file no longer names them. Docker's prune removes only networks no container is
# on, so the project's live ones stay. Volumes stay: they hold data (Prometheus' samples).
remove_orphan_networks() {
  local output line removed=""
  output="$(as_root docker network prune --force --filter "label=com.docker.compose.project=$project_name" 2>/dev/null)" || return 0
  # Its output: "Deleted Networks:", then one name a line (compose names them <project>_<key>).
  while IFS= read -r line; do [[ $line == "${project_name}_"* ]] && removed+=" $line"; done <<<"$output"
  if [ -n "$removed" ]; then echo "deploy: removed networks no service uses any more:$removed"; fi
}

if start_and_wait; then
  compose ps
  remove_orphan_networks
  for url in ${reload_urls[@]+"${reload_urls[@]}"}; do reload_config "$url" || exit 1; done
  if [ -f compose.yaml ]; then as_root cp compose.yaml "$last_healthy"; fi
  echo "deploy: all services running and healthy"
  exit 0
fi
# Pulumi keeps this step's old inputs after a failure, so setting the old value again would not
# run it: go back to the project that last ran healthy now, and the host serves meanwhile.
if [ -f compose.yaml ] && [ -f "$last_healthy" ]; then
  if as_root sha256sum compose.yaml "$last_healthy" | awk 'NR == 1 { first = $1 } NR == 2 && $1 != first { differ = 1 } END { exit !differ }'; then
    echo "deploy: going back to the compose project that last ran healthy ($(pwd)/$last_healthy)" >&2
    compose_options=(--file "$last_healthy" --project-directory .)
    if start_and_wait >&2; then
      echo "deploy: the last healthy compose project runs again; this change failed" >&2
    else
      echo "deploy: the last healthy compose project did not come back either" >&2
    fi
  fi
fi
exit 1
