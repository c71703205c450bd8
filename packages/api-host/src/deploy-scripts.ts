import { InvalidArgumentError, requireIntegerInRange, requirePinnedImage } from "@trafficlab/validation";
import { shellQuote } from "./shell-quote";
import { SCRIPT_PRELUDE, hostLockSection, requireHostPath } from "./script-prelude";

/** How errors from the deploy script functions name their source. */
export const DEPLOY_SCRIPTS = "@trafficlab/api-host deploy scripts";

export const DEPLOY_SCRIPT_DEFAULTS = {
  projectDir: "/opt/trafficlab",
  /** One lock per host: every deploy of any stack on it queues behind the one running. */
  lockFile: "/var/lock/trafficlab-deploy.lock",
  lockTimeoutSeconds: 900,
  waitTimeoutSeconds: 300,
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
export function writeFileScript(path: string, mode: FileMode = "644"): string {
  requireHostPath(DEPLOY_SCRIPTS, "path", path);
  if (!FILE_MODES.includes(mode)) {
    throw new InvalidArgumentError(DEPLOY_SCRIPTS, "mode", mode, `Allowed: ${FILE_MODES.join(", ")} (600 for secrets).`);
  }
  const slash = path.lastIndexOf("/");
  const directory = slash === 0 ? "/" : path.slice(0, slash);
  const name = path.slice(slash + 1);
  return `#!/usr/bin/env bash
# Writes stdin to ${path} (mode ${mode}) atomically.
${SCRIPT_PRELUDE}
umask 077
target=${shellQuote(path)}
directory=${shellQuote(directory)}
as_root install -d -m 0755 "$directory"
tmp="$(as_root mktemp ${shellQuote(`${directory === "/" ? "" : directory}/.${name}.XXXXXX`)})"
trap 'as_root rm -f "$tmp"' EXIT
as_root tee "$tmp" >/dev/null
as_root chmod ${mode} "$tmp"
as_root mv -f "$tmp" "$target"
trap - EXIT
echo "wrote $target (mode ${mode})"
`;
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
  const login =
    username === undefined
      ? ""
      : `printf 'pull-images: logging in to %s as %s\\n' ${shellQuote(registry ?? "Docker Hub")} ${shellQuote(username)}
as_root docker login ${registry === undefined ? "" : `${shellQuote(registry)} `}--username ${shellQuote(username)} --password-stdin
`;
  const images = (options.images ?? []).map((image) => requirePinnedImage(DEPLOY_SCRIPTS, "images", image));
  const pullImages = images.map((image) => `as_root docker pull --quiet ${shellQuote(image)}
`).join("");
  return `#!/usr/bin/env bash
# Pulls the images of the compose project in ${projectDir}${images.length > 0 ? " and the API's" : ""}.
${SCRIPT_PRELUDE}
cd ${shellQuote(projectDir)}
${login}as_root docker compose pull --quiet
${pullImages}echo "pull-images: images of $(pwd) pulled"
`;
}

export interface ComposeUpOptions {
  /** Directory of the compose project. Default `/opt/trafficlab`. */
  projectDir?: string;
  /** Seconds `--wait` waits for every service to be running and healthy. Default 300. */
  waitTimeoutSeconds?: number;
  /** The host-wide deploy lock. Default `/var/lock/trafficlab-deploy.lock`. */
  lockFile?: string;
  /** Seconds to wait for another deploy to release the lock. Default 900. */
  lockTimeoutSeconds?: number;
  /** Files in the project directory that must exist before starting, e.g. `nginx/upstream.conf`. Default none. */
  requiredFiles?: string[];
}

/**
 * `docker compose up -d --wait --remove-orphans` under a host-wide lock, so two deploys never
 * interleave. On failure it prints `docker compose ps` and the last 50 log lines of every
 * service that is not running and healthy, then exits non-zero.
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
  const checks = requiredFiles
    .map((file) => `[ -f ${shellQuote(file)} ] || { printf 'deploy: %s/%s is missing; not starting\\n' "$(pwd)" ${shellQuote(file)} >&2; exit 1; }`)
    .join("\n");
  return `#!/usr/bin/env bash
# Starts or updates the compose project in ${projectDir} and waits until it is healthy.
${SCRIPT_PRELUDE}
${hostLockSection("deploy", lockFile, lockTimeout)}
cd ${shellQuote(projectDir)}
${checks}

report_failure() {
  echo "== docker compose ps =="
  as_root docker compose ps --all || true
  local services states service bad
  services="$(as_root docker compose config --services || true)"
  states="$(as_root docker compose ps --all --format '{{.Service}} {{.State}} {{.Health}}' || true)"
  while IFS= read -r service; do
    [ -n "$service" ] || continue
    # Not created at all, or any container of the service not running, or running but not healthy.
    bad="$(awk -v s="$service" '$1 == s { seen = 1; if (!($2 == "running" && ($3 == "" || $3 == "healthy"))) { print $2 " " $3; exit } } END { if (!seen) print "not created" }' <<<"$states")"
    if [ -n "$bad" ]; then
      echo "== last ${DEPLOY_SCRIPT_DEFAULTS.logLines} log lines of $service ($bad) =="
      as_root docker compose logs --no-color --tail ${DEPLOY_SCRIPT_DEFAULTS.logLines} "$service" || true
    fi
  done <<<"$services"
}

echo "deploy: docker compose up in $(pwd), waiting up to ${wait} s for healthy services"
if as_root docker compose up -d --wait --wait-timeout ${wait} --remove-orphans; then
  as_root docker compose ps
  echo "deploy: all services running and healthy"
else
  status=$?
  echo "deploy: docker compose up failed (exit $status)" >&2
  report_failure >&2
  exit "$status"
fi
`;
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
  return `#!/usr/bin/env bash
# Stops and removes the compose project in ${projectDir}, if there is one.
${SCRIPT_PRELUDE}
${hostLockSection("teardown", lockFile, lockTimeout)}
project_dir=${shellQuote(projectDir)}
if [ ! -d "$project_dir" ]; then
  echo "teardown: $project_dir does not exist, nothing to stop"
  exit 0
fi
cd "$project_dir"
if [ ! -f compose.yaml ] && [ ! -f compose.yml ] && [ ! -f docker-compose.yaml ] && [ ! -f docker-compose.yml ]; then
  echo "teardown: no compose file in $project_dir, nothing to stop"
  exit 0
fi
as_root docker compose down --remove-orphans
echo "teardown: compose project in $project_dir stopped and removed"
`;
}
