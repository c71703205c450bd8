import { InvalidArgumentError } from "@trafficlab/validation";
import { shellQuote } from "./shell-quote";

/** How errors from installDockerScript name their source. */
export const INSTALL_DOCKER_SCRIPT = "@trafficlab/api-host installDockerScript";

/** A Docker Compose v2 release and the sha256 of its two Linux binaries the host may need. */
export interface ComposePluginPin {
  /** Release version without the `v`, e.g. `2.40.3`. */
  version: string;
  sha256: { x86_64: string; aarch64: string };
}

/**
 * The Compose plugin every host gets, pinned with its checksums (the seed downloaded "latest"
 * with no check). Source of the checksums: the official `docker` image's Dockerfile
 * (docker-library/docker, recorded in docker-library/repo-info repos/docker/remote/29-cli.md,
 * November 2025), which verifies these exact release assets with `sha256sum -c`; two other
 * independent pins of v2.40.3 carry the same values. Moving to a newer release means copying
 * both values from that release's `checksums.txt`, never computing them from a download here.
 */
export const COMPOSE_PLUGIN: ComposePluginPin = {
  version: "2.40.3",
  sha256: {
    x86_64: "dba9d98e1ba5bfe11d88c99b9bd32fc4a0624a30fafe68eea34d61a3e42fd372",
    aarch64: "d26373b19e89160546d15407516cc59f453030d9bc5b43ba7faf16f7b4980137",
  },
};

export const INSTALL_DOCKER_DEFAULTS = {
  /** The Amazon Linux login user; it gets the `docker` group. */
  user: "ec2-user",
  /** A directory the Docker CLI searches for plugins on every Linux install. */
  pluginDir: "/usr/local/lib/docker/cli-plugins",
} as const;

export interface InstallDockerOptions {
  /** User added to the `docker` group. Default `ec2-user`. */
  user?: string;
  /**
   * The Compose release to install. Default COMPOSE_PLUGIN. Tests pass a fixture's checksum here;
   * anything else must be a real release with the checksums from its `checksums.txt`.
   */
  composePlugin?: ComposePluginPin;
}

/**
 * An idempotent bash script that makes an Amazon Linux host ready for `docker compose`: waits
 * for cloud-init, installs Docker with the OS's package manager (dnf on AL2023,
 * amazon-linux-extras or yum on AL2), enables it at boot, installs the pinned Compose plugin
 * after checking its sha256, and adds the user to the `docker` group. Each step is skipped when
 * already done, so a second run changes nothing. Privileged steps run through `sudo -n` unless
 * the script already runs as root.
 *
 * Environment overrides, for tests in a sandbox: OS_RELEASE_FILE (default /etc/os-release),
 * COMPOSE_PLUGIN_DIR (default /usr/local/lib/docker/cli-plugins), DOCKER_GROUP_USER.
 */
export function installDockerScript(options: InstallDockerOptions = {}): string {
  const user = options.user ?? INSTALL_DOCKER_DEFAULTS.user;
  if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(user)) {
    throw new InvalidArgumentError(INSTALL_DOCKER_SCRIPT, "user", user, "Allowed: a Linux user name of lowercase letters, digits, '_' and '-', e.g. ec2-user.");
  }
  const plugin = options.composePlugin ?? COMPOSE_PLUGIN;
  if (!/^\d+\.\d+\.\d+$/.test(plugin.version ?? "")) {
    throw new InvalidArgumentError(INSTALL_DOCKER_SCRIPT, "composePlugin.version", plugin.version, "Allowed: a release version such as 2.40.3 (no leading v).");
  }
  for (const arch of ["x86_64", "aarch64"] as const) {
    if (!/^[0-9a-f]{64}$/.test(plugin.sha256?.[arch] ?? "")) {
      throw new InvalidArgumentError(INSTALL_DOCKER_SCRIPT, `composePlugin.sha256.${arch}`, plugin.sha256?.[arch], "Allowed: 64 lowercase hex digits, the release's published sha256.");
    }
  }

  return `#!/usr/bin/env bash
# Installs Docker and the pinned Docker Compose plugin on Amazon Linux. Safe to run again:
# every step checks first and says whether it acted or skipped.
set -euo pipefail

compose_version=${shellQuote(plugin.version)}
compose_sha256_x86_64=${shellQuote(plugin.sha256.x86_64)}
compose_sha256_aarch64=${shellQuote(plugin.sha256.aarch64)}
default_user=${shellQuote(user)}
os_release_file="\${OS_RELEASE_FILE:-/etc/os-release}"
plugin_dir="\${COMPOSE_PLUGIN_DIR:-${INSTALL_DOCKER_DEFAULTS.pluginDir}}"
docker_user="\${DOCKER_GROUP_USER:-$default_user}"

log() { printf 'install-docker: %s\\n' "$*"; }
fail() { printf 'install-docker: error: %s\\n' "$*" >&2; exit 1; }
as_root() { if [ "\${EUID}" -eq 0 ]; then "$@"; else sudo -n -- "$@"; fi; }

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
os_field() { sed -n "s/^$1=//p" "$os_release_file" | head -n 1 | tr -d "\\"'"; }
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
if [ -f "$plugin" ] && printf '%s  %s\\n' "$compose_sha256" "$plugin" | sha256sum --check --status -; then
  log "compose plugin: v$compose_version ($compose_arch) already installed with the pinned sha256, skipped"
else
  url="https://github.com/docker/compose/releases/download/v$compose_version/docker-compose-linux-$compose_arch"
  log "compose plugin: downloading v$compose_version ($compose_arch) from $url"
  download_dir="$(mktemp -d)"
  trap 'rm -rf "$download_dir"' EXIT
  curl -fsSL --retry 3 -o "$download_dir/docker-compose" "$url"
  if ! printf '%s  %s\\n' "$compose_sha256" "$download_dir/docker-compose" | sha256sum --check --quiet -; then
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
`;
}
