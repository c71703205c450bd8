#!/usr/bin/env bash
# The run's ACME server: Pebble (images/pebble), standing in for Let's Encrypt, at PEBBLE_IP on
# the run network, which is how lego inside a host reaches its directory (as it reaches MariaDB).
#   pebble.sh start <run-dir>    starts it (HTTPS with the run's CA, certs.sh `pebble`; HTTP-01
#       validations go to port 80 of the address its DNS gives for the domain); prints
#       PEBBLE_IP, PEBBLE_DIRECTORY (https://<ip>:14000/dir), PEBBLE_MANAGEMENT_PORT (Pebble's
#       management, /roots/0 and /intermediates/0, on 127.0.0.1) and PEBBLE_DNS_PORT (the DNS
#       server's management on 127.0.0.1)
#   pebble.sh dns <run-dir> <domain> <ip>   Pebble's DNS answers <domain> with <ip> (A record)
#   pebble.sh root <run-dir>     Pebble's root certificate (PEM) on stdout, made at its start
#   pebble.sh intermediate <run-dir>   the intermediate that signs its certificates (PEM)
#   pebble.sh stop <run-dir>
set -euo pipefail
E2E_TAG=pebble
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

container() { printf 'tle2e-%s-pebble\n' "$E2E_RUN_ID"; }
ca() { printf '%s/certs/ca.pem\n' "$E2E_RUN_DIR"; }
management() { curl -fsS --cacert "$(ca)" "https://127.0.0.1:$(state_get PEBBLE_MANAGEMENT_PORT)$1"; }

start() {
  require_run_dir "${1:-}"
  "$(dirname "${BASH_SOURCE[0]}")/certs.sh" "$E2E_RUN_DIR" >/dev/null
  local ip config management_port dns_port
  ip="$(state_get PEBBLE_IP)"
  [ -n "$ip" ] || die "the run has no PEBBLE_IP (made by an older run.sh)"
  config="$E2E_RUN_DIR/pebble"
  install -d -m 0700 "$config"
  # httpPort 80: validations reach nginx on the host, as Let's Encrypt's do.
  cat >"$config/pebble-config.json" <<JSON
{
  "pebble": {
    "listenAddress": "0.0.0.0:14000",
    "managementListenAddress": "0.0.0.0:15000",
    "certificate": "/etc/pebble/tls/server-cert.pem",
    "privateKey": "/etc/pebble/tls/server-key.pem",
    "httpPort": 80,
    "tlsPort": 443,
    "ocspResponderURL": "",
    "externalAccountBindingRequired": false
  }
}
JSON
  management_port="$(free_port)"
  dns_port="$(free_port)"
  docker run --detach --name "$(container)" --label "$E2E_LABEL=$E2E_RUN_ID" \
    --network "$E2E_NETWORK" --ip "$ip" --network-alias pebble \
    --publish "127.0.0.1:$management_port:15000" --publish "127.0.0.1:$dns_port:8055" \
    --volume "$config/pebble-config.json:/etc/pebble/pebble-config.json:ro" \
    --volume "$E2E_RUN_DIR/certs/pebble:/etc/pebble/tls:ro" \
    "$(e2e_image pebble)" >/dev/null
  state_set PEBBLE_MANAGEMENT_PORT "$management_port" >/dev/null
  state_set PEBBLE_DNS_PORT "$dns_port" >/dev/null
  wait_until 30 "Pebble's management on 127.0.0.1:$management_port" management /roots/0 ||
    { docker logs --tail 30 "$(container)" >&2; die "Pebble did not start"; }
  log "Pebble: https://$ip:14000/dir (management 127.0.0.1:$management_port, DNS management 127.0.0.1:$dns_port)"
  echo "PEBBLE_IP=$ip"
  state_set PEBBLE_DIRECTORY "https://$ip:14000/dir"
  echo "PEBBLE_MANAGEMENT_PORT=$management_port"
  echo "PEBBLE_DNS_PORT=$dns_port"
}

dns() {
  require_run_dir "${1:-}"
  local domain=${2:-} ip=${3:-}
  if ! [[ $domain =~ ^[A-Za-z0-9.-]+$ && $ip =~ ^[0-9.]+$ ]]; then die "usage: dns <run-dir> <domain> <ipv4>"; fi
  curl -fsS -X POST --data "{\"host\":\"$domain\",\"addresses\":[\"$ip\"]}" \
    "http://127.0.0.1:$(state_get PEBBLE_DNS_PORT)/add-a" >/dev/null
  log "Pebble's DNS: $domain A $ip"
}

root() {
  require_run_dir "${1:-}"
  management /roots/0
}

intermediate() {
  require_run_dir "${1:-}"
  management /intermediates/0
}

stop() {
  require_run_dir "${1:-}"
  docker rm -f "$(container)" >/dev/null 2>&1 || true
}

case "${1:-}" in
  start) shift; start "$@" ;;
  dns) shift; dns "$@" ;;
  root) shift; root "$@" ;;
  intermediate) shift; intermediate "$@" ;;
  stop) shift; stop "$@" ;;
  *) echo "usage: $0 start|dns|root|intermediate|stop <run-dir> ..." >&2; exit 2 ;;
esac
