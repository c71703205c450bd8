import { InvalidArgumentError } from "@trafficlab/validation";
import { renderHostScript } from "./script-prelude";

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

  return renderHostScript("install-docker.sh", {
    compose_version: plugin.version,
    compose_sha256_x86_64: plugin.sha256.x86_64,
    compose_sha256_aarch64: plugin.sha256.aarch64,
    default_user: user,
    default_plugin_dir: INSTALL_DOCKER_DEFAULTS.pluginDir,
  });
}
