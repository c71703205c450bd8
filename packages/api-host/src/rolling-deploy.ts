import { InvalidArgumentError, requireIntegerInRange, requirePinnedImage } from "@trafficlab/validation";
import { awslogsLogging, type CentralLogsOptions } from "./compose-project";
import { DEPLOY_SCRIPT_DEFAULTS } from "./deploy-scripts";
import { renderHostScript, requireHostPath } from "./script-prelude";

/** How errors from rollingDeployScript and rollingTeardownScript name their source. */
export const ROLLING_DEPLOY = "@trafficlab/api-host rollingDeployScript";
/** How errors from renderContainerEnvFile name their source. */
export const CONTAINER_ENV_FILE = "@trafficlab/api-host renderContainerEnvFile";

export const ROLLING_DEPLOY_DEFAULTS = {
  projectDir: DEPLOY_SCRIPT_DEFAULTS.projectDir,
  /** Created by the script when missing; nginx joins it as an external network. */
  network: "trafficlab-api",
  /** The alias of the color that serves (the deploy's own marker; nginx resolves the colors' container names, apiColorContainers). */
  serviceAlias: "trafficlab-api-live",
  /** Containers are `<prefix>-blue` and `<prefix>-green`. */
  containerPrefix: "trafficlab-api",
  /** `docker run --env-file` format (renderContainerEnvFile), mode 600, relative to projectDir. */
  envFile: "api.env",
  /** active-color, current-image and previous-image, one file each. */
  stateDir: ".deploy",
  apiPort: 8080,
  healthPath: "/actuator/health",
  healthTimeoutSeconds: 300,
  pollSeconds: 2,
  /**
   * nginx sends traffic to a new color about 2 s after it joins (twice its 1 s resolver validity,
   * measured on nginx 1.30); the old color keeps serving until then, with room to spare.
   */
  drainSeconds: 5,
  /** Time `docker stop` gives the old container (Spring's graceful shutdown waits up to 30 s). */
  stopTimeoutSeconds: 30,
  /** Remove older images of the API's repository after a deploy, keeping the running one and the rollback target. */
  pruneImages: true,
  lockFile: DEPLOY_SCRIPT_DEFAULTS.lockFile,
  lockTimeoutSeconds: DEPLOY_SCRIPT_DEFAULTS.lockTimeoutSeconds,
  logLines: DEPLOY_SCRIPT_DEFAULTS.logLines,
  /** Spring Boot takes a while to start on a micro host; start_period covers it. */
  healthcheck: { interval: "10s", timeout: "5s", retries: 6, start_period: "90s" },
  logging: { "max-size": "10m", "max-file": "5" },
} as const;

export interface RollingDeployOptions {
  /** `user/image:tag` or a digest reference. Required; `latest` and untagged are refused. */
  image: string;
  /** Directory of the compose project (nginx) and of the env, upstream and state files. Default `/opt/trafficlab`. */
  projectDir?: string;
  /** Seconds the new container has to become healthy. Default 300. */
  healthTimeoutSeconds?: number;
  /** Seconds between two health checks of the new container. Default 2. */
  pollSeconds?: number;
  /** Seconds between the new container joining the service name and the old one stopping: at least twice nginx's resolver validity. Default 5. */
  drainSeconds?: number;
  /** Seconds `docker stop` waits before killing the old container. Default 30. */
  stopTimeoutSeconds?: number;
  /** Docker network shared by the API containers and nginx. Default `trafficlab-api`. */
  network?: string;
  /** The name nginx resolves for the API (its upstreamHost). Default `trafficlab-api-live`. */
  serviceAlias?: string;
  /** Container names are `<prefix>-blue` / `<prefix>-green`. Default `trafficlab-api`. */
  containerPrefix?: string;
  /** Non-secret variables, passed as `--env` (they are in the script text). Default none. */
  environment?: Record<string, string>;
  /** The secrets, in `docker run --env-file` format, relative to projectDir. Default `api.env`. */
  envFile?: string;
  /**
   * Write the script's stdin to the env file first (mode 600, atomically, under the deploy lock),
   * so the step that deploys the secrets is the one that carries them: a new password changes
   * its input and so re-runs it. Default false: the env file must already exist.
   */
  envFromStdin?: boolean;
  /** Where the deploy state is kept, relative to projectDir. Default `.deploy`. */
  stateDir?: string;
  /** Port the API listens on. Default 8080. */
  apiPort?: number;
  /** Path the container healthcheck requests. Default `/actuator/health`. */
  healthPath?: string;
  /** Remove older images of the API after a successful deploy, keeping the running and the previous one. Default true. */
  pruneImages?: boolean;
  /** The host-wide deploy lock, shared with composeUpScript. Default `/var/lock/trafficlab-deploy.lock`. */
  lockFile?: string;
  /** Seconds to wait for another deploy to release the lock. Default 900. */
  lockTimeoutSeconds?: number;
  /**
   * The API containers' logs to CloudWatch Logs (awslogs, to `/trafficlab/<stack>/api`, a group made
   * beforehand). Default none: json-file with rotation on the host. A change rolls the API out
   * blue/green (the log flags are part of the container's fingerprint).
   */
  logs?: CentralLogsOptions;
}

/** The log group service name of the API's blue/green containers: `/trafficlab/<stack>/api`. */
export const API_LOG_SERVICE = "api";

/** `docker run`'s log flags: the same awslogs options as a compose service's `logging:` (awslogsLogging), or json-file rotated. */
export function apiLogOptions(logs?: CentralLogsOptions): string[] {
  if (!logs) {
    const rotation = ROLLING_DEPLOY_DEFAULTS.logging;
    return ["--log-driver", "json-file", "--log-opt", `max-size=${rotation["max-size"]}`, "--log-opt", `max-file=${rotation["max-file"]}`];
  }
  const logging = awslogsLogging(logs, API_LOG_SERVICE);
  return ["--log-driver", logging.driver, ...Object.entries(logging.options).flatMap(([key, value]) => ["--log-opt", `${key}=${value}`])];
}

export interface RollingTeardownOptions {
  projectDir?: string;
  /** The env file the deploy wrote, relative to projectDir; removed with the containers. Default `api.env`. */
  envFile?: string;
  network?: string;
  containerPrefix?: string;
  stateDir?: string;
  lockFile?: string;
  lockTimeoutSeconds?: number;
}

const RELATIVE_PATH = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;
// Docker's rule for container and network names; short enough for `-green` to fit.
const DOCKER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,56}$/;
const VARIABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;

function requireRelativePath(argument: string, value: string): string {
  if (typeof value === "string" && RELATIVE_PATH.test(value) && !value.split("/").some((part) => part === ".." || part === ".")) return value;
  throw new InvalidArgumentError(ROLLING_DEPLOY, argument, value, "Allowed: a path inside the project directory, of letters, digits, '.', '_', '-' and '/', e.g. api.env.");
}

function requireDockerName(argument: string, value: string): string {
  if (typeof value === "string" && DOCKER_NAME.test(value)) return value;
  throw new InvalidArgumentError(ROLLING_DEPLOY, argument, value, "Allowed: 1 to 57 letters, digits, '_', '.' and '-', starting with a letter or digit.");
}

/** The container names of the two colors, `<prefix>-blue` and `<prefix>-green`: nginx's upstream servers. */
export function apiColorContainers(prefix: string = ROLLING_DEPLOY_DEFAULTS.containerPrefix): [string, string] {
  return [`${prefix}-blue`, `${prefix}-green`];
}

function requireSeconds(argument: string, value: number, min: number, max: number): number {
  return requireIntegerInRange(ROLLING_DEPLOY, argument, value, min, max);
}

/**
 * Rolls the API onto `image` with no downtime, blue/green behind nginx, under the host-wide
 * deploy lock:
 * 1. the active color is the one that answers to `serviceAlias` on the network (else the one in
 *    `.deploy/active-color`);
 * 2. nothing to do when that container runs the same image, env file and settings and is healthy;
 * 3. the other color starts beside it on Docker's default bridge (no published port, `--restart
 *    no` while on probation), where nginx cannot see it;
 * 4. it must become healthy within the timeout; if it turns unhealthy, stops or times out, the
 *    script prints its last log lines and its health checks' output, removes it and exits 1:
 *    the old container keeps serving;
 * 5. it joins the network under `serviceAlias`: nginx, which resolves each color's container name
 *    every second, sends it traffic, with no reload (a reload would close every idle client connection);
 * 6. after `drainSeconds` the old container is renamed `<name>-retiring`: its name stops resolving
 *    and nginx takes it out of the upstream, so no request, not even a POST on a pooled keep-alive
 *    connection, reaches a stopping API; after another `drainSeconds` it is stopped gracefully
 *    (its requests in flight finish within `stopTimeoutSeconds`) and removed;
 * 7. older images of the API are removed, keeping the running one and the rollback target;
 * 8. the state is recorded and `previous-image=<ref>` printed (parsePreviousImage reads it).
 * Rolling back is running it again with the previous image.
 */
export function rollingDeployScript(options: RollingDeployOptions): string {
  const d = ROLLING_DEPLOY_DEFAULTS;
  const image = requirePinnedImage(ROLLING_DEPLOY, "image", options.image);
  const projectDir = requireHostPath(ROLLING_DEPLOY, "projectDir", options.projectDir ?? d.projectDir);
  const healthTimeout = requireSeconds("healthTimeoutSeconds", options.healthTimeoutSeconds ?? d.healthTimeoutSeconds, 1, 3600);
  const poll = requireSeconds("pollSeconds", options.pollSeconds ?? d.pollSeconds, 1, 60);
  const drain = requireSeconds("drainSeconds", options.drainSeconds ?? d.drainSeconds, 0, 3600);
  const stopTimeout = requireSeconds("stopTimeoutSeconds", options.stopTimeoutSeconds ?? d.stopTimeoutSeconds, 0, 3600);
  const network = requireDockerName("network", options.network ?? d.network);
  const prefix = requireDockerName("containerPrefix", options.containerPrefix ?? d.containerPrefix);
  const envFile = requireRelativePath("envFile", options.envFile ?? d.envFile);
  const serviceAlias = requireDockerName("serviceAlias", options.serviceAlias ?? d.serviceAlias);
  const stateDir = requireRelativePath("stateDir", options.stateDir ?? d.stateDir);
  const apiPort = requireIntegerInRange(ROLLING_DEPLOY, "apiPort", options.apiPort ?? d.apiPort, 1, 65535);
  const healthPath = options.healthPath ?? d.healthPath;
  if (!/^\/[A-Za-z0-9._~/%?=&+-]*$/.test(healthPath)) {
    throw new InvalidArgumentError(ROLLING_DEPLOY, "healthPath", healthPath, "Allowed: a URI path starting with /, of letters, digits and . _ ~ / % ? = & + -, e.g. /actuator/health.");
  }
  const lockFile = requireHostPath(ROLLING_DEPLOY, "lockFile", options.lockFile ?? d.lockFile);
  const lockTimeout = requireSeconds("lockTimeoutSeconds", options.lockTimeoutSeconds ?? d.lockTimeoutSeconds, 1, 86400);
  const environment = Object.entries(options.environment ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [key, value] of environment) {
    if (!VARIABLE.test(key)) {
      throw new InvalidArgumentError(ROLLING_DEPLOY, "environment", key, "Allowed: variable names of letters, digits and '_', not starting with a digit.");
    }
    if (typeof value !== "string" || /[\n\r\0]/.test(value)) {
      throw new InvalidArgumentError(ROLLING_DEPLOY, `environment.${key}`, value, "Allowed: a single-line string.");
    }
  }

  const h = d.healthcheck;
  return renderHostScript(
    "rolling-deploy.sh",
    {
      image,
      project_dir: projectDir,
      env_file: envFile,
      state_dir: stateDir,
      network,
      service_alias: serviceAlias,
      prefix,
      env_from_stdin: options.envFromStdin ? 1 : 0,
      prune_images: (options.pruneImages ?? d.pruneImages) ? 1 : 0,
      api_port: apiPort,
      health_path: healthPath,
      health_interval: h.interval,
      health_timeout: h.timeout,
      health_retries: h.retries,
      health_start_period: h.start_period,
      health_timeout_seconds: healthTimeout,
      poll_seconds: poll,
      drain_seconds: drain,
      stop_timeout_seconds: stopTimeout,
      lock_file: lockFile,
      lock_timeout_seconds: lockTimeout,
      log_lines: d.logLines,
      container_environment: environment.map(([key, value]) => `${key}=${value}`),
      log_options: apiLogOptions(options.logs),
    },
    ["host-lock.sh"],
  );
}

/**
 * Removes both API containers, their network, the env file (the data tier's secrets) and the
 * deploy state, under the deploy lock (for `pulumi destroy`, after `docker compose down` has
 * removed nginx). Images stay.
 */
export function rollingTeardownScript(options: RollingTeardownOptions = {}): string {
  const d = ROLLING_DEPLOY_DEFAULTS;
  const projectDir = requireHostPath(ROLLING_DEPLOY, "projectDir", options.projectDir ?? d.projectDir);
  const network = requireDockerName("network", options.network ?? d.network);
  const prefix = requireDockerName("containerPrefix", options.containerPrefix ?? d.containerPrefix);
  const stateDir = requireRelativePath("stateDir", options.stateDir ?? d.stateDir);
  const envFile = requireRelativePath("envFile", options.envFile ?? d.envFile);
  const lockFile = requireHostPath(ROLLING_DEPLOY, "lockFile", options.lockFile ?? d.lockFile);
  const lockTimeout = requireSeconds("lockTimeoutSeconds", options.lockTimeoutSeconds ?? d.lockTimeoutSeconds, 1, 86400);
  return renderHostScript(
    "rolling-teardown.sh",
    { project_dir: projectDir, env_file: envFile, state_dir: stateDir, network, prefix, lock_file: lockFile, lock_timeout_seconds: lockTimeout },
    ["host-lock.sh"],
  );
}

/** The image the last rolling deploy replaced, from its output; undefined on a first deploy. */
export function parsePreviousImage(stdout: string): string | undefined {
  const matches = [...stdout.matchAll(/^previous-image=(.*)$/gm)];
  const last = matches.at(-1)?.[1]?.trim();
  return last ? last : undefined;
}

/**
 * The API's env file for `docker run --env-file`: one `KEY=value` line per entry, sorted by key.
 * Docker takes everything after the first `=` literally (no quotes, no `$`), unlike compose's
 * `.env` format, whose quotes docker would pass on as part of the value.
 */
export function renderContainerEnvFile(variables: Record<string, string>): string {
  const lines = Object.keys(variables)
    .sort()
    .map((key) => {
      if (!VARIABLE.test(key)) {
        throw new InvalidArgumentError(CONTAINER_ENV_FILE, "key", key, "Allowed: a variable name of letters, digits and '_', not starting with a digit, e.g. SPRING_DATASOURCE_PASSWORD.");
      }
      const value = variables[key];
      const hidden = "<value not shown>";
      if (typeof value !== "string") {
        throw new InvalidArgumentError(CONTAINER_ENV_FILE, key, typeof value, "Allowed: a string value.");
      }
      if (/[\n\r\0]/.test(value)) {
        throw new InvalidArgumentError(CONTAINER_ENV_FILE, key, hidden, "Allowed: a single line; the value contains a newline, carriage return or NUL.");
      }
      // Docker refuses an env file that is not valid UTF-8; a lone surrogate would become one.
      if (Buffer.from(value, "utf8").toString("utf8") !== value) {
        throw new InvalidArgumentError(CONTAINER_ENV_FILE, key, hidden, "Allowed: valid Unicode text (the value has a lone surrogate).");
      }
      return `${key}=${value}`;
    });
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}
