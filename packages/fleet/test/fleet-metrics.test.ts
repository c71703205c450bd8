import { expect } from "chai";
import { parse } from "yaml";
import {
  ApiFleet,
  FLEET_DEFAULTS,
  FLEET_SKIPPED_ALERTS,
  INSTANCE_ID_PLACEHOLDER,
  METRICS_COST_TAGS,
  decodeUserData,
  readMetricNames,
  renderAgentConfig,
  renderAlertmanagerDefinition,
  renderFleetAlertRules,
  renderMetricsCompose,
  resolveFleetSettings,
  type FleetArgs,
} from "@trafficlab/fleet";
import { METRICS_NETWORK, OBSERVABILITY_DEFAULTS, OBSERVABILITY_IMAGES, alertRules, type AlertName } from "@trafficlab/observability";
import { installMocks, type ResourceGraph } from "@trafficlab/testing";

const WORKSPACE = "aws:amp/workspace:Workspace";
const RULES = "aws:amp/ruleGroupNamespace:RuleGroupNamespace";
const ALERTMANAGER = "aws:amp/alertManagerDefinition:AlertManagerDefinition";
const TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const URL = "https://aps-workspaces.ap-northeast-2.amazonaws.com/workspaces/ws-0123abcd-4567/api/v1/remote_write";

function fleetArgs(args: Partial<FleetArgs> = {}): FleetArgs {
  return { vpcId: "vpc-0abc", publicSubnetIds: ["subnet-a", "subnet-b"], app: { image: "example/api:1.4.0" }, ...args };
}

async function build(args: Partial<FleetArgs> = {}): Promise<ResourceGraph> {
  const program = installMocks({ stack: "prod" });
  new ApiFleet("prod-api", fleetArgs(args));
  return program.settled();
}

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Principal?: Record<string, string>;
  Condition?: Record<string, Record<string, string>>;
}
const statementsOf = (policy: unknown) => (JSON.parse(String(policy)) as { Statement: Statement[] }).Statement;

describe("@trafficlab/fleet metrics through Amazon Managed Service for Prometheus", () => {
  describe("under mocks, with metrics on", () => {
    let built: Promise<ResourceGraph> | undefined;
    const graph = () => (built ??= build({ metrics: { stack: "prod", scrapeIntervalSeconds: 30 } }));

    it("creates one workspace with a fixed alias, its rule namespace and Alertmanager, tagged with what the cost model reads", async () => {
      const g = await graph();
      const workspace = g.one(WORKSPACE);
      expect(workspace.inputs.alias).to.equal("prod-api-metrics");
      expect(workspace.inputs.kmsKeyArn, "kmsKeyArn replaces the workspace: never set").to.equal(undefined);
      expect(workspace.inputs.tags).to.include({ [METRICS_COST_TAGS.scrapeSeconds]: "30" });
      expect(Number((workspace.inputs.tags as Record<string, string>)[METRICS_COST_TAGS.series])).to.be.greaterThan(1000);
      const rules = g.one(RULES);
      expect(rules.inputs).to.include({ name: "trafficlab", workspaceId: workspace.id });
      const alertNames = (parse(String(rules.inputs.data)) as { groups: { rules: { alert: string }[] }[] }).groups[0]!.rules.map((r) => r.alert);
      expect(alertNames).to.deep.equal(alertRules().map((r) => r.alert).filter((a) => !FLEET_SKIPPED_ALERTS.includes(a as AlertName)));
      const alertManager = g.one(ALERTMANAGER);
      expect(alertManager.inputs.workspaceId).to.equal(workspace.id);
      const topic = g.one("aws:sns/topic:Topic");
      const config = parse(String((parse(String(alertManager.inputs.definition)) as { alertmanager_config: string }).alertmanager_config)) as {
        receivers: { sns_configs: { topic_arn: string; sigv4: { region: string } }[] }[];
      };
      expect(config.receivers[0]!.sns_configs[0]).to.deep.include({ topic_arn: topic.outputs!.arn, sigv4: { region: "ap-northeast-2" } });
    });

    it("lets the instance role aps:RemoteWrite to that workspace only, and nothing else of AMP", async () => {
      const g = await graph();
      const workspace = g.one(WORKSPACE);
      const policy = g.one(ROLE_POLICY, "prod-api-write-metrics");
      expect(statementsOf(policy.inputs.policy)).to.deep.equal([{ Sid: "RemoteWriteMetrics", Effect: "Allow", Action: "aps:RemoteWrite", Resource: workspace.outputs!.arn }]);
      const others = g.ofType(ROLE_POLICY).filter((p) => p.name !== "prod-api-write-metrics");
      for (const other of others) expect(JSON.stringify(statementsOf(other.inputs.policy)), other.name).to.not.include("aps:");
    });

    it("lets aps.amazonaws.com publish to the alarm topic for this workspace and account only, keeping AWS's default statement for the alarms", async () => {
      const g = await graph();
      const topic = g.one("aws:sns/topic:Topic");
      const workspace = g.one(WORKSPACE);
      const policy = g.one(TOPIC_POLICY);
      expect(policy.inputs.arn).to.equal(topic.outputs!.arn);
      const statements = statementsOf(policy.inputs.policy);
      const aps = statements.find((s) => s.Principal?.Service === "aps.amazonaws.com")!;
      expect(aps.Action).to.deep.equal(["sns:Publish", "sns:GetTopicAttributes"]);
      expect(aps.Resource).to.equal(topic.outputs!.arn);
      expect(aps.Condition).to.deep.equal({ ArnEquals: { "aws:SourceArn": workspace.outputs!.arn }, StringEquals: { "aws:SourceAccount": "123456789012" } });
      const others = statements.filter((s) => s !== aps);
      expect(others.map((s) => s.Condition)).to.deep.equal([{ StringEquals: { "AWS:SourceOwner": "123456789012" } }]);
      expect(g.one(ALERTMANAGER).dependencies, "the Alertmanager waits for the topic policy").to.include(policy.urn);
    });

    it("boots the agent and node exporter from the user data: agent config with remote_write + SigV4 to the workspace, and the boot step that starts them", async () => {
      const g = await graph();
      const cloudConfig = decodeUserData(String(g.one("aws:ec2/launchTemplate:LaunchTemplate").inputs.userData));
      const files = (parse(cloudConfig.replace(/^#cloud-config\n/, "")) as { write_files: { path: string; content: string }[] }).write_files;
      const agent = parse(files.find((f) => f.path === "/opt/trafficlab/metrics/prometheus/prometheus.yml")!.content) as { remote_write: { url: string; sigv4: { region: string } }[] };
      const endpoint = String(g.one(WORKSPACE).outputs!.prometheusEndpoint);
      expect(agent.remote_write).to.have.length(1);
      expect(agent.remote_write[0]).to.deep.include({ url: `${endpoint}api/v1/remote_write`, sigv4: { region: "ap-northeast-2" } });
      const compose = parse(files.find((f) => f.path === "/opt/trafficlab/metrics/compose.yaml")!.content) as { services: Record<string, { ports?: string[] }> };
      expect(Object.keys(compose.services).sort()).to.deep.equal(["node-exporter", "prometheus"]);
      for (const [service, definition] of Object.entries(compose.services)) expect(definition.ports, `${service} publishes no port`).to.equal(undefined);
      const boot = files.find((f) => f.path === "/opt/trafficlab/bin/boot.sh")!.content;
      expect(boot).to.include("metrics_config='/opt/trafficlab/metrics/prometheus/prometheus.yml'");
      expect(files.some((f) => f.path === "/opt/trafficlab/bin/metrics-up.sh")).to.equal(true);
      // The API exposes what the agent scrapes (Spring Boot's default is health only), and nginx keeps it on the instance.
      const deploy = files.find((f) => f.path === "/opt/trafficlab/bin/rolling-deploy.sh")!.content;
      expect(deploy).to.include("MANAGEMENT_ENDPOINTS_WEB_EXPOSURE_INCLUDE=health,prometheus").and.include("MANAGEMENT_METRICS_DISTRIBUTION_PERCENTILESHISTOGRAM_HTTP_SERVER_REQUESTS=true");
      expect(files.find((f) => f.path === "/opt/trafficlab/nginx/conf.d/default.conf")!.content).to.include("    location ^~ /actuator/prometheus {\n        return 404;\n    }");
    });
  });

  it("creates no AMP resource, policy or agent without metrics", async () => {
    const g = await build();
    for (const type of [WORKSPACE, RULES, ALERTMANAGER, TOPIC_POLICY]) expect(g.ofType(type), type).to.have.length(0);
    expect(g.ofType(ROLE_POLICY).map((p) => p.name)).to.not.include("prod-api-write-metrics");
    const cloudConfig = decodeUserData(String(g.one("aws:ec2/launchTemplate:LaunchTemplate").inputs.userData));
    expect(cloudConfig).to.include("metrics_config=''");
    expect(cloudConfig).to.not.include("remote_write");
  });

  describe("bad input, refused before any resource", () => {
    for (const [value, pattern] of [
      [4, /metrics\.scrapeIntervalSeconds/],
      [301, /metrics\.scrapeIntervalSeconds/],
      [12.5, /metrics\.scrapeIntervalSeconds/],
    ] as const) {
      it(`metrics.scrapeIntervalSeconds ${value}`, () => {
        expect(() => resolveFleetSettings("prod-api", fleetArgs({ metrics: { stack: "prod", scrapeIntervalSeconds: value } }), "prod")).to.throw(pattern);
      });
    }
    it("metrics.stack that is not a label value", () => {
      expect(() => resolveFleetSettings("prod-api", fleetArgs({ metrics: { stack: "prod stack" } }), "prod")).to.throw(/metrics\.stack.*prod stack/s);
    });
    it("registers nothing for a bad interval", async () => {
      const program = installMocks({ stack: "prod" });
      expect(() => new ApiFleet("prod-api", fleetArgs({ metrics: { stack: "prod", scrapeIntervalSeconds: 1 } }))).to.throw(/metrics\.scrapeIntervalSeconds/);
      expect((await program.settled()).resources).to.have.length(0);
    });
  });

  describe("renderers", () => {
    it("shares the observability package's CPU target (held here: the fleet depends on that package, not the other way)", () => {
      expect(OBSERVABILITY_DEFAULTS.cpuTargetPercent).to.equal(FLEET_DEFAULTS.cpuTargetPercent);
    });

    it("renders the agent from the single host's config: same jobs but the cache's, no rule files, remote_write with SigV4, the instance id label", () => {
      const config = parse(renderAgentConfig({ stack: "prod", region: "ap-northeast-2", remoteWriteUrl: URL, scrapeIntervalSeconds: 30 })) as {
        global: Record<string, unknown>;
        rule_files?: unknown;
        scrape_configs: { job_name: string; dns_sd_configs?: { names: string[] }[]; metric_relabel_configs: { regex: string; action: string }[] }[];
        remote_write: unknown[];
      };
      expect(config.rule_files).to.equal(undefined);
      expect(config.global).to.deep.include({ scrape_interval: "30s", external_labels: { stack: "prod", instance_id: INSTANCE_ID_PLACEHOLDER } });
      expect(config.global.evaluation_interval).to.equal(undefined);
      expect(config.scrape_configs.map((j) => j.job_name)).to.deep.equal(["api", "node", "prometheus"]);
      expect(config.scrape_configs[0]!.dns_sd_configs![0]!.names).to.deep.equal(["trafficlab-api-live"]);
      // Only what a rule or a dashboard reads leaves the instance: every sample is billed.
      for (const job of config.scrape_configs) expect(job.metric_relabel_configs).to.deep.equal([{ source_labels: ["__name__"], regex: readMetricNames().join("|"), action: "keep" }]);
      expect(readMetricNames()).to.include.members(["http_server_requests_seconds_bucket", "hikaricp_connections_pending", "jvm_memory_used_bytes", "node_cpu_seconds_total"]);
      expect(readMetricNames()).to.not.include("up");
      expect(config.remote_write).to.deep.equal([{ url: URL, sigv4: { region: "ap-northeast-2" }, queue_config: { max_samples_per_send: 1000, max_shards: 10 } }]);
    });

    it("refuses a remote-write URL that is not a workspace's", () => {
      expect(() => renderAgentConfig({ stack: "prod", region: "ap-northeast-2", remoteWriteUrl: "http://example.com/write", scrapeIntervalSeconds: 30 })).to.throw(/remoteWriteUrl/);
    });

    it("runs the agent in agent mode, pinned images, read-only, on the internal metrics network plus the API's and the way out", () => {
      const compose = parse(renderMetricsCompose()) as {
        name: string;
        services: Record<string, { image: string; command: string[]; networks: string[]; read_only: boolean }>;
        networks: Record<string, unknown>;
      };
      expect(compose.name).to.equal("trafficlab-metrics");
      expect(compose.services.prometheus!.command).to.include("--agent");
      expect(compose.services.prometheus!.image).to.equal(OBSERVABILITY_IMAGES.prometheus);
      expect(compose.services["node-exporter"]!.image).to.equal(OBSERVABILITY_IMAGES.nodeExporter);
      expect(compose.services.prometheus!.networks).to.deep.equal([METRICS_NETWORK, "api", "default"]);
      expect(compose.services["node-exporter"]!.networks).to.deep.equal([METRICS_NETWORK]);
      expect(compose.networks).to.deep.equal({ [METRICS_NETWORK]: { internal: true }, api: { external: true, name: "trafficlab-api" }, default: {} });
      for (const service of Object.values(compose.services)) expect(service.read_only).to.equal(true);
    });

    it("takes the thresholds of the fleet's own settings into the rules", () => {
      const rules = parse(renderFleetAlertRules({ stack: "prod", scrapeIntervalSeconds: 30, cpuTargetPercent: 60 })) as { groups: { interval: string; rules: { alert: string; expr: string }[] }[] };
      expect(rules.groups[0]!.interval).to.equal("30s");
      expect(rules.groups[0]!.rules.find((r) => r.alert === "HostCpuAboveScaleTarget")!.expr).to.match(/> 60$/);
    });

    it("wraps the Alertmanager configuration as AMP's definition expects (alertmanager_config, a string)", () => {
      const definition = parse(renderAlertmanagerDefinition("arn:aws:sns:ap-northeast-2:123456789012:prod-api-alarms", "ap-northeast-2")) as Record<string, unknown>;
      expect(Object.keys(definition)).to.deep.equal(["alertmanager_config"]);
      expect(definition.alertmanager_config).to.be.a("string");
    });
  });
});
