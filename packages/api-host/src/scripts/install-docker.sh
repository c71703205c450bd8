# shellcheck shell=bash
# Installs Docker and the pinned Docker Compose plugin on Amazon Linux. Safe to run again:
# every step checks first and says whether it acted or skipped.
# Rendered by installDockerScript (install-docker.ts): the header, prelude.sh, then this file.
# Environment overrides, for tests in a sandbox: OS_RELEASE_FILE, COMPOSE_PLUGIN_DIR, DOCKER_GROUP_USER.
set -euo pipefail

# The header: the Compose release and the sha256 of its x86_64 and aarch64 binaries, the user
# to add to the docker group, and the directory the plugin goes to.
: "${compose_version:?}" "${compose_sha256_x86_64:?}" "${compose_sha256_aarch64:?}" "${default_user:?}" "${default_plugin_dir:?}"

os_release_file="${OS_RELEASE_FILE:-/etc/os-release}"
plugin_dir="${COMPOSE_PLUGIN_DIR:-$default_plugin_dir}"
docker_user="${DOCKER_GROUP_USER:-$default_user}"

log() { printf 'install-docker: %s\n' "$*"; }
fail() { printf 'install-docker: error: %s\n' "$*" >&2; exit 1; }

# cloud-init may still be installing packages on a fresh instance; two package managers at once fail.
if command -v cloud-init >/dev/null 2>&1; then
  log "waiting for cloud-init to finish"
  if cloud-init status --wait >/dev/null; then
    log "cloud-init: done"
  else
    log "cloud-init: finished with errors; continuing"
  fi
else
  log "cloud-init: not present, skipped"
fi

# Read fields without executing the file.
os_field() { sed -n "s/^$1=//p" "$os_release_file" | head -n 1 | tr -d "\"'"; }
[ -r "$os_release_file" ] || fail "cannot read $os_release_file to tell the OS"
os_id="$(os_field ID)"
os_version="$(os_field VERSION_ID)"
case "$os_id:$os_version" in
  amzn:2023*) os_name="Amazon Linux 2023" ;;
  amzn:2) os_name="Amazon Linux 2" ;;
  *) fail "unsupported OS (ID=$os_id VERSION_ID=$os_version in $os_release_file); supported: Amazon Linux 2023 (ID=amzn VERSION_ID=2023) and Amazon Linux 2 (ID=amzn VERSION_ID=2)" ;;
esac
log "OS: $os_name"

if command -v docker >/dev/null 2>&1; then
  log "docker package: already installed, skipped"
elif [ "$os_name" = "Amazon Linux 2023" ]; then
  log "docker package: installing with dnf"
  as_root dnf install -y docker
elif command -v amazon-linux-extras >/dev/null 2>&1; then
  log "docker package: installing with amazon-linux-extras"
  as_root amazon-linux-extras install -y docker
else
  log "docker package: installing with yum"
  as_root yum install -y docker
fi

# enable, not just start: the hand-built host lost Docker at every reboot.
if systemctl is-enabled --quiet docker && systemctl is-active --quiet docker; then
  log "docker service: already enabled at boot and running, skipped"
else
  log "docker service: enabling at boot and starting"
  as_root systemctl enable --now docker
fi

case "$(uname -m)" in
  x86_64) compose_arch=x86_64; compose_sha256="$compose_sha256_x86_64" ;;
  aarch64 | arm64) compose_arch=aarch64; compose_sha256="$compose_sha256_aarch64" ;;
  *) fail "no Docker Compose build pinned for CPU $(uname -m); supported: x86_64, aarch64" ;;
esac
plugin="$plugin_dir/docker-compose"
if [ -f "$plugin" ] && printf '%s  %s\n' "$compose_sha256" "$plugin" | sha256sum --check --status -; then
  log "compose plugin: v$compose_version ($compose_arch) already installed with the pinned sha256, skipped"
else
  url="https://github.com/docker/compose/releases/download/v$compose_version/docker-compose-linux-$compose_arch"
  log "compose plugin: downloading v$compose_version ($compose_arch) from $url"
  download_dir="$(mktemp -d)"
  trap 'rm -rf "$download_dir"' EXIT
  curl -fsSL --retry 3 -o "$download_dir/docker-compose" "$url"
  if ! printf '%s  %s\n' "$compose_sha256" "$download_dir/docker-compose" | sha256sum --check --quiet -; then
    fail "sha256 of the downloaded docker-compose does not match the pinned $compose_sha256; nothing installed"
  fi
  as_root install -d -m 0755 "$plugin_dir"
  # Copy beside the target, then rename: a reader never sees a half-written plugin.
  as_root install -m 0755 "$download_dir/docker-compose" "$plugin.new"
  as_root mv -f "$plugin.new" "$plugin"
  log "compose plugin: installed $plugin ($("$plugin" version))"
fi

id "$docker_user" >/dev/null 2>&1 || fail "user $docker_user does not exist"
case " $(id -nG "$docker_user") " in
  *" docker "*) log "docker group: $docker_user already a member, skipped" ;;
  *)
    log "docker group: adding $docker_user (effective from its next login)"
    as_root usermod -aG docker "$docker_user"
    ;;
esac
log "done"
