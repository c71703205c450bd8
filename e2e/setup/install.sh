#!/usr/bin/env bash
# Installs what the end-to-end tier needs on a Debian bookworm machine (a developer's or CI's),
# as root: the Docker engine and CLI (docker.io, engine 20.10), the Compose v2 plugin from
# trixie, debootstrap for the base image, openssl for the per-run CA, the SSH client, and the
# tools the scripts use. Idempotent: a second run installs nothing and only prints versions.
set -euo pipefail

log() { printf 'install: %s\n' "$*" >&2; }
fail() { printf 'install: error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || fail "run as root (apt-get and dpkg)"
command -v apt-get >/dev/null || fail "needs apt-get: a Debian bookworm machine"
. /etc/os-release
[ "${VERSION_CODENAME:-}" = bookworm ] || log "warning: written for Debian bookworm, this is ${PRETTY_NAME:-unknown}"

export DEBIAN_FRONTEND=noninteractive
started=$SECONDS

# Everything from bookworm but one package: the Compose v2 plugin, which bookworm does not ship
# (its docker-compose is Compose v1, in Python). Pinned by package name so nothing else comes
# from trixie, and never upgraded there by accident.
trixie_source=/etc/apt/sources.list.d/trafficlab-e2e-trixie.sources
trixie_pin=/etc/apt/preferences.d/trafficlab-e2e-trixie
write_if_changed() {
  local path=$1 content=$2
  if [ -f "$path" ] && [ "$(cat "$path")" = "$content" ]; then return 1; fi
  printf '%s\n' "$content" >"$path"
}
sources_changed=0
write_if_changed "$trixie_source" "Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg" && sources_changed=1
write_if_changed "$trixie_pin" "# trafficlab e2e: only docker-compose (the Compose v2 CLI plugin) may come from trixie.
Package: *
Pin: release n=trixie
Pin-Priority: -10

Package: docker-compose
Pin: release n=trixie
Pin-Priority: 990" && sources_changed=1

packages=(
  docker.io          # engine 20.10 + CLI; images are all built locally
  docker-compose     # from trixie (pinned above): Compose v2 plugin, 2.26
  debootstrap        # the base image's rootfs
  openssl            # the per-run test CA and server certificates
  openssh-client     # ssh and ssh-keygen, to reach the host containers as a user would
  ca-certificates
  curl               # probes from the machine to published loopback ports
  iproute2 iptables  # dockerd's networking
  util-linux         # flock, used by the image cache lock
  shellcheck         # keeps e2e/ scripts clean (and the repo's own tests use it)
)
names=()
for entry in "${packages[@]}"; do names+=("${entry%% *}"); done

missing=()
for name in "${names[@]}"; do
  dpkg-query -W -f='${Status}' "$name" 2>/dev/null | grep -q 'install ok installed' || missing+=("$name")
done
# The trixie plugin is the one we need, not bookworm's Compose v1 of the same package name.
if dpkg-query -W -f='${Version}' docker-compose 2>/dev/null | grep -q '^1\.'; then missing+=(docker-compose); fi

if [ "${#missing[@]}" -gt 0 ] || [ "$sources_changed" = 1 ]; then
  log "apt-get update"
  apt-get update -qq
fi
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing: ${missing[*]}"
  # No init system here (and none on CI): keep the package scripts from starting dockerd,
  # which engine.sh starts and stops itself. Only removed if we put it there.
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# trafficlab e2e install: no service starts during apt-get\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    trap 'rm -f "$policy"' EXIT
  fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  rm -f "$policy"
  trap - EXIT
else
  log "all packages already installed"
fi

# The Compose v2 package installs the CLI plugin where docker.io's CLI looks (/usr/libexec/...).
plugin="$(dpkg -L docker-compose | grep -m1 '/cli-plugins/docker-compose$' || true)"
[ -x "$plugin" ] || fail "docker-compose did not install a CLI plugin (got $(dpkg-query -W -f='${Version}' docker-compose))"

log "done in $((SECONDS - started)) s"
echo "docker-engine=$(dpkg-query -W -f='${Version}' docker.io)"
echo "docker-cli=$(/usr/bin/docker --version)"
echo "compose-plugin=$("$plugin" version --short) ($plugin, package $(dpkg-query -W -f='${Version}' docker-compose))"
echo "debootstrap=$(dpkg-query -W -f='${Version}' debootstrap)"
echo "openssl=$(openssl version)"
echo "ssh=$(ssh -V 2>&1)"
echo "shellcheck=$(shellcheck --version | sed -n 's/^version: //p')"
