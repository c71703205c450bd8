import { stringify } from "yaml";
import { METRICS_SERVICE_NAMES, resolveObservabilitySettings, type ObservabilityArgs } from "./settings";

/** Where the Prometheus service mounts its rendered directory; the rule file sits beside the config. */
export const PROMETHEUS_CONFIG_DIR = "/etc/prometheus";
export const ALERT_RULES_FILE = "alert-rules.yml";

/** Ports the exporters listen on inside the metrics network (their images' defaults). */
export const EXPORTER_PORTS = { prometheus: 9090, nodeExporter: 9100, nginxExporter: 9113, redisExporter: 9121 } as const;

/** The scrape jobs, by name: alert rules and dashboards select on these `job` values. */
export const SCRAPE_JOBS = { api: "api", node: "node", nginx: "nginx", cache: "cache", prometheus: "prometheus" } as const;

/**
 * prometheus.yml for the single host. The API is found by DNS (every A record of `apiTarget`),
 * not listed: during a blue/green deploy both colours answer to the alias, and the one that is
 * stopped drops out of DNS instead of showing as a target that is down.
 * Retention is a command-line flag of the Prometheus service (prometheusServices), not a config key.
 */
export function renderPrometheusConfig(args: ObservabilityArgs = {}): string {
  const s = resolveObservabilitySettings(args);
  const interval = `${s.scrapeIntervalSeconds}s`;
  const staticJob = (job: string, target: string) => ({ job_name: job, static_configs: [{ targets: [target] }] });
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
    scrape_configs: [
      {
        job_name: SCRAPE_JOBS.api,
        metrics_path: s.apiMetricsPath,
        dns_sd_configs: [{ names: [s.apiTarget], type: "A", port: s.apiPort, refresh_interval: interval }],
      },
      staticJob(SCRAPE_JOBS.node, `${METRICS_SERVICE_NAMES.nodeExporter}:${EXPORTER_PORTS.nodeExporter}`),
      staticJob(SCRAPE_JOBS.nginx, `${METRICS_SERVICE_NAMES.nginxExporter}:${EXPORTER_PORTS.nginxExporter}`),
      staticJob(SCRAPE_JOBS.cache, `${METRICS_SERVICE_NAMES.redisExporter}:${EXPORTER_PORTS.redisExporter}`),
      staticJob(SCRAPE_JOBS.prometheus, `localhost:${EXPORTER_PORTS.prometheus}`),
    ],
  };
  return stringify(config, { lineWidth: 0 });
}
