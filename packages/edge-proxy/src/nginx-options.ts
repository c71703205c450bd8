import { InvalidArgumentError, requireIntegerInRange } from "@trafficlab/validation";

/** How errors from renderNginxConf name their source. */
export const RENDER_NGINX_CONF = "@trafficlab/edge-proxy renderNginxConf";

/** Where the compose service mounts the rendered directory inside the container. */
export const NGINX_CONFIG_DIR = "/etc/nginx/trafficlab";

export interface NginxOptions {
  /** Host name of the API, as nginx resolves it. Default `api` (the compose service). */
  upstreamHost?: string;
  /** Port the API listens on. Default 8080. */
  upstreamPort?: number;
  /** Port nginx listens on. Default 80. */
  listenPort?: number;
  /** Answered by nginx itself (200, not logged), never by the API. Default `/nginx-health`. */
  healthPath?: string;
  /** Largest request body; larger ones get 413. Default `10m`. */
  clientMaxBodySize?: string;
  /** Time to open a connection to the API. Default `5s`. */
  proxyConnectTimeout?: string;
  /** Longest pause between two reads from the API. Default `60s`. */
  proxyReadTimeout?: string;
  /** Longest pause between two writes to the API. Default `60s`. */
  proxySendTimeout?: string;
  /** Idle connections to the API each worker keeps open for reuse; size it to peak in-flight requests per worker. Default 64. */
  upstreamKeepalive?: number;
  /** `auto` (one per CPU) or a count. Default `auto`. */
  workerProcesses?: "auto" | number;
  /** Connections per worker, clients and upstream together. Default 1024. */
  workerConnections?: number;
  /** Responses shorter than this many bytes are not gzipped. Default 1024. */
  gzipMinLength?: number;
  /** User the workers run as; null omits the directive. Default `nginx` (the official image's user). */
  user?: string | null;
  /** Default `/var/run/nginx.pid`. */
  pidPath?: string;
  /** A file or `stderr`. Default `/var/log/nginx/error.log` (stderr in the official image). */
  errorLogPath?: string;
  /** A file or `off`. Default `/var/log/nginx/access.log` (stdout in the official image). */
  accessLogPath?: string;
  /** Absolute directory holding `default.conf`. Default `/etc/nginx/trafficlab/conf.d`. */
  includeDir?: string;
  /** Default `/etc/nginx/mime.types`. */
  mimeTypesPath?: string;
  /** Directory for request-body and proxy temp files; null keeps nginx's built-in paths. Default null. */
  tempDir?: string | null;
}

export type ResolvedNginxOptions = Required<NginxOptions>;

export const NGINX_DEFAULTS: ResolvedNginxOptions = {
  upstreamHost: "api",
  upstreamPort: 8080,
  listenPort: 80,
  healthPath: "/nginx-health",
  clientMaxBodySize: "10m",
  proxyConnectTimeout: "5s",
  proxyReadTimeout: "60s",
  proxySendTimeout: "60s",
  upstreamKeepalive: 64,
  workerProcesses: "auto",
  workerConnections: 1024,
  gzipMinLength: 1024,
  user: "nginx",
  pidPath: "/var/run/nginx.pid",
  errorLogPath: "/var/log/nginx/error.log",
  accessLogPath: "/var/log/nginx/access.log",
  includeDir: `${NGINX_CONFIG_DIR}/conf.d`,
  mimeTypesPath: "/etc/nginx/mime.types",
  tempDir: null,
};

// Anything that could end a directive, open a block or start a comment in nginx.conf.
const NGINX_SYNTAX = /[\s;{}#'"\\]/;

export function resolveNginxOptions(options: NginxOptions = {}): ResolvedNginxOptions {
  const o = { ...NGINX_DEFAULTS, ...withoutUndefined(options) };
  const c = RENDER_NGINX_CONF;
  requireHost("upstreamHost", o.upstreamHost);
  requireIntegerInRange(c, "upstreamPort", o.upstreamPort, 1, 65535);
  requireIntegerInRange(c, "listenPort", o.listenPort, 1, 65535);
  requireToken("healthPath", o.healthPath, /^\/\S*$/, "a URI path starting with /, e.g. /nginx-health");
  requireToken("clientMaxBodySize", o.clientMaxBodySize, /^\d+[kKmMgG]?$/, "a size like 10m, 512k or 1g (0 disables the check)");
  for (const name of ["proxyConnectTimeout", "proxyReadTimeout", "proxySendTimeout"] as const) {
    requireToken(name, o[name], /^[1-9]\d*(ms|s|m|h)?$/, "a positive time like 5s, 500ms or 2m");
  }
  requireIntegerInRange(c, "upstreamKeepalive", o.upstreamKeepalive, 1, 4096);
  if (o.workerProcesses !== "auto") {
    requireIntegerInRange(c, "workerProcesses", o.workerProcesses as number, 1, 1024, 'Or "auto" for one per CPU.');
  }
  // Below 64 nginx runs out of connections as soon as a few clients and upstream sockets add up.
  requireIntegerInRange(c, "workerConnections", o.workerConnections, 64, 65536);
  requireIntegerInRange(c, "gzipMinLength", o.gzipMinLength, 0, 1048576);
  if (o.user !== null) requireToken("user", o.user, /^[A-Za-z_][A-Za-z0-9_.-]*$/, "a user name such as nginx, or null to omit the directive");
  requirePath("pidPath", o.pidPath);
  if (o.errorLogPath !== "stderr") requirePath("errorLogPath", o.errorLogPath, 'Or "stderr".');
  if (o.accessLogPath !== "off") requirePath("accessLogPath", o.accessLogPath, 'Or "off".');
  requirePath("includeDir", o.includeDir);
  requirePath("mimeTypesPath", o.mimeTypesPath);
  if (o.tempDir !== null) requirePath("tempDir", o.tempDir, "Or null to keep nginx's built-in temp paths.");
  return o;
}

function withoutUndefined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function requireHost(argument: string, value: unknown): void {
  if (typeof value === "string" && value.length > 0 && !NGINX_SYNTAX.test(value) && !value.includes("/")) return;
  throw new InvalidArgumentError(
    RENDER_NGINX_CONF,
    argument,
    value,
    "Allowed: a non-empty host name or IP address (e.g. api or 10.0.1.5) with no whitespace, quotes, /, ;, { or }.",
  );
}

function requireToken(argument: string, value: unknown, pattern: RegExp, allowed: string): void {
  if (typeof value === "string" && pattern.test(value) && !NGINX_SYNTAX.test(value)) return;
  throw new InvalidArgumentError(RENDER_NGINX_CONF, argument, value, `Allowed: ${allowed}.`);
}

function requirePath(argument: string, value: unknown, alternative = ""): void {
  if (typeof value === "string" && value.startsWith("/") && value.length > 1 && !NGINX_SYNTAX.test(value)) return;
  throw new InvalidArgumentError(
    RENDER_NGINX_CONF,
    argument,
    value,
    `Allowed: an absolute path with no whitespace, quotes, ;, { or }.${alternative ? " " + alternative : ""}`,
  );
}
