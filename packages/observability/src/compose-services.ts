import { InvalidArgumentError, requireIntegerInRange, requirePinnedImage } from "@trafficlab/validation";
import { OBSERVABILITY_IMAGES } from "./images";
import { EXPORTER_PORTS, PROMETHEUS_CONFIG_DIR } from "./prometheus-config";
import { METRICS_SERVICE_NAMES, OBSERVABILITY, resolveObservabilitySettings, type ObservabilityArgs } from "./settings";

/** The compose network the metrics services share; `internal`, so nothing on it reaches or is reached from outside the host. */
export const METRICS_NETWORK = "metrics";
/** Where the redis exporter reads its password map (redis_exporter's --redis.password-file: JSON, address → password). */
export const REDIS_PASSWORD_MOUNT = "/run/redis-exporter/passwords.json";

export interface MetricsServicesOptions extends ObservabilityArgs {
  /** The external Docker network the API containers (and nginx) are on: Prometheus scrapes the API there. */
  apiNetwork: string;
  /** The token cache to watch: its primary endpoint, port and RBAC user (a read-only monitoring user). */
  cache: { host: string; port?: number; user: string };
  /** nginx's stub_status URL, on a listener that is not published. */
  nginxStatusUrl?: string;
  /** Host directory holding prometheus.yml and the rule file, relative to the compose file. */
  configDir?: string;
  /** Host file holding renderRedisPasswordFile's output (mode 0600), relative to the compose file. */
  redisPasswordFile?: string;
  /** Port on the host's 127.0.0.1 where the Prometheus UI is published, for the SSH tunnel. */
  prometheusLocalPort?: number;
  /** Images, by service; a tag or digest, never `latest`. */
  images?: Partial<Record<keyof typeof OBSERVABILITY_IMAGES, string>>;
}

export const METRICS_SERVICES_DEFAULTS = {
  nginxStatusUrl: "http://nginx:8081/stub_status",
  configDir: "./prometheus",
  redisPasswordFile: "./secrets/redis-exporter-passwords.json",
  prometheusLocalPort: 9090,
  cachePort: 6379,
} as const;

/** A Docker Compose service, as these functions render it. */
export interface MetricsComposeService {
  image: string;
  command: string[];
  ports?: string[];
  volumes?: string[];
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

function matching(argument: string, value: string, pattern: RegExp, allowed: string): string {
  if (typeof value === "string" && pattern.test(value)) return value;
  throw new InvalidArgumentError(OBSERVABILITY, argument, value, allowed);
}

/** The address the redis exporter dials: TLS always, as the token cache has transit encryption on. */
export function cacheAddress(cache: { host: string; port?: number }): string {
  return `rediss://${cache.host}:${cache.port ?? METRICS_SERVICES_DEFAULTS.cachePort}`;
}

/**
 * The redis exporter's password file: a JSON map from the address it dials to the password.
 * Pass the password through an Output's apply and write the result as a secret file; it is never
 * on a command line or in the compose file.
 */
export function renderRedisPasswordFile(cache: { host: string; port?: number }, password: string): string {
  return `${JSON.stringify({ [cacheAddress(cache)]: password })}\n`;
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
  const cacheHost = matching("cache.host", options.cache?.host, HOST, "Allowed: the cache's primary endpoint host name, e.g. master.dev-cache.abc123.apne2.cache.amazonaws.com.");
  const cachePort = requireIntegerInRange(OBSERVABILITY, "cache.port", options.cache?.port ?? d.cachePort, 1, 65535);
  const cacheUser = matching("cache.user", options.cache?.user, /^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/, "Allowed: an ElastiCache user name (letters, digits, '-' and '_').");
  const nginxStatusUrl = matching("nginxStatusUrl", options.nginxStatusUrl ?? d.nginxStatusUrl, /^http:\/\/[a-z0-9.-]+(?::\d{1,5})?\/[A-Za-z0-9._~/-]*$/, "Allowed: an http URL of nginx's stub_status on the host's networks, e.g. http://nginx:8081/stub_status.");
  const configDir = matching("configDir", options.configDir ?? d.configDir, RELATIVE, "Allowed: a path relative to the compose file, e.g. ./prometheus.");
  const passwordFile = matching("redisPasswordFile", options.redisPasswordFile ?? d.redisPasswordFile, RELATIVE, "Allowed: a path relative to the compose file, e.g. ./secrets/redis-exporter-passwords.json.");
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
        networks: [METRICS_NETWORK, apiNetwork],
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
        command: [`--nginx.scrape-uri=${nginxStatusUrl}`],
        networks: [METRICS_NETWORK, apiNetwork],
      },
      [n.redisExporter]: {
        ...base,
        image: images.redisExporter,
        // The cache is outside the host (in the VPC): this one service needs the default network's egress.
        command: [`--redis.addr=${cacheAddress({ host: cacheHost, port: cachePort })}`, `--redis.user=${cacheUser}`, `--redis.password-file=${REDIS_PASSWORD_MOUNT}`],
        volumes: [`${passwordFile}:${REDIS_PASSWORD_MOUNT}:ro`],
        networks: [METRICS_NETWORK, "default"],
      },
    },
    networks: { [METRICS_NETWORK]: { internal: true }, [apiNetwork]: { external: true, name: apiNetwork } },
    volumes: { "prometheus-data": {} },
  };
}
