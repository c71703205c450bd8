#!/usr/bin/env bash
# Host containers: the EC2 instance stand-in (images/host), reached over real SSH.
#   host.sh start <run-dir> <name> [--authorized-key FILE] [--host-key FILE] [--seed DIR]
#                 [--docker-enabled 0] [--ip ADDR]
#       starts host <name> on the run's network. Login key: FILE (a public key), or the run's
#       own ed25519 key (<run>/ssh/id_ed25519, made on first use), or with --seed and no FILE
#       the one cloud-init installs from the seed's meta-data (public-keys). Host key: FILE (a
#       private key), or with --seed the one cloud-init installs (the user data's ssh_keys),
#       else one generated for this host. --seed DIR: a NoCloud seed (user-data, meta-data:
#       the instance's user data and instance-id), mounted for cloud-init, as EC2 serves them.
#       The key sshd presents is pinned in <run>/ssh/known_hosts under the alias tle2e-<name>
#       (read from the host once it answers: a test pins what the stack expects itself), so
#       `host.sh ssh` checks it strictly. --docker-enabled 0: Docker is installed but not
#       enabled at boot, as on a fresh instance after `dnf install docker`.
#       --ip ADDR: a fixed address on the run network (an EC2 instance's address, chosen by the
#       e2e executor's mocks before the host exists; outside the range Docker hands out).
#       Waits for sshd (and the inner dockerd when enabled); prints HOST_CONTAINER, HOST_IP,
#       HOST_SSH_PORT, HOST_HTTP_PORT and HOST_HTTPS_PORT (22, 80 and 443 published on
#       127.0.0.1), SSH_KEY, KNOWN_HOSTS, HOST_KEY_ALIAS.
#   host.sh ssh <run-dir> <name> [command ...]   ssh as ec2-user, strict host key checking;
#       stdin is passed through (e.g. `host.sh ssh RUN h1 bash -s <script.sh`)
#   host.sh reboot <run-dir> <name>   `docker restart`: the inner dockerd comes back with its
#       volume and restarts containers by their restart policy; waits as start does
#   host.sh stop <run-dir> <name>     removes the container and its /var/lib/docker volume
# Env: E2E_HOST_PRIVILEGED auto (default) | 1 | 0, see privilege_flags.
set -euo pipefail
E2E_TAG=host
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

valid_name() { [[ $1 =~ ^[a-z0-9][a-z0-9-]{0,30}$ ]] || die "host name must be lowercase letters, digits and -"; }
key() { printf 'HOST_%s_%s' "$(tr '[:lower:]-' '[:upper:]_' <<<"$1")" "$2"; }
container_of() { printf 'tle2e-%s-%s\n' "$E2E_RUN_ID" "$1"; }

# --privileged asks runc for every capability the kernel has. Where the engine itself runs
# without one (this kind of CI VM lacks CAP_SYS_RESOURCE), runc fails with "unable to apply
# caps"; then the same powers are granted one by one, less that capability, and the host's
# entrypoint remounts /sys and its cgroups read-write, as --privileged would have left them.
privilege_flags() {
  local mode="${E2E_HOST_PRIVILEGED:-auto}" bounding last
  if [ "$mode" = auto ]; then
    bounding=$((16#$(sed -n 's/^CapBnd:[[:space:]]*//p' /proc/self/status)))
    last="$(cat /proc/sys/kernel/cap_last_cap)"
    if [ "$bounding" -eq $(((1 << (last + 1)) - 1)) ]; then mode=1; else mode=0; fi
  fi
  if [ "$mode" = 1 ]; then
    echo --privileged
  else
    printf '%s\n' --cap-add ALL --cap-drop SYS_RESOURCE --security-opt seccomp=unconfined \
      --security-opt apparmor=unconfined --security-opt systempaths=unconfined --device-cgroup-rule 'a *:* rwm'
  fi
}

ssh_args() {
  local name=$1
  printf '%s\n' -i "$(state_get SSH_KEY)" -o IdentitiesOnly=yes -o BatchMode=yes \
    -o StrictHostKeyChecking=yes -o "UserKnownHostsFile=$E2E_RUN_DIR/ssh/known_hosts" \
    -o "HostKeyAlias=tle2e-$name" -o ConnectTimeout=5 -o LogLevel=ERROR \
    -p "$(state_get "$(key "$name" SSH_PORT)")" ec2-user@127.0.0.1
}

sshd_answers() { ssh-keyscan -T 2 -t ed25519 -p "$1" 127.0.0.1 2>/dev/null | grep -q ssh-ed25519; }

wait_ready() {
  local name=$1 container started=$SECONDS
  container="$(container_of "$name")"
  local -a ssh_cmd
  if [ "$(state_get "$(key "$name" LOGIN)")" = run-key ]; then
    mapfile -t ssh_cmd < <(ssh_args "$name")
    wait_until 60 "sshd of $name" ssh "${ssh_cmd[@]}" true ||
      { docker logs --tail 30 "$container" >&2; die "$name: no SSH login within 60 s"; }
  else
    # Only the caller's key may log in (--authorized-key, or cloud-init's from the seed): wait
    # for sshd's host key instead of a login.
    wait_until 60 "sshd of $name" sshd_answers "$(state_get "$(key "$name" SSH_PORT)")" ||
      { docker logs --tail 30 "$container" >&2; die "$name: sshd did not answer within 60 s"; }
  fi
  if docker exec "$container" test -f /var/lib/trafficlab-e2e/docker.enabled; then
    wait_until 90 "the inner dockerd of $name" docker exec "$container" docker info ||
      { docker exec "$container" tail -n 30 /var/log/trafficlab-e2e/dockerd.log >&2 || true; die "$name: inner dockerd not up"; }
  fi
  log "$name ready in $((SECONDS - started)) s"
}

# pin NAME PUBLIC-KEY: pins host <name>'s key under the alias tle2e-<name> (for `host.sh ssh`).
pin() {
  local name=$1 public=$2
  [ -n "$public" ] || die "$name: no ed25519 host key to pin"
  touch "$E2E_RUN_DIR/ssh/known_hosts"
  sed -i "/^tle2e-$name /d" "$E2E_RUN_DIR/ssh/known_hosts"
  printf 'tle2e-%s %s\n' "$name" "$(cut -d' ' -f1,2 <<<"$public")" >>"$E2E_RUN_DIR/ssh/known_hosts"
}

start() {
  require_run_dir "${1:-}"
  local name=${2:-} authorized="" host_key="" docker_enabled=1 ip="" seed="" login=other
  valid_name "$name"
  shift 2
  while [ $# -gt 0 ]; do
    case "$1" in
      --authorized-key) authorized=$2; shift ;;
      --host-key) host_key=$2; shift ;;
      --seed) seed=$2; shift ;;
      --docker-enabled) docker_enabled=$2; shift ;;
      --ip) ip=$2; shift ;;
      *) die "unknown option $1" ;;
    esac
    shift
  done
  local ssh_dir="$E2E_RUN_DIR/ssh" mount="$E2E_RUN_DIR/hosts/$name/ssh"
  install -d -m 0700 "$ssh_dir" "$mount"
  if [ -z "$authorized" ] && [ -z "$seed" ]; then
    [ -f "$ssh_dir/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C "trafficlab-e2e-$E2E_RUN_ID" -f "$ssh_dir/id_ed25519"
    authorized="$ssh_dir/id_ed25519.pub"
    state_set SSH_KEY "$ssh_dir/id_ed25519" >/dev/null
    login=run-key
  fi
  if [ -n "$authorized" ]; then install -m 0644 "$authorized" "$mount/authorized_keys"; fi
  if [ -n "$host_key" ]; then
    install -m 0600 "$host_key" "$mount/ssh_host_ed25519_key"
  elif [ -z "$seed" ]; then
    ssh-keygen -q -t ed25519 -N '' -C "tle2e-$name" -f "$mount/ssh_host_ed25519_key"
  fi
  local -a seed_mount=()
  if [ -n "$seed" ]; then
    if [ ! -f "$seed/user-data" ] || [ ! -f "$seed/meta-data" ]; then die "--seed $seed needs user-data and meta-data"; fi
    seed_mount=(--volume "$(cd "$seed" && pwd):/var/lib/cloud/seed/nocloud:ro")
  fi

  local container ssh_port http_port https_port volume
  container="$(container_of "$name")"
  volume="$container-docker"
  ssh_port="$(free_port)"
  http_port="$(free_port)"
  https_port="$(free_port)"
  docker volume create --label "$E2E_LABEL=$E2E_RUN_ID" "$volume" >/dev/null
  local -a privileges
  mapfile -t privileges < <(privilege_flags)
  docker run --detach --name "$container" --hostname "$name" --label "$E2E_LABEL=$E2E_RUN_ID" \
    "${privileges[@]}" --network "$E2E_NETWORK" ${ip:+--ip "$ip"} \
    --publish "127.0.0.1:$ssh_port:22" --publish "127.0.0.1:$http_port:80" --publish "127.0.0.1:$https_port:443" \
    --tmpfs /run --tmpfs /tmp --volume "$volume:/var/lib/docker" \
    --volume "$mount:/etc/trafficlab-e2e/ssh:ro" "${seed_mount[@]}" --env "E2E_DOCKER_ENABLED=$docker_enabled" \
    --stop-timeout 60 "$(e2e_image host)" >/dev/null
  state_set "$(key "$name" CONTAINER)" "$container" >/dev/null
  state_set "$(key "$name" SSH_PORT)" "$ssh_port" >/dev/null
  state_set "$(key "$name" HTTP_PORT)" "$http_port" >/dev/null
  state_set "$(key "$name" HTTPS_PORT)" "$https_port" >/dev/null
  state_set "$(key "$name" LOGIN)" "$login" >/dev/null
  # A key host.sh made or was given is pinned before the first connection (no trust on first
  # use); cloud-init's (from the seed) once sshd answers: the test pins what the stack expects.
  if [ -f "$mount/ssh_host_ed25519_key" ]; then pin "$name" "$(ssh-keygen -y -f "$mount/ssh_host_ed25519_key")"; fi
  wait_ready "$name"
  if [ ! -f "$mount/ssh_host_ed25519_key" ]; then pin "$name" "$(docker exec "$container" cat /etc/ssh/ssh_host_ed25519_key.pub)"; fi
  echo "HOST_CONTAINER=$container"
  echo "HOST_IP=$(docker inspect --format "{{(index .NetworkSettings.Networks \"$E2E_NETWORK\").IPAddress}}" "$container")"
  echo "HOST_SSH_PORT=$ssh_port"
  echo "HOST_HTTP_PORT=$http_port"
  echo "HOST_HTTPS_PORT=$https_port"
  echo "SSH_KEY=$(state_get SSH_KEY)"
  echo "KNOWN_HOSTS=$ssh_dir/known_hosts"
  echo "HOST_KEY_ALIAS=tle2e-$name"
}

ssh_to() {
  require_run_dir "${1:-}"
  local name=${2:-}
  valid_name "$name"
  shift 2
  local -a ssh_cmd
  mapfile -t ssh_cmd < <(ssh_args "$name")
  exec ssh "${ssh_cmd[@]}" "$@"
}

reboot() {
  require_run_dir "${1:-}"
  valid_name "${2:-}"
  log "rebooting $2"
  docker restart --time 60 "$(container_of "$2")" >/dev/null
  wait_ready "$2"
}

stop() {
  require_run_dir "${1:-}"
  valid_name "${2:-}"
  local container
  container="$(container_of "$2")"
  docker rm -f "$container" >/dev/null 2>&1 || true
  docker volume rm "$container-docker" >/dev/null 2>&1 || true
  log "$2 removed"
}

command=${1:-}
shift || true
case "$command" in
  start) start "$@" ;;
  ssh) ssh_to "$@" ;;
  reboot) reboot "$@" ;;
  stop) stop "$@" ;;
  *) echo "usage: $0 start|ssh|reboot|stop <run-dir> <name> ..." >&2; exit 2 ;;
esac
