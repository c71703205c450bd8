import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { ApiFleet, CURRENT_TLS_POLICIES, FLEET_DEFAULTS, GROUP_METRICS, decodeUserData, readParametersPolicy, sessionManagerPolicy, type FleetArgs } from "@trafficlab/fleet";
import { expectRejected, installMocks, resolveOutput, type MockedProgram, type ResourceGraph } from "@trafficlab/testing";

const ASG = "aws:autoscaling/group:Group";
const LT = "aws:ec2/launchTemplate:LaunchTemplate";
const TG = "aws:lb/targetGroup:TargetGroup";
const LB = "aws:lb/loadBalancer:LoadBalancer";
const LISTENER = "aws:lb/listener:Listener";
const PARAMETER = "aws:ssm/parameter:Parameter";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";

const DB_PASSWORD = "Db-Password-7f3a9c";
const CACHE_PASSWORD = "Cache-Password-c41d2e";

/** The fleet with ids only, a database and a cache given as plain values, as another project would. */
function fleetArgs(args: Partial<FleetArgs> = {}): FleetArgs {
  return {
    vpcId: "vpc-0abc",
    publicSubnetIds: ["subnet-a", "subnet-b"],
    app: { image: "example/api:1.4.0" },
    database: {
      address: "db.abc.ap-northeast-2.rds.amazonaws.com",
      name: "trafficlab",
      username: "admin",
      password: pulumi.secret(DB_PASSWORD),
      securityGroupId: "sg-db",
      identifier: "prod-db-mysql-1234567",
      instanceClass: "db.t3.micro",
      allocatedStorageGiB: 20,
    },
    cache: {
      primaryEndpoint: "master.tokens.abc.apne2.cache.amazonaws.com",
      username: "tokens-app-1",
      password: pulumi.secret(CACHE_PASSWORD),
      securityGroupId: "sg-cache",
      replicationGroupId: "tokens-group",
      nodeType: "cache.t4g.micro",
      nodes: 1,
    },
    ...args,
  };
}

async function build(args: Partial<FleetArgs> = {}, stack = "prod"): Promise<{ fleet: ApiFleet; graph: ResourceGraph }> {
  const program = installMocks({ stack });
  const fleet = new ApiFleet("api", fleetArgs(args));
  const graph = await program.settled();
  return { fleet, graph };
}

function userDataOf(graph: ResourceGraph): string {
  return decodeUserData(String(graph.one(LT).inputs.userData));
}

describe("@trafficlab/fleet ApiFleet", () => {
  describe("defaults", () => {
    // One build for every default: building the fleet under the mocks is the slow part.
    let defaults: Promise<{ fleet: ApiFleet; graph: ResourceGraph }> | undefined;
    const built = () => (defaults ??= build());
    it("puts an internet-facing ALB in the public subnets with a security group of its own: port 80 from anywhere, out only to the instances", async () => {
      const { graph } = await built();
      const lb = graph.one(LB).inputs;
      const albSg = graph.one("aws:ec2/securityGroup:SecurityGroup", "alb-sg");
      const instanceSg = graph.one("aws:ec2/securityGroup:SecurityGroup", "instance-sg");
      expect(lb).to.include({ loadBalancerType: "application", internal: false, ipAddressType: "ipv4", dropInvalidHeaderFields: true, idleTimeout: 60 });
      expect(lb.subnets).to.deep.equal(["subnet-a", "subnet-b"]);
      expect(lb.securityGroups).to.deep.equal([albSg.id]);
      const albIngress = graph.ingressRules().filter((rule) => rule.securityGroupId === albSg.id);
      expect(albIngress.map((rule) => [rule.fromPort, rule.cidrIpv4])).to.deep.equal([[80, "0.0.0.0/0"]]);
      const egress = graph.ofType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").filter((rule) => rule.inputs.securityGroupId === albSg.id);
      expect(egress.map((rule) => rule.inputs)).to.deep.equal([
        { securityGroupId: albSg.id, description: "Requests and health checks to nginx on the instances", ipProtocol: "tcp", fromPort: 80, toPort: 80, referencedSecurityGroupId: instanceSg.id, tags: { Name: "api-alb-sg-to-instances" } },
      ]);
    });

    it("has nginx trust the load balancer's X-Forwarded-For and -Proto, so the API sees the client and https", async () => {
      const { graph } = await built();
      const userData = userDataOf(graph);
      for (const line of ["set_real_ip_from 10.0.0.0/8;", "real_ip_header X-Forwarded-For;", "proxy_set_header X-Forwarded-Proto $forwarded_proto;"]) expect(userData).to.include(line);
    });

    it("admits nginx on the instances from the load balancer only, never from a CIDR, and opens no SSH", async () => {
      const { graph } = await built();
      const albSg = graph.one("aws:ec2/securityGroup:SecurityGroup", "alb-sg");
      const instanceSg = graph.one("aws:ec2/securityGroup:SecurityGroup", "instance-sg");
      const rules = graph.ingressRules().filter((rule) => rule.securityGroupId === instanceSg.id);
      expect(rules).to.have.length(1);
      expect(rules[0]).to.include({ fromPort: 80, toPort: 80, sourceSecurityGroupId: albSg.id, cidrIpv4: undefined, cidrIpv6: undefined });
      expect(graph.ingressRules(22)).to.deep.equal([]);
      expect(graph.one(LT).inputs).not.to.have.property("keyName");
    });

    it("checks the API's health path through nginx, and drains for 60 s (nginx's proxy_read_timeout)", async () => {
      const { graph } = await built();
      const tg = graph.one(TG).inputs;
      expect(tg).to.include({ port: 80, protocol: "HTTP", targetType: "instance", deregistrationDelay: 60 });
      expect(tg.healthCheck).to.deep.equal({ enabled: true, protocol: "HTTP", port: "traffic-port", path: "/actuator/health", matcher: "200", interval: 15, timeout: 5, healthyThreshold: 2, unhealthyThreshold: 3 });
      expect((tg.healthCheck as { path: string }).path).not.to.equal("/nginx-health");
    });

    it("serves plain HTTP without a domain: one listener on 80 forwarding to the instances", async () => {
      const { fleet, graph } = await built();
      const listeners = graph.ofType(LISTENER);
      expect(listeners).to.have.length(1);
      expect(listeners[0]!.inputs).to.deep.include({ port: 80, protocol: "HTTP", defaultActions: [{ type: "forward", targetGroupArn: graph.one(TG).outputs.arn }] });
      expect(graph.ofType("aws:acm/certificate:Certificate")).to.deep.equal([]);
      expect(await resolveOutput(fleet.url)).to.match(/^http:\/\/api-alb-[0-9a-f]{7}-\d+\.ap-northeast-2\.elb\.amazonaws\.com\/$/);
    });

    it("launches AL2023 from AWS's SSM parameter with IMDSv2 (hop 2), an encrypted gp3 root, no key and its instance profile", async () => {
      const { graph } = await built();
      const lt = graph.one(LT).inputs;
      expect(graph.calls.some((call) => call.token === "aws:ssm/getParameter:getParameter" && call.inputs.name === "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64")).to.equal(true);
      expect(lt.imageId).to.match(/^ami-/);
      expect(lt).to.include({ instanceType: "c5a.large", updateDefaultVersion: true });
      expect(lt.metadataOptions).to.deep.equal({ httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 2 });
      expect(lt.blockDeviceMappings).to.deep.equal([{ deviceName: "/dev/xvda", ebs: { volumeType: "gp3", volumeSize: 10, encrypted: "true", deleteOnTermination: "true" } }]);
      expect(lt.networkInterfaces).to.deep.equal([{ deviceIndex: 0, associatePublicIpAddress: "true", securityGroups: [graph.one("aws:ec2/securityGroup:SecurityGroup", "instance-sg").id], deleteOnTermination: "true" }]);
      expect(lt.iamInstanceProfile).to.deep.equal({ arn: graph.one("aws:iam/instanceProfile:InstanceProfile").outputs.arn });
      expect(lt).not.to.have.property("creditSpecification");
      // Not a secret (it holds none), so a preview shows how it changes.
      expect(graph.one(LT).secretPaths).to.deep.equal([]);
    });

    it("runs 1 to 2 instances on the launch template's numbered version, with ELB health checks and a grace for the boot", async () => {
      const { graph } = await built();
      const asg = graph.one(ASG);
      expect(asg.inputs).to.include({ minSize: 1, maxSize: 2, desiredCapacity: 1, healthCheckType: "ELB", healthCheckGracePeriod: 600, defaultInstanceWarmup: 300, minElbCapacity: 1, metricsGranularity: "1Minute" });
      expect(asg.inputs.launchTemplate).to.deep.equal({ id: graph.one(LT).id, version: "1" });
      expect(asg.inputs.targetGroupArns).to.deep.equal([graph.one(TG).outputs.arn]);
      expect(asg.inputs.vpcZoneIdentifiers).to.deep.equal(["subnet-a", "subnet-b"]);
      expect(asg.inputs.enabledMetrics).to.deep.equal(GROUP_METRICS);
      // A scaled-out group is not reset by the next `pulumi up`.
      expect(asg.ignoreChanges).to.deep.equal(["desiredCapacity"]);
      // Targets of a target group no listener routes to stay "unused", never healthy.
      expect(graph.waitsFor(asg, graph.one(LISTENER))).to.equal(true);
    });

    it("rolls out by instance refresh: launch before terminate (100 to 200 %), auto rollback on two alarms, matching instances kept", async () => {
      const { graph } = await built();
      const asg = graph.one(ASG).inputs;
      expect(asg.instanceMaintenancePolicy).to.deep.equal({ minHealthyPercentage: 100, maxHealthyPercentage: 200 });
      expect(asg.instanceRefresh).to.deep.equal({
        strategy: "Rolling",
        preferences: { minHealthyPercentage: 100, maxHealthyPercentage: 200, autoRollback: true, skipMatching: true, alarmSpecification: { alarms: ["api-target-5xx", "api-no-healthy-hosts"] } },
      });
      // The alarms exist before the group can start a refresh that names them.
      const group = graph.one(ASG);
      for (const alarm of ["api-target-5xx", "api-no-healthy-hosts"]) expect(graph.waitsFor(group, graph.named(alarm))).to.equal(true);
    });

    it("scales on 70 % average CPU by target tracking, with the group's warm-up", async () => {
      const { graph } = await built();
      const policy = graph.one("aws:autoscaling/policy:Policy").inputs;
      expect(policy).to.deep.include({ policyType: "TargetTrackingScaling", autoscalingGroupName: graph.one(ASG).outputs.name });
      expect(policy.targetTrackingConfiguration).to.deep.equal({ predefinedMetricSpecification: { predefinedMetricType: "ASGAverageCPUUtilization" }, targetValue: 70 });
      expect(policy).not.to.have.property("estimatedInstanceWarmup");
    });

    it("keeps the secrets in SecureString parameters under /trafficlab/<stack>/<name>, and nowhere in plain text", async () => {
      const { fleet, graph } = await built();
      const parameters = graph.ofType(PARAMETER);
      expect(parameters.map((p) => p.inputs.name).sort()).to.deep.equal(["/trafficlab/prod/api/cache-password", "/trafficlab/prod/api/cache-username", "/trafficlab/prod/api/database-password"]);
      for (const p of parameters) {
        expect(p.inputs).to.include({ type: "SecureString", tier: "Standard" });
        expect(p.secretPaths).to.include("value");
        // Explicitly named: a replacement must delete the old one first.
        expect(p.deleteBeforeReplace).to.equal(true);
      }
      expect(fleet.secretParameterNames).to.have.length(3);
      for (const secret of [DB_PASSWORD, CACHE_PASSWORD]) {
        expect(graph.plainUsesOf(secret)).to.deep.equal([]);
        expect(userDataOf(graph)).not.to.include(secret);
      }
      // The cache user changes with each rotation, so it is fetched at boot too, not baked in.
      expect(userDataOf(graph)).not.to.include("tokens-app-1");
    });

    it("lets the instance role read exactly those parameters, and use Session Manager, nothing more", async () => {
      const { graph } = await built();
      const role = graph.one("aws:iam/role:Role");
      expect(JSON.parse(String(role.inputs.assumeRolePolicy))).to.deep.equal({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] });
      expect(role.inputs).not.to.have.property("managedPolicyArns");
      const arns = graph.ofType(PARAMETER).map((p) => String(p.outputs.arn));
      expect(arns.every((arn) => /^arn:aws:ssm:ap-northeast-2:\d{12}:parameter\/trafficlab\/prod\/api\/[a-z-]+$/.test(arn))).to.equal(true);
      expect(JSON.parse(String(graph.named("api-read-secrets").inputs.policy))).to.deep.equal(readParametersPolicy(arns));
      expect(JSON.parse(String(graph.named("api-session-manager").inputs.policy))).to.deep.equal(sessionManagerPolicy());
      expect(graph.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")).to.deep.equal([]);
      // The instances boot only once they may read the secrets.
      expect(graph.waitsFor(graph.one(ASG), graph.named("api-read-secrets"))).to.equal(true);
    });

    it("admits the instances into the database and the cache by one rule each, before any instance boots", async () => {
      const { graph } = await built();
      const instanceSg = graph.one("aws:ec2/securityGroup:SecurityGroup", "instance-sg");
      const database = graph.named("api-admit-database");
      const cache = graph.named("api-admit-cache");
      expect(database.inputs).to.include({ securityGroupId: "sg-db", fromPort: 3306, toPort: 3306, ipProtocol: "tcp", referencedSecurityGroupId: instanceSg.id });
      expect(cache.inputs).to.include({ securityGroupId: "sg-cache", fromPort: 6379, toPort: 6379, ipProtocol: "tcp", referencedSecurityGroupId: instanceSg.id });
      expect(graph.waitsFor(graph.one(ASG), database)).to.equal(true);
      expect(graph.waitsFor(graph.one(ASG), cache)).to.equal(true);
    });

    it("sends every alarm to one SNS topic with the e-mail subscriptions, and has no Slack channel unless asked", async () => {
      const { fleet, graph } = await build({ alarms: { emails: ["ops@example.com", "oncall@example.com"] } });
      const topic = graph.one("aws:sns/topic:Topic");
      expect(topic.inputs).not.to.have.property("kmsMasterKeyId");
      const subscriptions = graph.ofType("aws:sns/topicSubscription:TopicSubscription");
      expect(subscriptions.map((s) => [s.name, s.inputs.protocol, s.inputs.endpoint])).to.deep.equal([
        ["api-alarms-ops-example-com", "email", "ops@example.com"],
        ["api-alarms-oncall-example-com", "email", "oncall@example.com"],
      ]);
      const alarms = graph.ofType(ALARM);
      expect(alarms.map((a) => a.inputs.name).sort()).to.deep.equal(fleet.alarmNames.slice().sort());
      expect(alarms.map((a) => a.inputs.name).sort()).to.deep.equal(
        ["alb-5xx", "target-5xx", "response-time-p99", "unhealthy-hosts", "no-healthy-hosts", "at-max-capacity", "database-cpu", "database-free-storage", "database-connections", "cache-memory-001", "cache-evictions-001", "cache-cpu-001"].map((s) => `api-${s}`).sort(),
      );
      for (const alarm of alarms) {
        expect(alarm.inputs.alarmActions).to.deep.equal([topic.outputs.arn]);
        expect(alarm.inputs.okActions).to.deep.equal([topic.outputs.arn]);
      }
      expect(graph.ofType("aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration")).to.deep.equal([]);
      expect(await resolveOutput(fleet.alarmTopicArn)).to.equal(topic.outputs.arn);
    });

    it("watches the right dimensions: the load balancer and target group suffixes, the group, the RDS identifier, each cache node", async () => {
      const { graph } = await built();
      const dims = (name: string) => graph.named(`api-${name}`).inputs.dimensions;
      const lb = graph.one(LB).outputs.arnSuffix;
      const tg = graph.one(TG).outputs.arnSuffix;
      expect(dims("alb-5xx")).to.deep.equal({ LoadBalancer: lb });
      expect(dims("response-time-p99")).to.deep.equal({ LoadBalancer: lb, TargetGroup: tg });
      expect(graph.named("api-response-time-p99").inputs).to.include({ extendedStatistic: "p99", threshold: 0.5 }).and.not.have.property("statistic");
      expect(dims("at-max-capacity")).to.deep.equal({ AutoScalingGroupName: graph.one(ASG).outputs.name });
      expect(dims("database-cpu")).to.deep.equal({ DBInstanceIdentifier: "prod-db-mysql-1234567" });
      expect(dims("cache-memory-001")).to.deep.equal({ CacheClusterId: "tokens-group-001" });
    });

    it("creates no wait for the instance refresh unless asked", async () => {
      const { fleet, graph } = await built();
      expect(graph.ofType("command:local:Command")).to.deep.equal([]);
      expect(await resolveOutput(fleet.followRefreshCommand)).to.match(/^aws autoscaling describe-instance-refreshes --region ap-northeast-2 --auto-scaling-group-name api-asg-[0-9a-f]{7} --max-records 1 /);
    });

    it("parents every child to the component and exposes them", async () => {
      const { fleet, graph } = await built();
      const component = graph.one("trafficlab:fleet:ApiFleet");
      const children = graph.childrenOf(component);
      expect(children.length).to.equal(graph.resources.length - 1);
      expect(await resolveOutput(fleet.nodes.autoScalingGroup.name)).to.equal(graph.one(ASG).outputs.name);
      expect(await resolveOutput(fleet.instanceSecurityGroupId)).to.equal(graph.one("aws:ec2/securityGroup:SecurityGroup", "instance-sg").id);
      expect(await resolveOutput(fleet.launchTemplateVersion)).to.equal(1);
      expect(fleet.settings).to.include({ minSize: FLEET_DEFAULTS.minSize, maxSize: FLEET_DEFAULTS.maxSize, instanceType: FLEET_DEFAULTS.instanceType });
    });
  });

  describe("settings", () => {
    it("serves HTTPS with a domain: a DNS-validated ACM certificate, 443 with a current TLS policy, 80 redirected, the domain aliased", async () => {
      const { fleet, graph } = await build({ https: { domain: "api.example.com", hostedZoneId: "Z0123456789ABC" } });
      const certificate = graph.one("aws:acm/certificate:Certificate");
      expect(certificate.inputs).to.include({ domainName: "api.example.com", validationMethod: "DNS" });
      const validationRecord = graph.named("api-certificate-validation");
      expect(validationRecord.inputs).to.include({ zoneId: "Z0123456789ABC", type: "CNAME", ttl: 60, allowOverwrite: true });
      expect(String(validationRecord.inputs.name)).to.match(/^_[0-9a-f]{32}\.api\.example\.com\.$/);
      const validation = graph.one("aws:acm/certificateValidation:CertificateValidation");
      expect(validation.inputs.validationRecordFqdns).to.deep.equal([validationRecord.outputs.fqdn]);
      const https = graph.named("api-https");
      expect(https.inputs).to.include({ port: 443, protocol: "HTTPS", sslPolicy: "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09", certificateArn: certificate.outputs.arn });
      expect(CURRENT_TLS_POLICIES).to.include(https.inputs.sslPolicy);
      // The listener waits for the certificate to be issued.
      expect(graph.waitsFor(https, validation)).to.equal(true);
      expect(graph.named("api-http").inputs.defaultActions).to.deep.equal([{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }]);
      const alias = graph.named("api-alias").inputs;
      expect(alias).to.deep.include({ zoneId: "Z0123456789ABC", name: "api.example.com", type: "A", aliases: [{ name: graph.one(LB).outputs.dnsName, zoneId: "ZWKZPGTI48KDX", evaluateTargetHealth: true }] });
      const albSg = graph.one("aws:ec2/securityGroup:SecurityGroup", "alb-sg");
      expect(graph.ingressRules().filter((rule) => rule.securityGroupId === albSg.id).map((rule) => rule.fromPort)).to.deep.equal([80, 443]);
      expect(await resolveOutput(fleet.url)).to.equal("https://api.example.com/");
    });

    it("posts the alarms to Slack through Chatbot, with a read-only guardrail, when a channel is given", async () => {
      const { graph } = await build({ alarms: { slack: { workspaceId: "T0123ABCD", channelId: "C07EZ1ABC23" } } });
      const slack = graph.one("aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration").inputs;
      expect(slack).to.deep.include({ configurationName: "api-alarms", slackTeamId: "T0123ABCD", slackChannelId: "C07EZ1ABC23", snsTopicArns: [graph.one("aws:sns/topic:Topic").outputs.arn], guardrailPolicyArns: ["arn:aws:iam::aws:policy/CloudWatchReadOnlyAccess"], loggingLevel: "ERROR" });
      const role = graph.named("api-chatbot").inputs;
      expect(JSON.parse(String(role.assumeRolePolicy)).Statement[0].Principal).to.deep.equal({ Service: "chatbot.amazonaws.com" });
    });

    it("sizes and tunes the group from its arguments", async () => {
      const { graph } = await build({ minSize: 2, maxSize: 4, desiredCapacity: 3, cpuTargetPercent: 60, instanceType: "t3.small", healthCheckGracePeriodSeconds: 900, instanceWarmupSeconds: 120, deregistrationDelaySeconds: 30, rootVolumeGiB: 16 });
      expect(graph.one(ASG).inputs).to.include({ minSize: 2, maxSize: 4, desiredCapacity: 3, minElbCapacity: 2, healthCheckGracePeriod: 900, defaultInstanceWarmup: 120 });
      expect(graph.one(TG).inputs.deregistrationDelay).to.equal(30);
      const lt = graph.one(LT).inputs;
      // A burstable type gets unlimited credits: a throttled T instance would read as idle to the CPU target.
      expect(lt).to.deep.include({ instanceType: "t3.small", creditSpecification: { cpuCredits: "unlimited" } });
      expect((lt.blockDeviceMappings as { ebs: { volumeSize: number } }[])[0]!.ebs.volumeSize).to.equal(16);
      expect((graph.one("aws:autoscaling/policy:Policy").inputs.targetTrackingConfiguration as { targetValue: number }).targetValue).to.equal(60);
      expect(graph.named("api-at-max-capacity").inputs.threshold).to.equal(4);
      // The unhealthy-hosts alarm waits out the longer grace.
      expect(graph.named("api-unhealthy-hosts").inputs.evaluationPeriods).to.equal(16);
    });

    it("has neither a scaling policy nor an at-max alarm when the group cannot scale (min = max)", async () => {
      const { graph } = await build({ minSize: 2, maxSize: 2 });
      expect(graph.ofType("aws:autoscaling/policy:Policy")).to.deep.equal([]);
      expect(graph.ofType(ALARM).map((a) => a.name)).not.to.include("api-at-max-capacity");
    });

    it("runs arm64 AMIs on Graviton types, and a pinned AMI when given one", async () => {
      const graviton = await build({ instanceType: "c7g.large" });
      expect(graviton.graph.calls.some((call) => call.inputs.name === "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64")).to.equal(true);
      const pinned = await build({ ami: "ami-0123456789abcdef0" });
      expect(pinned.graph.one(LT).inputs.imageId).to.equal("ami-0123456789abcdef0");
    });

    it("puts instances in private subnets without a public address when asked (behind a NAT gateway)", async () => {
      const { graph } = await build({ instanceSubnetIds: ["subnet-p1", "subnet-p2"], assignPublicIp: false });
      expect(graph.one(ASG).inputs.vpcZoneIdentifiers).to.deep.equal(["subnet-p1", "subnet-p2"]);
      expect((graph.one(LT).inputs.networkInterfaces as { associatePublicIpAddress: string }[])[0]!.associatePublicIpAddress).to.equal("false");
      expect(graph.one(LB).inputs.subnets).to.deep.equal(["subnet-a", "subnet-b"]);
    });

    it("keeps a private registry's password in Parameter Store too, and logs in with it at boot", async () => {
      const { graph } = await build({ app: { image: "registry.example.com/api:2.0.0", registry: { server: "registry.example.com", username: "deployer", password: pulumi.secret("Registry-Secret-1") } } });
      expect(graph.ofType(PARAMETER).map((p) => p.inputs.name)).to.include("/trafficlab/prod/api/registry-password");
      expect(graph.plainUsesOf("Registry-Secret-1")).to.deep.equal([]);
      const userData = userDataOf(graph);
      expect(userData).not.to.include("Registry-Secret-1");
      expect(userData).to.include("registry_password_parameter='/trafficlab/prod/api/registry-password'");
    });

    it("creates only the fleet's own alarms and secrets without a data tier", async () => {
      const { graph } = await build({ database: undefined, cache: undefined });
      expect(graph.ofType(PARAMETER)).to.deep.equal([]);
      expect(graph.ofType("aws:iam/rolePolicy:RolePolicy").map((p) => p.name)).to.deep.equal(["api-session-manager"]);
      expect(graph.ofType(ALARM).every((a) => ["AWS/ApplicationELB", "AWS/AutoScaling"].includes(String(a.inputs.namespace)))).to.equal(true);
      expect(graph.ingressRules().filter((rule) => ["sg-db", "sg-cache"].includes(rule.securityGroupId))).to.deep.equal([]);
    });

    it("drops Session Manager, alarms and thresholds as asked; takes a secrets path", async () => {
      const { graph } = await build({ sessionManager: false, secretsPath: "/apps/orders", alarms: { disabled: ["alb-5xx", "cache-evictions"], thresholds: { "database-cpu": 90, "response-time-p99": 0.3 } } });
      expect(graph.ofType("aws:iam/rolePolicy:RolePolicy").map((p) => p.name)).to.deep.equal(["api-read-secrets"]);
      expect(graph.ofType(PARAMETER).map((p) => p.inputs.name)).to.include("/apps/orders/database-password");
      const names = graph.ofType(ALARM).map((a) => a.name);
      expect(names).not.to.include.members(["api-alb-5xx", "api-cache-evictions-001"]);
      expect(graph.named("api-database-cpu").inputs.threshold).to.equal(90);
      expect(graph.named("api-response-time-p99").inputs.threshold).to.equal(0.3);
    });

    it("waits for the instance refresh on the machine running `pulumi up` when asked: the script names the version, so a new one re-runs it", async () => {
      const { graph } = await build({ waitForRefresh: true, refreshTimeoutMinutes: 30 });
      const wait = graph.one("command:local:Command");
      expect(wait.inputs.create).to.equal(wait.inputs.update);
      expect(wait.inputs).not.to.have.property("delete");
      expect(wait.inputs).not.to.have.property("triggers");
      expect(wait.inputs.interpreter).to.deep.equal(["/bin/bash", "-c"]);
      expect(String(wait.inputs.create)).to.include(`group='${String(graph.one(ASG).outputs.name)}'`).and.include("version='1'").and.include("timeout_minutes='30'").and.include("region='ap-northeast-2'");
      expect(graph.waitsFor(wait, graph.one(ASG))).to.equal(true);
    });

    it("lets a caller change a child: arguments merged, or a function over args and options", async () => {
      const { graph } = await build({
        transform: {
          loadBalancer: { enableDeletionProtection: true },
          autoScalingGroup: (args, opts) => {
            args.maxInstanceLifetime = 604800;
            opts.ignoreChanges = [...(opts.ignoreChanges ?? []), "tags"];
          },
        },
      });
      expect(graph.one(LB).inputs.enableDeletionProtection).to.equal(true);
      expect(graph.one(ASG).inputs.maxInstanceLifetime).to.equal(604800);
      expect(graph.one(ASG).ignoreChanges).to.deep.equal(["desiredCapacity", "tags"]);
    });

    it("names the default secrets path after the stack", async () => {
      const { graph } = await build({}, "staging");
      expect(graph.ofType(PARAMETER).map((p) => p.inputs.name)).to.include("/trafficlab/staging/api/database-password");
    });
  });

  describe("bad input fails before any resource is registered, every problem at once", () => {
    let program: MockedProgram;
    beforeEach(() => (program = installMocks({ stack: "prod" })));
    const reject = (args: Partial<FleetArgs>, ...fragments: string[]) => expectRejected(program, () => new ApiFleet("api", fleetArgs(args)), 'trafficlab:fleet:ApiFleet "api"', ...fragments);

    it("a name too long for the load balancer's", () => expectRejected(program, () => new ApiFleet("a-very-long-fleet-name", fleetArgs()), 'name = "a-very-long-fleet-name"', "32"));
    it("an unknown instance type", () => reject({ instanceType: "x9.huge" }, 'instanceType = "x9.huge"', "c5a.large"));
    it("no instance", () => reject({ minSize: 0 }, "minSize = 0", "from 1 to 20"));
    it("a maximum below the minimum", () => reject({ minSize: 3, maxSize: 2 }, "maxSize = 2", "at least minSize (3)"));
    it("a desired capacity outside min..max", () => reject({ desiredCapacity: 5 }, "desiredCapacity = 5", "between minSize (1) and maxSize (2)"));
    it("a CPU target of 100 %", () => reject({ cpuTargetPercent: 100 }, "cpuTargetPercent = 100", "from 10 to 90"));
    it("a grace period of 0", () => reject({ healthCheckGracePeriodSeconds: 0 }, "healthCheckGracePeriodSeconds = 0", "replaces booting instances"));
    it("a deregistration delay over an hour", () => reject({ deregistrationDelaySeconds: 4000 }, "deregistrationDelaySeconds = 4000"));
    it("a negative warm-up", () => reject({ instanceWarmupSeconds: -1 }, "instanceWarmupSeconds = -1"));
    it("a 4 GiB root volume", () => reject({ rootVolumeGiB: 4 }, "rootVolumeGiB = 4", "at least 8 GiB"));
    it("unknown CPU credits", () => reject({ cpuCredits: "boost" as "standard" }, 'cpuCredits = "boost"'));
    it("a bad domain", () => reject({ https: { domain: "not a domain", hostedZoneId: "Z0123" } }, 'https.domain = "not a domain"'));
    it("a bad hosted zone", () => reject({ https: { domain: "api.example.com", hostedZoneId: "example.com" } }, 'https.hostedZoneId = "example.com"'));
    it("an old TLS policy", () => reject({ sslPolicy: "ELBSecurityPolicy-2016-08" }, 'sslPolicy = "ELBSecurityPolicy-2016-08"', "TLS 1.0"));
    it("a bad e-mail address", () => reject({ alarms: { emails: ["ops"] } }, 'alarms.emails = "ops"'));
    it("a Slack channel name instead of its id", () => reject({ alarms: { slack: { workspaceId: "T0123ABCD", channelId: "#alerts" } } }, 'alarms.slack.channelId = "#alerts"'));
    it("an unknown alarm", () => reject({ alarms: { disabled: ["cpu" as "alb-5xx"], thresholds: { "disk": 1 } as never } }, 'alarms.disabled = "cpu"', "alarms.thresholds.disk"));
    it("a secrets path under /aws", () => reject({ secretsPath: "/aws/reserved" }, 'secretsPath = "/aws/reserved"'));
    it("a permissions boundary that is no policy ARN", () => reject({ permissionsBoundary: "arn:aws:iam::123456789012:role/boundary" }, 'permissionsBoundary = "arn:aws:iam::123456789012:role/boundary"', "IAM managed policy's ARN"));
    it("the latest image", () => reject({ app: { image: "example/api:latest" } }, 'app.image = "example/api:latest"'));
    it("a health path with a query", () => reject({ app: { image: "example/api:1", healthPath: "/health?deep=true" } }, "app.healthPath"));
    it("an unknown time zone", () => reject({ app: { image: "example/api:1", timeZone: "Mars/Olympus" } }, 'app.timeZone = "Mars/Olympus"'));
    it("a refresh wait of a day", () => reject({ refreshTimeoutMinutes: 1440 }, "refreshTimeoutMinutes = 1440"));
    it("a plain-text database password, without showing it", async () => {
      const args = fleetArgs();
      const error = await reject({ database: { ...args.database!, password: "hunter2" } }, "database.password", "Pulumi secret");
      expect(error.message).not.to.include("hunter2");
    });
    it("a plain-text cache password", async () => {
      const args = fleetArgs();
      await reject({ cache: { ...args.cache!, password: "hunter2" } }, "cache.password", "Pulumi secret");
    });
    it("a plain-text registry password", () => reject({ app: { image: "r.example.com/api:1", registry: { server: "r.example.com", username: "u", password: "hunter2" } } }, "app.registry.password"));
    it("all of them at once", async () => {
      const error = await reject({ minSize: 0, cpuTargetPercent: 5, sslPolicy: "old" }, "3 arguments are not allowed");
      expect(error.message).to.include("minSize = 0").and.include("cpuTargetPercent = 5").and.include('sslPolicy = "old"');
    });
  });
});
