import { SCRAPE_JOBS } from "./prometheus-config";
import { resolveObservabilitySettings, type ObservabilityArgs } from "./settings";

/** A PromQL query of a panel, against the Prometheus data source. */
export interface PromQuery {
  kind: "promql";
  refId: string;
  expr: string;
  legendFormat: string;
}

/** An RDS metric of a panel, against the CloudWatch data source (RDS is watched through CloudWatch: see README). */
export interface CloudWatchQuery {
  kind: "cloudwatch";
  refId: string;
  namespace: "AWS/RDS";
  metricName: string;
  statistic: "Average" | "Maximum" | "Minimum";
}

export interface PanelSpec {
  title: string;
  unit: string;
  queries: (PromQuery | CloudWatchQuery)[];
  /** A red line at the alert's threshold, where the panel shows an alerted value. */
  threshold?: number;
}

export interface DashboardSpec {
  uid: string;
  title: string;
  /** Rows of panels, top to bottom; each row is split evenly across Grafana's 24 columns. */
  rows: PanelSpec[][];
}

const prom = (refId: string, expr: string, legendFormat: string): PromQuery => ({ kind: "promql", refId, expr, legendFormat });
const rds = (refId: string, metricName: string, statistic: CloudWatchQuery["statistic"] = "Average"): CloudWatchQuery => ({ kind: "cloudwatch", refId, namespace: "AWS/RDS", metricName, statistic });

/** One dashboard per concern, thresholds from the same settings as the alert rules. */
export function dashboardSpecs(args: ObservabilityArgs = {}): DashboardSpec[] {
  const s = resolveObservabilitySettings(args);
  const api = `job="${SCRAPE_JOBS.api}"`;
  const traffic = `${api}, uri!~"/actuator.*"`;
  const rate = (selector: string) => `rate(http_server_requests_seconds_count{${selector}}[$__rate_interval])`;
  return [
    {
      uid: "trafficlab-golden-signals",
      title: "API: golden signals per route",
      rows: [
        [
          { title: "p99 latency by route", unit: "s", threshold: s.p99TargetMs / 1000, queries: [prom("A", `histogram_quantile(0.99, sum by (le, uri) (rate(http_server_requests_seconds_bucket{${traffic}}[$__rate_interval])))`, "{{uri}}")] },
          { title: "Requests per second by route", unit: "reqps", queries: [prom("A", `sum by (uri) (${rate(traffic)})`, "{{uri}}")] },
        ],
        [
          // `or vector(0)`: with no 5xx at all the numerator has no series, and the panel would say "No data", not 0 %.
          { title: "5xx share of requests", unit: "percent", threshold: s.errorRatePercent, queries: [prom("A", `100 * (sum(${rate(`${traffic}, status=~"5.."`)}) or vector(0)) / sum(${rate(traffic)})`, "5xx")] },
          { title: "Responses by status", unit: "reqps", queries: [prom("A", `sum by (status) (${rate(traffic)})`, "{{status}}")] },
        ],
        [{ title: "Request saturation: in-flight requests (nginx)", unit: "short", queries: [prom("A", `sum(nginx_connections_active{job="${SCRAPE_JOBS.nginx}"})`, "active connections")] }],
      ],
    },
    {
      uid: "trafficlab-jvm-hikari",
      title: "API: JVM and connection pool",
      rows: [
        [
          { title: "Heap used / max", unit: "percent", threshold: s.heapAlertPercent, queries: [prom("A", `100 * sum by (instance) (jvm_memory_used_bytes{${api}, area="heap"}) / sum by (instance) (jvm_memory_max_bytes{${api}, area="heap"} > 0)`, "{{instance}}")] },
          { title: "GC pause time per second", unit: "s", queries: [prom("A", `sum by (instance) (rate(jvm_gc_pause_seconds_sum{${api}}[$__rate_interval]))`, "{{instance}}")] },
        ],
        [
          { title: "Hikari connections", unit: "short", queries: [prom("A", `sum by (pool) (hikaricp_connections_active{${api}})`, "active {{pool}}"), prom("B", `sum by (pool) (hikaricp_connections_idle{${api}})`, "idle {{pool}}"), prom("C", `sum by (pool) (hikaricp_connections_pending{${api}})`, "pending {{pool}}")] },
          { title: "Hikari acquire time (mean)", unit: "s", queries: [prom("A", `sum by (pool) (rate(hikaricp_connections_acquire_seconds_sum{${api}}[$__rate_interval])) / sum by (pool) (rate(hikaricp_connections_acquire_seconds_count{${api}}[$__rate_interval]))`, "{{pool}}")] },
        ],
        [{ title: "Live threads", unit: "short", queries: [prom("A", `sum by (instance) (jvm_threads_live_threads{${api}})`, "{{instance}}")] }],
      ],
    },
    {
      uid: "trafficlab-cache",
      title: "Token cache (Valkey)",
      rows: [
        [
          { title: "Memory used vs token budget", unit: "bytes", threshold: s.cacheBudgetBytes, queries: [prom("A", `max(redis_memory_used_bytes{job="${SCRAPE_JOBS.cache}"})`, "used")] },
          { title: "Evicted keys per second", unit: "short", queries: [prom("A", `sum(rate(redis_evicted_keys_total{job="${SCRAPE_JOBS.cache}"}[$__rate_interval]))`, "evicted")] },
        ],
        [
          { title: "Connected clients", unit: "short", queries: [prom("A", `sum(redis_connected_clients{job="${SCRAPE_JOBS.cache}"})`, "clients")] },
          { title: "Commands per second", unit: "ops", queries: [prom("A", `sum(rate(redis_commands_processed_total{job="${SCRAPE_JOBS.cache}"}[$__rate_interval]))`, "commands")] },
        ],
      ],
    },
    {
      uid: "trafficlab-database",
      title: "Database (RDS MySQL)",
      rows: [
        [
          { title: "RDS CPU", unit: "percent", queries: [rds("A", "CPUUtilization")] },
          { title: "RDS connections", unit: "short", queries: [rds("A", "DatabaseConnections", "Maximum")] },
        ],
        [
          { title: "RDS read / write latency", unit: "s", queries: [rds("A", "ReadLatency"), rds("B", "WriteLatency")] },
          { title: "RDS free storage and memory", unit: "bytes", queries: [rds("A", "FreeStorageSpace", "Minimum"), rds("B", "FreeableMemory", "Minimum")] },
        ],
        // The database as the API sees it: time to get a connection, and the waits the pool alerts on.
        [
          { title: "Pool acquire time (mean)", unit: "s", queries: [prom("A", `sum(rate(hikaricp_connections_acquire_seconds_sum{${api}}[$__rate_interval])) / sum(rate(hikaricp_connections_acquire_seconds_count{${api}}[$__rate_interval]))`, "acquire")] },
          { title: "Pool timeouts per second", unit: "short", queries: [prom("A", `sum(rate(hikaricp_connections_timeout_total{${api}}[$__rate_interval]))`, "timeouts")] },
        ],
      ],
    },
    {
      uid: "trafficlab-host",
      title: "Host and fleet",
      rows: [
        [
          { title: "CPU busy vs scale-out target", unit: "percent", threshold: s.cpuTargetPercent, queries: [prom("A", `100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{job="${SCRAPE_JOBS.node}", mode="idle"}[$__rate_interval])))`, "{{instance}}")] },
          { title: "Memory available", unit: "bytes", queries: [prom("A", `node_memory_MemAvailable_bytes{job="${SCRAPE_JOBS.node}"}`, "{{instance}}")] },
        ],
        [
          { title: "Root disk free", unit: "percent", queries: [prom("A", `100 * node_filesystem_avail_bytes{job="${SCRAPE_JOBS.node}", mountpoint="/"} / node_filesystem_size_bytes{job="${SCRAPE_JOBS.node}", mountpoint="/"}`, "{{instance}}")] },
          { title: "Targets up", unit: "short", queries: [prom("A", "sum by (job) (up)", "{{job}}")] },
        ],
      ],
    },
  ];
}

/** Grafana's dashboard JSON model, the part these dashboards use. */
export interface GrafanaDashboard {
  uid: string;
  title: string;
  tags: string[];
  schemaVersion: number;
  editable: boolean;
  time: { from: string; to: string };
  refresh: string;
  templating: { list: { name: string; type: "datasource" | "textbox"; query: string; label: string }[] };
  panels: {
    id: number;
    type: "timeseries";
    title: string;
    gridPos: { x: number; y: number; w: number; h: number };
    datasource: { type: string; uid: string };
    fieldConfig: { defaults: { unit: string; thresholds?: { mode: "absolute"; steps: { color: string; value: number | null }[] }; custom?: { thresholdsStyle: { mode: "line" } } }; overrides: [] };
    targets: Record<string, unknown>[];
  }[];
}

const PANEL_HEIGHT = 8;
const PROMETHEUS_SOURCE = { type: "prometheus", uid: "${prometheus}" };
const CLOUDWATCH_SOURCE = { type: "cloudwatch", uid: "${cloudwatch}" };

function target(query: PromQuery | CloudWatchQuery): Record<string, unknown> {
  if (query.kind === "promql") return { refId: query.refId, datasource: PROMETHEUS_SOURCE, expr: query.expr, legendFormat: query.legendFormat };
  return {
    refId: query.refId,
    datasource: CLOUDWATCH_SOURCE,
    queryMode: "Metrics",
    namespace: query.namespace,
    metricName: query.metricName,
    statistic: query.statistic,
    dimensions: { DBInstanceIdentifier: "$db_instance" },
    region: "default",
    matchExact: true,
  };
}

/** A dashboard spec as Grafana JSON: panels laid out row by row, data sources as variables. */
export function renderDashboard(spec: DashboardSpec, stack = "dev"): GrafanaDashboard {
  let id = 0;
  const panels = spec.rows.flatMap((row, rowIndex) => {
    const width = Math.floor(24 / row.length);
    return row.map((panel, column) => {
      const sources = new Set(panel.queries.map((query) => query.kind));
      if (sources.size !== 1) throw new Error(`${spec.uid} / ${panel.title}: one data source per panel`);
      return {
        id: ++id,
        type: "timeseries" as const,
        title: panel.title,
        gridPos: { x: column * width, y: rowIndex * PANEL_HEIGHT, w: width, h: PANEL_HEIGHT },
        datasource: sources.has("promql") ? PROMETHEUS_SOURCE : CLOUDWATCH_SOURCE,
        fieldConfig: {
          defaults: {
            unit: panel.unit,
            ...(panel.threshold === undefined
              ? {}
              : { thresholds: { mode: "absolute" as const, steps: [{ color: "green", value: null }, { color: "red", value: panel.threshold }] }, custom: { thresholdsStyle: { mode: "line" as const } } }),
          },
          overrides: [] as [],
        },
        targets: panel.queries.map(target),
      };
    });
  });
  const usesCloudWatch = spec.rows.some((row) => row.some((panel) => panel.queries.some((query) => query.kind === "cloudwatch")));
  return {
    uid: spec.uid,
    title: spec.title,
    tags: ["trafficlab", stack],
    schemaVersion: 39,
    editable: false,
    time: { from: "now-6h", to: "now" },
    refresh: "1m",
    templating: {
      list: [
        { name: "prometheus", type: "datasource", query: "prometheus", label: "Prometheus" },
        // The RDS instance identifier: the stack's database output, typed in once per Grafana.
        ...(usesCloudWatch
          ? [
              { name: "cloudwatch", type: "datasource" as const, query: "cloudwatch", label: "CloudWatch" },
              { name: "db_instance", type: "textbox" as const, query: "", label: "RDS instance" },
            ]
          : []),
      ],
    },
    panels,
  };
}

/** Every dashboard as Grafana JSON, by file name. */
export function renderDashboards(args: ObservabilityArgs = {}): Record<string, string> {
  const stack = resolveObservabilitySettings(args).stack;
  return Object.fromEntries(dashboardSpecs(args).map((spec) => [`${spec.uid}.json`, `${JSON.stringify(renderDashboard(spec, stack), null, 2)}\n`]));
}

/** Every panel's PromQL query, `$__rate_interval` included: what a test runs against a real Prometheus. */
export interface PanelQuery {
  dashboard: string;
  panel: string;
  refId: string;
  expr: string;
}

export function dashboardQueries(args: ObservabilityArgs = {}): PanelQuery[] {
  return dashboardSpecs(args).flatMap((spec) =>
    spec.rows.flat().flatMap((panel) => panel.queries.filter((query): query is PromQuery => query.kind === "promql").map((query) => ({ dashboard: spec.uid, panel: panel.title, refId: query.refId, expr: query.expr }))),
  );
}

/** `$__rate_interval` as Grafana would set it for a scrape interval: four scrapes, so a rate always has two samples. */
export function withGrafanaVariables(expr: string, scrapeIntervalSeconds: number): string {
  return expr.split("$__rate_interval").join(`${4 * scrapeIntervalSeconds}s`);
}
