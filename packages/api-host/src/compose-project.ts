import { Document } from "yaml";
import { InvalidArgumentError, requireIntegerInRange } from "@trafficlab/validation";

/** How errors from renderComposeProject name their source. */
export const COMPOSE_PROJECT = "@trafficlab/api-host renderComposeProject";
export const COMPOSE_PROJECT_DEFAULTS = {
  projectName: "trafficlab",
  databasePort: 3306,
  /** Connector/J: TLS to RDS always; UTF-8 so Korean text survives. */
  jdbcParameters: { sslMode: "REQUIRED", characterEncoding: "UTF-8" } as Readonly<Record<string, string>>,
  cachePort: 6379,
  cacheTls: true,
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
  /** Compose project name. Default `trafficlab`. */
  projectName?: string;
  /** The services, e.g. `{ nginx: edgeProxyService(...) }` from @trafficlab/edge-proxy. Required. */
  services: Record<string, object>;
  /** Networks made outside compose that services join, as key -> docker network name. Default none. */
  externalNetworks?: Record<string, string>;
  /** Send every service's logs to CloudWatch Logs (awslogs). Default none: Docker's json-file on the host. */
  logs?: CentralLogsOptions;
  /** Networks the project makes itself, as key -> definition, e.g. `{ metrics: { internal: true } }`. Default none. */
  networks?: Record<string, { internal: true }>;
  /** Named volumes, e.g. `{ "prometheus-data": {} }`. Default none. */
  volumes?: Record<string, Record<string, never>>;
}

/** Where the containers' logs go: the group `/trafficlab/<stack>/<service>` in `region`, made beforehand. */
export interface CentralLogsOptions {
  region: string;
  stack: string;
}

/** The CloudWatch log group of one service of a stack: the compose file and the LogGroup resource both use it. */
export function logGroupName(stack: string, service: string): string {
  return `/trafficlab/${stack}/${service}`;
}

/**
 * A service's compose `logging:`: Docker's awslogs driver, to a group the stack made (so it has
 * a retention and is destroyed with the stack: never created by Docker), one stream per
 * container, named by the container and its id. Credentials: the instance role.
 */
export function awslogsLogging(logs: CentralLogsOptions, service: string): { driver: "awslogs"; options: Record<string, string> } {
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(logs.region ?? "")) throw new InvalidArgumentError(COMPOSE_PROJECT, "logs.region", logs.region, "Allowed: an AWS Region code such as ap-northeast-2.");
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(logs.stack ?? "")) throw new InvalidArgumentError(COMPOSE_PROJECT, "logs.stack", logs.stack, "Allowed: 1 to 64 letters, digits, '_', '.' and '-' (it names the log group).");
  return {
    driver: "awslogs",
    options: { "awslogs-region": logs.region, "awslogs-group": logGroupName(logs.stack, service), "awslogs-create-group": "false", tag: "{{.Name}}/{{.ID}}" },
  };
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
 * The Docker Compose project (compose.yaml) of the host: the services that live as long as the
 * host (nginx), and the external networks they share with containers run outside compose (the
 * API's blue/green containers, which rollingDeployScript starts). No secrets are ever in it.
 */
export function renderComposeProject(options: ComposeProjectOptions): string {
  const c = COMPOSE_PROJECT;
  const projectName = options.projectName ?? COMPOSE_PROJECT_DEFAULTS.projectName;
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(projectName)) {
    throw new InvalidArgumentError(c, "projectName", projectName, "Allowed: lowercase letters, digits, '_' and '-', starting with a letter or digit.");
  }
  const names = Object.keys(options.services ?? {});
  if (names.length === 0) throw new InvalidArgumentError(c, "services", options.services, "Required: at least one service, e.g. { nginx: edgeProxyService() }.");
  for (const name of names) {
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) {
      throw new InvalidArgumentError(c, "services", name, "Allowed: compose service names of letters, digits, '_', '.' and '-'.");
    }
  }
  const networks: Record<string, { name: string; external: true } | { internal: true }> = {};
  for (const [key, name] of Object.entries(options.externalNetworks ?? {})) {
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(key) || !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) {
      throw new InvalidArgumentError(c, "externalNetworks", { [key]: name }, "Allowed: network keys and names of letters, digits, '_', '.' and '-'.");
    }
    networks[key] = { name, external: true };
  }
  for (const [key, definition] of Object.entries(options.networks ?? {})) {
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(key) || key in networks || definition?.internal !== true) {
      throw new InvalidArgumentError(c, "networks", { [key]: definition }, "Allowed: new network keys of letters, digits, '_', '.' and '-', each { internal: true }.");
    }
    networks[key] = { internal: true };
  }
  const volumes = options.volumes ?? {};
  for (const key of Object.keys(volumes)) {
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(key)) throw new InvalidArgumentError(c, "volumes", key, "Allowed: volume names of letters, digits, '_', '.' and '-'.");
  }
  const logs = options.logs;
  const services = logs ? Object.fromEntries(Object.entries(options.services).map(([name, service]) => [name, { ...service, logging: awslogsLogging(logs, name) }])) : options.services;
  const document = new Document({ name: projectName, services, ...(Object.keys(networks).length > 0 ? { networks } : {}), ...(Object.keys(volumes).length > 0 ? { volumes } : {}) });
  document.commentBefore = " Rendered by @trafficlab/api-host renderComposeProject. The API runs beside it (rollingDeployScript); secrets are in api.env (mode 600).";
  return document.toString({ lineWidth: 0 });
}
