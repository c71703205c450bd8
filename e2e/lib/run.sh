#!/usr/bin/env bash
# One e2e run's directory and network, and its cleanup.
#   run.sh new               makes a run directory and the run's docker network; prints
#                            E2E_RUN_DIR=<dir> and the state (KEY=value lines)
#   run.sh destroy <dir>     removes every container, volume, network and per-run image the run
#                            made (by label), then the directory (kept with E2E_KEEP_RUN_DIR=1);
#                            the cached trafficlab-e2e/* images stay
#   run.sh destroy-all       the same for every run on this engine (leftovers of killed runs)
# Env: E2E_RUNS_DIR (default /tmp/trafficlab-e2e-runs).
#
# Addresses: Docker picks a free subnet for the network (so it overlaps nothing on the machine);
# the run then fixes the data tier's addresses at the bottom of it (registry .2, mysql .3,
# valkey .4, auth registry .5, Pebble .6), which certificates name, and leaves the top half to
# Docker for the host containers.
set -euo pipefail
E2E_TAG=run

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

new_run() {
  local runs_dir="${E2E_RUNS_DIR:-/tmp/trafficlab-e2e-runs}" id network subnet prefix
  id="r$(date +%m%d%H%M%S)$(random_password 4 | tr "[:upper:]" "[:lower:]")"
  network="tle2e-$id"
  mkdir -p "$runs_dir"
  E2E_RUN_DIR="$runs_dir/$id"
  mkdir -m 0700 "$E2E_RUN_DIR"
  : >"$E2E_RUN_DIR/state"

  # Let Docker choose a subnet nothing else uses, then recreate the network with it explicitly:
  # fixed container addresses are only allowed on a network with a configured subnet.
  docker network create --label "$E2E_LABEL=$id" "$network" >/dev/null
  subnet="$(docker network inspect --format '{{(index .IPAM.Config 0).Subnet}}' "$network")"
  docker network rm "$network" >/dev/null
  prefix="${subnet#*/}"
  [ "$prefix" -le 24 ] || die "docker chose a /$prefix subnet; the run needs at least a /24"
  docker network create --label "$E2E_LABEL=$id" --subnet "$subnet" \
    --ip-range "$(subnet_address "$subnet" $((1 << (31 - prefix))))/$((prefix + 1))" "$network" >/dev/null

  {
    echo "E2E_RUN_DIR=$E2E_RUN_DIR"
    state_set RUN_ID "$id"
    state_set RUN_DIR "$E2E_RUN_DIR"
    state_set NETWORK "$network"
    state_set SUBNET "$subnet"
    state_set GATEWAY "$(subnet_address "$subnet" 1)"
    state_set REGISTRY_IP "$(subnet_address "$subnet" 2)"
    state_set MYSQL_IP "$(subnet_address "$subnet" 3)"
    state_set VALKEY_IP "$(subnet_address "$subnet" 4)"
    state_set REGISTRY_AUTH_IP "$(subnet_address "$subnet" 5)"
    state_set PEBBLE_IP "$(subnet_address "$subnet" 6)"
  }
  log "run $id: $E2E_RUN_DIR, network $network ($subnet)"
}

# destroy_label VALUE: removes what carries $E2E_LABEL=VALUE (any run when VALUE is empty).
destroy_label() {
  local filter="label=$E2E_LABEL${1:+=$1}" ids
  ids="$(docker ps -aq --filter "$filter")"
  # shellcheck disable=SC2086 # one id per word
  if [ -n "$ids" ]; then docker rm -f -v $ids >/dev/null && log "removed $(wc -w <<<"$ids") container(s)"; fi
  ids="$(docker volume ls -q --filter "$filter")"
  # shellcheck disable=SC2086
  if [ -n "$ids" ]; then docker volume rm -f $ids >/dev/null && log "removed $(wc -w <<<"$ids") volume(s)"; fi
  ids="$(docker network ls -q --filter "$filter")"
  # shellcheck disable=SC2086
  if [ -n "$ids" ]; then docker network rm $ids >/dev/null && log "removed $(wc -w <<<"$ids") network(s)"; fi
  # Per-run images may be built on each other (a thin layer on a per-run image): a parent goes
  # only once its children have, so up to three rounds.
  local round removed=0
  for round in 1 2 3; do
    ids="$(docker images -q --filter "$filter" | sort -u)"
    [ -n "$ids" ] || break
    removed=$((removed + $(wc -w <<<"$ids")))
    # shellcheck disable=SC2086
    docker rmi -f $ids >/dev/null 2>&1 || [ "$round" -lt 3 ] || log "some per-run images could not be removed: $ids"
  done
  if [ "$removed" -gt 0 ]; then log "removed per-run image(s)"; fi
}

destroy_run() {
  require_run_dir "${1:-}"
  log "destroying run $E2E_RUN_ID"
  destroy_label "$E2E_RUN_ID"
  if [ "${E2E_KEEP_RUN_DIR:-0}" = 1 ]; then
    log "kept $E2E_RUN_DIR"
  else
    rm -rf "$E2E_RUN_DIR"
  fi
}

case "${1:-}" in
  new) new_run ;;
  destroy) destroy_run "${2:-}" ;;
  destroy-all) destroy_label "" ;;
  *) echo "usage: $0 new | destroy <run-dir> | destroy-all" >&2; exit 2 ;;
esac
