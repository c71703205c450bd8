import { Document } from "yaml";
import { InvalidArgumentError, requireIntegerInRange } from "@trafficlab/validation";

/** How errors from renderComposeProject name their source. */
export const COMPOSE_PROJECT = "@trafficlab/api-host renderComposeProject";
/** How errors from renderEnvFile name their source. */
export const ENV_FILE = "@trafficlab/api-host renderEnvFile";

export const COMPOSE_PROJECT_DEFAULTS = {
  projectName: "trafficlab",
  springProfile: "prod",
  timeZone: "Asia/Seoul",
  healthPath: "/actuator/health",
  apiPort: 8080,
  envFile: ".env",
  databasePort: 3306,
  /** Connector/J: TLS to RDS always; UTF-8 so Korean text survives. */
  jdbcParameters: { sslMode: "REQUIRED", characterEncoding: "UTF-8" } as Readonly<Record<string, string>>,
  cachePort: 6379,
  cacheTls: true,
  healthcheck: { interval: "10s", timeout: "5s", retries: 6, start_period: "90s" },
} as const;

/** The database the API connects to. The password goes in the env file, never here. */
export interface ApiDatabase {
  /** RDS endpoint address, without the port. */
  host: string;
  /** Default 3306. */
  port?: number;
  /** Schema name. */
  name: string;
  username: string;
  /** Connector/J URL parameters. Default `{ sslMode: "REQUIRED", characterEncoding: "UTF-8" }`. */
  jdbcParameters?: Record<string, string>;
}

/** The Redis-compatible token store. The auth token goes in the env file, never here. */
export interface ApiCache {
  /** Primary endpoint address, without the port. */
  host: string;
  /** Default 6379. */
  port?: number;
  /** In-transit encryption. Default true. */
  tls?: boolean;
}

export interface ComposeProjectOptions {
  /** `user/image:tag`, `registry:5000/team/image:tag` or `image@sha256:...`. Required; `latest` is refused. */
  image: string;
  /** SPRING_PROFILES_ACTIVE. Default `prod`. */
  springProfile?: string;
  /** Container TZ. Default `Asia/Seoul`. */
  timeZone?: string;
  /** Path the healthcheck requests. Default `/actuator/health`. */
  healthPath?: string;
  /** Port the API listens on inside its network; exposed to nginx, never published. Default 8080. */
  apiPort?: number;
  /** When given, SPRING_DATASOURCE_URL and SPRING_DATASOURCE_USERNAME are set in the compose file. Default: from the env file. */
  database?: ApiDatabase;
  /** When given, SPRING_DATA_REDIS_HOST, _PORT and _SSL_ENABLED are set in the compose file. Default: from the env file. */
  cache?: ApiCache;
  /** Env file with the secrets, relative to the project directory, written separately with mode 600. Default `.env`. */
  envFile?: string;
  /** Compose project name. Default `trafficlab`. */
  projectName?: string;
  /** More services, e.g. `{ nginx: edgeProxyService() }` from @trafficlab/edge-proxy. Default none. */
  extraServices?: Record<string, object>;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN = /^(?:localhost|[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+)(?::\d{1,5})?$|^[A-Za-z0-9-]+:\d{1,5}$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$|^sha512:[0-9a-f]{128}$/;

/**
 * Checks an image reference: `[registry[:port]/]path[:tag][@digest]` with a tag or a digest,
 * and never the tag `latest` (it changes under a running host). Returns the reference.
 */
export function validateImageReference(component: string, argument: string, image: string): string {
  const allowed = `Allowed: an image with a version tag or a digest, e.g. user/trafficlab-api:1.4.0, 123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/api:1.4.0 or user/api@sha256:<64 hex>; "latest" or no tag changes under you.`;
  const refuse = (): never => {
    throw new InvalidArgumentError(component, argument, image, allowed);
  };
  if (typeof image !== "string" || image.length === 0 || image.length > 512) refuse();
  const [named, digest, ...more] = image.split("@");
  if (more.length > 0 || (digest !== undefined && !DIGEST.test(digest))) refuse();
  // The tag follows the last colon after the last slash (a registry may have a port).
  const lastSlash = named!.lastIndexOf("/");
  const colon = named!.indexOf(":", lastSlash + 1);
  const name = colon === -1 ? named! : named!.slice(0, colon);
  const tag = colon === -1 ? undefined : named!.slice(colon + 1);
  if (tag !== undefined && (!TAG.test(tag) || tag === "latest")) refuse();
  if (tag === undefined && digest === undefined) refuse();
  const parts = name.split("/");
  // A first part with a dot, a colon or "localhost" is a registry, as Docker reads it.
  const hasDomain = parts.length > 1 && (parts[0]!.includes(".") || parts[0]!.includes(":") || parts[0] === "localhost");
  if (hasDomain && !DOMAIN.test(parts[0]!)) refuse();
  const path = hasDomain ? parts.slice(1) : parts;
  if (path.length === 0 || !path.every((part) => COMPONENT.test(part))) refuse();
  return image;
}

/** The non-secret Spring settings for the database and the token store. */
export function dataTierEnvironment(database?: ApiDatabase, cache?: ApiCache): Record<string, string> {
  const environment: Record<string, string> = {};
  if (database) {
    requireHost("database.host", database.host);
    const port = requireIntegerInRange(COMPOSE_PROJECT, "database.port", database.port ?? COMPOSE_PROJECT_DEFAULTS.databasePort, 1, 65535);
    if (!/^[A-Za-z0-9_]{1,64}$/.test(database.name ?? "")) {
      throw new InvalidArgumentError(COMPOSE_PROJECT, "database.name", database.name, "Allowed: 1 to 64 letters, digits and '_'.");
    }
    if (!/^[A-Za-z0-9_]{1,32}$/.test(database.username ?? "")) {
      throw new InvalidArgumentError(COMPOSE_PROJECT, "database.username", database.username, "Allowed: 1 to 32 letters, digits and '_' (the RDS master user name rules).");
    }
    const parameters = Object.entries(database.jdbcParameters ?? COMPOSE_PROJECT_DEFAULTS.jdbcParameters);
    for (const [key, value] of parameters) {
      if (!/^[A-Za-z][A-Za-z0-9]*$/.test(key) || !/^[A-Za-z0-9._/+:-]*$/.test(value)) {
        throw new InvalidArgumentError(COMPOSE_PROJECT, `database.jdbcParameters.${key}`, value, "Allowed: a Connector/J property name and a value of letters, digits and . _ / + : -.");
      }
    }
    const query = parameters.map(([key, value]) => `${key}=${value}`).join("&");
    environment.SPRING_DATASOURCE_URL = `jdbc:mysql://${database.host}:${port}/${database.name}${query ? `?${query}` : ""}`;
    environment.SPRING_DATASOURCE_USERNAME = database.username;
  }
  if (cache) {
    requireHost("cache.host", cache.host);
    const port = requireIntegerInRange(COMPOSE_PROJECT, "cache.port", cache.port ?? COMPOSE_PROJECT_DEFAULTS.cachePort, 1, 65535);
    environment.SPRING_DATA_REDIS_HOST = cache.host;
    environment.SPRING_DATA_REDIS_PORT = String(port);
    environment.SPRING_DATA_REDIS_SSL_ENABLED = String(cache.tls ?? COMPOSE_PROJECT_DEFAULTS.cacheTls);
  }
  return environment;
}

function requireHost(argument: string, host: string): void {
  if (typeof host === "string" && /^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/.test(host)) return;
  throw new InvalidArgumentError(COMPOSE_PROJECT, argument, host, "Allowed: a host name or IPv4 address without port, e.g. trafficlab-db.abc123.ap-northeast-2.rds.amazonaws.com.");
}

/**
 * The Docker Compose project (compose.yaml) of the host: the `api` service, reachable only on
 * the compose network (exposed, never published: nginx is the way in), plus `extraServices`.
 * Secrets are never in it: they come from the env file, written separately with mode 600.
 */
export function renderComposeProject(options: ComposeProjectOptions): string {
  const c = COMPOSE_PROJECT;
  const image = validateImageReference(c, "image", options.image);
  const springProfile = options.springProfile ?? COMPOSE_PROJECT_DEFAULTS.springProfile;
  if (!/^[A-Za-z0-9_-]+(,[A-Za-z0-9_-]+)*$/.test(springProfile)) {
    throw new InvalidArgumentError(c, "springProfile", springProfile, "Allowed: Spring profile names of letters, digits, '_' and '-', separated by commas, e.g. prod.");
  }
  const timeZone = options.timeZone ?? COMPOSE_PROJECT_DEFAULTS.timeZone;
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(timeZone)) {
    throw new InvalidArgumentError(c, "timeZone", timeZone, "Allowed: an IANA time zone name such as Asia/Seoul or UTC.");
  }
  const healthPath = options.healthPath ?? COMPOSE_PROJECT_DEFAULTS.healthPath;
  // No quotes, spaces or '$': the path goes into a shell command and compose interpolates '$'.
  if (!/^\/[A-Za-z0-9._~/%?=&+-]*$/.test(healthPath)) {
    throw new InvalidArgumentError(c, "healthPath", healthPath, "Allowed: a URI path starting with /, of letters, digits and . _ ~ / % ? = & + -, e.g. /actuator/health.");
  }
  const apiPort = requireIntegerInRange(c, "apiPort", options.apiPort ?? COMPOSE_PROJECT_DEFAULTS.apiPort, 1, 65535);
  const envFile = options.envFile ?? COMPOSE_PROJECT_DEFAULTS.envFile;
  if (!/^[A-Za-z0-9._-]+$/.test(envFile) || envFile === "." || envFile === "..") {
    throw new InvalidArgumentError(c, "envFile", envFile, "Allowed: a file name in the project directory, e.g. .env.");
  }
  const projectName = options.projectName ?? COMPOSE_PROJECT_DEFAULTS.projectName;
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(projectName)) {
    throw new InvalidArgumentError(c, "projectName", projectName, "Allowed: lowercase letters, digits, '_' and '-', starting with a letter or digit.");
  }
  const extraServices = options.extraServices ?? {};
  for (const name of Object.keys(extraServices)) {
    if (name === "api" || !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) {
      throw new InvalidArgumentError(c, "extraServices", name, "Allowed: compose service names of letters, digits, '_', '.' and '-', other than api.");
    }
  }

  const url = `http://127.0.0.1:${apiPort}${healthPath}`;
  const api = {
    image,
    restart: "unless-stopped",
    // required: false so `pull` and `down` work before the env file exists or after it is gone
    // (compose refuses to load the project otherwise); composeUpScript checks it is there.
    env_file: [{ path: envFile, required: false }],
    environment: {
      SPRING_PROFILES_ACTIVE: springProfile,
      TZ: timeZone,
      ...dataTierEnvironment(options.database, options.cache),
    },
    expose: [String(apiPort)],
    healthcheck: {
      // JRE images carry wget or curl, rarely both; 127.0.0.1 because localhost may resolve to ::1.
      test: ["CMD-SHELL", `wget -qO /dev/null '${url}' || curl -fsS -o /dev/null '${url}'`],
      ...COMPOSE_PROJECT_DEFAULTS.healthcheck,
    },
    // Docker keeps json-file logs forever by default; a long load test would fill the root volume.
    logging: { driver: "json-file", options: { "max-size": "10m", "max-file": "5" } },
  };
  const document = new Document({ name: projectName, services: { api, ...extraServices } });
  document.commentBefore = ` Rendered by @trafficlab/api-host renderComposeProject. Secrets are in ${envFile} (mode 600), not here.`;
  return document.toString({ lineWidth: 0 });
}

/**
 * The env file with the API's secrets (and any other variables): one `KEY='value'` line per
 * entry, sorted by key. Values are single-quoted, which compose reads literally (no `$`
 * interpolation); a value containing `'` is double-quoted with `\\`, `\"` and `\$` escapes.
 * Newlines are refused, as are values compose-go's dotenv parser cannot read back.
 */
export function renderEnvFile(secrets: Record<string, string>): string {
  const lines = Object.keys(secrets)
    .sort()
    .map((key) => {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
        throw new InvalidArgumentError(ENV_FILE, "key", key, "Allowed: a variable name of letters, digits and '_', not starting with a digit, e.g. SPRING_DATASOURCE_PASSWORD.");
      }
      return `${key}=${quoteEnvValue(key, secrets[key]!)}`;
    });
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}

function quoteEnvValue(key: string, value: string): string {
  const hidden = "<value not shown>";
  if (typeof value !== "string") {
    throw new InvalidArgumentError(ENV_FILE, key, typeof value, "Allowed: a string value.");
  }
  if (/[\n\r\0]/.test(value)) {
    throw new InvalidArgumentError(ENV_FILE, key, hidden, "Allowed: a single line; the value contains a newline, carriage return or NUL.");
  }
  // compose-go (dotenv/parser.go) ends a quoted value at the first quote not preceded by a
  // backslash, so a value ending in a backslash cannot be quoted at all.
  if (value.endsWith("\\")) {
    throw new InvalidArgumentError(ENV_FILE, key, hidden, "Allowed: a value that does not end with a backslash (compose cannot read one back).");
  }
  if (!value.includes("'")) return `'${value}'`;
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\$/g, "\\$")}"`;
}
