import { InvalidArgumentError, requireIntegerInRange, requireOneOf, requirePinnedImage } from "@trafficlab/validation";
import { NGINX_CONFIG_DIR, NGINX_DEFAULTS, NGINX_TLS_DEFAULTS } from "./nginx-options";
import { ACME_DEFAULTS, NGINX_TLS_MOUNT, requireRelativeDir } from "./acme";

/** How errors from edgeProxyService and nginxReloadCommand name their source. */
export const EDGE_PROXY_SERVICE = "@trafficlab/edge-proxy edgeProxyService";

/** Pinned so a host rebuilt next month runs the nginx that was tested (the seed used `latest`). */
export const NGINX_IMAGE = "nginx:1.28.0-alpine";

export interface EdgeProxyServiceOptions {
  /** A tagged or digest-pinned image, never `latest`. */
  image?: string;
  /**
   * The container's TZ.
   * @default none: UTC, so a change of the API's time zone never restarts the edge
   */
  timeZone?: string;
  /** Port published on the host. */
  hostPort?: number;
  /** Port nginx listens on in the container; must equal renderNginxConf's listenPort. */
  listenPort?: number;
  /** Location the healthcheck requests; must equal renderNginxConf's healthPath. */
  healthPath?: string;
  /** Host directory holding the rendered files, relative to the compose file. */
  configDir?: string;
  /**
   * Compose service of the API, waited for until healthy; null when the API runs
   * outside the compose project (the blue/green deploy of @trafficlab/api-host).
   */
  upstreamService?: string | null;
  /**
   * Compose networks to join (e.g. the API's external network too).
   * @default the project's default network only
   */
  networks?: string[];
  /** `unless-stopped`: back after a reboot or crash, but a manual stop sticks. */
  restart?: "unless-stopped" | "always";
  /**
   * Serve HTTPS: publish hostPort 443 and mount the certificate directory and the ACME webroot
   * the ACME client (acmeClientService) writes (both relative to the compose file).
   * @default none: HTTP only
   */
  https?: { hostPort?: number; listenPort?: number; certificateDir?: string; acmeWebroot?: string };
}

export const EDGE_PROXY_SERVICE_DEFAULTS = {
  image: NGINX_IMAGE,
  hostPort: 80,
  listenPort: NGINX_DEFAULTS.listenPort,
  healthPath: NGINX_DEFAULTS.healthPath,
  configDir: "./nginx",
  upstreamService: "api",
  restart: "unless-stopped",
} as const;

/** A Docker Compose service definition, ready to put under `services.nginx`. */
export interface EdgeProxyComposeService {
  image: string;
  command: string[];
  environment?: { TZ: string };
  ports: string[];
  volumes: string[];
  depends_on?: Record<string, { condition: "service_healthy"; restart: boolean }>;
  networks?: string[];
  restart: "unless-stopped" | "always";
  healthcheck: { test: string[]; interval: string; timeout: string; retries: number; start_period: string };
}

const COMPOSE_SERVICE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export function edgeProxyService(options: EdgeProxyServiceOptions = {}): EdgeProxyComposeService {
  const c = EDGE_PROXY_SERVICE;
  const image = options.image ?? EDGE_PROXY_SERVICE_DEFAULTS.image;
  requirePinnedImage(c, "image", image);
  const timeZone = options.timeZone;
  if (timeZone !== undefined && !/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(timeZone)) {
    throw new InvalidArgumentError(c, "timeZone", timeZone, "Allowed: an IANA time zone name such as Asia/Seoul or UTC.");
  }
  const hostPort = requireIntegerInRange(c, "hostPort", options.hostPort ?? EDGE_PROXY_SERVICE_DEFAULTS.hostPort, 1, 65535);
  const listenPort = requireIntegerInRange(c, "listenPort", options.listenPort ?? EDGE_PROXY_SERVICE_DEFAULTS.listenPort, 1, 65535);
  const healthPath = options.healthPath ?? EDGE_PROXY_SERVICE_DEFAULTS.healthPath;
  if (!/^\/[^\s;{}'"#\\]*$/.test(healthPath)) {
    throw new InvalidArgumentError(c, "healthPath", healthPath, "Allowed: a URI path starting with /, e.g. /nginx-health.");
  }
  const configDir = options.configDir ?? EDGE_PROXY_SERVICE_DEFAULTS.configDir;
  if (configDir.length === 0 || /[\s:]/.test(configDir)) {
    throw new InvalidArgumentError(c, "configDir", configDir, "Allowed: a directory path with no whitespace or colon, e.g. ./nginx.");
  }
  const upstreamService =
    options.upstreamService === null ? null : requireServiceName(c, "upstreamService", options.upstreamService ?? EDGE_PROXY_SERVICE_DEFAULTS.upstreamService);
  const networks = (options.networks ?? []).map((network) => requireServiceName(c, "networks", network));
  const restart = requireOneOf(c, "restart", options.restart ?? EDGE_PROXY_SERVICE_DEFAULTS.restart, ["unless-stopped", "always"] as const);
  const https = options.https
    ? {
        hostPort: requireIntegerInRange(c, "https.hostPort", options.https.hostPort ?? 443, 1, 65535),
        listenPort: requireIntegerInRange(c, "https.listenPort", options.https.listenPort ?? NGINX_DEFAULTS.tlsListenPort, 1, 65535),
        certificateDir: requireRelativeDir(c, "https.certificateDir", options.https.certificateDir ?? ACME_DEFAULTS.certificateDir),
        acmeWebroot: requireRelativeDir(c, "https.acmeWebroot", options.https.acmeWebroot ?? ACME_DEFAULTS.webroot),
      }
    : undefined;

  return {
    image,
    command: ["nginx", "-c", `${NGINX_CONFIG_DIR}/nginx.conf`, "-g", "daemon off;"],
    ...(timeZone === undefined ? {} : { environment: { TZ: timeZone } }),
    ports: [`${hostPort}:${listenPort}`, ...(https ? [`${https.hostPort}:${https.listenPort}`] : [])],
    // Whole directories, read-only: a file replaced on the host gets a new inode, which a
    // single-file bind mount would never see, so nginx would keep reading the old one.
    volumes: [
      `${configDir.replace(/\/+$/, "")}:${NGINX_CONFIG_DIR}:ro`,
      ...(https ? [`${https.certificateDir}:${NGINX_TLS_MOUNT}:ro`, `${https.acmeWebroot}:${NGINX_TLS_DEFAULTS.acmeWebroot}:ro`] : []),
    ],
    // restart: nginx resolves the API's name once at start, so it must restart when the API is recreated.
    ...(upstreamService === null ? {} : { depends_on: { [upstreamService]: { condition: "service_healthy" as const, restart: true } } }),
    ...(networks.length > 0 ? { networks } : {}),
    restart,
    healthcheck: {
      // busybox wget is in the alpine image; 127.0.0.1 because localhost may resolve to ::1.
      test: ["CMD", "wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${listenPort}${healthPath}`],
      interval: "10s",
      timeout: "3s",
      retries: 3,
      start_period: "5s",
    },
  };
}

/**
 * The command the host runs when only the config changed: check it, then reload it in place
 * (workers finish their requests; no dropped connections, unlike a container restart).
 */
export function nginxReloadCommand(composeService = "nginx", configPath = `${NGINX_CONFIG_DIR}/nginx.conf`): string {
  const c = "@trafficlab/edge-proxy nginxReloadCommand";
  requireServiceName(c, "composeService", composeService);
  if (!/^\/[A-Za-z0-9_./-]+$/.test(configPath)) {
    throw new InvalidArgumentError(c, "configPath", configPath, "Allowed: an absolute path of letters, digits, _, ., - and /.");
  }
  const exec = `docker compose exec -T ${composeService} nginx`;
  return `${exec} -t -c ${configPath} && ${exec} -s reload -c ${configPath}`;
}

function requireServiceName(component: string, argument: string, value: string): string {
  if (COMPOSE_SERVICE_NAME.test(value)) return value;
  throw new InvalidArgumentError(component, argument, value, "Allowed: a compose service name of letters, digits, _, . and -, starting with a letter or digit.");
}

