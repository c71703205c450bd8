import { stringify } from "yaml";
import { InvalidArgumentError } from "@trafficlab/validation";
import { METRICS_SERVICE_NAMES, OBSERVABILITY, resolveObservabilitySettings, type ObservabilityArgs } from "./settings";

/** Where the Prometheus service mounts its rendered directory; the rule file sits beside the config. */
export const PROMETHEUS_CONFIG_DIR = "/etc/prometheus";
export const ALERT_RULES_FILE = "alert-rules.yml";

/** Ports the exporters listen on inside the metrics network (their images' defaults). */
export const EXPORTER_PORTS = { prometheus: 9090, nodeExporter: 9100, nginxExporter: 9113, redisExporter: 9121, alertmanager: 9093 } as const;

/** The scrape jobs, by name: alert rules and dashboards select on these `job` values. */
export const SCRAPE_JOBS = { api: "api", node: "node", nginx: "nginx", cache: "cache", prometheus: "prometheus" } as const;

export type ScrapeJob = keyof typeof SCRAPE_JOBS;

export interface PrometheusConfigOptions {
  /**
   * Fixed `host:port` targets for some jobs, in place of the API's DNS discovery and the exporters'
   * compose service names: for a Prometheus outside compose, such as the test that runs every
   * process on loopback. A job left out keeps its production targets.
   */
  staticTargets?: Partial<Record<ScrapeJob, string[]>>;
  /** `host:port` of the Alertmanager that firing alerts go to (metricsServices' alertmanager:9093). Default none: alerts stay in Prometheus. */
  alertmanager?: string;
}

const TARGET = /^(?:[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?|\[[0-9a-f:]+\]):\d{1,5}$/;

function staticTargets(options: PrometheusConfigOptions): Partial<Record<ScrapeJob, string[]>> {
  const given = options.staticTargets ?? {};
  for (const [job, targets] of Object.entries(given)) {
    if (!(job in SCRAPE_JOBS)) throw new InvalidArgumentError(OBSERVABILITY, "staticTargets", job, `Allowed: the jobs ${Object.keys(SCRAPE_JOBS).join(", ")}.`);
    const valid = Array.isArray(targets) && targets.length > 0 && targets.every((target) => typeof target === "string" && TARGET.test(target) && Number(target.slice(target.lastIndexOf(":") + 1)) <= 65535);
    if (!valid) throw new InvalidArgumentError(OBSERVABILITY, `staticTargets.${job}`, targets, "Allowed: a non-empty list of host:port, e.g. [\"127.0.0.1:9100\"].");
  }
  return given;
}

/**
 * prometheus.yml for the single host. The API is found by DNS (every A record of `apiTarget`),
 * not listed: during a blue/green deploy both colours answer to the alias, and the one that is
 * stopped drops out of DNS instead of showing as a target that is down.
 * Retention is a command-line flag of the Prometheus service (prometheusServices), not a config key.
 */
export function renderPrometheusConfig(args: ObservabilityArgs = {}, options: PrometheusConfigOptions = {}): string {
  const s = resolveObservabilitySettings(args);
  const fixed = staticTargets(options);
  const alertmanager = options.alertmanager;
  if (alertmanager !== undefined && (typeof alertmanager !== "string" || !TARGET.test(alertmanager))) throw new InvalidArgumentError(OBSERVABILITY, "alertmanager", alertmanager, "Allowed: host:port, e.g. alertmanager:9093.");
  const interval = `${s.scrapeIntervalSeconds}s`;
  const staticJob = (job: ScrapeJob, target: string) => ({ job_name: SCRAPE_JOBS[job], static_configs: [{ targets: fixed[job] ?? [target] }] });
  const apiDiscovery = fixed.api ? { static_configs: [{ targets: fixed.api }] } : { dns_sd_configs: [{ names: [s.apiTarget], type: "A", port: s.apiPort, refresh_interval: interval }] };
  const config = {
    global: {
      scrape_interval: interval,
      evaluation_interval: interval,
      // A scrape must finish before the next one starts.
      scrape_timeout: `${Math.min(10, s.scrapeIntervalSeconds)}s`,
      external_labels: { stack: s.stack },
    },
    // Relative: Prometheus reads it beside prometheus.yml, so the rendered directory is complete in itself.
    rule_files: [ALERT_RULES_FILE],
    ...(alertmanager ? { alerting: { alertmanagers: [{ static_configs: [{ targets: [alertmanager] }] }] } } : {}),
    scrape_configs: [
      {
        job_name: SCRAPE_JOBS.api,
        metrics_path: s.apiMetricsPath,
        ...apiDiscovery,
      },
      staticJob("node", `${METRICS_SERVICE_NAMES.nodeExporter}:${EXPORTER_PORTS.nodeExporter}`),
      staticJob("nginx", `${METRICS_SERVICE_NAMES.nginxExporter}:${EXPORTER_PORTS.nginxExporter}`),
      staticJob("cache", `${METRICS_SERVICE_NAMES.redisExporter}:${EXPORTER_PORTS.redisExporter}`),
      staticJob("prometheus", `localhost:${EXPORTER_PORTS.prometheus}`),
    ],
  };
  return stringify(config, { lineWidth: 0 });
}
