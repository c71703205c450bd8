import { expect } from "chai";
import {
  ALARM_KEYS,
  CHATBOT_GUARDRAIL_POLICY,
  REFRESH_ROLLBACK_ALARMS,
  cacheNodeId,
  cacheNodeVcpus,
  chatbotNotificationsPolicy,
  estimatedMaxConnections,
  fleetAlarmSpecs,
  fleetAlarmsTable,
  followRefreshCommand,
  singleHostAlarmSpecs,
  rdsClassMemoryGiB,
  readParametersPolicy,
  refreshWaitScript,
  serviceAssumeRolePolicy,
  sessionManagerPolicy,
  type AlarmContext,
} from "@trafficlab/fleet";

const PROD: AlarmContext = {
  minSize: 1,
  maxSize: 2,
  healthCheckGracePeriodSeconds: 600,
  database: { instanceClass: "db.t4g.small", allocatedStorageGiB: 50 },
  cache: { nodeType: "cache.t4g.small", nodes: 2 },
};

describe("@trafficlab/fleet alarms", () => {
  const specs = fleetAlarmSpecs(PROD);
  const spec = (suffix: string) => specs.find((s) => s.suffix === suffix)!;

  it("covers the load balancer, the group, RDS and every cache node, each with a source", () => {
    expect(specs.map((s) => s.suffix)).to.deep.equal([
      "alb-5xx",
      "target-5xx",
      "response-time-p99",
      "unhealthy-hosts",
      "no-healthy-hosts",
      "at-max-capacity",
      "database-cpu",
      "database-free-storage",
      "database-connections",
      ...["001", "002"].flatMap((node) => [`cache-memory-${node}`, `cache-evictions-${node}`, `cache-cpu-${node}`]),
    ]);
    for (const s of specs) {
      expect(s.source, s.key).to.have.length.above(10);
      // CloudWatch: exactly one of statistic and extendedStatistic.
      expect(Number(s.statistic !== undefined) + Number(s.extendedStatistic !== undefined), s.key).to.equal(1);
      expect(s.datapointsToAlarm).to.be.at.most(s.evaluationPeriods);
    }
    expect(new Set(specs.map((s) => s.key))).to.deep.equal(new Set(ALARM_KEYS.filter((key) => !key.startsWith("host-"))));
  });

  it("gives a single host its status check and CPU, and the data tier's alarms exactly as the fleet's", () => {
    const single = singleHostAlarmSpecs({ database: PROD.database, cache: PROD.cache });
    expect(single.map((s) => s.suffix).slice(0, 2)).to.deep.equal(["host-status-check", "host-cpu"]);
    expect(single.find((s) => s.key === "host-status-check")).to.include({ namespace: "AWS/EC2", metricName: "StatusCheckFailed", statistic: "Maximum", threshold: 1, treatMissingData: "breaching" });
    expect(single.find((s) => s.key === "host-cpu")).to.deep.include({ metricName: "CPUUtilization", periodSeconds: 300, threshold: 80, dimensions: { InstanceId: "instance" } });
    expect(single.slice(2)).to.deep.equal(specs.filter((s) => s.namespace !== "AWS/ApplicationELB" && s.namespace !== "AWS/AutoScaling"));
    expect(single.some((s) => s.namespace === "AWS/ApplicationELB")).to.equal(false);
  });

  it("holds the series' 500 ms as p99 of TargetResponseTime, in seconds", () => {
    expect(spec("response-time-p99")).to.include({ metricName: "TargetResponseTime", extendedStatistic: "p99", threshold: 0.5, comparison: "GreaterThanThreshold", treatMissingData: "notBreaching" });
  });

  it("alarms on 5xx from the load balancer and from the API, quietly when there is no traffic", () => {
    expect(spec("alb-5xx")).to.include({ metricName: "HTTPCode_ELB_5XX_Count", statistic: "Sum", threshold: 10, evaluationPeriods: 5, datapointsToAlarm: 3, treatMissingData: "notBreaching" });
    expect(spec("target-5xx")).to.include({ metricName: "HTTPCode_Target_5XX_Count", threshold: 10 });
  });

  it("alarms on an unhealthy instance only once it had longer than the grace period to boot", () => {
    expect(spec("unhealthy-hosts")).to.include({ metricName: "UnHealthyHostCount", statistic: "Maximum", threshold: 1, evaluationPeriods: 11, datapointsToAlarm: 11 });
    expect(spec("no-healthy-hosts")).to.include({ metricName: "HealthyHostCount", comparison: "LessThanThreshold", threshold: 1, treatMissingData: "breaching" });
  });

  it("alarms when the group sits at its maximum for 10 minutes", () => {
    expect(spec("at-max-capacity")).to.include({ namespace: "AWS/AutoScaling", metricName: "GroupInServiceInstances", threshold: 2, evaluationPeriods: 10, comparison: "GreaterThanOrEqualToThreshold" });
  });

  it("alarms on RDS at 80 % CPU, 10 % free storage and 80 % of max_connections of the class", () => {
    expect(spec("database-cpu")).to.include({ threshold: 80, evaluationPeriods: 5 });
    expect(spec("database-free-storage")).to.include({ metricName: "FreeStorageSpace", comparison: "LessThanThreshold", threshold: 5 * 1024 ** 3 });
    // db.t4g.small: 2 GiB; 75 % as DBInstanceClassMemory / 12582880 = 128 connections; 80 % of it.
    expect(estimatedMaxConnections("db.t4g.small")).to.equal(128);
    expect(spec("database-connections").threshold).to.equal(102);
    // db.t3.micro reports 66 in practice; the estimate stays at or below it.
    expect(estimatedMaxConnections("db.t3.micro")).to.equal(64);
    expect(rdsClassMemoryGiB("db.m7g.large")).to.equal(8);
    expect(rdsClassMemoryGiB("db.r6g.xlarge")).to.equal(32);
  });

  it("alarms on each cache node's memory, evictions and CPU (CPUUtilization at 90 / vCPUs on small nodes, the engine's on large ones)", () => {
    expect(spec("cache-memory-002")).to.include({ metricName: "DatabaseMemoryUsagePercentage", threshold: 80, cacheNode: 1 });
    expect(spec("cache-evictions-001")).to.include({ metricName: "Evictions", threshold: 0, comparison: "GreaterThanThreshold" });
    expect(spec("cache-cpu-001")).to.include({ metricName: "CPUUtilization", threshold: 45 });
    const large = fleetAlarmSpecs({ ...PROD, cache: { nodeType: "cache.r7g.xlarge", nodes: 1 } }).find((s) => s.key === "cache-cpu")!;
    expect(large).to.include({ metricName: "EngineCPUUtilization", threshold: 90 });
    expect(cacheNodeVcpus("cache.t4g.micro")).to.equal(2);
    expect(cacheNodeId("prod-tokens-0957df", 1)).to.equal("prod-tokens-0957df-002");
  });

  it("takes overrides and leaves out what is disabled", () => {
    const tuned = fleetAlarmSpecs({ ...PROD, thresholds: { "database-connections": 40 }, disabled: ["cache-cpu", "alb-5xx"] });
    expect(tuned.find((s) => s.key === "database-connections")!.threshold).to.equal(40);
    expect(tuned.some((s) => s.key === "cache-cpu" || s.key === "alb-5xx")).to.equal(false);
    expect(fleetAlarmSpecs({ ...PROD, database: undefined, cache: undefined }).every((s) => /^AWS\/(ApplicationELB|AutoScaling)$/.test(s.namespace))).to.equal(true);
  });

  it("rolls an instance refresh back on the API's 5xx and on a target group without a healthy instance", () => {
    expect(REFRESH_ROLLBACK_ALARMS).to.deep.equal(["target-5xx", "no-healthy-hosts"]);
  });

  it("renders the README's table from the same specs", () => {
    const table = fleetAlarmsTable();
    for (const key of ALARM_KEYS) expect(table).to.include(`| \`${key}\` |`);
    expect(table).to.include("p99 > 0.5 s");
  });
});

describe("@trafficlab/fleet IAM documents", () => {
  it("lets a service assume a role, and nothing else", () => {
    expect(serviceAssumeRolePolicy("ec2.amazonaws.com")).to.deep.equal({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] });
  });

  it("reads exactly the parameters named, by ARN, with no wildcard and no KMS statement (aws/ssm)", () => {
    const arns = ["arn:aws:ssm:ap-northeast-2:123456789012:parameter/trafficlab/prod/api/database-password", "arn:aws:ssm:ap-northeast-2:123456789012:parameter/trafficlab/prod/api/cache-password"];
    const policy = readParametersPolicy(arns);
    expect(policy.Statement).to.have.length(1);
    expect(policy.Statement[0]).to.deep.equal({ Sid: "ReadTheApiSecrets", Effect: "Allow", Action: ["ssm:GetParameter", "ssm:GetParameters"], Resource: [...arns].sort() });
    expect(JSON.stringify(policy)).not.to.include("*").and.not.include("kms:");
    expect(() => readParametersPolicy([])).to.throw("no parameter");
  });

  it("gives Session Manager its five actions, and no parameter read (unlike AmazonSSMManagedInstanceCore)", () => {
    const actions = sessionManagerPolicy().Statement.flatMap((s) => s.Action);
    expect(actions).to.have.members(["ssm:UpdateInstanceInformation", "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"]);
    expect(actions.some((action) => /GetParameter/.test(action))).to.equal(false);
  });

  it("lets Chatbot read CloudWatch to render alarms, behind a read-only guardrail", () => {
    expect(chatbotNotificationsPolicy().Statement[0]!.Action).to.deep.equal(["cloudwatch:Describe*", "cloudwatch:Get*", "cloudwatch:List*"]);
    expect(CHATBOT_GUARDRAIL_POLICY).to.equal("arn:aws:iam::aws:policy/CloudWatchReadOnlyAccess");
  });
});

describe("@trafficlab/fleet following a refresh", () => {
  it("shows the newest refresh with the AWS CLI", () => {
    expect(followRefreshCommand("prod-api-asg-1234567", "ap-northeast-2")).to.equal(
      "aws autoscaling describe-instance-refreshes --region ap-northeast-2 --auto-scaling-group-name prod-api-asg-1234567 --max-records 1 --query 'InstanceRefreshes[0].[InstanceRefreshId,Status,PercentageComplete,InstancesToUpdate,StatusReason]' --output table",
    );
  });

  it("renders the wait with its values in the header and refuses $Latest", () => {
    const script = refreshWaitScript({ group: "prod-api-asg-1234567", region: "ap-northeast-2", version: "7", timeoutMinutes: 60 });
    expect(script.startsWith("#!/usr/bin/env bash\n")).to.equal(true);
    expect(script).to.include("group='prod-api-asg-1234567'\nregion='ap-northeast-2'\nversion='7'\ntimeout_minutes='60'");
    expect(() => refreshWaitScript({ group: "g", region: "ap-northeast-2", version: "$Latest", timeoutMinutes: 60 })).to.throw('version = "$Latest"');
    expect(() => refreshWaitScript({ group: "g; rm -rf /", region: "ap-northeast-2", version: "1", timeoutMinutes: 60 })).to.throw("group");
  });
});
