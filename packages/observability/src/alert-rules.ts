import { stringify } from "yaml";
import { InvalidArgumentError } from "@trafficlab/validation";
import { SCRAPE_JOBS } from "./prometheus-config";
import { OBSERVABILITY, resolveObservabilitySettings, type ObservabilityArgs } from "./settings";

/** One Prometheus alerting rule, as it stands in a rule file. */
export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: "page" | "ticket" };
  annotations: { summary: string };
}

/** How long each condition must hold before its alert fires: long enough to ride out one slow GC or one deploy. */
export const ALERT_FOR = {
  ApiRouteP99Slow: "5m",
  ApiServerErrors: "5m",
  HikariPendingConnections: "2m",
  JvmHeapHigh: "5m",
  CacheMemoryOverBudget: "10m",
  HostCpuAboveScaleTarget: "15m",
  TargetDown: "2m",
  ApiAbsent: "2m",
} as const;

export type AlertName = keyof typeof ALERT_FOR;

export interface AlertRuleOptions {
  /**
   * A `for` other than ALERT_FOR's, by alert, as a Prometheus duration (`30s`, `2m`, `1h`): for
   * a test that must see an alert fire within seconds. Production keeps ALERT_FOR.
   */
  for?: Partial<Record<AlertName, string>>;
}

const DURATION = /^[1-9]\d{0,5}[smh]$/;

function alertFor(options: AlertRuleOptions): Record<AlertName, string> {
  const given = options.for ?? {};
  for (const [alert, duration] of Object.entries(given)) {
    if (!(alert in ALERT_FOR)) throw new InvalidArgumentError(OBSERVABILITY, "for", alert, `Allowed: the alerts ${Object.keys(ALERT_FOR).join(", ")}.`);
    if (typeof duration !== "string" || !DURATION.test(duration)) throw new InvalidArgumentError(OBSERVABILITY, `for.${alert}`, duration, "Allowed: a Prometheus duration in whole seconds, minutes or hours, e.g. 30s, 5m or 1h.");
  }
  return { ...ALERT_FOR, ...given };
}

/** Every alert rule, from the settings that size the stack. */
export function alertRules(args: ObservabilityArgs = {}, options: AlertRuleOptions = {}): AlertRule[] {
  const s = resolveObservabilitySettings(args);
  const waits = alertFor(options);
  const api = `job="${SCRAPE_JOBS.api}"`;
  // Requests to the actuator itself (scrapes, health checks) are not the API's traffic.
  const traffic = `${api}, uri!~"/actuator.*"`;
  const rule = (alert: AlertName, severity: AlertRule["labels"]["severity"], expr: string, summary: string): AlertRule => ({
    alert,
    expr,
    for: waits[alert],
    labels: { severity },
    annotations: { summary },
  });
  return [
    rule(
      "ApiRouteP99Slow",
      "page",
      // Per route across instances; needs Micrometer's percentiles-histogram for http.server.requests.
      `histogram_quantile(0.99, sum by (le, uri) (rate(http_server_requests_seconds_bucket{${traffic}}[5m]))) > ${s.p99TargetMs / 1000}`,
      `p99 of {{ $labels.uri }} above ${s.p99TargetMs} ms for ${waits.ApiRouteP99Slow}`,
    ),
    rule(
      "ApiServerErrors",
      "page",
      `100 * sum(rate(http_server_requests_seconds_count{${traffic}, status=~"5.."}[5m])) / sum(rate(http_server_requests_seconds_count{${traffic}}[5m])) > ${s.errorRatePercent}`,
      `more than ${s.errorRatePercent} % of requests answered 5xx for ${waits.ApiServerErrors}`,
    ),
    rule(
      "HikariPendingConnections",
      "ticket",
      // Any zero sample resets the wait: only a pool that never catches up fires.
      `max by (instance, pool) (hikaricp_connections_pending{${api}}) > 0`,
      `threads of {{ $labels.instance }} waited for a database connection of pool {{ $labels.pool }} for ${waits.HikariPendingConnections}`,
    ),
    rule(
      "JvmHeapHigh",
      "ticket",
      // G1's eden and survivor report max -1 (no own limit): only pools with a limit make up the maximum.
      `100 * sum by (instance) (jvm_memory_used_bytes{${api}, area="heap"}) / sum by (instance) (jvm_memory_max_bytes{${api}, area="heap"} > 0) > ${s.heapAlertPercent}`,
      `JVM heap of {{ $labels.instance }} above ${s.heapAlertPercent} % of its maximum for ${waits.JvmHeapHigh}`,
    ),
    rule(
      "CacheMemoryOverBudget",
      "ticket",
      `max by (instance) (redis_memory_used_bytes{job="${SCRAPE_JOBS.cache}"}) > ${s.cacheBudgetBytes}`,
      `the token cache uses more than the ${(s.cacheBudgetBytes / 1e6).toFixed(1)} MB its node was sized for`,
    ),
    rule(
      "HostCpuAboveScaleTarget",
      "ticket",
      `100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{job="${SCRAPE_JOBS.node}", mode="idle"}[5m]))) > ${s.cpuTargetPercent}`,
      `CPU of {{ $labels.instance }} above the ${s.cpuTargetPercent} % scale-out target for ${waits.HostCpuAboveScaleTarget}`,
    ),
    rule("TargetDown", "page", "up == 0", `{{ $labels.job }} target {{ $labels.instance }} is not answering scrapes`),
    // DNS discovery finds no API at all when every container is gone: up == 0 cannot see that.
    rule("ApiAbsent", "page", `absent(up{${api}})`, "no API container answers to its metrics name"),
  ];
}

/** The Prometheus rule file (YAML) with every alert rule. */
export function renderAlertRules(args: ObservabilityArgs = {}, options: AlertRuleOptions = {}): string {
  return stringify({ groups: [{ name: "trafficlab", rules: alertRules(args, options) }] }, { lineWidth: 0 });
}
