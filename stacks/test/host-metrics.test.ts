import { expect } from "chai";
import { parse } from "yaml";
import { runStack } from "./dev-stack";

type ComposeFile = {
  services: Record<string, { image: string; ports?: string[]; networks?: string[]; env_file?: unknown; logging?: { options: Record<string, string> } }>;
  networks: Record<string, unknown>;
  volumes?: Record<string, unknown>;
};

describe("single host metrics (hostMetrics) under mocks", () => {
  const on = { "trafficlab:hostMetrics": "on" };

  it("is off in dev by default: no metrics service, no monitoring user, no tunnel output", async () => {
    const { graph, outputs } = await runStack("dev");
    const compose = parse(String(graph.one("command:remote:Command", "file-compose-yaml").inputs.stdin)) as ComposeFile;
    expect(Object.keys(compose.services)).to.deep.equal(["nginx"]);
    expect(graph.ofType("aws:elasticache/user:User").map((user) => user.name)).to.not.include("dev-tokens-monitor-user");
    expect(graph.ofType("command:remote:Command").map((step) => step.name)).to.not.include("dev-app-metrics-env");
    expect(outputs.prometheusTunnelCommand).to.equal("");
  });

  it("with on: Prometheus on the host's loopback only, the exporters unpublished, every service logging to its own group", async () => {
    const { graph, outputs } = await runStack("dev", on);
    const compose = parse(String(graph.one("command:remote:Command", "file-compose-yaml").inputs.stdin)) as ComposeFile;
    expect(Object.keys(compose.services)).to.deep.equal(["nginx", "prometheus", "alertmanager", "node-exporter", "nginx-exporter", "redis-exporter"]);
    const published = Object.fromEntries(Object.entries(compose.services).map(([name, service]) => [name, service.ports ?? []]));
    expect(published).to.deep.equal({ nginx: ["80:80"], prometheus: ["127.0.0.1:9090:9090"], alertmanager: ["127.0.0.1:9093:9093"], "node-exporter": [], "nginx-exporter": [], "redis-exporter": [] });
    expect(compose.networks).to.deep.equal({ api: { name: "trafficlab-api", external: true }, metrics: { internal: true } });
    expect(compose.services.prometheus!.networks).to.deep.equal(["metrics", "api"]);
    const groups = graph.ofType("aws:cloudwatch/logGroup:LogGroup").map((group) => String(group.inputs.name));
    for (const [name, service] of Object.entries(compose.services)) {
      expect(groups, name).to.include(service.logging!.options["awslogs-group"]);
    }
    expect(outputs.prometheusTunnelCommand).to.match(/^ssh -i dev-api\.pem -N -L 127\.0\.0\.1:9090:127\.0\.0\.1:9090 ec2-user@203\.0\.113\.\d+ {2}# then open http:\/\/localhost:9090\/$/);
    // Nothing new faces the internet: the security group still opens 80 (and SSH) only.
    expect(graph.ingressRules(9090)).to.deep.equal([]);
  });

  it("scrapes the live API colour by its alias and keeps /actuator/prometheus off the internet", async () => {
    const { graph } = await runStack("dev", on);
    const prometheusYml = parse(String(graph.one("command:remote:Command", "file-prometheus-prometheus-yml").inputs.stdin)) as { scrape_configs: { job_name: string; dns_sd_configs?: unknown }[]; global: { external_labels: Record<string, string> } };
    expect(prometheusYml.scrape_configs.find((job) => job.job_name === "api")!.dns_sd_configs).to.deep.equal([{ names: ["trafficlab-api-live"], type: "A", port: 8080, refresh_interval: "15s" }]);
    expect(prometheusYml.global.external_labels).to.deep.equal({ stack: "dev" });
    const nginxConf = String(graph.one("command:remote:Command", "file-nginx-conf-d-default-conf").inputs.stdin);
    expect(nginxConf).to.include("    location ^~ /actuator/prometheus {\n        return 404;\n    }");
    expect(nginxConf).to.include("    listen unix:/run/trafficlab-edge/status.sock;");
    const deploy = String(graph.one("command:remote:Command", "dev-app-api-deploy").inputs.create);
    expect(deploy).to.include("MANAGEMENT_ENDPOINTS_WEB_EXPOSURE_INCLUDE=health,prometheus").and.include("MANAGEMENT_METRICS_DISTRIBUTION_PERCENTILESHISTOGRAM_HTTP_SERVER_REQUESTS=true");
  });

  it("gives the redis exporter a read-only cache user of its own, through an env file that only stdin carries", async () => {
    const { graph } = await runStack("dev", on);
    const monitor = graph.one("aws:elasticache/user:User", "dev-tokens-monitor-user");
    expect(monitor.inputs.accessString).to.equal("on -@all +ping +info");
    expect(graph.ofType("aws:elasticache/userGroupAssociation:UserGroupAssociation").map((a) => a.name)).to.have.members(["dev-tokens-app-user-in-group", "dev-tokens-monitor-user-in-group"]);
    const envStep = graph.one("command:remote:Command", "dev-app-metrics-env");
    expect(String(envStep.inputs.create)).to.include("target='/opt/trafficlab/secrets/redis-exporter.env'").and.include("mode='600'").and.include("compose_service='redis-exporter'");
    const envFile = String(envStep.inputs.stdin);
    expect(envFile).to.match(/^REDIS_ADDR=rediss:\/\/\S+:6379\nREDIS_USER=\S+-monitor\nREDIS_PASSWORD=[A-Za-z0-9]{48}\n$/);
    const password = envFile.split("\n")[2]!.slice("REDIS_PASSWORD=".length);
    for (const step of graph.ofType("command:remote:Command")) {
      expect(String(step.inputs.create ?? ""), step.name).to.not.include(password);
      expect(String(step.inputs.update ?? ""), step.name).to.not.include(password);
    }
    expect(graph.waitsFor(graph.named("dev-app-compose-up"), envStep)).to.equal(true);
    // compose-up reloads Prometheus, and re-runs when its files change.
    const up = String(graph.one("command:remote:Command", "dev-app-compose-up").inputs.create);
    expect(up).to.include("reload_urls=('http://127.0.0.1:9090/-/reload' 'http://127.0.0.1:9093/-/reload')").and.match(/# prometheus config sha256: [0-9a-f]{64}/);
  });

  it("routes the host's alerts to the stack's alarm topic, which the instance role may publish to and nothing else", async () => {
    const { graph, outputs } = await runStack("dev", on);
    const config = String(graph.one("command:remote:Command", "file-alertmanager-alertmanager-yml").inputs.stdin);
    expect(config).to.include(`topic_arn: ${String(outputs.alarmTopicArn)}`).and.include("region: ap-northeast-2");
    const policy = JSON.parse(String(graph.named("dev-api-publish-alerts").inputs.policy));
    expect(policy.Statement).to.deep.equal([{ Sid: "PublishAlerts", Effect: "Allow", Action: "sns:Publish", Resource: outputs.alarmTopicArn }]);
    const prometheusYml = String(graph.one("command:remote:Command", "file-prometheus-prometheus-yml").inputs.stdin);
    expect(prometheusYml).to.include("alerting:\n  alertmanagers:\n    - static_configs:\n        - targets:\n            - alertmanager:9093");
  });

  it("sizes the cache alert from cacheExpectedUsers and keeps the retention setting", async () => {
    const { graph } = await runStack("dev", { ...on, "trafficlab:cacheExpectedUsers": "100000", "trafficlab:hostMetricsRetentionDays": "30" });
    const rules = String(graph.one("command:remote:Command", "file-prometheus-alert-rules-yml").inputs.stdin);
    expect(rules).to.include("redis_memory_used_bytes{job=\"cache\"}) > 34000000");
    const compose = String(graph.one("command:remote:Command", "file-compose-yaml").inputs.stdin);
    expect(compose).to.include("--storage.tsdb.retention.time=30d");
  });

  it("takes mirrored images per service and refuses an unknown service, a latest image and a bad retention, naming the setting", async () => {
    const { graph } = await runStack("dev", { ...on, "trafficlab:hostMetricsImages": JSON.stringify(["prometheus=mirror.example.com/prom/prometheus:v3.5.0"]) });
    const compose = parse(String(graph.one("command:remote:Command", "file-compose-yaml").inputs.stdin)) as ComposeFile;
    expect(compose.services.prometheus!.image).to.equal("mirror.example.com/prom/prometheus:v3.5.0");
    expect(compose.services["node-exporter"]!.image).to.match(/^prom\/node-exporter:v1\.9\.1@sha256:/);
    const refused = await runStack("dev", { ...on, "trafficlab:hostMetricsImages": JSON.stringify(["grafana=grafana/grafana:12.0.0", "redisExporter=oliver006/redis_exporter:latest"]), "trafficlab:hostMetricsRetentionDays": "0" }).then(
      () => undefined,
      (error: Error) => error.message,
    );
    expect(refused).to.include("trafficlab:hostMetricsImages").and.include('"grafana=grafana/grafana:12.0.0": allowed: SERVICE=IMAGE with SERVICE one of prometheus, nodeExporter, nginxExporter, redisExporter');
    expect(refused).to.include('"redisExporter=oliver006/redis_exporter:latest"');
    expect(refused).to.include("trafficlab:hostMetricsRetentionDays").and.include("allowed: 1 to 3650 days");
  });

  it("is never on for a fleet, whatever hostMetrics says (fleetMetrics covers it)", async () => {
    const { graph } = await runStack("prod", { "trafficlab:hostMetrics": "on" });
    expect(graph.ofType("aws:elasticache/user:User").map((user) => user.name)).to.not.include("prod-tokens-monitor-user");
  });
});
