import { expect } from "chai";
import { parse } from "yaml";
import { parser } from "@prometheus-io/lezer-promql";
import { DOCUMENT_BYTES_PER_USER, DOCUMENT_USERS, requiredBytes } from "@trafficlab/token-cache";
import {
  IMAGES_AWAITING_DIGEST,
  OBSERVABILITY_DEFAULTS,
  OBSERVABILITY_IMAGES,
  alertRules,
  dashboardQueries,
  dashboardSpecs,
  metricsServices,
  renderAlertRules,
  renderAlertmanagerConfig,
  renderDashboards,
  renderPrometheusConfig,
  renderRedisExporterEnv,
  withGrafanaVariables,
  type GrafanaDashboard,
} from "../src";

/** The PromQL parser Prometheus' own UI uses: a query parses when its tree has no error node. */
function promqlErrors(expr: string): string[] {
  const errors: string[] = [];
  parser.parse(expr).iterate({
    enter: (node) => {
      if (node.type.isError) errors.push(`at ${node.from}: ${JSON.stringify(expr.slice(Math.max(0, node.from - 10), node.to + 10))}`);
    },
  });
  return errors;
}

const services = (args: Partial<Parameters<typeof metricsServices>[0]> = {}) =>
  metricsServices({ apiNetwork: "trafficlab-api", edgeSocketDir: "./edge", ...args });

describe("@trafficlab/observability", () => {
  describe("settings", () => {
    // The fleet's CPU target is held equal in packages/fleet (fleet-metrics.test.ts): the fleet depends on this package.
    it("defaults to the token cache's refresh-token budget", () => {
      expect(OBSERVABILITY_DEFAULTS.cacheBudgetBytes).to.equal(requiredBytes(DOCUMENT_USERS, DOCUMENT_BYTES_PER_USER));
      expect(OBSERVABILITY_DEFAULTS.retentionDays).to.be.at.least(15);
    });

    it("refuses bad input naming every setting, its value and what is allowed", () => {
      expect(() => renderAlertRules({ cpuTargetPercent: 95, retentionDays: 0, errorRatePercent: -1, apiTarget: "API_host" }))
        .to.throw(/cpuTargetPercent = 95 is not allowed\. Allowed: a whole number from 10 to 90/)
        .that.satisfies((error: Error) => /retentionDays = 0/.test(error.message) && /errorRatePercent = -1/.test(error.message) && /apiTarget = "API_host"/.test(error.message));
      expect(() => services({ images: { nginxExporter: "nginx/nginx-prometheus-exporter:latest" } })).to.throw(/images\.nginxExporter = "nginx\/nginx-prometheus-exporter:latest"/);
      expect(() => services({ edgeSocketDir: "/opt/edge" })).to.throw(/edgeSocketDir = "\/opt\/edge"/);
      expect(() => renderRedisExporterEnv({ host: "redis://x", user: "metrics" }, "s3cret")).to.throw(/cache\.host = "redis:\/\/x"/);
      expect(() => renderRedisExporterEnv({ host: "cache.internal", user: "metrics" }, "two\nlines")).to.throw(/password = "\(secret\)"/).that.satisfies((error: Error) => !error.message.includes("two"));
      expect(() => services({ prometheusLocalPort: 80 })).to.throw(/prometheusLocalPort = 80 .*1024 to 65535/);
    });
  });

  describe("renderPrometheusConfig", () => {
    it("scrapes the API's Micrometer endpoint found by DNS, and each exporter, at the scrape interval", () => {
      const config = parse(renderPrometheusConfig({ scrapeIntervalSeconds: 30, stack: "prod" }));
      expect(config.global).to.deep.include({ scrape_interval: "30s", evaluation_interval: "30s", external_labels: { stack: "prod" } });
      expect(config.rule_files).to.deep.equal(["alert-rules.yml"]);
      const jobs = Object.fromEntries(config.scrape_configs.map((job: { job_name: string }) => [job.job_name, job]));
      expect(Object.keys(jobs)).to.have.members(["api", "node", "nginx", "cache", "prometheus"]);
      expect(jobs.api).to.deep.equal({ job_name: "api", metrics_path: "/actuator/prometheus", dns_sd_configs: [{ names: ["api"], type: "A", port: 8080, refresh_interval: "30s" }] });
      expect(jobs.cache.static_configs).to.deep.equal([{ targets: ["redis-exporter:9121"] }]);
    });

    it("sends firing alerts to an Alertmanager only when given one", () => {
      expect(parse(renderPrometheusConfig()).alerting).to.equal(undefined);
      expect(parse(renderPrometheusConfig({}, { alertmanager: "alertmanager:9093" })).alerting).to.deep.equal({ alertmanagers: [{ static_configs: [{ targets: ["alertmanager:9093"] }] }] });
      expect(() => renderPrometheusConfig({}, { alertmanager: "http://alertmanager" })).to.throw(/alertmanager = "http:\/\/alertmanager"/);
      expect(() => renderAlertmanagerConfig("arn:aws:sqs:ap-northeast-2:123456789012:q", "ap-northeast-2")).to.throw(/topicArn = "arn:aws:sqs/);
    });

    it("takes fixed targets per job (a Prometheus outside compose), leaving the other jobs and the default rendering as they are", () => {
      const jobsOf = (yaml: string) => Object.fromEntries(parse(yaml).scrape_configs.map((job: { job_name: string }) => [job.job_name, job]));
      const jobs = jobsOf(renderPrometheusConfig({}, { staticTargets: { api: ["127.0.0.1:18080"], node: ["127.0.0.1:19100", "[::1]:19100"] } }));
      expect(jobs.api).to.deep.equal({ job_name: "api", metrics_path: "/actuator/prometheus", static_configs: [{ targets: ["127.0.0.1:18080"] }] });
      expect(jobs.node.static_configs).to.deep.equal([{ targets: ["127.0.0.1:19100", "[::1]:19100"] }]);
      expect(jobs.cache.static_configs).to.deep.equal([{ targets: ["redis-exporter:9121"] }]);
      expect(renderPrometheusConfig({}, {})).to.equal(renderPrometheusConfig());
      expect(() => renderPrometheusConfig({}, { staticTargets: { grafana: ["127.0.0.1:3000"] } as never })).to.throw(/staticTargets = "grafana".*api, node, nginx, cache, prometheus/);
      expect(() => renderPrometheusConfig({}, { staticTargets: { node: [] } })).to.throw(/staticTargets\.node/);
      expect(() => renderPrometheusConfig({}, { staticTargets: { node: ["http://127.0.0.1:9100"] } })).to.throw(/staticTargets\.node/);
      expect(() => renderPrometheusConfig({}, { staticTargets: { node: ["127.0.0.1:99999"] } })).to.throw(/staticTargets\.node/);
    });
  });

  describe("metricsServices", () => {
    it("publishes only Prometheus and Alertmanager, on 127.0.0.1, keeps the retention and pins every image", () => {
      const fragment = services({ retentionDays: 30 });
      const published = Object.entries(fragment.services).filter(([, service]) => service.ports !== undefined);
      expect(published.map(([name]) => name)).to.deep.equal(["prometheus", "alertmanager"]);
      expect(fragment.services.prometheus!.ports).to.deep.equal(["127.0.0.1:9090:9090"]);
      expect(fragment.services.alertmanager!.ports).to.deep.equal(["127.0.0.1:9093:9093"]);
      expect(fragment.services.prometheus!.command).to.include("--storage.tsdb.retention.time=30d");
      expect(fragment.networks.metrics).to.deep.equal({ internal: true });
      for (const service of Object.values(fragment.services)) {
        expect(service.networks).to.include("metrics");
        expect(service.image).to.not.match(/:latest$/);
      }
      expect(Object.values(OBSERVABILITY_IMAGES).filter((image) => image.includes("@sha256:"))).to.have.length(Object.keys(OBSERVABILITY_IMAGES).length - IMAGES_AWAITING_DIGEST.length);
    });

    it("dials the cache over TLS with its user from an env file written after the cache exists, never from compose.yaml", () => {
      const redis = services().services["redis-exporter"]!;
      expect(redis.command).to.equal(undefined);
      expect(redis.env_file).to.deep.equal([{ path: "./secrets/redis-exporter.env", required: false }]);
      expect(redis.networks).to.deep.equal(["metrics", "default"]);
      expect(renderRedisExporterEnv({ host: "master.dev-cache.abc123.apne2.cache.amazonaws.com", user: "dev-tokens-monitor" }, "s3cret")).to.equal(
        "REDIS_ADDR=rediss://master.dev-cache.abc123.apne2.cache.amazonaws.com:6379\nREDIS_USER=dev-tokens-monitor\nREDIS_PASSWORD=s3cret\n",
      );
    });

    it("scrapes the serving nginx colour's stub_status through the edge's live symlink, on no network but metrics", () => {
      const nginx = services({ edgeSocketDir: "./edge/" }).services["nginx-exporter"]!;
      expect(nginx.command).to.deep.equal(["--nginx.scrape-uri=unix:/run/edge/live/status.sock:/stub_status"]);
      expect(nginx.volumes).to.deep.equal(["./edge:/run/edge:ro"]);
      expect(nginx.networks).to.deep.equal(["metrics"]);
    });
  });

  describe("alert rules", () => {
    it("has each alert of issue 18, thresholds from the settings that size the stack", () => {
      const rules = Object.fromEntries(alertRules({ p99TargetMs: 300, cpuTargetPercent: 60, cacheBudgetBytes: 150_000_000, heapAlertPercent: 85 }).map((rule) => [rule.alert, rule]));
      expect(Object.keys(rules)).to.have.members(["ApiRouteP99Slow", "ApiServerErrors", "HikariPendingConnections", "JvmHeapHigh", "CacheMemoryOverBudget", "HostCpuAboveScaleTarget", "TargetDown", "ApiAbsent"]);
      expect(rules.ApiRouteP99Slow!.expr).to.match(/^histogram_quantile\(0\.99, sum by \(le, uri\) \(rate\(http_server_requests_seconds_bucket\{.*\}\[5m\]\)\)\) > 0\.3$/);
      expect(rules.ApiRouteP99Slow!.for).to.equal("5m");
      expect(rules.HostCpuAboveScaleTarget!.expr).to.match(/node_cpu_seconds_total.*> 60$/);
      expect(rules.CacheMemoryOverBudget!.expr).to.match(/redis_memory_used_bytes.*> 150000000$/);
      expect(rules.JvmHeapHigh!.expr).to.match(/> 85$/);
      expect(rules.HikariPendingConnections!.expr).to.match(/hikaricp_connections_pending.*> 0$/);
      for (const rule of Object.values(rules)) expect(promqlErrors(rule.expr), rule.alert).to.deep.equal([]);
    });

    it("takes a shorter `for` per alert (a test that watches an alert fire), validated; ALERT_FOR stays the default", () => {
      const rules = Object.fromEntries(alertRules({}, { for: { ApiRouteP99Slow: "10s" } }).map((rule) => [rule.alert, rule]));
      expect(rules.ApiRouteP99Slow!.for).to.equal("10s");
      expect(rules.ApiRouteP99Slow!.annotations.summary).to.match(/for 10s$/);
      expect(rules.TargetDown!.for).to.equal("2m");
      expect(renderAlertRules({}, {})).to.equal(renderAlertRules());
      expect(() => alertRules({}, { for: { ApiRouteP99Slow: "10" } })).to.throw(/for\.ApiRouteP99Slow = "10"/);
      expect(() => alertRules({}, { for: { ApiRouteP99Slow: "0s" } })).to.throw(/for\.ApiRouteP99Slow/);
      expect(() => alertRules({}, { for: { NoSuchAlert: "1m" } as never })).to.throw(/for = "NoSuchAlert"/);
    });
  });

  describe("dashboards", () => {
    it("has one dashboard per concern, every panel with a query and every PromQL query parsing", () => {
      const specs = dashboardSpecs();
      expect(specs.map((spec) => spec.uid)).to.deep.equal(["trafficlab-golden-signals", "trafficlab-jvm-hikari", "trafficlab-cache", "trafficlab-database", "trafficlab-host"]);
      const dashboards = Object.values(renderDashboards()).map((json) => JSON.parse(json) as GrafanaDashboard);
      for (const dashboard of dashboards) {
        for (const panel of dashboard.panels) {
          expect(panel.targets, `${dashboard.uid} / ${panel.title}`).to.have.length.above(0);
          expect(panel.gridPos.x + panel.gridPos.w, panel.title).to.be.at.most(24);
          for (const target of panel.targets) {
            if (target.expr !== undefined) expect(target.expr, panel.title).to.be.a("string").and.have.length.above(0);
            else expect(target, panel.title).to.include({ namespace: "AWS/RDS" }).and.have.property("metricName");
          }
        }
      }
      const promTargets = dashboards.flatMap((dashboard) => dashboard.panels.flatMap((panel) => panel.targets.filter((target) => target.expr !== undefined)));
      const queries = dashboardQueries();
      expect(queries).to.have.length(promTargets.length);
      for (const query of queries) expect(promqlErrors(withGrafanaVariables(query.expr, 15)), `${query.dashboard} / ${query.panel}`).to.deep.equal([]);
    });

    it("the PromQL check refuses a broken query (the check is not vacuous)", () => {
      expect(promqlErrors("sum(rate(http_server_requests_seconds_count[5m])")).to.have.length.above(0);
      expect(promqlErrors("rate(x[$__rate_interval])")).to.have.length.above(0);
    });
  });
});
