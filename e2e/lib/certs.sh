#!/usr/bin/env bash
# The run's test CA and the data tier's server certificates, made with openssl in the run
# directory (never committed, gone with the run):
#   <run>/certs/ca.pem, ca-key.pem                 the CA (valid 2 days)
#   <run>/certs/<server>/{ca.pem,server-cert.pem,server-key.pem}   for mysql, valkey and pebble
#     (the ACME server's own HTTPS: its directory and management endpoints),
#     named for what clients dial: the server's fixed address, its network alias, localhost
#     and 127.0.0.1 (the admin tools inside the container).
#   certs.sh <run-dir>      idempotent: an existing CA and certificates are kept
set -euo pipefail
E2E_TAG=certs

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
require_run_dir "${1:-}"

dir="$E2E_RUN_DIR/certs"
mkdir -p "$dir"
umask 077

if [ ! -f "$dir/ca.pem" ]; then
  # P-256 keys: as trusted as RSA for a test, and much faster to make.
  openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -sha256 -days 2 \
    -subj "/O=trafficlab e2e/CN=trafficlab e2e test CA $E2E_RUN_ID" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$dir/ca-key.pem" -out "$dir/ca.pem" 2>/dev/null
  log "CA: $(openssl x509 -noout -subject -in "$dir/ca.pem")"
fi

server_cert() {
  local server=$1 ip=$2 out="$dir/$1"
  [ -f "$out/server-cert.pem" ] && return 0
  mkdir -p "$out"
  local san="DNS:$server,DNS:localhost,IP:$ip,IP:127.0.0.1"
  openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
    -subj "/O=trafficlab e2e/CN=$server" -keyout "$out/server-key.pem" -out "$out/server.csr" 2>/dev/null
  openssl x509 -req -in "$out/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca-key.pem" -CAcreateserial \
    -days 2 -sha256 -out "$out/server-cert.pem" \
    -extfile <(printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n' "$san") 2>/dev/null
  rm -f "$out/server.csr"
  cp "$dir/ca.pem" "$out/ca.pem"
  openssl verify -CAfile "$dir/ca.pem" "$out/server-cert.pem" >/dev/null || die "certificate of $server does not verify"
  log "$server: $san"
}

server_cert mysql "$(state_get MYSQL_IP)"
server_cert valkey "$(state_get VALKEY_IP)"
server_cert pebble "$(state_get PEBBLE_IP)"
state_set CA_FILE "$dir/ca.pem"
