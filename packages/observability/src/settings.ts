import { ArgumentChecks, InvalidArgumentError, requireIntegerInRange } from "@trafficlab/validation";

/** How errors from this package name their source. */
export const OBSERVABILITY = "@trafficlab/observability";

/** Compose service names of the metrics services, also the names Prometheus scrapes them by. */
export const METRICS_SERVICE_NAMES = {
  prometheus: "prometheus",
  nodeExporter: "node-exporter",
  nginxExporter: "nginx-exporter",
  redisExporter: "redis-exporter",
  alertmanager: "alertmanager",
} as const;

export interface ObservabilityArgs {
  /** Seconds between two scrapes of every target (and between two rule evaluations). */
  scrapeIntervalSeconds?: number;
  /** Days Prometheus keeps samples on the host's disk. */
  retentionDays?: number;
  /** The route p99 response time the API is held to, milliseconds (the series' target). */
  p99TargetMs?: number;
  /** Share of requests answered 5xx, over 5 minutes, above which the API alerts, percent. */
  errorRatePercent?: number;
  /** JVM heap in use, as a share of its maximum, above which the API alerts, percent. */
  heapAlertPercent?: number;
  /** Average CPU the fleet scales out to keep (the fleet's cpuTargetPercent); sustained above it alerts. */
  cpuTargetPercent?: number;
  /** Bytes of refresh tokens the cache is sized for (token cache: expectedUsers × bytesPerUser); used memory above it alerts. */
  cacheBudgetBytes?: number;
  /** DNS name every running API container answers to on the metrics network (a network alias shared by blue and green). */
  apiTarget?: string;
  /** Port of the API's `/actuator/prometheus` (Spring Boot's management port). */
  apiPort?: number;
  /** Path of the API's Micrometer endpoint. */
  apiMetricsPath?: string;
  /** The value of the `stack` label on every series and alert (dev, prod). */
  stack?: string;
}

/**
 * The design's numbers: p99 ≤ 500 ms, the fleet's 70 % CPU target, and 886,440 users × 340 bytes
 * of refresh tokens (about 300 MB). The CPU target and cache budget equal @trafficlab/fleet's and
 * @trafficlab/token-cache's defaults (a test holds them equal), without depending on those packages.
 */
export const OBSERVABILITY_DEFAULTS = {
  scrapeIntervalSeconds: 15,
  retentionDays: 15,
  p99TargetMs: 500,
  errorRatePercent: 1,
  heapAlertPercent: 90,
  cpuTargetPercent: 70,
  cacheBudgetBytes: 886_440 * 340,
  apiTarget: "api",
  apiPort: 8080,
  apiMetricsPath: "/actuator/prometheus",
  stack: "dev",
} as const;

export type ObservabilitySettings = { -readonly [K in keyof typeof OBSERVABILITY_DEFAULTS]: (typeof OBSERVABILITY_DEFAULTS)[K] extends string ? string : number };

const DNS_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;
const LABEL_VALUE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/** Checks every argument; throws one InvalidArgumentError naming all the problems. */
export function resolveObservabilitySettings(args: ObservabilityArgs = {}): ObservabilitySettings {
  const d = OBSERVABILITY_DEFAULTS;
  const checks = new ArgumentChecks(OBSERVABILITY);
  const integer = (name: keyof ObservabilityArgs, value: number, min: number, max: number, fallback: number, why = "") =>
    checks.take(() => requireIntegerInRange(OBSERVABILITY, name, value, min, max, why), fallback);
  const matching = (name: keyof ObservabilityArgs, value: string, pattern: RegExp, allowed: string): string => {
    if (typeof value === "string" && pattern.test(value)) return value;
    checks.refuse(name, value, allowed);
    return "";
  };
  const settings: ObservabilitySettings = {
    scrapeIntervalSeconds: integer("scrapeIntervalSeconds", args.scrapeIntervalSeconds ?? d.scrapeIntervalSeconds, 5, 300, d.scrapeIntervalSeconds, "The p99 alert needs at least two scrapes in its 5-minute window; below 5 s the API spends its time on metrics."),
    retentionDays: integer("retentionDays", args.retentionDays ?? d.retentionDays, 1, 3650, d.retentionDays, "15 days covers two weekly cycles; the host's disk bounds the rest."),
    p99TargetMs: integer("p99TargetMs", args.p99TargetMs ?? d.p99TargetMs, 10, 60_000, d.p99TargetMs),
    errorRatePercent: checks.take(() => {
      const value = args.errorRatePercent ?? d.errorRatePercent;
      if (typeof value === "number" && Number.isFinite(value) && value > 0 && value <= 100) return value;
      throw new InvalidArgumentError(OBSERVABILITY, "errorRatePercent", value, "Allowed: a number above 0 and at most 100, e.g. 1 or 0.5.");
    }, d.errorRatePercent),
    heapAlertPercent: integer("heapAlertPercent", args.heapAlertPercent ?? d.heapAlertPercent, 50, 99, d.heapAlertPercent),
    cpuTargetPercent: integer("cpuTargetPercent", args.cpuTargetPercent ?? d.cpuTargetPercent, 10, 90, d.cpuTargetPercent, "The fleet's own range for its scale-out target."),
    cacheBudgetBytes: integer("cacheBudgetBytes", args.cacheBudgetBytes ?? d.cacheBudgetBytes, 1_000_000, 1024 ** 4, d.cacheBudgetBytes, "A byte count, e.g. 301389600 for 886,440 users × 340 bytes."),
    apiTarget: matching("apiTarget", args.apiTarget ?? d.apiTarget, DNS_NAME, "Allowed: a lower-case DNS name such as api, the network alias of the API's containers."),
    apiPort: integer("apiPort", args.apiPort ?? d.apiPort, 1, 65535, d.apiPort),
    apiMetricsPath: matching("apiMetricsPath", args.apiMetricsPath ?? d.apiMetricsPath, /^\/[A-Za-z0-9._~/-]*$/, "Allowed: a URI path starting with /, e.g. /actuator/prometheus."),
    stack: matching("stack", args.stack ?? d.stack, LABEL_VALUE, "Allowed: letters, digits, '.', '_' and '-', starting with a letter or digit, at most 63 characters."),
  };
  checks.done();
  return settings;
}
