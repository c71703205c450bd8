#!/usr/bin/env bash
# Removes what a fleet e2e run left (E2E_KEEP_RUN=1, or a killed run): every container (with
# its anonymous volumes), volume, network and per-run image labelled
# org.trafficlab.e2e.fleet=<run id>, and the run directory. The cached images stay.
#   e2e/fleet/cleanup.sh <run-id>     one run (the id the test printed, e.g. f1130045651a1b2)
#   e2e/fleet/cleanup.sh --all        every fleet run on this engine (never the day2 tier's runs)
set -euo pipefail
docker() { "${E2E_DOCKER_CLI:-/usr/bin/docker}" "$@"; }
label=org.trafficlab.e2e.fleet
runs_dir="${E2E_FLEET_RUNS_DIR:-/tmp/trafficlab-e2e-fleet-runs}"
case "${1:-}" in
  --all) filter="label=$label" dirs=("$runs_dir"/f*) ;;
  f[0-9a-f]*) [[ $1 =~ ^f[0-9a-f]+$ ]] || { echo "cleanup.sh: not a run id: $1" >&2; exit 2; }; filter="label=$label=$1" dirs=("$runs_dir/$1") ;;
  *) echo "usage: $0 <run-id> | --all" >&2; exit 2 ;;
esac
ids="$(docker ps -aq --filter "$filter")"
# shellcheck disable=SC2086 # one id per word
if [ -n "$ids" ]; then docker rm -f -v $ids >/dev/null; echo "removed $(wc -w <<<"$ids") container(s)"; fi
ids="$(docker volume ls -q --filter "$filter")"
# shellcheck disable=SC2086
if [ -n "$ids" ]; then docker volume rm -f $ids >/dev/null; echo "removed $(wc -w <<<"$ids") volume(s)"; fi
ids="$(docker network ls -q --filter "$filter")"
# shellcheck disable=SC2086
if [ -n "$ids" ]; then docker network rm $ids >/dev/null; echo "removed $(wc -w <<<"$ids") network(s)"; fi
ids="$(docker images -q --filter "$filter" | sort -u)"
# shellcheck disable=SC2086
if [ -n "$ids" ]; then docker rmi -f $ids >/dev/null; echo "removed $(wc -w <<<"$ids") per-run image(s)"; fi
for dir in "${dirs[@]}"; do if [ -d "$dir" ]; then rm -rf "$dir"; echo "removed $dir"; fi; done
