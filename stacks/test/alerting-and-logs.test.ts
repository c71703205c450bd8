import { expect } from "chai";
import { parse } from "yaml";
import { withLocalApiLogging, withLocalLogging } from "../../e2e/src/executor";
import { runStack } from "./dev-stack";

const k = (key: string) => `trafficlab:${key}`;

describe("alert routing and central logs (both hosting modes, under mocks)", () => {
  it("gives a single host the stack's topic, an e-mail subscription per address, Slack through Chatbot, and the host's and data tier's alarms on it", async () => {
    const { graph, outputs } = await runStack("dev", { [k("alarmEmails")]: "ops@example.com, oncall@example.com", [k("alarmSlackWorkspaceId")]: "T0123456789", [k("alarmSlackChannelId")]: "C0123456789" });
    const topic = graph.one("aws:sns/topic:Topic", "dev-api-alarms");
    const subscriptions = graph.ofType("aws:sns/topicSubscription:TopicSubscription");
    expect(subscriptions.map((s) => s.inputs.endpoint).sort()).to.deep.equal(["oncall@example.com", "ops@example.com"]);
    expect(subscriptions.every((s) => s.inputs.protocol === "email")).to.equal(true);
    const slack = graph.one("aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration");
    expect(slack.inputs).to.include({ slackTeamId: "T0123456789", slackChannelId: "C0123456789" });
    const alarms = graph.ofType("aws:cloudwatch/metricAlarm:MetricAlarm");
    expect(alarms.map((a) => a.inputs.name).sort()).to.deep.equal(
      ["host-status-check", "host-cpu", "database-cpu", "database-free-storage", "database-connections", "cache-memory-001", "cache-evictions-001", "cache-cpu-001"].map((s) => `dev-api-${s}`).sort(),
    );
    const status = graph.one("aws:cloudwatch/metricAlarm:MetricAlarm", "dev-api-host-status-check");
    expect(status.inputs).to.include({ namespace: "AWS/EC2", metricName: "StatusCheckFailed" });
    expect((status.inputs.dimensions as Record<string, string>).InstanceId).to.equal(graph.one("aws:ec2/instance:Instance").id);
    for (const alarm of alarms) expect(alarm.inputs.alarmActions, String(alarm.inputs.name)).to.deep.equal([topic.outputs?.arn ?? outputs.alarmTopicArn]);
    expect(outputs.alarmTopicArn).to.be.a("string").and.not.equal("");
  });

  it("sends nginx's and the API's logs to their own groups with dev's 7 days, and lets the host's role write there and nowhere else", async () => {
    const { graph } = await runStack("dev");
    const groups = graph.ofType("aws:cloudwatch/logGroup:LogGroup");
    expect(groups.map((g) => [g.inputs.name, g.inputs.retentionInDays])).to.deep.equal([
      ["/trafficlab/dev/nginx", 7],
      ["/trafficlab/dev/api", 7],
    ]);
    const policy = JSON.parse(graph.one("aws:iam/rolePolicy:RolePolicy", "dev-api-write-logs").inputs.policy as string) as { Statement: { Action: string[]; Resource: string[] }[] };
    expect(policy.Statement).to.have.length(1);
    expect(policy.Statement[0]!.Action).to.deep.equal(["logs:CreateLogStream", "logs:PutLogEvents"]);
    expect(policy.Statement[0]!.Resource).to.deep.equal(groups.map((group) => `${String(group.outputs?.arn)}:*`));
    const profile = graph.one("aws:iam/instanceProfile:InstanceProfile", "dev-api-host-profile");
    expect(graph.one("aws:ec2/instance:Instance").inputs.iamInstanceProfile).to.equal(profile.outputs?.name ?? profile.inputs.name);
  });

  it("renders compose's logging: awslogs to the stack's group in its Region, never creating a group, one stream per container", async () => {
    const { graph } = await runStack("dev");
    const copy = graph.ofType("command:remote:Command").find((c) => c.name.endsWith("compose-yaml"))!;
    const compose = parse(String(copy.inputs.stdin)) as { services: Record<string, { logging: unknown }> };
    expect(compose.services.nginx!.logging).to.deep.equal({
      driver: "awslogs",
      options: { "awslogs-region": "ap-northeast-2", "awslogs-group": "/trafficlab/dev/nginx", "awslogs-create-group": "false", tag: "{{.Name}}/{{.ID}}" },
    });
  });

  it("sends the API's blue/green containers to the api group with docker run's awslogs flags, the same options as compose's", async () => {
    const { graph } = await runStack("dev");
    const deploy = graph.ofType("command:remote:Command").find((c) => c.name.endsWith("api-deploy"))!;
    const line = String(deploy.inputs.create).split("\n").find((l) => l.startsWith("log_options="));
    expect(line).to.equal(
      "log_options=('--log-driver' 'awslogs' '--log-opt' 'awslogs-region=ap-northeast-2' '--log-opt' 'awslogs-group=/trafficlab/dev/api' '--log-opt' 'awslogs-create-group=false' '--log-opt' 'tag={{.Name}}/{{.ID}}')",
    );
  });

  it("lets the e2e swap awslogs for the local driver in the rendered compose file and deploy script, and fails when their shape moves", async () => {
    const { graph } = await runStack("dev");
    const commands = graph.ofType("command:remote:Command");
    const deploy = String(commands.find((c) => c.name.endsWith("api-deploy"))!.inputs.create);
    const compose = String(commands.find((c) => c.name.endsWith("compose-yaml"))!.inputs.stdin);
    const localDeploy = withLocalApiLogging(deploy);
    expect(localDeploy.split("\n").filter((l) => l.startsWith("log_options="))).to.deep.equal(["log_options=('--log-driver' 'local')"]);
    expect(localDeploy.split("\n").filter((l, i) => l !== deploy.split("\n")[i])).to.have.length(1);
    expect(withLocalLogging(compose)).to.not.include("awslogs");
    // A header that moved (one flag per line) is refused rather than passed on to a host without CloudWatch.
    const moved = deploy.replace(/^log_options=\((.*)\)$/m, (_l, words: string) => `log_options=(\n${words.split(" ").join("\n")}\n)`);
    expect(() => withLocalApiLogging(moved)).to.throw(/rendered shape changed/);
  });

  it("gives prod's fleet 30 days of nginx and API logs, written by the instances' role alone", async () => {
    const { graph } = await runStack("prod");
    expect(graph.ofType("aws:cloudwatch/logGroup:LogGroup").map((g) => [g.inputs.name, g.inputs.retentionInDays])).to.deep.equal([
      ["/trafficlab/prod/nginx", 30],
      ["/trafficlab/prod/api", 30],
    ]);
    const policy = JSON.parse(graph.one("aws:iam/rolePolicy:RolePolicy", "prod-api-write-logs").inputs.policy as string) as { Statement: { Action: string[] }[] };
    expect(policy.Statement[0]!.Action).to.deep.equal(["logs:CreateLogStream", "logs:PutLogEvents"]);
  });

  it("gives prod's fleet its metrics in AMP by default (fleetMetrics auto), routed to the stack's alarm topic; fleetMetrics off takes them away", async () => {
    const { graph, outputs } = await runStack("prod");
    const workspace = graph.one("aws:amp/workspace:Workspace");
    expect(workspace.inputs.alias).to.equal("prod-api-metrics");
    expect(outputs.metricsWorkspaceId).to.equal(workspace.id);
    const topic = graph.one("aws:sns/topic:Topic", "prod-api-alarms");
    expect(graph.one("aws:sns/topicPolicy:TopicPolicy").inputs.arn).to.equal(topic.outputs?.arn);
    const definition = String(graph.one("aws:amp/alertManagerDefinition:AlertManagerDefinition").inputs.definition);
    expect(definition).to.include(String(topic.outputs?.arn));
    expect((workspace.inputs.tags as Record<string, string>)["trafficlab:scrape-interval-seconds"]).to.equal("30");

    const off = await runStack("prod", { [k("fleetMetrics")]: "off" });
    for (const type of ["aws:amp/workspace:Workspace", "aws:amp/ruleGroupNamespace:RuleGroupNamespace", "aws:amp/alertManagerDefinition:AlertManagerDefinition", "aws:sns/topicPolicy:TopicPolicy"]) {
      expect(off.graph.ofType(type), type).to.have.length(0);
    }
    expect(off.outputs.metricsWorkspaceId).to.equal("");
  });

  it("leaves a dev stack without AMP: a single host has its own Prometheus, and fleetMetrics auto is off in dev", async () => {
    const { graph } = await runStack("dev");
    expect(graph.ofType("aws:amp/workspace:Workspace")).to.have.length(0);
  });

  it("takes an explicit retention over the environment's", async () => {
    const { graph } = await runStack("dev", { [k("logRetentionDays")]: "14" });
    expect(graph.ofType("aws:cloudwatch/logGroup:LogGroup").map((g) => g.inputs.retentionInDays)).to.deep.equal([14, 14]);
  });

  it("deploys a prod that sets alarmEmails and domain without the two risk settings", async () => {
    const { graph } = await runStack("prod", {
      [k("allowAlarmsToNobody")]: "false",
      [k("allowPlainHttpInProd")]: "false",
      [k("alarmEmails")]: "ops@example.com",
      [k("domain")]: "api.example.com",
      [k("hostedZoneId")]: "Z0123456789ABCDEFGHIJ",
    });
    expect(graph.one("aws:sns/topicSubscription:TopicSubscription").inputs.endpoint).to.equal("ops@example.com");
  });
});
