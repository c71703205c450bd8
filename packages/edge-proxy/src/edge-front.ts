import { InvalidArgumentError, requireIntegerInRange, requireOneOf, requirePinnedImage } from "@trafficlab/validation";
import { configHash } from "./config-hash";
import { NGINX_IMAGE } from "./compose-service";
import { NGINX_CONFIG_DIR, NGINX_DEFAULTS } from "./nginx-options";

/** How errors from renderEdgeFrontConf and edgeFrontService name their source. */
export const EDGE_FRONT = "@trafficlab/edge-proxy edgeFront";

/**
 * Where the colours' sockets are, in every container: a colour mounts its own directory here
 * (renderNginxConf's frontSocketDir), the front the directory of all colours, with `live`, the
 * symlink the deploy moves to the colour that serves.
 */
export const EDGE_SOCKET_DIR = "/run/trafficlab-edge";

/** The front's config file, in the config directory beside the colours' nginx.conf. */
export const EDGE_FRONT_CONF = "front.conf";

export const EDGE_FRONT_DEFAULTS = {
  /** Pinned by this package, never the user's nginx image: a new nginx image must not touch the front. */
  image: NGINX_IMAGE,
  httpPort: 80,
  httpsPort: 443,
  socketDir: EDGE_SOCKET_DIR,
  /** The symlink, in socketDir, naming the colour that serves. */
  liveLink: "live",
  /**
   * Where a distribution that builds `stream` as a module loads it (Debian's libnginx-mod-stream
   * puts its load_module here); the official image has it built in, and the glob matches nothing.
   */
  moduleConfigs: "/etc/nginx/modules-enabled/*.conf",
  user: "nginx" as string | null,
  pidPath: NGINX_DEFAULTS.pidPath,
  errorLogPath: NGINX_DEFAULTS.errorLogPath,
  /** Each client connection is two: the client's and the one to the colour. */
  workerConnections: 4096,
  proxyConnectTimeout: "5s",
  /** Host directory of the colours' sockets (the deploy makes `<colour>/` and `live` in it), relative to the compose file. */
  hostSocketDir: "./edge",
  /** Its own directory, apart from the colours' config: a change there rolls the colours, not the front. */
  configDir: "./nginx-front",
  healthPath: NGINX_DEFAULTS.healthPath,
  restart: "unless-stopped",
} as const;

export interface EdgeFrontOptions {
  /** Port the front listens on for HTTP. */
  httpPort?: number;
  /** Port for HTTPS (passed on as it is: the colour terminates TLS); null: none. */
  httpsPort?: number | null;
  /** Directory holding `live/http.sock` (and `live/https.sock`). */
  socketDir?: string;
  /** A glob of files with load_module lines, included first. */
  moduleConfigs?: string;
  /** User the workers run as; null omits the directive. */
  user?: string | null;
  pidPath?: string;
  errorLogPath?: string;
  workerConnections?: number;
  proxyConnectTimeout?: string;
}

/**
 * The edge front's nginx.conf: a `stream` proxy that owns the public ports and passes each client
 * connection, as it is, to the colour that serves (`<socketDir>/live/…`, a symlink, followed at
 * each new connection), with a PROXY protocol header naming the client's address. It knows no
 * HTTP, so nothing about the API, TLS or the nginx image changes it: the blue/green colours
 * behind it change instead, and the connections the front holds stay open.
 */
export function renderEdgeFrontConf(options: EdgeFrontOptions = {}): string {
  const d = EDGE_FRONT_DEFAULTS;
  const c = EDGE_FRONT;
  const httpPort = requireIntegerInRange(c, "httpPort", options.httpPort ?? d.httpPort, 1, 65535);
  const httpsPort = options.httpsPort === null ? null : requireIntegerInRange(c, "httpsPort", options.httpsPort ?? d.httpsPort, 1, 65535);
  if (httpsPort === httpPort) throw new InvalidArgumentError(c, "httpsPort", httpsPort, `Allowed: a port other than httpPort (${httpPort}), or null for none.`);
  const socketDir = requireAbsolute("socketDir", options.socketDir ?? d.socketDir).replace(/\/+$/, "");
  const moduleConfigs = requireAbsolute("moduleConfigs", options.moduleConfigs ?? d.moduleConfigs);
  const user = options.user === undefined ? d.user : options.user;
  if (user !== null && !/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(user)) throw new InvalidArgumentError(c, "user", user, "Allowed: a user name such as nginx, or null to omit the directive.");
  const pidPath = requireAbsolute("pidPath", options.pidPath ?? d.pidPath);
  const errorLogPath = options.errorLogPath === "stderr" ? "stderr" : requireAbsolute("errorLogPath", options.errorLogPath ?? d.errorLogPath);
  const workerConnections = requireIntegerInRange(c, "workerConnections", options.workerConnections ?? d.workerConnections, 64, 65536);
  const connectTimeout = options.proxyConnectTimeout ?? d.proxyConnectTimeout;
  if (!/^[1-9]\d*(ms|s|m)?$/.test(connectTimeout)) throw new InvalidArgumentError(c, "proxyConnectTimeout", connectTimeout, "Allowed: a positive time like 5s or 500ms.");
  const live = `${socketDir}/${d.liveLink}`;
  const server = (port: number, socket: string) => [
    "    server {",
    `        listen ${port};`,
    `        proxy_pass unix:${live}/${socket};`,
    // The colour reads the client's address from it (real_ip_header proxy_protocol).
    "        proxy_protocol on;",
    `        proxy_connect_timeout ${connectTimeout};`,
    "    }",
  ];
  return [
    "# Rendered by @trafficlab/edge-proxy renderEdgeFrontConf; edit the options, not this file.",
    `include ${moduleConfigs};`,
    ...(user === null ? [] : [`user ${user};`]),
    "worker_processes auto;",
    `pid ${pidPath};`,
    `error_log ${errorLogPath} warn;`,
    "",
    "events {",
    `    worker_connections ${workerConnections};`,
    "}",
    "",
    // One colour at a time behind `live`: a single server, so a failed connect never marks it down.
    "stream {",
    ...server(httpPort, "http.sock"),
    ...(httpsPort === null ? [] : ["", ...server(httpsPort, "https.sock")]),
    "}",
    "",
  ].join("\n");
}

export interface EdgeFrontServiceOptions {
  /** A tagged or digest-pinned image with the stream module, never `latest`. */
  image?: string;
  /** The rendered front.conf: its hash labels the service, so a changed config recreates the front. */
  config: string;
  /** Publish 443 too. */
  https?: boolean;
  httpPort?: number;
  httpsPort?: number;
  /** Host directory holding front.conf, relative to the compose file. */
  configDir?: string;
  /** Host directory of the colours' sockets, relative to the compose file. */
  hostSocketDir?: string;
  /** Compose networks to join. Default: the project's default network only. */
  networks?: string[];
  restart?: "unless-stopped" | "always";
}

/** The front's compose service, for `services.nginx`. */
export interface EdgeFrontComposeService {
  image: string;
  command: string[];
  ports: string[];
  volumes: string[];
  labels: Record<string, string>;
  networks?: string[];
  restart: "unless-stopped" | "always";
  healthcheck: { test: string[]; interval: string; timeout: string; retries: number; start_period: string };
}

/** The label holding front.conf's sha256 (compose recreates a container whose labels changed). */
export const EDGE_FRONT_CONFIG_LABEL = "org.trafficlab.edge-front.config-sha256";

/**
 * The front as a compose service: the only container that publishes the public ports. Its config
 * and the colours' socket directory are mounted read-only (connecting to a socket needs no write).
 * Its health check asks the health location through itself, so it is healthy once a colour
 * serves behind it (what the ACME client waits for).
 */
export function edgeFrontService(options: EdgeFrontServiceOptions): EdgeFrontComposeService {
  const d = EDGE_FRONT_DEFAULTS;
  const c = EDGE_FRONT;
  const image = requirePinnedImage(c, "image", options.image ?? d.image);
  if (typeof options.config !== "string" || !options.config.includes("stream {")) throw new InvalidArgumentError(c, "config", typeof options.config, "Required: the front.conf renderEdgeFrontConf rendered.");
  const httpPort = requireIntegerInRange(c, "httpPort", options.httpPort ?? d.httpPort, 1, 65535);
  const httpsPort = requireIntegerInRange(c, "httpsPort", options.httpsPort ?? d.httpsPort, 1, 65535);
  const configDir = requireRelative("configDir", options.configDir ?? d.configDir);
  const hostSocketDir = requireRelative("hostSocketDir", options.hostSocketDir ?? d.hostSocketDir);
  const networks = options.networks ?? [];
  const restart = requireOneOf(c, "restart", options.restart ?? d.restart, ["unless-stopped", "always"] as const);
  return {
    image,
    command: ["nginx", "-c", `${NGINX_CONFIG_DIR}/${EDGE_FRONT_CONF}`, "-g", "daemon off;"],
    ports: [`${httpPort}:${httpPort}`, ...(options.https ? [`${httpsPort}:${httpsPort}`] : [])],
    volumes: [`${configDir}:${NGINX_CONFIG_DIR}:ro`, `${hostSocketDir}:${EDGE_SOCKET_DIR}:ro`],
    labels: { [EDGE_FRONT_CONFIG_LABEL]: configHash({ [EDGE_FRONT_CONF]: options.config }) },
    ...(networks.length > 0 ? { networks } : {}),
    restart,
    healthcheck: {
      test: ["CMD", "wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${httpPort}${d.healthPath}`],
      interval: "10s",
      timeout: "3s",
      retries: 3,
      start_period: "5s",
    },
  };
}

function requireAbsolute(argument: string, value: unknown): string {
  if (typeof value === "string" && /^\/[A-Za-z0-9_./*-]*$/.test(value) && value.length > 1) return value;
  throw new InvalidArgumentError(EDGE_FRONT, argument, value, "Allowed: an absolute path of letters, digits, _, ., -, * and /.");
}

function requireRelative(argument: string, value: unknown): string {
  if (typeof value === "string" && /^\.\/[A-Za-z0-9_./-]+$/.test(value) && !value.split("/").includes("..")) return value.replace(/\/+$/, "");
  throw new InvalidArgumentError(EDGE_FRONT, argument, value, "Allowed: a directory relative to the compose file, e.g. ./edge.");
}
