#!/usr/bin/env bash
# The run's image registry: the Docker Hub mirror of the host containers' dockerd.
#   registry.sh start <run-dir>                start it (network alias `registry`, the mirror
#                                              the host image's daemon.json names); prints
#                                              REGISTRY_PORT (published on 127.0.0.1)
#   registry.sh start <run-dir> --auth <user>  a second one, alias `registry-auth`, that requires
#                                              basic auth; the password is read from stdin.
#                                              Prints REGISTRY_AUTH_PORT.
#   registry.sh push <run-dir> <image> <reference> [--with-ca] [--to auth]
#       pushes a local image so a host pulls it as <reference>, unchanged: `nginx:1.28.0-alpine`
#       is stored as library/nginx:1.28.0-alpine, `example/api:1.0` as example/api:1.0 (a
#       mirror serves Docker Hub's paths). --with-ca first adds the run's test CA to the image's
#       trust store (a thin per-run layer, removed with the run). --to auth pushes to the auth
#       registry, logged in with a per-run docker config (the machine's ~/.docker is untouched).
# The push goes to 127.0.0.1:<port>, which dockerd allows over plain HTTP without configuration.
set -euo pipefail
E2E_TAG=registry
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"


start() {
  require_run_dir "${1:-}"
  local alias=registry ip_key=REGISTRY_IP port_key=REGISTRY_PORT user="" auth_args=()
  if [ "${2:-}" = --auth ]; then
    user="${3:-}"
    [[ $user =~ ^[A-Za-z0-9_.-]+$ ]] || die "--auth needs a user name"
    alias=registry-auth ip_key=REGISTRY_AUTH_IP port_key=REGISTRY_AUTH_PORT
    install -d -m 0700 "$E2E_RUN_DIR/secrets"
    IFS= read -r password || true
    [ -n "${password:-}" ] || die "--auth reads the registry password from stdin"
    printf '%s\n' "$password" >"$E2E_RUN_DIR/secrets/registry-password"
    chmod 600 "$E2E_RUN_DIR/secrets/registry-password"
    state_set REGISTRY_AUTH_USER "$user" >/dev/null
    auth_args=(--env "E2E_REGISTRY_USER=$user" --volume "$E2E_RUN_DIR/secrets/registry-password:/run/secrets/registry-password:ro")
  fi
  local name="tle2e-$E2E_RUN_ID-$alias" port
  port="$(free_port)"
  docker run --detach --name "$name" --label "$E2E_LABEL=$E2E_RUN_ID" \
    --network "$E2E_NETWORK" --ip "$(state_get "$ip_key")" --network-alias "$alias" \
    --publish "127.0.0.1:$port:5000" "${auth_args[@]}" "$(e2e_image registry)" >/dev/null
  wait_until 30 "the registry on 127.0.0.1:$port" curl -fsS -o /dev/null "http://127.0.0.1:$port/" ||
    { docker logs "$name" >&2; die "$alias did not start"; }
  log "$alias: http://127.0.0.1:$port (hosts: http://$alias:5000)"
  state_set "$port_key" "$port"
}

push() {
  require_run_dir "${1:-}"
  local image=${2:-} reference=${3:-} with_ca=0 target=registry
  if [ -z "$image" ] || [ -z "$reference" ]; then die "usage: push <run-dir> <image> <reference> [--with-ca] [--to auth]"; fi
  shift 3
  while [ $# -gt 0 ]; do
    case "$1" in
      --with-ca) with_ca=1 ;;
      --to) shift; [ "${1:-}" = auth ] || die "--to takes: auth"; target=registry-auth ;;
      *) die "unknown option $1" ;;
    esac
    shift
  done
  # Docker Hub's path for the reference: official images live under library/.
  local repository=${reference%:*} tag=${reference##*:}
  [ "$repository" != "$reference" ] || die "reference $reference needs a tag"
  [[ $repository == */* ]] || repository="library/$repository"
  local port
  if [ "$target" = registry-auth ]; then port="$(state_get REGISTRY_AUTH_PORT)"; else port="$(state_get REGISTRY_PORT)"; fi
  [ -n "$port" ] || die "$target is not started in this run"
  local destination="127.0.0.1:$port/$repository:$tag" source=$image

  if [ "$with_ca" = 1 ]; then
    local context="$E2E_RUN_DIR/build-ca-layer"
    mkdir -p "$context"
    cp "$(state_get CA_FILE)" "$context/trafficlab-e2e-run-ca.crt"
    printf '%s\n' "FROM $image" "USER root" \
      "COPY trafficlab-e2e-run-ca.crt /usr/local/share/ca-certificates/trafficlab-e2e-run-ca.crt" \
      "RUN update-ca-certificates >/dev/null" \
      "USER $(docker image inspect --format '{{.Config.User}}' "$image" | sed 's/^$/root/')" >"$context/Dockerfile"
    source="trafficlab-e2e-run/$E2E_RUN_ID:$(printf '%s' "$image" | tr -c 'A-Za-z0-9_.-' '-')"
    DOCKER_BUILDKIT=0 docker build -q --label "$E2E_LABEL=$E2E_RUN_ID" -t "$source" "$context" >/dev/null
  fi
  docker tag "$source" "$destination"
  local -a config=()
  if [ "$target" = registry-auth ]; then
    config=(--config "$E2E_RUN_DIR/docker-config")
    # Quiet: its only chatter is the warning that the per-run config stores the password.
    docker "${config[@]}" login --username "$(state_get REGISTRY_AUTH_USER)" --password-stdin "127.0.0.1:$port" \
      <"$E2E_RUN_DIR/secrets/registry-password" >/dev/null 2>&1 || die "docker login to 127.0.0.1:$port failed"
  fi
  docker "${config[@]}" push "$destination" >/dev/null
  # Only the registry needs the copy: drop the push tag (the per-run image goes with the run).
  docker rmi "$destination" >/dev/null
  local note=""
  if [ "$with_ca" = 1 ]; then note=", with the run's CA"; fi
  log "pushed $image as $reference ($target: $repository:$tag$note)"
}

case "${1:-}" in
  start) shift; start "$@" ;;
  push) shift; push "$@" ;;
  *) echo "usage: $0 start <run-dir> [--auth <user>] | push <run-dir> <image> <reference> [--with-ca] [--to auth]" >&2; exit 2 ;;
esac
