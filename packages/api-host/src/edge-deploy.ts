import { EDGE_FRONT_DEFAULTS, EDGE_SOCKET_DIR, NGINX_CONFIG_DIR, NGINX_DEFAULTS, NGINX_TLS_DEFAULTS, NGINX_TLS_MOUNT } from "@trafficlab/edge-proxy";
import { InvalidArgumentError, requireIntegerInRange, requirePinnedImage } from "@trafficlab/validation";
import { awslogsLogging, type CentralLogsOptions } from "./compose-project";
import { DEPLOY_SCRIPT_DEFAULTS } from "./deploy-scripts";
import { ROLLING_DEPLOY_DEFAULTS } from "./rolling-deploy";
import { renderHostScript, requireHostPath } from "./script-prelude";

/** How errors from edgeDeployScript and edgeTeardownScript name their source. */
export const EDGE_DEPLOY = "@trafficlab/api-host edgeDeployScript";

export const EDGE_DEPLOY_DEFAULTS = {
  projectDir: DEPLOY_SCRIPT_DEFAULTS.projectDir,
  /** Colours are `<prefix>-blue` and `<prefix>-green`. */
  containerPrefix: "trafficlab-nginx",
  /** The colours' socket directories and `live`, relative to projectDir; the front mounts it. */
  socketDir: EDGE_FRONT_DEFAULTS.hostSocketDir.replace(/^\.\//, ""),
  /** nginx's rendered config (renderHostProject's nginx/…), relative to projectDir. */
  configDir: "nginx",
  tlsDir: "tls",
  acmeWebroot: "acme-webroot",
  /** The API's network: the colours resolve its containers' names there. */
  network: ROLLING_DEPLOY_DEFAULTS.network,
  healthTimeoutSeconds: 60,
  pollSeconds: 1,
  /**
   * After the switch, how long the old colour answers with `Connection: close` before it quits:
   * a keep-alive client that sends a request meanwhile moves to the new colour; only one idle
   * all that time is closed (as nginx's keepalive_timeout closes idle ones anyway).
   */
  drainSeconds: 5,
  /** `docker stop`'s grace for the old colour's requests in flight (SIGQUIT, then SIGKILL). */
  stopTimeoutSeconds: 30,
  lockFile: DEPLOY_SCRIPT_DEFAULTS.lockFile,
  lockTimeoutSeconds: DEPLOY_SCRIPT_DEFAULTS.lockTimeoutSeconds,
  logLines: DEPLOY_SCRIPT_DEFAULTS.logLines,
  /** Without central logs: Docker's json-file, rotated as the API's. */
  logging: ROLLING_DEPLOY_DEFAULTS.logging,
} as const;

export interface EdgeDeployOptions {
  /** The nginx image, a tag or digest (never `latest`). Required. */
  image: string;
  /** Directory of the compose project. Default `/opt/trafficlab`. */
  projectDir?: string;
  /** Serve HTTPS: the colour mounts the certificates and the ACME webroot. Default false. */
  https?: boolean;
  /** CloudWatch Logs, into nginx's log group (the front's, `/trafficlab/<stack>/nginx`). Default: json-file on the host. */
  logs?: CentralLogsOptions;
  /** Seconds after the switch during which the old colour closes each keep-alive connection after its answer. Default 5. */
  drainSeconds?: number;
  /** Seconds the new colour has to answer its health location. Default 60. */
  healthTimeoutSeconds?: number;
  /** `docker stop` grace for the old colour. Default 30. */
  stopTimeoutSeconds?: number;
}

/**
 * The blue/green switch of the HTTP nginx behind the edge front (scripts/edge-deploy.sh): the new
 * colour beside the old, ready before the front's `live` symlink moves to it; the old one drains
 * its keep-alive clients with `Connection: close`, then quits gracefully. A new image or a new
 * config resets no client connection; a colour that does not start leaves the old one serving.
 * Idempotent: nothing happens when the serving colour already runs this image and config.
 */
export function edgeDeployScript(options: EdgeDeployOptions): string {
  const d = EDGE_DEPLOY_DEFAULTS;
  const c = EDGE_DEPLOY;
  const image = requirePinnedImage(c, "image", options.image);
  const projectDir = requireHostPath(c, "projectDir", options.projectDir ?? d.projectDir);
  const logging = options.logs
    ? awslogsLogging(options.logs, "nginx")
    : { driver: "json-file", options: { "max-size": d.logging["max-size"], "max-file": d.logging["max-file"] } as Record<string, string> };
  return renderHostScript(
    "edge-deploy.sh",
    {
      image,
      project_dir: projectDir,
      socket_dir: d.socketDir,
      config_dir: d.configDir,
      https: options.https ? 1 : 0,
      tls_dir: d.tlsDir,
      acme_webroot: d.acmeWebroot,
      network: d.network,
      prefix: d.containerPrefix,
      container_config_dir: NGINX_CONFIG_DIR,
      container_tls_dir: NGINX_TLS_MOUNT,
      container_webroot: NGINX_TLS_DEFAULTS.acmeWebroot,
      container_socket_dir: EDGE_SOCKET_DIR,
      health_port: NGINX_DEFAULTS.listenPort,
      health_path: NGINX_DEFAULTS.healthPath,
      health_timeout_seconds: requireSeconds("healthTimeoutSeconds", options.healthTimeoutSeconds ?? d.healthTimeoutSeconds, 1, 3600),
      poll_seconds: d.pollSeconds,
      drain_seconds: requireSeconds("drainSeconds", options.drainSeconds ?? d.drainSeconds, 0, 3600),
      stop_timeout_seconds: requireSeconds("stopTimeoutSeconds", options.stopTimeoutSeconds ?? d.stopTimeoutSeconds, 0, 3600),
      lock_file: d.lockFile,
      lock_timeout_seconds: d.lockTimeoutSeconds,
      log_lines: d.logLines,
      log_driver: logging.driver,
      log_options: Object.entries(logging.options).map(([key, value]) => `${key}=${value}`),
    },
    ["host-lock.sh"],
  );
}

/** Removes both colours and their socket directory, under the deploy lock (`pulumi destroy`). */
export function edgeTeardownScript(options: { projectDir?: string } = {}): string {
  const d = EDGE_DEPLOY_DEFAULTS;
  const projectDir = requireHostPath(EDGE_DEPLOY, "projectDir", options.projectDir ?? d.projectDir);
  return renderHostScript(
    "edge-teardown.sh",
    { project_dir: projectDir, socket_dir: d.socketDir, prefix: d.containerPrefix, lock_file: d.lockFile, lock_timeout_seconds: d.lockTimeoutSeconds },
    ["host-lock.sh"],
  );
}

function requireSeconds(argument: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value)) throw new InvalidArgumentError(EDGE_DEPLOY, argument, value, `Allowed: a whole number of seconds from ${min} to ${max}.`);
  return requireIntegerInRange(EDGE_DEPLOY, argument, value, min, max);
}
