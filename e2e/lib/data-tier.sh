#!/usr/bin/env bash
# The run's data tier: MariaDB standing in for RDS MySQL and Valkey for ElastiCache, both TLS
# only, on the run's network at fixed addresses (MYSQL_IP, VALKEY_IP), which is how the API
# containers inside a host container reach them (see README: DinD networking).
#   data-tier.sh start <run-dir> [--cache-auth rbac|token]
#       rbac (default): the cache's default user is disabled and user `app` has a password, as
#       under ElastiCache RBAC; token: the default user has the password (AUTH <token>), as the
#       stack's auth-token cache. Passwords are generated into <run>/secrets/ (mode 600).
#       Prints MYSQL_HOST, MYSQL_PORT, MYSQL_DATABASE, MYSQL_USER, MYSQL_PASSWORD_FILE,
#       CACHE_HOST, CACHE_PORT, CACHE_USER, CACHE_PASSWORD_FILE.
#   data-tier.sh stop <run-dir>
#   data-tier.sh api-env <run-dir>     the API's data-tier settings and secrets, in `docker run
#       --env-file` format, on stdout (SPRING_DATASOURCE_*, SPRING_DATA_REDIS_*)
#   data-tier.sh mysql-check <run-dir> [password-file]   a TLS login over the network as the
#       user, verifying the server certificate; exit 0 if accepted, 1 if refused
#   data-tier.sh cache-check <run-dir> [password-file]   AUTH + PING over TLS; exit 0 or 1
#   data-tier.sh rotate-mysql-password <run-dir>   a new password, applied as RDS would; the old
#       one is kept in secrets/mysql-password.previous
#   data-tier.sh rotate-cache-password <run-dir> begin|finish   begin: the user gets a second,
#       new password (secrets/cache-password.next), both work, as ElastiCache's ROTATE; finish:
#       the old one is removed and the new one becomes secrets/cache-password.
# Passwords reach the servers through files and stdin only, never a command line.
set -euo pipefail
E2E_TAG=data-tier
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

mysql_container() { printf 'tle2e-%s-mysql\n' "$E2E_RUN_ID"; }
cache_container() { printf 'tle2e-%s-valkey\n' "$E2E_RUN_ID"; }
secrets() { printf '%s/secrets\n' "$E2E_RUN_DIR"; }

new_secret() {
  local file=$1
  install -d -m 0700 "$(dirname "$file")"
  (umask 077 && random_password 24 >"$file" && echo >>"$file")
}

health_of() { docker inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$1" 2>/dev/null; }
wait_healthy() {
  local container=$1 deadline=$((SECONDS + 120)) status
  while :; do
    status="$(health_of "$container" || echo missing)"
    case "$status" in
      healthy) return 0 ;;
      exited | dead | missing) docker logs --tail 30 "$container" >&2 || true; die "$container: $status" ;;
    esac
    if [ "$SECONDS" -ge "$deadline" ]; then docker logs --tail 30 "$container" >&2 || true; die "$container not healthy within 120 s ($status)"; fi
    sleep 0.5
  done
}

start() {
  require_run_dir "${1:-}"
  local cache_auth=rbac
  if [ "${2:-}" = --cache-auth ]; then cache_auth="${3:-}"; fi
  case "$cache_auth" in rbac | token) ;; *) die "--cache-auth takes rbac or token" ;; esac
  "$(dirname "${BASH_SOURCE[0]}")/certs.sh" "$E2E_RUN_DIR" >/dev/null
  local dir started=$SECONDS
  dir="$(secrets)"
  [ -f "$dir/mysql-password" ] || new_secret "$dir/mysql-password"
  [ -f "$dir/cache-password" ] || new_secret "$dir/cache-password"

  docker run --detach --name "$(mysql_container)" --label "$E2E_LABEL=$E2E_RUN_ID" \
    --network "$E2E_NETWORK" --ip "$(state_get MYSQL_IP)" --network-alias mysql \
    --env MYSQL_DATABASE=trafficlab --env MYSQL_USER=admin --env MYSQL_PASSWORD_FILE=/run/secrets/mysql-password \
    --volume "$dir/mysql-password:/run/secrets/mysql-password:ro" \
    --volume "$E2E_RUN_DIR/certs/mysql:/etc/trafficlab-e2e/tls:ro" \
    "$(e2e_image mysql)" >/dev/null

  local cache_user=default
  local -a cache_env=(--volume "$dir/cache-password:/run/secrets/cache-password:ro")
  if [ "$cache_auth" = rbac ]; then
    cache_user=app
    cache_env+=(--env VALKEY_APP_USER=app --env VALKEY_APP_PASSWORD_FILE=/run/secrets/cache-password)
  else
    cache_env+=(--env VALKEY_DEFAULT_PASSWORD_FILE=/run/secrets/cache-password)
  fi
  docker run --detach --name "$(cache_container)" --label "$E2E_LABEL=$E2E_RUN_ID" \
    --network "$E2E_NETWORK" --ip "$(state_get VALKEY_IP)" --network-alias valkey \
    "${cache_env[@]}" --volume "$E2E_RUN_DIR/certs/valkey:/etc/trafficlab-e2e/tls:ro" \
    "$(e2e_image valkey)" >/dev/null

  wait_healthy "$(cache_container)"
  wait_healthy "$(mysql_container)"
  log "mysql and valkey healthy in $((SECONDS - started)) s (cache auth: $cache_auth)"
  state_set MYSQL_HOST "$(state_get MYSQL_IP)"
  state_set MYSQL_PORT 3306
  state_set MYSQL_DATABASE trafficlab
  state_set MYSQL_USER admin
  state_set MYSQL_PASSWORD_FILE "$dir/mysql-password"
  state_set CACHE_HOST "$(state_get VALKEY_IP)"
  state_set CACHE_PORT 6379
  state_set CACHE_AUTH "$cache_auth"
  state_set CACHE_USER "$cache_user"
  state_set CACHE_PASSWORD_FILE "$dir/cache-password"
}

stop() {
  require_run_dir "${1:-}"
  docker rm -f -v "$(mysql_container)" "$(cache_container)" >/dev/null 2>&1 || true
  log "mysql and valkey removed"
}

api_env() {
  require_run_dir "${1:-}"
  # What the stack's env file holds (dataTierEnvironment plus the secrets), with the addresses
  # of this run. sslMode=REQUIRED as the stack's default jdbcParameters.
  printf 'SPRING_DATASOURCE_URL=jdbc:mysql://%s:%s/%s?sslMode=REQUIRED&characterEncoding=UTF-8\n' \
    "$(state_get MYSQL_HOST)" "$(state_get MYSQL_PORT)" "$(state_get MYSQL_DATABASE)"
  printf 'SPRING_DATASOURCE_USERNAME=%s\n' "$(state_get MYSQL_USER)"
  printf 'SPRING_DATASOURCE_PASSWORD=%s\n' "$(head -n 1 "$(state_get MYSQL_PASSWORD_FILE)")"
  printf 'SPRING_DATA_REDIS_HOST=%s\n' "$(state_get CACHE_HOST)"
  printf 'SPRING_DATA_REDIS_PORT=%s\n' "$(state_get CACHE_PORT)"
  printf 'SPRING_DATA_REDIS_SSL_ENABLED=true\n'
  if [ "$(state_get CACHE_AUTH)" = rbac ]; then printf 'SPRING_DATA_REDIS_USERNAME=%s\n' "$(state_get CACHE_USER)"; fi
  printf 'SPRING_DATA_REDIS_PASSWORD=%s\n' "$(head -n 1 "$(state_get CACHE_PASSWORD_FILE)")"
}

mysql_check() {
  require_run_dir "${1:-}"
  local password_file=${2:-$(state_get MYSQL_PASSWORD_FILE)} output
  # The client runs in the server's container but dials its network address: a real TCP login
  # with TLS and certificate verification. Its password comes as an option file on stdin.
  if output="$(printf '[client]\npassword=%s\n' "$(head -n 1 "$password_file")" |
    docker exec -i "$(mysql_container)" mariadb --defaults-extra-file=/dev/stdin \
      --host "$(state_get MYSQL_HOST)" --port "$(state_get MYSQL_PORT)" --user "$(state_get MYSQL_USER)" \
      --ssl --ssl-ca /run/mysqld-tls/ca.pem --ssl-verify-server-cert --batch --skip-column-names \
      --execute "SELECT CONCAT(CURRENT_USER(), ' over ', VARIABLE_VALUE) FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'Ssl_version'" "$(state_get MYSQL_DATABASE)" 2>&1)"; then
    log "mysql: accepted ($output)"
  else
    log "mysql: refused ($output)"
    return 1
  fi
}

cache_check() {
  require_run_dir "${1:-}"
  local password_file=${2:-$(state_get CACHE_PASSWORD_FILE)} output
  output="$(printf 'AUTH %s %s\nPING\n' "$(state_get CACHE_USER)" "$(head -n 1 "$password_file")" |
    docker exec -i "$(cache_container)" valkey-cli --tls --cacert /run/valkey/tls/ca.pem \
      -h "$(state_get CACHE_HOST)" -p "$(state_get CACHE_PORT)" 2>&1)" || true
  if [ "$(printf '%s\n' "$output" | tr -d '\r' | paste -sd ' ')" = "OK PONG" ]; then
    log "cache: accepted (AUTH as $(state_get CACHE_USER), PONG over TLS)"
  else
    log "cache: refused ($(printf '%s' "$output" | tr '\n' ' '))"
    return 1
  fi
}

rotate_mysql_password() {
  require_run_dir "${1:-}"
  local file dir
  file="$(state_get MYSQL_PASSWORD_FILE)" dir="$(secrets)"
  new_secret "$dir/mysql-password.next"
  docker exec -i "$(mysql_container)" e2e-mysql-set-password "$(state_get MYSQL_USER)" <"$dir/mysql-password.next" >/dev/null
  mv -f "$file" "$dir/mysql-password.previous"
  mv -f "$dir/mysql-password.next" "$file"
  log "mysql: password of $(state_get MYSQL_USER) rotated (old one in secrets/mysql-password.previous)"
}

rotate_cache_password() {
  require_run_dir "${1:-}"
  local step=${2:-} file dir user
  file="$(state_get CACHE_PASSWORD_FILE)" dir="$(secrets)" user="$(state_get CACHE_USER)"
  case "$step" in
    begin)
      new_secret "$dir/cache-password.next"
      printf 'ACL SETUSER %s >%s\n' "$user" "$(head -n 1 "$dir/cache-password.next")" |
        docker exec -i "$(cache_container)" e2e-valkey-admin >/dev/null
      log "cache: $user has a second password (secrets/cache-password.next); both work"
      ;;
    finish)
      [ -f "$dir/cache-password.next" ] || die "rotate-cache-password finish: no rotation begun"
      printf 'ACL SETUSER %s <%s\n' "$user" "$(head -n 1 "$file")" |
        docker exec -i "$(cache_container)" e2e-valkey-admin >/dev/null
      mv -f "$file" "$dir/cache-password.previous"
      mv -f "$dir/cache-password.next" "$file"
      log "cache: old password of $user removed (kept in secrets/cache-password.previous)"
      ;;
    *) die "rotate-cache-password takes begin or finish" ;;
  esac
}

command=${1:-}
shift || true
case "$command" in
  start) start "$@" ;;
  stop) stop "$@" ;;
  api-env) api_env "$@" ;;
  mysql-check) mysql_check "$@" ;;
  cache-check) cache_check "$@" ;;
  rotate-mysql-password) rotate_mysql_password "$@" ;;
  rotate-cache-password) rotate_cache_password "$@" ;;
  *) echo "usage: $0 start|stop|api-env|mysql-check|cache-check|rotate-mysql-password|rotate-cache-password <run-dir> ..." >&2; exit 2 ;;
esac
