import * as ipaddr from "ipaddr.js";
import { InvalidArgumentError, requireIntegerInRange } from "@trafficlab/validation";

/** How errors from renderNginxConf name their source. */
export const RENDER_NGINX_CONF = "@trafficlab/edge-proxy renderNginxConf";

/** Where the compose service mounts the rendered directory inside the container. */
export const NGINX_CONFIG_DIR = "/etc/nginx/trafficlab";

/** HTTPS for one domain: a certificate the ACME client keeps renewed, HTTP redirected to it. */
export interface NginxTls {
  /** The domain the certificate names, e.g. api.example.com. */
  domain: string;
  /** Directory holding `fullchain.pem` and `privkey.pem` (a symlink the ACME client swaps on renewal). */
  certificateDir?: string;
  /** Served on port 80 for ACME HTTP-01 challenges (`/.well-known/acme-challenge/`). */
  acmeWebroot?: string;
  /** Strict-Transport-Security max-age in seconds; 0 leaves the header out. */
  hstsMaxAgeSeconds?: number;
  /** Seconds nginx keeps a loaded certificate before reading the files again (`ssl_certificate_cache valid=`): a renewal is served within this time, without a reload. */
  certificateCacheSeconds?: number;
}

export const NGINX_TLS_DEFAULTS = {
  certificateDir: "/etc/nginx/tls/live",
  acmeWebroot: "/var/www/acme",
  // Two years, as Mozilla's guidelines advise.
  hstsMaxAgeSeconds: 63072000,
  certificateCacheSeconds: 60,
} as const;

export interface NginxOptions {
  /** Host name of the API, as nginx resolves it (the compose service). */
  upstreamHost?: string;
  /**
   * Several host names, one upstream server each, instead of upstreamHost: with a resolver, a name
   * that stops resolving (NXDOMAIN) leaves the upstream without a reload. The blue/green deploy
   * names one per color, so it can take the old color out of rotation before stopping it.
   */
  upstreamHosts?: readonly string[] | null;
  /** Port the API listens on. */
  upstreamPort?: number;
  /** Port nginx listens on. */
  listenPort?: number;
  /** Port nginx listens on for HTTPS, when `tls` is set. */
  tlsListenPort?: number;
  /** Answered by nginx itself (200, not logged), never by the API. */
  healthPath?: string;
  /** Largest request body; larger ones get 413. */
  clientMaxBodySize?: string;
  /** Time to open a connection to the API. */
  proxyConnectTimeout?: string;
  /** Longest pause between two reads from the API. */
  proxyReadTimeout?: string;
  /** Longest pause between two writes to the API. */
  proxySendTimeout?: string;
  /** Idle connections to the API each worker keeps open for reuse; size it to peak in-flight requests per worker. */
  upstreamKeepalive?: number;
  /** `auto` (one per CPU) or a count. */
  workerProcesses?: "auto" | number;
  /** Connections per worker, clients and upstream together. */
  workerConnections?: number;
  /** Responses shorter than this many bytes are not gzipped. */
  gzipMinLength?: number;
  /** User the workers run as (the official image's); null omits the directive. */
  user?: string | null;
  /** Where nginx writes its pid. */
  pidPath?: string;
  /** A file or `stderr` (the official image links the default to stderr). */
  errorLogPath?: string;
  /** A file or `off` (the official image links the default to stdout). */
  accessLogPath?: string;
  /** Absolute directory holding `default.conf`. */
  includeDir?: string;
  /** nginx's MIME type map. */
  mimeTypesPath?: string;
  /** Directory for request-body and proxy temp files; null keeps nginx's built-in paths. */
  tempDir?: string | null;
  /**
   * DNS server nginx asks for upstreamHost, again every resolverValid: with Docker's (127.0.0.11)
   * a deploy moves the API's name to the new container and nginx follows without a reload, so
   * no client connection is closed. null resolves once, at start (nginx then fails to start
   * while the name is unknown).
   */
  resolver?: string | null;
  /** How long nginx trusts an answer of the resolver. */
  resolverValid?: string;
  /**
   * Addresses of a load balancer in front of nginx (an ALB in the VPC), whose X-Forwarded-For
   * and X-Forwarded-Proto nginx then trusts: the API sees the client's address and `https`
   * rather than the balancer's. Empty: nginx faces clients itself and trusts no such header.
   */
  trustedProxyCidrs?: string[];
  /**
   * HTTPS for a domain: TLS 1.2 and 1.3 (Mozilla's intermediate settings), HSTS, HTTP redirected
   * to HTTPS except the ACME challenge and the health location. null: HTTP only.
   */
  tls?: NginxTls | null;
  /**
   * Behind the edge front (renderEdgeFrontConf): listen on UNIX sockets in this directory
   * (`http.sock`, `https.sock` with tls) with the PROXY protocol, so `$remote_addr` is the client's
   * address the front saw, plus 127.0.0.1:listenPort for the health check only; while a file
   * `draining` exists there, every proxied answer says `Connection: close`, so keep-alive clients
   * move to a new connection (the new colour) before this nginx quits. null: listen on TCP ports.
   */
  frontSocketDir?: string | null;
  /**
   * Behind the edge front: the file name of a UNIX socket in frontSocketDir where nginx answers
   * `/stub_status` (for the metrics' nginx exporter, which dials the serving colour's through
   * `live`). No TCP port, so nothing outside the host's socket directory reaches it. null: none.
   */
  statusSocket?: string | null;
  /**
   * Path prefixes of the API that nginx answers 404 itself, never proxying them: endpoints for
   * the host's own scrapers (e.g. `/actuator/prometheus`), not for the internet. Default none.
   */
  privatePaths?: readonly string[];
}

export type ResolvedNginxOptions = Required<NginxOptions>;

export const NGINX_DEFAULTS: ResolvedNginxOptions = {
  upstreamHost: "api",
  upstreamHosts: null,
  upstreamPort: 8080,
  listenPort: 80,
  tlsListenPort: 443,
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
  // Docker's embedded DNS, which every container on a user-defined network can ask.
  resolver: "127.0.0.11",
  resolverValid: "1s",
  trustedProxyCidrs: [],
  tls: null,
  frontSocketDir: null,
  statusSocket: null,
  privatePaths: [],
};

// Anything that could end a directive, open a block or start a comment in nginx.conf.
const NGINX_SYNTAX = /[\s;{}#'"\\]/;

export function resolveNginxOptions(options: NginxOptions = {}): ResolvedNginxOptions {
  const o = { ...NGINX_DEFAULTS, ...withoutUndefined(options) };
  const c = RENDER_NGINX_CONF;
  requireHost("upstreamHost", o.upstreamHost);
  if (o.upstreamHosts !== null) {
    if (!Array.isArray(o.upstreamHosts) || o.upstreamHosts.length === 0 || new Set(o.upstreamHosts).size !== o.upstreamHosts.length) {
      throw new InvalidArgumentError(RENDER_NGINX_CONF, "upstreamHosts", o.upstreamHosts, "Allowed: a non-empty list of distinct host names, or null to use upstreamHost.");
    }
    o.upstreamHosts.forEach((host, index) => requireHost(`upstreamHosts[${index}]`, host));
  }
  requireIntegerInRange(c, "upstreamPort", o.upstreamPort, 1, 65535);
  requireIntegerInRange(c, "listenPort", o.listenPort, 1, 65535);
  requireIntegerInRange(c, "tlsListenPort", o.tlsListenPort, 1, 65535);
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
  if (o.resolver !== null) requireToken("resolver", o.resolver, /^[0-9A-Fa-f.:[\]]+$/, "an IP address such as 127.0.0.11 (Docker's DNS), or null to resolve upstreamHost once at start");
  requireToken("resolverValid", o.resolverValid, /^[1-9]\d*(ms|s|m)?$/, "a time like 1s or 500ms");
  if (!Array.isArray(o.trustedProxyCidrs)) throw new InvalidArgumentError(c, "trustedProxyCidrs", o.trustedProxyCidrs, "Allowed: a list of CIDRs, e.g. [\"10.0.0.0/16\"].");
  for (const cidr of o.trustedProxyCidrs) requireCidr("trustedProxyCidrs", cidr);
  if (o.tls !== null) {
    if (typeof o.tls !== "object" || !/^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/.test(o.tls.domain ?? "")) {
      throw new InvalidArgumentError(RENDER_NGINX_CONF, "tls.domain", o.tls?.domain, "Allowed: a fully qualified domain name such as api.example.com.");
    }
    requirePath("tls.certificateDir", o.tls.certificateDir ?? NGINX_TLS_DEFAULTS.certificateDir);
    requirePath("tls.acmeWebroot", o.tls.acmeWebroot ?? NGINX_TLS_DEFAULTS.acmeWebroot);
    requireIntegerInRange(c, "tls.hstsMaxAgeSeconds", o.tls.hstsMaxAgeSeconds ?? NGINX_TLS_DEFAULTS.hstsMaxAgeSeconds, 0, 63072000);
    requireIntegerInRange(c, "tls.certificateCacheSeconds", o.tls.certificateCacheSeconds ?? NGINX_TLS_DEFAULTS.certificateCacheSeconds, 1, 86400);
  }
  if (o.frontSocketDir !== null) {
    requirePath("frontSocketDir", o.frontSocketDir, "Or null to listen on TCP ports.");
    // Behind the front the client's address comes in the PROXY protocol header, not in X-Forwarded-For.
    if (o.trustedProxyCidrs.length > 0) {
      throw new InvalidArgumentError(c, "frontSocketDir", o.frontSocketDir, "Allowed: null while trustedProxyCidrs is set (a load balancer's X-Forwarded-For and the edge front's PROXY protocol are two ways to learn the client's address; use one).");
    }
  }
  if (!Array.isArray(o.privatePaths) || o.privatePaths.some((path) => typeof path !== "string" || !/^\/[A-Za-z0-9._~/-]+$/.test(path))) {
    throw new InvalidArgumentError(c, "privatePaths", o.privatePaths, "Allowed: a list of URI path prefixes starting with /, of letters, digits and . _ ~ / -, e.g. [\"/actuator/prometheus\"].");
  }
  if (o.statusSocket !== null) {
    if (typeof o.statusSocket !== "string" || !/^[A-Za-z0-9_.-]+\.sock$/.test(o.statusSocket) || ["http.sock", "https.sock"].includes(o.statusSocket)) {
      throw new InvalidArgumentError(c, "statusSocket", o.statusSocket, "Allowed: a socket file name such as status.sock (not http.sock or https.sock), or null for none.");
    }
    if (o.frontSocketDir === null) throw new InvalidArgumentError(c, "statusSocket", o.statusSocket, "Allowed: only with frontSocketDir (the socket lives in the colour's directory); null otherwise.");
  }
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

function requireCidr(argument: string, value: unknown): void {
  if (typeof value === "string" && value.includes("/")) {
    try {
      ipaddr.parseCIDR(value);
      return;
    } catch {
      // refused below
    }
  }
  throw new InvalidArgumentError(RENDER_NGINX_CONF, argument, value, "Allowed: an IPv4 or IPv6 CIDR such as 10.0.0.0/16.");
}
