#!/usr/bin/env bash
# Starts, stops or reports the Docker engine the e2e tier runs on. There is no init system on
# CI, so dockerd runs in the background, started here; `stop` stops only an engine this script
# started (its pid file), never one that was already running.
#   engine.sh start   start dockerd unless `docker info` already answers; waits until it does
#   engine.sh stop    stop the dockerd this script started (containers are stopped by dockerd)
#   engine.sh status  exit 0 and print the engine's version when it answers, exit 1 otherwise
# Env: E2E_ENGINE_LOG (default /tmp/trafficlab-e2e-dockerd.log),
#      E2E_ENGINE_START_TIMEOUT seconds to wait for `docker info` (default 60).
set -euo pipefail

docker_cli=/usr/bin/docker   # the docker.io CLI: another docker earlier in PATH may be a newer, unmatched one
state_dir=/run/trafficlab-e2e
pid_file="$state_dir/dockerd.pid"
log_file="${E2E_ENGINE_LOG:-/tmp/trafficlab-e2e-dockerd.log}"
timeout="${E2E_ENGINE_START_TIMEOUT:-60}"

log() { printf 'engine: %s\n' "$*" >&2; }
fail() { printf 'engine: error: %s\n' "$*" >&2; exit 1; }

answers() { "$docker_cli" info --format '{{.ServerVersion}}' >/dev/null 2>&1; }
our_pid() {
  local pid
  [ -f "$pid_file" ] || return 1
  pid="$(cat "$pid_file")"
  # The pid must still be a dockerd: after a reboot of the machine the number may be reused.
  [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ] && printf '%s\n' "$pid"
}

start() {
  [ "$(id -u)" -eq 0 ] || fail "run as root: dockerd needs it"
  [ -x /usr/sbin/dockerd ] || fail "dockerd not installed: run e2e/setup/install.sh"
  if answers; then
    log "already running (engine $("$docker_cli" info --format '{{.ServerVersion}}')); not starting another"
    return 0
  fi
  mkdir -p "$state_dir"
  log "starting dockerd (log: $log_file)"
  # overlay2 explicitly: a fallback to vfs would copy every layer and make builds minutes slower.
  # setsid: dockerd outlives this script and the shell that ran it.
  setsid /usr/sbin/dockerd --storage-driver overlay2 --pidfile /var/run/docker.pid >>"$log_file" 2>&1 </dev/null &
  echo $! >"$pid_file"
  local deadline=$((SECONDS + timeout))
  until answers; do
    if ! kill -0 "$(cat "$pid_file")" 2>/dev/null; then
      tail -n 30 "$log_file" >&2 || true
      rm -f "$pid_file"
      fail "dockerd exited during start; last lines of $log_file above"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      tail -n 30 "$log_file" >&2 || true
      fail "docker info did not answer within $timeout s"
    fi
    sleep 0.5
  done
  log "running: engine $("$docker_cli" info --format '{{.ServerVersion}} ({{.Driver}}, cgroup {{.CgroupVersion}})')"
}

stop() {
  local pid
  if ! pid="$(our_pid)"; then
    rm -f "$pid_file"
    if answers; then log "an engine runs that this script did not start; leaving it"; else log "not running"; fi
    return 0
  fi
  log "stopping dockerd (pid $pid)"
  kill -TERM "$pid"
  # dockerd gives containers their stop timeout (10 s by default) before it exits.
  local deadline=$((SECONDS + 60))
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "dockerd still running after 60 s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.5
  done
  rm -f "$pid_file"
  log "stopped"
}

status() {
  if answers; then
    echo "running: engine $("$docker_cli" info --format '{{.ServerVersion}}')$(our_pid >/dev/null && echo ', started by engine.sh')"
  else
    echo "not running"
    return 1
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
