#!/usr/bin/env bash
# Smoke test of the e2e foundation, on an engine already started (setup/engine.sh start):
# images built or reused; a registry, the TLS data tier and one host container; SSH in with a
# fresh ed25519 key and a pinned host key; Docker and Compose on the host; images pulled
# through the registry mirror by their unchanged references; the project's install script; the
# API stand-in inside the host reaching MySQL and Valkey over TLS; nginx from the project's
# compose project in front of it; the never-healthy and crashing variants; password rotation
# on both data stores. Everything the run starts is removed at the end, pass or fail (the cached
# images stay). Prints each step's time; exit 0 only if every check passed.
# Env: E2E_KEEP_RUN=1 leaves the run in place for a look (remove it with lib/run.sh destroy).
# shellcheck disable=SC2016 # commands in single quotes run on the host, where they expand
set -euo pipefail
E2E_TAG=smoke
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/lib/common.sh"
lib="$here/lib"

"$here/setup/engine.sh" status >/dev/null || die "no Docker engine: run e2e/setup/engine.sh start (after setup/install.sh)"

total_start=$SECONDS
step_start=$SECONDS
timings=()
step() {
  if [ -n "${step_name:-}" ]; then timings+=("$(printf '%4d s  %s' "$((SECONDS - step_start))" "$step_name")"); fi
  step_name=$1 step_start=$SECONDS
  if [ -n "$1" ]; then printf '\n== %s\n' "$1" >&2; fi
}
check() { printf 'ok: %s\n' "$*" >&2; }
fail() { printf 'FAILED: %s\n' "$*" >&2; exit 1; }

run_dir=""
finish() {
  local status=$?
  step "cleanup"
  if [ -n "$run_dir" ]; then
    if [ "${E2E_KEEP_RUN:-0}" = 1 ]; then log "kept run $run_dir (E2E_KEEP_RUN=1)"; else "$lib/run.sh" destroy "$run_dir" || status=1; fi
  fi
  step ""
  printf '\n== timings\n' >&2
  printf '%s\n' "${timings[@]}" >&2
  printf '%4d s  total\n' "$((SECONDS - total_start))" >&2
  if [ "$status" = 0 ]; then echo "smoke: passed" >&2; else echo "smoke: FAILED (exit $status)" >&2; fi
  exit "$status"
}
trap finish EXIT

step "images (build or reuse)"
"$here/images/build.sh" >&2

step "run: network, registry, data tier, host"
run_dir="$("$lib/run.sh" new | sed -n 's/^E2E_RUN_DIR=//p')"
export E2E_RUN_DIR="$run_dir"
"$lib/registry.sh" start "$run_dir" >/dev/null
"$lib/data-tier.sh" start "$run_dir" >/dev/null
host_out="$("$lib/host.sh" start "$run_dir" h1)"
host_container="$(sed -n 's/^HOST_CONTAINER=//p' <<<"$host_out")"
http_port="$(sed -n 's/^HOST_HTTP_PORT=//p' <<<"$host_out")"
on_host() { "$lib/host.sh" ssh "$run_dir" h1 "$@"; }

step "ssh: pinned host key, docker and compose as ec2-user via sudo"
[ "$(on_host whoami)" = ec2-user ] || fail "ssh login is not ec2-user"
check "ssh as ec2-user with $(ssh-keygen -l -f "$run_dir/ssh/id_ed25519.pub" | cut -d' ' -f2), host key pinned in known_hosts"
# A host key other than the pinned one must be refused: StrictHostKeyChecking is real.
cp "$run_dir/ssh/known_hosts" "$run_dir/ssh/known_hosts.good"
ssh-keygen -q -t ed25519 -N '' -f "$run_dir/ssh/impostor"
printf 'tle2e-h1 %s\n' "$(cut -d' ' -f1,2 "$run_dir/ssh/impostor.pub")" >"$run_dir/ssh/known_hosts"
if on_host true 2>/dev/null; then fail "ssh accepted a host key that is not the pinned one"; fi
mv -f "$run_dir/ssh/known_hosts.good" "$run_dir/ssh/known_hosts"
check "a different pinned host key is refused"
on_host 'sudo -n docker info --format "docker engine {{.ServerVersion}}, {{.Driver}}, mirrors {{.RegistryConfig.Mirrors}}"' >&2
on_host 'sudo -n docker compose version' >&2

step "the project's install script (installDockerScript), twice"
eval "$(docker exec "$host_container" cat /etc/trafficlab-e2e/compose-plugin.env)"
(cd "$here/.." && COMPOSE_PLUGIN_VERSION=$COMPOSE_PLUGIN_VERSION COMPOSE_PLUGIN_SHA256=$COMPOSE_PLUGIN_SHA256 \
  pnpm exec tsx e2e/lib/render-host-files.ts "$run_dir/host-files")
on_host bash -s <"$run_dir/host-files/install-docker.sh" >&2
second="$(on_host bash -s <"$run_dir/host-files/install-docker.sh")"
if grep -v -e skipped -e 'OS:' -e 'done' -e 'waiting for cloud-init' <<<"$second" | grep -q .; then
  printf '%s\n' "$second" >&2
  fail "second run of the install script changed something"
fi
check "install script passes with the image's Compose plugin pinned, and a second run only skips"

step "push images to the registry, pull them on the host by unchanged references"
"$lib/registry.sh" push "$run_dir" "$(e2e_image nginx)" nginx:1.28.0-alpine
"$lib/registry.sh" push "$run_dir" "$(e2e_image api healthy-v1)" example/api:1.0 --with-ca
"$lib/registry.sh" push "$run_dir" "$(e2e_image api healthy-v2)" example/api:2.0 --with-ca
"$lib/registry.sh" push "$run_dir" "$(e2e_image api never-healthy)" example/api:1.0-never-healthy --with-ca
"$lib/registry.sh" push "$run_dir" "$(e2e_image api crashing)" example/api:1.0-crashing --with-ca
on_host 'for image in nginx:1.28.0-alpine example/api:1.0 example/api:2.0 example/api:1.0-never-healthy example/api:1.0-crashing; do sudo -n docker pull -q "$image"; done' >&2
check "docker pull inside the host went through the mirror (no Docker Hub here)"

step "API (healthy) inside the host, reaching MySQL and Valkey over TLS"
# The env file as the deploy writes it: through stdin, mode 600, never on a command line.
"$lib/data-tier.sh" api-env "$run_dir" |
  on_host 'sudo -n install -d -m 0755 /opt/trafficlab && umask 077 && sudo -n tee /opt/trafficlab/api.env >/dev/null && sudo -n chmod 600 /opt/trafficlab/api.env'
# The flags rollingDeployScript gives `docker run`, with a shorter health interval; a third
# argument `live` puts the container under the name nginx sends traffic to, as the deploy does
# once the container is healthy (`docker network connect --alias trafficlab-api-live`).
run_api() {
  local name=$1 image=$2 alias=""
  if [ "${3:-}" = live ]; then alias="--network-alias trafficlab-api-live"; fi
  on_host "sudo -n docker network inspect trafficlab-api >/dev/null 2>&1 || sudo -n docker network create trafficlab-api >/dev/null
    sudo -n docker run --detach --name $name --network trafficlab-api $alias --restart no \
      --env-file /opt/trafficlab/api.env --env SPRING_PROFILES_ACTIVE=prod --env TZ=Asia/Seoul \
      --health-cmd 'wget -qO /dev/null http://127.0.0.1:8080/actuator/health || curl -fsS -o /dev/null http://127.0.0.1:8080/actuator/health' \
      --health-interval 2s --health-timeout 5s --health-retries 3 $image >/dev/null"
}
# state|health|exit code of an API container on the host.
api_state() { on_host "sudo -n docker inspect --format '{{.State.Status}}|{{if .State.Health}}{{.State.Health.Status}}{{end}}|{{.State.ExitCode}}' $1"; }
# The HTTP status of a path of an API container, asked from inside the host.
api_http() { on_host "curl -s -o /dev/null -w '%{http_code}' http://\$(sudo -n docker inspect --format '{{(index .NetworkSettings.Networks \"trafficlab-api\").IPAddress}}' $1):8080$2"; }
wait_api() {
  local name=$1 want=$2 limit=$3 deadline=$((SECONDS + $3)) state
  while :; do
    state="$(api_state "$name")"
    # shellcheck disable=SC2053 # $want is a pattern
    [[ $state == $want ]] && { printf '%s\n' "$state"; return 0; }
    [ "$SECONDS" -lt "$deadline" ] || { on_host "sudo -n docker logs --tail 20 $name" >&2; fail "$name: $state after $limit s, wanted $want"; }
    sleep 1
  done
}
run_api trafficlab-api-blue example/api:1.0 live
wait_api trafficlab-api-blue 'running|healthy|*' 60 >/dev/null
[ "$(api_http trafficlab-api-blue /actuator/health)" = 200 ] || fail "/actuator/health is not 200"
check "trafficlab-api-blue healthy: /actuator/health 200 from inside the host"
on_host "curl -s http://\$(sudo -n docker inspect --format '{{(index .NetworkSettings.Networks \"trafficlab-api\").IPAddress}}' trafficlab-api-blue):8080/actuator/health/db" >&2

step "nginx from the project's compose project in front of the API, on the host's port 80"
tar -C "$run_dir/host-files/project" -cf - . | on_host 'sudo -n tar -C /opt/trafficlab -xf - --no-same-owner'
on_host 'cd /opt/trafficlab && sudo -n docker compose up -d --wait --wait-timeout 60 2>&1 | tail -n 1' >&2
body="$(curl -fsS --max-time 5 "http://127.0.0.1:$http_port/")"
grep -q '"version": "v1"' <<<"$body" || fail "GET / through nginx did not answer v1: $body"
check "GET http://127.0.0.1:$http_port/ -> nginx -> API: $body"
# A bounded burst through nginx (100 requests, 4 at a time, 5 s each at most): all must be 200.
codes="$(seq 1 100 | xargs -P 4 -I{} curl -s -o /dev/null -w '%{http_code}\n' --max-time 5 "http://127.0.0.1:$http_port/api/info" | sort | uniq -c | tr -s ' ')"
[ "$(tr -d ' ' <<<"$codes")" = 100200 ] || fail "burst through nginx: $codes"
check "100 requests through nginx, all 200"

step "never-healthy stays 503, crashing exits 1"
run_api trafficlab-api-never example/api:1.0-never-healthy
run_api trafficlab-api-crash example/api:1.0-crashing
crash_state="$(wait_api trafficlab-api-crash 'exited|*|1' 30)"
on_host 'sudo -n docker logs trafficlab-api-crash 2>&1 | tail -n 1' >&2
check "crashing exited: $crash_state"
sleep 8
never_state="$(api_state trafficlab-api-never)"
[[ $never_state == running\|unhealthy\|* ]] || fail "never-healthy is $never_state after 10 s, not unhealthy"
[ "$(api_http trafficlab-api-never /actuator/health)" = 503 ] || fail "never-healthy health is not 503"
[ "$(api_http trafficlab-api-never /)" = 200 ] || fail "never-healthy does not serve /"
check "never-healthy: $never_state, /actuator/health 503, / 200"
on_host 'sudo -n docker rm -f trafficlab-api-never trafficlab-api-crash >/dev/null'

step "rotate the MySQL password and the Valkey user's password"
"$lib/data-tier.sh" mysql-check "$run_dir" >/dev/null || fail "MySQL refuses the current password"
"$lib/data-tier.sh" rotate-mysql-password "$run_dir"
if "$lib/data-tier.sh" mysql-check "$run_dir" "$run_dir/secrets/mysql-password.previous"; then fail "MySQL still accepts the old password"; fi
"$lib/data-tier.sh" mysql-check "$run_dir" || fail "MySQL refuses the new password"
check "MySQL: old password refused, new accepted"
"$lib/data-tier.sh" rotate-cache-password "$run_dir" begin
"$lib/data-tier.sh" cache-check "$run_dir" >/dev/null 2>&1 || fail "Valkey refuses the old password during the rotation"
"$lib/data-tier.sh" cache-check "$run_dir" "$run_dir/secrets/cache-password.next" >/dev/null 2>&1 || fail "Valkey refuses the new password during the rotation"
check "Valkey: old and new password both accepted during the rotation"
"$lib/data-tier.sh" rotate-cache-password "$run_dir" finish
if "$lib/data-tier.sh" cache-check "$run_dir" "$run_dir/secrets/cache-password.previous"; then fail "Valkey still accepts the old password"; fi
"$lib/data-tier.sh" cache-check "$run_dir" || fail "Valkey refuses the new password"
check "Valkey: old password refused, new accepted"
# Plaintext is refused even with the right password: require_secure_transport.
if printf '[client]\npassword=%s\n' "$(head -n 1 "$run_dir/secrets/mysql-password")" |
  docker exec -i "tle2e-$(state_get RUN_ID)-mysql" mariadb --defaults-extra-file=/dev/stdin --skip-ssl \
    -h "$(state_get MYSQL_HOST)" -u admin -e 'SELECT 1' >/dev/null 2>&1; then
  fail "MySQL accepted a plaintext login"
fi
check "MySQL: plaintext login refused (require_secure_transport)"

step "API v2 with the rotated secrets, beside v1"
"$lib/data-tier.sh" api-env "$run_dir" |
  on_host 'umask 077 && sudo -n tee /opt/trafficlab/api.env >/dev/null && sudo -n chmod 600 /opt/trafficlab/api.env'
run_api trafficlab-api-green example/api:2.0
wait_api trafficlab-api-green 'running|healthy|*' 60 >/dev/null
[ "$(api_http trafficlab-api-green /actuator/health)" = 200 ] || fail "v2 with the new secrets is not healthy"
check "trafficlab-api-green (v2) healthy with the new MySQL and Valkey passwords"
# Spring's graceful shutdown: SIGTERM, then exit 0 once requests in flight are done.
on_host 'sudo -n docker stop -t 30 trafficlab-api-blue >/dev/null; sudo -n docker logs trafficlab-api-blue 2>&1 | tail -n 2' >&2
[[ "$(api_state trafficlab-api-blue)" == exited\|*\|0 ]] || fail "v1 did not exit 0 on SIGTERM"
check "v1 stopped gracefully (exit 0)"
step ""
