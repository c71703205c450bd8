import { InvalidArgumentError, requireIntegerInRange, requirePinnedImage } from "@trafficlab/validation";
import { OBSERVABILITY_IMAGES } from "./images";
import { EXPORTER_PORTS, PROMETHEUS_CONFIG_DIR } from "./prometheus-config";
import { METRICS_SERVICE_NAMES, OBSERVABILITY, resolveObservabilitySettings, type ObservabilityArgs } from "./settings";

/** The compose network the metrics services share; `internal`, so nothing on it reaches or is reached from outside the host. */
export const METRICS_NETWORK = "metrics";
/** Where the nginx exporter sees the edge's socket directory (the colours' sockets and the `live` symlink). */
export const EDGE_SOCKETS_MOUNT = "/run/edge";

export interface MetricsServicesOptions extends ObservabilityArgs {
  /** The external Docker network the API containers are on: Prometheus scrapes the API there. */
  apiNetwork: string;
  /** The key compose.yaml knows that network by, when the project declares it already (e.g. `api`). Default apiNetwork. */
  apiNetworkKey?: string;
  /**
   * Host directory of the edge's sockets, relative to the compose file: the serving nginx colour
   * answers stub_status on `live/<nginxStatusSocket>` there, so a blue/green switch needs no
   * change here (the symlink moves; each scrape dials it anew).
   */
  edgeSocketDir: string;
  /** The stub_status socket's file name in the colour's directory. Default `status.sock`. */
  nginxStatusSocket?: string;
  /** Host directory holding prometheus.yml and the rule file, relative to the compose file. */
  configDir?: string;
  /**
   * Host file with the redis exporter's REDIS_ADDR, REDIS_USER and REDIS_PASSWORD (renderRedisExporterEnv,
   * mode 600), relative to the compose file: the cache's endpoint and password exist only once the
   * cache does, so they are written after it, not into compose.yaml.
   */
  redisEnvFile?: string;
  /** Port on the host's 127.0.0.1 where the Prometheus UI is published, for the SSH tunnel. */
  prometheusLocalPort?: number;
  /** Images, by service; a tag or digest, never `latest`. */
  images?: Partial<Record<keyof typeof OBSERVABILITY_IMAGES, string>>;
}

export const METRICS_SERVICES_DEFAULTS = {
  nginxStatusSocket: "status.sock",
  configDir: "./prometheus",
  alertmanagerConfigDir: "./alertmanager",
  alertmanagerLocalPort: 9093,
  redisEnvFile: "./secrets/redis-exporter.env",
  prometheusLocalPort: 9090,
  cachePort: 6379,
} as const;

/** A Docker Compose service, as these functions render it. */
export interface MetricsComposeService {
  image: string;
  command?: string[];
  ports?: string[];
  volumes?: string[];
  /** `required: false`: `docker compose pull` reads the project before the file is written. */
  env_file?: { path: string; required: false }[];
  networks: string[];
  pid?: "host";
  read_only: true;
  user?: string;
  restart: "unless-stopped";
}

export interface MetricsComposeFragment {
  services: Record<string, MetricsComposeService>;
  networks: Record<string, { internal: true } | { external: true; name: string }>;
  volumes: Record<string, Record<string, never>>;
}

const HOST = /^[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?$/;
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const RELATIVE = /^\.{1,2}\/[^\s:]*$/;
const CACHE_USER = /^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/;

function matching(argument: string, value: string, pattern: RegExp, allowed: string): string {
  if (typeof value === "string" && pattern.test(value)) return value;
  throw new InvalidArgumentError(OBSERVABILITY, argument, value, allowed);
}

/** The address the redis exporter dials: TLS always, as the token cache has transit encryption on. */
export function cacheAddress(cache: { host: string; port?: number }): string {
  return `rediss://${cache.host}:${cache.port ?? METRICS_SERVICES_DEFAULTS.cachePort}`;
}

/**
 * The redis exporter's env file: the cache to dial (TLS), its monitoring user and password. Pass
 * the password through an Output's apply and write the result as a secret file (mode 600); it is
 * never on a command line or in compose.yaml.
 */
export function renderRedisExporterEnv(cache: { host: string; port?: number; user: string }, password: string): string {
  const host = matching("cache.host", cache?.host, HOST, "Allowed: the cache's primary endpoint host name, e.g. master.dev-cache.abc123.apne2.cache.amazonaws.com.");
  const port = requireIntegerInRange(OBSERVABILITY, "cache.port", cache?.port ?? METRICS_SERVICES_DEFAULTS.cachePort, 1, 65535);
  const user = matching("cache.user", cache?.user, CACHE_USER, "Allowed: an ElastiCache user name (letters, digits, '-' and '_').");
  // Docker's env file takes each line literally: no quoting, so no newline may hide in a value.
  if (typeof password !== "string" || password === "" || /[\r\n]/.test(password)) throw new InvalidArgumentError(OBSERVABILITY, "password", "(secret)", "Required: the monitoring user's password, on one line.");
  return `REDIS_ADDR=${cacheAddress({ host, port })}\nREDIS_USER=${user}\nREDIS_PASSWORD=${password}\n`;
}

/**
 * Prometheus and its exporters as compose services. None publishes a port except Prometheus,
 * on the host's 127.0.0.1 only (reached through the SSH tunnel); they talk over the internal
 * `metrics` network, and join another network only where their target lives.
 */
export function metricsServices(options: MetricsServicesOptions): MetricsComposeFragment {
  const s = resolveObservabilitySettings(options);
  const d = METRICS_SERVICES_DEFAULTS;
  const images = { ...OBSERVABILITY_IMAGES, ...(options.images ?? {}) };
  for (const [key, image] of Object.entries(images)) requirePinnedImage(OBSERVABILITY, `images.${key}`, image);
  const apiNetwork = matching("apiNetwork", options.apiNetwork, NAME, "Allowed: a Docker network name such as trafficlab-api.");
  const apiKey = matching("apiNetworkKey", options.apiNetworkKey ?? apiNetwork, NAME, "Allowed: a compose network key such as api.");
  const socketDir = matching("edgeSocketDir", options.edgeSocketDir, RELATIVE, "Allowed: a path relative to the compose file, e.g. ./edge.");
  const statusSocket = matching("nginxStatusSocket", options.nginxStatusSocket ?? d.nginxStatusSocket, /^[A-Za-z0-9_.-]+\.sock$/, "Allowed: a socket file name such as status.sock.");
  const configDir = matching("configDir", options.configDir ?? d.configDir, RELATIVE, "Allowed: a path relative to the compose file, e.g. ./prometheus.");
  const envFile = matching("redisEnvFile", options.redisEnvFile ?? d.redisEnvFile, RELATIVE, "Allowed: a path relative to the compose file, e.g. ./secrets/redis-exporter.env.");
  const localPort = requireIntegerInRange(OBSERVABILITY, "prometheusLocalPort", options.prometheusLocalPort ?? d.prometheusLocalPort, 1024, 65535);

  const n = METRICS_SERVICE_NAMES;
  const base = { read_only: true as const, restart: "unless-stopped" as const };
  return {
    services: {
      [n.prometheus]: {
        ...base,
        image: images.prometheus,
        command: [
          `--config.file=${PROMETHEUS_CONFIG_DIR}/prometheus.yml`,
          "--storage.tsdb.path=/prometheus",
          `--storage.tsdb.retention.time=${s.retentionDays}d`,
          `--web.listen-address=:${EXPORTER_PORTS.prometheus}`,
          // A new prometheus.yml or rule file takes effect with a POST, without losing the head block.
          "--web.enable-lifecycle",
        ],
        // Loopback only: the UI has no authentication of its own.
        ports: [`127.0.0.1:${localPort}:${EXPORTER_PORTS.prometheus}`],
        volumes: [`${configDir.replace(/\/+$/, "")}:${PROMETHEUS_CONFIG_DIR}:ro`, "prometheus-data:/prometheus"],
        networks: [METRICS_NETWORK, apiKey],
      },
      [n.alertmanager]: {
        ...base,
        image: images.alertmanager,
        // alertmanager.yml (renderAlertmanagerConfig) names the stack's SNS topic; the publish is signed with the instance role (IMDSv2, hop limit 2).
        command: [`--config.file=/etc/alertmanager/alertmanager.yml`, "--storage.path=/alertmanager", `--web.listen-address=:${EXPORTER_PORTS.alertmanager}`, "--cluster.listen-address="],
        // Loopback only, beside Prometheus: silences and what was sent, through the same tunnel.
        ports: [`127.0.0.1:${d.alertmanagerLocalPort}:${EXPORTER_PORTS.alertmanager}`],
        volumes: [`${d.alertmanagerConfigDir}:/etc/alertmanager:ro`, "alertmanager-data:/alertmanager"],
        // SNS is outside the host: the default network's egress.
        networks: [METRICS_NETWORK, "default"],
      },
      [n.nodeExporter]: {
        ...base,
        image: images.nodeExporter,
        // The host's /proc and /sys, not the container's: CPU, memory and disks of the instance.
        command: ["--path.procfs=/host/proc", "--path.sysfs=/host/sys", "--path.rootfs=/host/root"],
        pid: "host",
        volumes: ["/proc:/host/proc:ro", "/sys:/host/sys:ro", "/:/host/root:ro,rslave"],
        networks: [METRICS_NETWORK],
      },
      [n.nginxExporter]: {
        ...base,
        image: images.nginxExporter,
        // The serving colour's stub_status, through the `live` symlink: nginx makes its sockets 0666.
        command: [`--nginx.scrape-uri=unix:${EDGE_SOCKETS_MOUNT}/live/${statusSocket}:/stub_status`],
        volumes: [`${socketDir.replace(/\/+$/, "")}:${EDGE_SOCKETS_MOUNT}:ro`],
        networks: [METRICS_NETWORK],
      },
      [n.redisExporter]: {
        ...base,
        image: images.redisExporter,
        // The cache is outside the host (in the VPC): this one service needs the default network's egress.
        // No flags: REDIS_ADDR, REDIS_USER and REDIS_PASSWORD come from the env file (renderRedisExporterEnv).
        env_file: [{ path: envFile, required: false }],
        networks: [METRICS_NETWORK, "default"],
      },
    },
    networks: { [METRICS_NETWORK]: { internal: true }, [apiKey]: { external: true, name: apiNetwork } },
    volumes: { "prometheus-data": {}, "alertmanager-data": {} },
  };
}
