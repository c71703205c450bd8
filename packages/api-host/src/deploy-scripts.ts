import { InvalidArgumentError, requireIntegerInRange, requirePinnedImage } from "@trafficlab/validation";
import { COMPOSE_PROJECT_DEFAULTS } from "./compose-project";
import { renderHostScript, requireHostPath } from "./script-prelude";

/** How errors from the deploy script functions name their source. */
export const DEPLOY_SCRIPTS = "@trafficlab/api-host deploy scripts";

export const DEPLOY_SCRIPT_DEFAULTS = {
  projectDir: "/opt/trafficlab",
  /** One lock per host: every deploy of any stack on it queues behind the one running. */
  lockFile: "/var/lock/trafficlab-deploy.lock",
  lockTimeoutSeconds: 900,
  waitTimeoutSeconds: 300,
  pollSeconds: 2,
  /** Files `compose up` refuses to start without; AppDeployment names nginx's upstream file. */
  requiredFiles: [] as readonly string[],
  logLines: 50,
} as const;

/** Modes writeFileScript accepts: owner read/write, readable by others or not, or executable. */
export type FileMode = "600" | "640" | "644" | "700" | "750" | "755";
const FILE_MODES: readonly string[] = ["600", "640", "644", "700", "750", "755"];

/**
 * Writes the script's stdin to `path` with `mode`, atomically (a temporary file in the same
 * directory, then a rename), creating the directory if needed. The content comes only from
 * stdin, so a secret never appears on a command line, in `ps` or in the script text; with
 * `umask 077` it is never readable by others, not even while being written.
 */
export function writeFileScript(path: string, mode: FileMode = "644", reader?: { projectDir: string; service: string }): string {
  requireHostPath(DEPLOY_SCRIPTS, "path", path);
  if (!FILE_MODES.includes(mode)) {
    throw new InvalidArgumentError(DEPLOY_SCRIPTS, "mode", mode, `Allowed: ${FILE_MODES.join(", ")} (600 for secrets).`);
  }
  if (reader && !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(reader.service)) throw new InvalidArgumentError(DEPLOY_SCRIPTS, "reader.service", reader.service, "Allowed: a compose service name.");
  return renderHostScript("write-file.sh", {
    target: path,
    mode,
    // The service that reads the file at its start is started again with the new content, if it runs.
    compose_service: reader?.service ?? "",
    compose_dir: reader ? requireHostPath(DEPLOY_SCRIPTS, "reader.projectDir", reader.projectDir) : "",
  });
}

/** Removes `path`, and its directory once empty: the delete of a file step. */
export function removeFileScript(path: string): string {
  requireHostPath(DEPLOY_SCRIPTS, "path", path);
  return renderHostScript("remove-file.sh", { target: path });
}

export interface PullImagesOptions {
  /** Directory of the compose project. Default `/opt/trafficlab`. */
  projectDir?: string;
  /** Registry to log in to, e.g. `123456789012.dkr.ecr.ap-northeast-2.amazonaws.com`. Default: Docker Hub when a username is given. */
  registry?: string;
  /** Registry user; when set, the password is read from the script's stdin (`--password-stdin`). Default: no login. */
  username?: string;
  /** Images run outside the compose project (the API), pulled too. Default none. */
  images?: string[];
}

/**
 * Logs in to the registry when a username is given (password on stdin, never on the command
 * line), then `docker compose pull` in the project directory.
 */
export function pullImagesScript(options: PullImagesOptions = {}): string {
  const projectDir = requireHostPath(DEPLOY_SCRIPTS, "projectDir", options.projectDir ?? DEPLOY_SCRIPT_DEFAULTS.projectDir);
  const { registry, username } = options;
  if (registry !== undefined && !/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:\d{1,5})?$/.test(registry)) {
    throw new InvalidArgumentError(DEPLOY_SCRIPTS, "registry", registry, "Allowed: a registry host name with an optional port, e.g. docker.io or 123456789012.dkr.ecr.ap-northeast-2.amazonaws.com.");
  }
  if (registry !== undefined && username === undefined) {
    throw new InvalidArgumentError(DEPLOY_SCRIPTS, "username", username, `Required with registry ${registry}: the user to log in as (the password comes on stdin).`);
  }
  if (username !== undefined && !/^[^\s]{1,256}$/.test(username)) {
    throw new InvalidArgumentError(DEPLOY_SCRIPTS, "username", username, "Allowed: a registry user name with no whitespace, e.g. AWS for ECR.");
  }
  const images = (options.images ?? []).map((image) => requirePinnedImage(DEPLOY_SCRIPTS, "images", image));
  return renderHostScript("pull-images.sh", { project_dir: projectDir, registry: registry ?? "", username: username ?? "", images });
}

export interface ComposeUpOptions {
  /** Directory of the compose project. Default `/opt/trafficlab`. */
  projectDir?: string;
  /** Seconds to wait for every service to be running and healthy. Default 300. */
  waitTimeoutSeconds?: number;
  /** Seconds between two looks at the services. Default 2. */
  pollSeconds?: number;
  /** The host-wide deploy lock. Default `/var/lock/trafficlab-deploy.lock`. */
  lockFile?: string;
  /** Seconds to wait for another deploy to release the lock. Default 900. */
  lockTimeoutSeconds?: number;
  /** Files in the project directory that must exist before starting, e.g. `api.env`. Default none. */
  requiredFiles?: string[];
  /** Ports on the host's 127.0.0.1 (Prometheus', Alertmanager's): after the services are healthy, POST each one's `/-/reload`. Default none. */
  reloadLocalPorts?: number[];
}

/**
 * `docker compose up -d --remove-orphans` under a host-wide lock, so two deploys never interleave,
 * then waits its timeout for every service to run healthy (compose's own `--wait` gives up at
 * once on a restarting container). On failure it prints `docker compose ps`, each service's
 * health checks and the last 50 log lines of every service, then exits non-zero.
 */
export function composeUpScript(options: ComposeUpOptions = {}): string {
  const projectDir = requireHostPath(DEPLOY_SCRIPTS, "projectDir", options.projectDir ?? DEPLOY_SCRIPT_DEFAULTS.projectDir);
  const wait = requireIntegerInRange(DEPLOY_SCRIPTS, "waitTimeoutSeconds", options.waitTimeoutSeconds ?? DEPLOY_SCRIPT_DEFAULTS.waitTimeoutSeconds, 1, 3600);
  const lockFile = requireHostPath(DEPLOY_SCRIPTS, "lockFile", options.lockFile ?? DEPLOY_SCRIPT_DEFAULTS.lockFile);
  const lockTimeout = requireIntegerInRange(DEPLOY_SCRIPTS, "lockTimeoutSeconds", options.lockTimeoutSeconds ?? DEPLOY_SCRIPT_DEFAULTS.lockTimeoutSeconds, 1, 86400);
  const requiredFiles = options.requiredFiles ?? [...DEPLOY_SCRIPT_DEFAULTS.requiredFiles];
  for (const file of requiredFiles) {
    if (!/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(file) || file.split("/").includes("..")) {
      throw new InvalidArgumentError(DEPLOY_SCRIPTS, "requiredFiles", file, "Allowed: paths relative to the project directory, of letters, digits, '.', '_', '-' and '/', e.g. .env.");
    }
  }
  return renderHostScript(
    "compose-up.sh",
    {
      project_dir: projectDir,
      // compose.yaml's `name:` (renderComposeProject's default): the label its networks carry.
      project_name: COMPOSE_PROJECT_DEFAULTS.projectName,
      wait_timeout_seconds: wait,
      poll_seconds: requireIntegerInRange(DEPLOY_SCRIPTS, "pollSeconds", options.pollSeconds ?? DEPLOY_SCRIPT_DEFAULTS.pollSeconds, 1, 60),
      lock_file: lockFile,
      lock_timeout_seconds: lockTimeout,
      log_lines: DEPLOY_SCRIPT_DEFAULTS.logLines,
      required_files: requiredFiles,
      reload_urls: (options.reloadLocalPorts ?? []).map((port) => `http://127.0.0.1:${requireIntegerInRange(DEPLOY_SCRIPTS, "reloadLocalPorts", port, 1024, 65535)}/-/reload`),
    },
    ["host-lock.sh"],
  );
}

export interface ComposeDownOptions {
  /** Directory of the compose project. Default `/opt/trafficlab`. */
  projectDir?: string;
  /** The host-wide deploy lock. Default `/var/lock/trafficlab-deploy.lock`. */
  lockFile?: string;
  /** Seconds to wait for another deploy to release the lock. Default 900. */
  lockTimeoutSeconds?: number;
}

/** `docker compose down --remove-orphans` under the deploy lock; nothing to do (exit 0) when the project is not there. */
export function composeDownScript(options: ComposeDownOptions = {}): string {
  const projectDir = requireHostPath(DEPLOY_SCRIPTS, "projectDir", options.projectDir ?? DEPLOY_SCRIPT_DEFAULTS.projectDir);
  const lockFile = requireHostPath(DEPLOY_SCRIPTS, "lockFile", options.lockFile ?? DEPLOY_SCRIPT_DEFAULTS.lockFile);
  const lockTimeout = requireIntegerInRange(DEPLOY_SCRIPTS, "lockTimeoutSeconds", options.lockTimeoutSeconds ?? DEPLOY_SCRIPT_DEFAULTS.lockTimeoutSeconds, 1, 86400);
  return renderHostScript("compose-down.sh", { project_dir: projectDir, lock_file: lockFile, lock_timeout_seconds: lockTimeout }, ["host-lock.sh"]);
}
