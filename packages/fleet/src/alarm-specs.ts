/**
 * The stack's alarms as data: what each watches, its threshold and where the threshold comes
 * from. alarms.ts turns them into CloudWatch alarms; the README's table is rendered from them.
 * The fleet's come from fleetAlarmSpecs; a single host's from singleHostAlarmSpecs; both share
 * the data tier's (dataTierAlarmSpecs).
 */

export const ALARM_KEYS = [
  "alb-5xx",
  "target-5xx",
  "response-time-p99",
  "unhealthy-hosts",
  "no-healthy-hosts",
  "at-max-capacity",
  "database-cpu",
  "database-free-storage",
  "database-connections",
  "cache-memory",
  "cache-evictions",
  "cache-cpu",
  "host-status-check",
  "host-cpu",
] as const;

export type AlarmKey = (typeof ALARM_KEYS)[number];

/** What a dimension's value is taken from; alarms.ts resolves each to the resource's output. */
export type DimensionSource = "loadBalancer" | "targetGroup" | "autoScalingGroup" | "instance" | "dbInstance" | "cacheNode";

export type AlarmComparison = "GreaterThanThreshold" | "GreaterThanOrEqualToThreshold" | "LessThanThreshold";

export interface AlarmSpec {
  key: AlarmKey;
  /** The alarm's name suffix: the key, or `<key>-001` for one cache node. */
  suffix: string;
  /** What ALARM means, for the alarm's description (and so the e-mail and Slack message). */
  description: string;
  namespace: string;
  metricName: string;
  /** Exactly one of statistic and extendedStatistic (a percentile), as CloudWatch requires. */
  statistic?: "Average" | "Sum" | "Maximum" | "Minimum";
  extendedStatistic?: string;
  dimensions: Record<string, DimensionSource>;
  /** For per-node cache alarms: which node (0 = `<group>-001`). */
  cacheNode?: number;
  periodSeconds: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  threshold: number;
  comparison: AlarmComparison;
  treatMissingData: "missing" | "notBreaching" | "breaching";
  /** The threshold in words, with its unit, for people. */
  thresholdText: string;
  /** Where the threshold comes from. */
  source: string;
}

/** What the data tier's specs depend on: its sizes and the user's overrides. */
export interface DataTierAlarmContext {
  database?: { instanceClass: string; allocatedStorageGiB: number };
  cache?: { nodeType: string; nodes: number };
  thresholds?: Partial<Record<AlarmKey, number>>;
  disabled?: readonly AlarmKey[];
}

/** What the fleet's specs depend on: the group's ceiling and grace, and the data tier's. */
export interface AlarmContext extends DataTierAlarmContext {
  minSize: number;
  maxSize: number;
  healthCheckGracePeriodSeconds: number;
}

const GIB = 1024 ** 3;

/**
 * Memory of an RDS class in GiB, from its family and size: T classes double from 1 GiB (micro),
 * M classes have 4 GiB per vCPU, R classes 8 (AWS's published instance class tables).
 */
export function rdsClassMemoryGiB(instanceClass: string): number | undefined {
  const [, family = "", size = ""] = instanceClass.split(".");
  const burstable: Record<string, number> = { micro: 1, small: 2, medium: 4, large: 8, xlarge: 16, "2xlarge": 32 };
  const vcpus: Record<string, number> = { large: 2, xlarge: 4, "2xlarge": 8, "4xlarge": 16, "8xlarge": 32, "12xlarge": 48, "16xlarge": 64 };
  if (family.startsWith("t")) return burstable[size];
  const perVcpu = family.startsWith("m") ? 4 : family.startsWith("r") ? 8 : undefined;
  return perVcpu !== undefined && vcpus[size] !== undefined ? perVcpu * vcpus[size]! : undefined;
}

/**
 * MySQL's default max_connections on RDS is {DBInstanceClassMemory/12582880} (RDS quotas,
 * "Maximum number of database connections"). DBInstanceClassMemory is what is left after the
 * OS and RDS's own processes: counted here as 75 % of the class's memory, which matches what a
 * db.t3.micro reports (66 of the nominal 85); check with SHOW VARIABLES LIKE 'max_connections'.
 */
export function estimatedMaxConnections(instanceClass: string): number | undefined {
  const gib = rdsClassMemoryGiB(instanceClass);
  return gib === undefined ? undefined : Math.floor((gib * GIB * 0.75) / 12582880);
}

/** vCPUs of an ElastiCache node type: 2 up to large, then doubling (the EC2 sizes they run on). */
export function cacheNodeVcpus(nodeType: string): number {
  const size = nodeType.split(".")[2] ?? "";
  const vcpus: Record<string, number> = { micro: 2, small: 2, medium: 2, large: 2, xlarge: 4, "2xlarge": 8, "4xlarge": 16, "8xlarge": 32, "12xlarge": 48, "16xlarge": 64 };
  return vcpus[size] ?? 2;
}

/** `<group>-001`: how ElastiCache names the node clusters of a replication group (cluster mode off). */
export function cacheNodeId(replicationGroupId: string, index: number): string {
  return `${replicationGroupId}-${String(index + 1).padStart(3, "0")}`;
}

const MINUTE = 60;

/** The specs being gathered: `add` leaves out the disabled ones, `threshold` takes the user's override. */
function specCollector(context: DataTierAlarmContext) {
  const specs: AlarmSpec[] = [];
  const threshold = (key: AlarmKey, fallback: number) => context.thresholds?.[key] ?? fallback;
  const add = (spec: Omit<AlarmSpec, "suffix"> & { suffix?: string }) => {
    if (!context.disabled?.includes(spec.key)) specs.push({ ...spec, suffix: spec.suffix ?? spec.key });
  };
  return { specs, threshold, add };
}

/** Every alarm the fleet creates for this context, thresholds overridden and disabled ones left out. */
export function fleetAlarmSpecs(context: AlarmContext): AlarmSpec[] {
  const { specs, threshold, add } = specCollector(context);
  const lb = { LoadBalancer: "loadBalancer" } as const;
  const tg = { LoadBalancer: "loadBalancer", TargetGroup: "targetGroup" } as const;

  const elb5xx = threshold("alb-5xx", 10);
  add({
    key: "alb-5xx",
    description: `The load balancer answered more than ${elb5xx} requests a minute with 5xx itself (502: an instance closed the connection; 503: no healthy instance; 504: an instance timed out), in 3 of 5 minutes.`,
    namespace: "AWS/ApplicationELB",
    metricName: "HTTPCode_ELB_5XX_Count",
    statistic: "Sum",
    dimensions: lb,
    periodSeconds: MINUTE,
    evaluationPeriods: 5,
    datapointsToAlarm: 3,
    threshold: elb5xx,
    comparison: "GreaterThanThreshold",
    // No request, no datapoint: a quiet night is not an outage.
    treatMissingData: "notBreaching",
    thresholdText: `> ${elb5xx} per minute, 3 of 5 minutes`,
    source: "AWS's recommended ALB alarms include HTTPCode_ELB_5XX_Count; the count is this project's judgement",
  });
  const target5xx = threshold("target-5xx", 10);
  add({
    key: "target-5xx",
    description: `The API (through nginx) answered more than ${target5xx} requests a minute with 5xx, in 3 of 5 minutes.`,
    namespace: "AWS/ApplicationELB",
    metricName: "HTTPCode_Target_5XX_Count",
    statistic: "Sum",
    dimensions: tg,
    periodSeconds: MINUTE,
    evaluationPeriods: 5,
    datapointsToAlarm: 3,
    threshold: target5xx,
    comparison: "GreaterThanThreshold",
    treatMissingData: "notBreaching",
    thresholdText: `> ${target5xx} per minute, 3 of 5 minutes`,
    source: "as alb-5xx, for the application's own errors; an instance refresh rolls back on it",
  });
  const p99 = threshold("response-time-p99", 0.5);
  add({
    key: "response-time-p99",
    description: `The slowest 1 % of requests took longer than ${p99 * 1000} ms (p99 of TargetResponseTime), in 3 of 5 minutes.`,
    namespace: "AWS/ApplicationELB",
    metricName: "TargetResponseTime",
    extendedStatistic: "p99",
    dimensions: tg,
    periodSeconds: MINUTE,
    evaluationPeriods: 5,
    datapointsToAlarm: 3,
    threshold: p99,
    comparison: "GreaterThanThreshold",
    treatMissingData: "notBreaching",
    thresholdText: `p99 > ${p99} s, 3 of 5 minutes`,
    source: "the series' response-time target, 500 ms (the metric is in seconds)",
  });
  // A booting instance fails its health checks until the API is up; only one unhealthy for longer
  // than the grace period (after which Auto Scaling replaces it) is news.
  const unhealthyMinutes = Math.ceil(context.healthCheckGracePeriodSeconds / MINUTE) + 1;
  const unhealthy = threshold("unhealthy-hosts", 1);
  add({
    key: "unhealthy-hosts",
    description: `At least ${unhealthy} instance failed the load balancer's health check for ${unhealthyMinutes} minutes in a row: longer than an instance may take to boot.`,
    namespace: "AWS/ApplicationELB",
    metricName: "UnHealthyHostCount",
    statistic: "Maximum",
    dimensions: tg,
    periodSeconds: MINUTE,
    evaluationPeriods: unhealthyMinutes,
    datapointsToAlarm: unhealthyMinutes,
    threshold: unhealthy,
    comparison: "GreaterThanOrEqualToThreshold",
    treatMissingData: "notBreaching",
    thresholdText: `>= ${unhealthy} for the grace period + 1 minute (${unhealthyMinutes} min)`,
    source: "the target group's UnHealthyHostCount; the duration follows healthCheckGracePeriodSeconds",
  });
  const healthy = threshold("no-healthy-hosts", 1);
  add({
    key: "no-healthy-hosts",
    description: `Fewer than ${healthy} healthy instance behind the load balancer for 2 minutes: it then fails open (sends traffic to unhealthy ones) or answers 503. Also fires once during the first deploy, until the first instance is up.`,
    namespace: "AWS/ApplicationELB",
    metricName: "HealthyHostCount",
    statistic: "Minimum",
    dimensions: tg,
    periodSeconds: MINUTE,
    evaluationPeriods: 2,
    datapointsToAlarm: 2,
    threshold: healthy,
    comparison: "LessThanThreshold",
    treatMissingData: "breaching",
    thresholdText: `< ${healthy} for 2 minutes`,
    source: "AWS ALB guide, health checks: a target group with no healthy target fails open; an instance refresh rolls back on it",
  });
  if (context.maxSize > context.minSize) {
    const ceiling = threshold("at-max-capacity", context.maxSize);
    add({
      key: "at-max-capacity",
      description: `The group has run ${ceiling} instances (its maximum) for 10 minutes: it cannot scale out further; raise maxSize or look at why the CPU is high.`,
      namespace: "AWS/AutoScaling",
      metricName: "GroupInServiceInstances",
      statistic: "Maximum",
      dimensions: { AutoScalingGroupName: "autoScalingGroup" },
      periodSeconds: MINUTE,
      evaluationPeriods: 10,
      datapointsToAlarm: 10,
      threshold: ceiling,
      comparison: "GreaterThanOrEqualToThreshold",
      treatMissingData: "missing",
      thresholdText: `>= maxSize (${ceiling}) for 10 minutes`,
      source: "group metrics (collected by the group, 1-minute granularity); the ceiling is maxSize",
    });
  }

  return [...specs, ...dataTierAlarmSpecs(context)];
}

/** What a single host's specs depend on: its CPU threshold, and the data tier's. */
export type SingleHostAlarmContext = DataTierAlarmContext;

/**
 * A single host's alarms: the instance's status checks and CPU (there is no load balancer to
 * measure requests with), then the data tier's, as the fleet has them.
 */
export function singleHostAlarmSpecs(context: SingleHostAlarmContext): AlarmSpec[] {
  const { specs, threshold, add } = specCollector(context);
  const instance = { InstanceId: "instance" } as const;
  add({
    key: "host-status-check",
    description: "The API host failed an EC2 status check (the instance's or the system's) for 2 minutes: it is unreachable or about to be; nothing replaces a single host by itself.",
    namespace: "AWS/EC2",
    metricName: "StatusCheckFailed",
    statistic: "Maximum",
    dimensions: instance,
    periodSeconds: MINUTE,
    evaluationPeriods: 2,
    datapointsToAlarm: 2,
    threshold: threshold("host-status-check", 1),
    comparison: "GreaterThanOrEqualToThreshold",
    // A stopped or lost instance sends no status check: that is the outage this alarm is for.
    treatMissingData: "breaching",
    thresholdText: ">= 1 for 2 minutes",
    source: "AWS EC2 user guide, status check alarms (StatusCheckFailed, Maximum, 1-minute)",
  });
  const cpu = threshold("host-cpu", 80);
  add({
    key: "host-cpu",
    description: `The API host's CPU above ${cpu} % for 10 minutes: requests queue, and a burstable host spends its credits.`,
    namespace: "AWS/EC2",
    metricName: "CPUUtilization",
    statistic: "Average",
    dimensions: instance,
    // Basic monitoring: EC2 sends CPUUtilization every 5 minutes unless detailed monitoring is on.
    periodSeconds: 5 * MINUTE,
    evaluationPeriods: 2,
    datapointsToAlarm: 2,
    threshold: cpu,
    comparison: "GreaterThanThreshold",
    treatMissingData: "missing",
    thresholdText: `> ${cpu} % for 10 minutes`,
    source: "as database-cpu, for the host; 5-minute periods: basic monitoring's granularity",
  });
  return [...specs, ...dataTierAlarmSpecs(context)];
}

/** The database's and the cache's alarms, the same for both hosting modes. */
export function dataTierAlarmSpecs(context: DataTierAlarmContext): AlarmSpec[] {
  const { specs, threshold, add } = specCollector(context);
  if (context.database) {
    const dbi = { DBInstanceIdentifier: "dbInstance" } as const;
    const cpu = threshold("database-cpu", 80);
    add({
      key: "database-cpu",
      description: `RDS CPU above ${cpu} % for 5 minutes: queries queue and the API's response time follows.`,
      namespace: "AWS/RDS",
      metricName: "CPUUtilization",
      statistic: "Average",
      dimensions: dbi,
      periodSeconds: MINUTE,
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
      threshold: cpu,
      comparison: "GreaterThanThreshold",
      treatMissingData: "missing",
      thresholdText: `> ${cpu} % for 5 minutes`,
      source: "AWS Prescriptive Guidance, Amazon RDS monitoring and alerting: CloudWatch alarms (CPUUtilization > 80 % for 5 minutes)",
    });
    const freeGib = threshold("database-free-storage", Math.round(context.database.allocatedStorageGiB * 0.1 * 10) / 10);
    add({
      key: "database-free-storage",
      description: `Less than ${freeGib} GiB of the database's ${context.database.allocatedStorageGiB} GiB free: MySQL stops writing when it is full.`,
      namespace: "AWS/RDS",
      metricName: "FreeStorageSpace",
      statistic: "Minimum",
      dimensions: dbi,
      periodSeconds: 5 * MINUTE,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      threshold: Math.round(freeGib * GIB),
      comparison: "LessThanThreshold",
      treatMissingData: "missing",
      thresholdText: `< ${freeGib} GiB (10 % of the storage)`,
      source: "cloudposse/terraform-aws-rds-cloudwatch-sns-alarms: 2 GB, or 10 % of the storage",
    });
    const maxConnections = estimatedMaxConnections(context.database.instanceClass);
    const connections = threshold("database-connections", Math.floor(0.8 * (maxConnections ?? 66)));
    add({
      key: "database-connections",
      description: `More than ${connections} connections to MySQL for 5 minutes: about 80 % of max_connections of ${context.database.instanceClass}; new connections are refused at 100 %. Each instance's pool counts.`,
      namespace: "AWS/RDS",
      metricName: "DatabaseConnections",
      statistic: "Maximum",
      dimensions: dbi,
      periodSeconds: MINUTE,
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
      threshold: connections,
      comparison: "GreaterThanThreshold",
      treatMissingData: "missing",
      thresholdText: `> 80 % of max_connections (${connections} on ${context.database.instanceClass}) for 5 minutes`,
      source: "RDS quotas: max_connections = {DBInstanceClassMemory/12582880}, estimated by estimatedMaxConnections()",
    });
  }

  if (context.cache) {
    const vcpus = cacheNodeVcpus(context.cache.nodeType);
    // Small nodes: Valkey's one thread can saturate one of the two vCPUs while the host shows 50 %.
    const engineCpu = vcpus >= 4;
    for (let node = 0; node < context.cache.nodes; node++) {
      const perNode = { dimensions: { CacheClusterId: "cacheNode" } as Record<string, DimensionSource>, cacheNode: node };
      const nodeLabel = String(node + 1).padStart(3, "0");
      const memory = threshold("cache-memory", 80);
      add({
        key: "cache-memory",
        suffix: `cache-memory-${nodeLabel}`,
        description: `Cache node ${nodeLabel} uses more than ${memory} % of its memory for 5 minutes: past 100 % it evicts refresh tokens (users are logged out).`,
        namespace: "AWS/ElastiCache",
        metricName: "DatabaseMemoryUsagePercentage",
        statistic: "Average",
        ...perNode,
        periodSeconds: MINUTE,
        evaluationPeriods: 5,
        datapointsToAlarm: 5,
        threshold: memory,
        comparison: "GreaterThanThreshold",
        treatMissingData: "missing",
        thresholdText: `> ${memory} % for 5 minutes, per node`,
        source: 'ElastiCache guide, "Which metrics should I monitor?" (memory)',
      });
      const evictions = threshold("cache-evictions", 0);
      add({
        key: "cache-evictions",
        suffix: `cache-evictions-${nodeLabel}`,
        description: `Cache node ${nodeLabel} evicted more than ${evictions} keys in 5 minutes: refresh tokens were dropped, their users must log in again.`,
        namespace: "AWS/ElastiCache",
        metricName: "Evictions",
        statistic: "Sum",
        ...perNode,
        periodSeconds: 5 * MINUTE,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        threshold: evictions,
        comparison: "GreaterThanThreshold",
        treatMissingData: "notBreaching",
        thresholdText: `> ${evictions} in 5 minutes, per node`,
        source: 'ElastiCache guide, "Which metrics should I monitor?" (evictions); a token store must evict nothing',
      });
      const cpu = threshold("cache-cpu", engineCpu ? 90 : Math.floor(90 / vcpus));
      add({
        key: "cache-cpu",
        suffix: `cache-cpu-${nodeLabel}`,
        description: `Cache node ${nodeLabel} ${engineCpu ? "engine thread" : "host"} CPU above ${cpu} % for 5 minutes.`,
        namespace: "AWS/ElastiCache",
        metricName: engineCpu ? "EngineCPUUtilization" : "CPUUtilization",
        statistic: "Average",
        ...perNode,
        periodSeconds: MINUTE,
        evaluationPeriods: 5,
        datapointsToAlarm: 5,
        threshold: cpu,
        comparison: "GreaterThanThreshold",
        treatMissingData: "missing",
        thresholdText: engineCpu ? `EngineCPUUtilization > ${cpu} % for 5 minutes, per node` : `CPUUtilization > 90 / ${vcpus} vCPUs = ${cpu} % for 5 minutes, per node`,
        source: 'ElastiCache guide, "Which metrics should I monitor?" (CPUs): nodes of 2 vCPUs or fewer alarm on CPUUtilization at 90 / vCPUs, larger ones on EngineCPUUtilization',
      });
    }
  }
  return specs;
}

/** The alarms an instance refresh watches: either in ALARM fails the refresh, which then rolls back. */
export const REFRESH_ROLLBACK_ALARMS: readonly AlarmKey[] = ["target-5xx", "no-healthy-hosts"];

/** The default alarms as a Markdown table (the README's, generated by `pnpm generate`): the fleet's, then the single host's own. */
export function fleetAlarmsTable(): string {
  const dataTier = { database: { instanceClass: "db.t3.micro", allocatedStorageGiB: 20 }, cache: { nodeType: "cache.t4g.micro", nodes: 1 } };
  const fleet = fleetAlarmSpecs({ minSize: 1, maxSize: 2, healthCheckGracePeriodSeconds: 600, ...dataTier });
  const singleOnly = singleHostAlarmSpecs(dataTier).filter((spec) => !fleet.some((other) => other.key === spec.key));
  const row = (s: AlarmSpec, hosting: string) => {
    const stat = s.extendedStatistic ?? s.statistic;
    return `| \`${s.key}\` | ${hosting} | \`${s.namespace.replace("AWS/", "")} ${s.metricName}\` ${stat} | ${s.thresholdText.replace(/\|/g, "\\|")} | ${s.source.replace(/\|/g, "\\|")} |`;
  };
  const dataTierKeys = new Set(dataTierAlarmSpecs(dataTier).map((spec) => spec.key));
  return [
    "| alarm | hosting | metric | default (db.t3.micro, 20 GiB, cache.t4g.micro, 1 to 2 instances) | source |",
    "|---|---|---|---|---|",
    ...fleet.map((s) => row(s, dataTierKeys.has(s.key) ? "both" : "fleet")),
    ...singleOnly.map((s) => row(s, "single")),
  ].join("\n");
}
