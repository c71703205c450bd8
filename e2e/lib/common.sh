# shellcheck shell=bash
# Sourced by every e2e script: the docker CLI to use, logging, and the run directory's state.
#
# A run directory (E2E_RUN_DIR) holds everything one run makes: certs, keys, known_hosts and a
# state file of KEY=value lines (run id, network, addresses). Every container, volume and network
# a run starts carries the label org.trafficlab.e2e.run=<run id>, which run.sh destroy removes.

# The docker.io CLI matches the engine (20.10); another docker earlier in PATH may be newer.
E2E_DOCKER_CLI="${E2E_DOCKER_CLI:-/usr/bin/docker}"
docker() { "$E2E_DOCKER_CLI" "$@"; }

# Used by the scripts that source this file.
# shellcheck disable=SC2034
E2E_LABEL=org.trafficlab.e2e.run
# shellcheck disable=SC2034
E2E_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

log() { printf '%s: %s\n' "${E2E_TAG:-e2e}" "$*" >&2; }
die() { printf '%s: error: %s\n' "${E2E_TAG:-e2e}" "$*" >&2; exit 1; }

# wait_until SECONDS DESCRIPTION COMMAND...: polls COMMAND every 0.5 s until it succeeds.
wait_until() {
  local timeout=$1 what=$2 deadline
  shift 2
  deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || { log "timed out after $timeout s waiting for $what"; return 1; }
    sleep 0.5
  done
}

require_run_dir() {
  local dir=${1:-${E2E_RUN_DIR:-}}
  [ -n "$dir" ] || die "no run directory: pass it or set E2E_RUN_DIR (lib/run.sh new makes one)"
  [ -f "$dir/state" ] || die "$dir is not a run directory (no state file)"
  E2E_RUN_DIR="$(cd "$dir" && pwd)"
  # shellcheck disable=SC2034 # read by the scripts that source this file
  E2E_RUN_ID="$(state_get RUN_ID)"
  # shellcheck disable=SC2034
  E2E_NETWORK="$(state_get NETWORK)"
}

# state_get KEY: the value recorded in the run's state file, or empty.
state_get() { sed -n "s/^$1=//p" "$E2E_RUN_DIR/state" | tail -n 1; }
# state_set KEY VALUE: records (or replaces) KEY, and prints KEY=VALUE for the caller.
state_set() {
  local tmp
  tmp="$(mktemp "$E2E_RUN_DIR/.state.XXXXXX")"
  grep -v "^$1=" "$E2E_RUN_DIR/state" >"$tmp" || true
  printf '%s=%s\n' "$1" "$2" >>"$tmp"
  mv -f "$tmp" "$E2E_RUN_DIR/state"
  printf '%s=%s\n' "$1" "$2"
}

# The n-th address of an IPv4 subnet "a.b.c.d/len" (n counted from the network address).
subnet_address() {
  local subnet=$1 n=$2 a b c d
  IFS=. read -r a b c d <<<"${subnet%/*}"
  local value=$(((a << 24 | b << 16 | c << 8 | d) + n))
  printf '%d.%d.%d.%d\n' $((value >> 24 & 255)) $((value >> 16 & 255)) $((value >> 8 & 255)) $((value & 255))
}

# A random password of letters and digits (no quoting trouble in SQL, ACL or env files).
# Without pipefail: tr ends by SIGPIPE once head has enough, which is success here.
random_password() { (set +o pipefail && LC_ALL=C tr -dc 'A-Za-z0-9' </dev/urandom | head -c "${1:-24}"); }

# The image the build made for <name>[:<variant>], by its stable alias.
e2e_image() { printf 'trafficlab-e2e/%s:%s\n' "$1" "${2:-current}"; }

# A TCP port free on 127.0.0.1 right now (to publish a container port on a fixed number, which,
# unlike a random one, stays the same across a `docker restart`).
free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
