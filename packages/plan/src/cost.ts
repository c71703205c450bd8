import { instanceClassVcpus } from "@trafficlab/database";
import { HOURS_PER_MONTH, unitOfPriceKey, type PriceTable, type PriceUnit } from "./prices";

/** What cost reads of a registered resource (a RegisteredResource from @trafficlab/testing fits). */
export interface BillableResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  /** the id the mocks gave it, to match an Elastic IP to its instance */
  id?: string;
}

export interface CostLine {
  /** the resource billed */
  resource: string;
  type: string;
  /** what is billed, e.g. "EC2 t3.micro instance hours" */
  item: string;
  priceKey: string;
  quantity: number;
  unit: PriceUnit;
  /** undefined when the price table has no such key */
  unitPriceUsd: number | undefined;
  /** quantity x unit price, rounded to cents; undefined when the price is missing */
  monthlyUsd: number | undefined;
  missing: boolean;
  /** free-tier eligibility, noted and never subtracted */
  freeTier?: string;
  /** assumptions and exclusions of this line */
  note?: string;
  /** billed only while an Auto Scaling group runs above its minimum: in atMaxUsd, not in totalUsd */
  scaledOut?: boolean;
  source?: string;
  date?: string;
}

export interface CostOptions {
  /** default 730 */
  hoursPerMonth?: number;
  /** named in the note of a missing line */
  region?: string;
  /** the usage the traffic-billed lines assume; default the series' (SERIES_TRAFFIC) */
  traffic?: TrafficAssumption;
}

export interface CostEstimate {
  lines: CostLine[];
  /** sum of the lines that have a price, in cents-rounded USD; Auto Scaling groups at their minimum */
  totalUsd: number;
  /** the same with every Auto Scaling group at its maximum (the scaledOut lines added) */
  atMaxUsd: number;
  /** false when any line's price is missing: the total is then a lower bound */
  complete: boolean;
  missing: CostLine[];
}

const FREE_TIER_ACCOUNTS = "accounts created before 2025-07-15, first 12 months only";

/**
 * The traffic a stack's usage-billed lines assume (ALB capacity units, data transfer out to the
 * internet, data transfer between zones). Usage is not in the program, so it is an assumption,
 * printed with every line that uses it.
 */
export interface TrafficAssumption {
  /** whose traffic, in words */
  label: string;
  dailyUsers: number;
  requestsPerUserPerDay: number;
  /** a request and its response together; all of it counted as data out (an upper bound: only responses leave AWS) */
  bytesPerRequest: number;
  /** worst case for the ALB: a new connection per request */
  newConnectionPerRequest: boolean;
  keepAliveSeconds: number;
  /** what the API exchanges with the database, and again with the cache, per request (both directions) */
  dataTierBytesPerRequest: number;
}

/**
 * The series' traffic (seed/initial-infra.md): 25,000 daily users at 50 API calls a day each,
 * 10 KiB a request and response, one new connection per request held for a 60 s keep-alive, and
 * 4 KiB to the database and 4 KiB to the cache per request (a token look-up, a query or two).
 * A prod stack (`environment: prod`) is priced with it.
 */
export const SERIES_TRAFFIC: TrafficAssumption = {
  label: "the series' 25,000 daily users (environment prod)",
  dailyUsers: 25000,
  requestsPerUserPerDay: 50,
  bytesPerRequest: 10 * 1024,
  newConnectionPerRequest: true,
  keepAliveSeconds: 60,
  dataTierBytesPerRequest: 4 * 1024,
};

/** An nginx access log line in log_format timed, with its awslogs envelope, in bytes. */
export const ACCESS_LOG_BYTES_PER_REQUEST = 300;

/**
 * The API's own log lines, averaged per request, with their awslogs envelope: Spring Boot logs no
 * access line by default, so this is start-ups, warnings and errors (a stack trace is a few KB:
 * one in 100 requests failing with one would be 50 bytes a request). An assumption, printed.
 */
export const API_LOG_BYTES_PER_REQUEST = 50;

/** The LCU estimate's name before the other usage lines shared it. */
export const ALB_TRAFFIC_ASSUMPTION = SERIES_TRAFFIC;

/**
 * A dev stack serves its team, not the users: 10 people and their test clients, 1,000 requests
 * each a day, with the series' request sizes. A dev stack put in front of real users is priced
 * by its environment, not its users: set `environment: prod` or read the lines' GB.
 */
export const DEV_TRAFFIC: TrafficAssumption = { ...SERIES_TRAFFIC, label: "a development team: 10 people x 1,000 requests a day (environment dev)", dailyUsers: 10, requestsPerUserPerDay: 1000 };

/** The traffic a stack is priced with, by its `environment` setting. */
export function trafficOf(environment: string | undefined): TrafficAssumption {
  return environment === "prod" ? SERIES_TRAFFIC : DEV_TRAFFIC;
}

/** GB (10^9 bytes, as AWS bills data transfer) a month of `bytesPerRequest` per request. */
export function monthlyGb(traffic: TrafficAssumption, bytesPerRequest: number, hoursPerMonth = HOURS_PER_MONTH): number {
  return (traffic.dailyUsers * traffic.requestsPerUserPerDay * bytesPerRequest * (hoursPerMonth / 24)) / 1e9;
}

/**
 * Average LCUs an ALB bills for a traffic profile: the largest of its four dimensions per hour
 * (25 new connections/s, 3,000 active connections a minute, 1 GB processed an hour for EC2
 * targets, 1,000 rule evaluations/s beyond the first 10 rules; AWS ELB pricing). With our few
 * rules the last is 0.
 */
export function albAverageLcu(profile: Pick<TrafficAssumption, "dailyUsers" | "requestsPerUserPerDay" | "bytesPerRequest" | "newConnectionPerRequest" | "keepAliveSeconds"> = SERIES_TRAFFIC): number {
  const requestsPerSecond = (profile.dailyUsers * profile.requestsPerUserPerDay) / 86400;
  const newConnections = profile.newConnectionPerRequest ? requestsPerSecond : requestsPerSecond / 10;
  const dimensions = [newConnections / 25, (newConnections * profile.keepAliveSeconds) / 3000, (requestsPerSecond * 3600 * profile.bytesPerRequest) / 1e9];
  return Math.max(...dimensions);
}

/** How a line's unit reads in the report ("month" is per secret, alarm, parameter, ...). */
export function unitLabel(line: Pick<CostLine, "unit" | "priceKey">): string {
  if (line.unit !== "month") return line.unit;
  const thing = line.priceKey === "cloudwatch-alarm" ? "alarm" : line.priceKey.startsWith("ssm-parameter") ? "parameter" : line.priceKey.startsWith("acm-") ? "certificate" : line.priceKey === "kms-key" ? "key" : "secret";
  return `${thing}-month`;
}

/** Rounded to cents, as a bill shows it. */
function cents(usd: number): number {
  return Math.round(usd * 100) / 100;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function count(value: unknown, fallback: number): number {
  const n = typeof value === "string" ? Number(value) : value;
  return typeof n === "number" && Number.isFinite(n) ? n : fallback;
}

/**
 * The on-demand monthly cost of what the resources would create: one line per billable item.
 * A price the table lacks becomes a missing line (never zero), and the estimate is then marked
 * incomplete. Free tier is noted per line, never subtracted. Data transfer out and between zones
 * is estimated from `options.traffic`; NAT data processing, API calls, snapshots beyond the free
 * allowance and taxes are not estimated.
 */
export function monthlyCost(resources: readonly BillableResource[], prices: PriceTable, options: CostOptions = {}): CostEstimate {
  const hours = options.hoursPerMonth ?? HOURS_PER_MONTH;
  const traffic = options.traffic ?? SERIES_TRAFFIC;
  const lines: CostLine[] = [];
  const launchTemplates = new Map(resources.filter((r) => r.type === "aws:ec2/launchTemplate:LaunchTemplate" && r.id !== undefined).map((r) => [r.id!, r]));
  const line: AddLine = (resource, item, priceKey, quantity, extra = {}) => {
    const price = prices[priceKey];
    const reasons = [
      extra.note,
      price === undefined ? `no price for ${priceKey}${options.region ? ` in ${options.region}` : ""}: add it to the stack's price overrides` : undefined,
      quantity === undefined ? "quantity unknown" : undefined,
    ].filter(Boolean);
    const monthlyUsd = price === undefined || quantity === undefined ? undefined : cents(quantity * price.usd);
    lines.push({
      resource: resource.name,
      type: resource.type,
      item,
      priceKey,
      quantity: quantity ?? 0,
      unit: price?.unit ?? unitOfPriceKey(priceKey),
      unitPriceUsd: price?.usd,
      monthlyUsd,
      missing: monthlyUsd === undefined,
      ...(extra.freeTier ? { freeTier: extra.freeTier } : {}),
      ...(reasons.length > 0 ? { note: reasons.join("; ") } : {}),
      ...(extra.scaledOut ? { scaledOut: true } : {}),
      ...(price ? { source: price.source, date: price.date } : {}),
    });
  };

  // An Elastic IP associated with an instance replaces the instance's auto-assigned address.
  const instancesWithEip = new Set(resources.filter((r) => r.type === "aws:ec2/eip:Eip").map((r) => text(r.inputs.instance)).filter(Boolean));

  for (const r of resources) {
    switch (r.type) {
      case "aws:ec2/instance:Instance": {
        const instanceType = text(r.inputs.instanceType) ?? "unknown";
        line(r, `EC2 ${instanceType} instance hours`, `ec2:${instanceType}`, hours, {
          freeTier: ["t2.micro", "t3.micro"].includes(instanceType) ? `750 h/month of t2.micro or t3.micro (whichever the region offers) on ${FREE_TIER_ACCOUNTS}` : undefined,
        });
        const root = (r.inputs.rootBlockDevice ?? {}) as Record<string, unknown>;
        const size = count(root.volumeSize, NaN);
        const volumeType = text(root.volumeType) ?? "gp3";
        line(r, `EBS ${volumeType} root volume`, `ebs:${volumeType}`, Number.isNaN(size) ? 8 : size, {
          freeTier: ["gp2", "gp3"].includes(volumeType) ? `30 GB of EBS on ${FREE_TIER_ACCOUNTS}` : undefined,
          note: [
            Number.isNaN(size) ? "volumeSize not set: the AMI's 8 GB assumed" : undefined,
            root.volumeType === undefined ? "volumeType not set: gp3 (the Amazon Linux 2023 AMI's) assumed" : undefined,
          ]
            .filter(Boolean)
            .join("; ") || undefined,
        });
        const hasEip = r.id !== undefined && instancesWithEip.has(r.id);
        if (r.inputs.associatePublicIpAddress === true && !hasEip) {
          line(r, "public IPv4 address (auto-assigned)", "public-ipv4", hours, { freeTier: `750 h/month of public IPv4 on ${FREE_TIER_ACCOUNTS}` });
        }
        break;
      }
      case "aws:ec2/eip:Eip":
        line(r, "public IPv4 address (Elastic IP)", "public-ipv4", hours, { freeTier: `750 h/month of public IPv4 in total on ${FREE_TIER_ACCOUNTS}` });
        break;
      case "aws:ec2/natGateway:NatGateway":
        line(r, "NAT gateway hours", "nat-gateway", hours, { note: "plus data processed per GB, not estimated" });
        break;
      case "aws:lb/loadBalancer:LoadBalancer":
        if ((text(r.inputs.loadBalancerType) ?? "application") === "application") {
          line(r, "Application Load Balancer hours", "alb", hours);
          const lcu = albAverageLcu(traffic);
          line(r, "Application Load Balancer capacity units (estimate)", "alb-lcu", Math.round(lcu * hours * 10) / 10, {
            note:
              `assumed: ${trafficWords(traffic)}, a new connection per request: about ${lcu.toFixed(2)} LCU on average ` +
              "(new connections are the largest dimension); the stress test's 45,000 users in one hour would bill about 25 LCU for that hour",
          });
          if (r.inputs.internal !== true) {
            // An internet-facing ALB has a public IPv4 address in each zone it is in, billed like any other.
            const zones = Array.isArray(r.inputs.subnets) ? r.inputs.subnets.length : Array.isArray(r.inputs.subnetMappings) ? r.inputs.subnetMappings.length : undefined;
            line(r, `public IPv4 addresses of the load balancer x ${zones ?? 2} (one per zone)`, "public-ipv4", hours * (zones ?? 2), {
              note: zones === undefined ? "its subnets are not known: the 2 zones an ALB needs at least assumed" : undefined,
            });
          }
        } else line(r, `${String(r.inputs.loadBalancerType)} load balancer hours`, `${String(r.inputs.loadBalancerType)}-lb`, hours);
        break;
      case "aws:autoscaling/group:Group":
        autoScalingGroupLines(r, launchTemplates, hours, line);
        break;
      case "aws:autoscaling/policy:Policy":
        // Target tracking creates and bills its own two alarms (AlarmHigh and AlarmLow).
        if (r.inputs.policyType === "TargetTrackingScaling") line(r, "CloudWatch alarms of target tracking (AlarmHigh, AlarmLow)", "cloudwatch-alarm", 2);
        break;
      case "aws:cloudwatch/metricAlarm:MetricAlarm":
        line(r, "CloudWatch alarm", "cloudwatch-alarm", 1);
        break;
      case "aws:cloudwatch/logGroup:LogGroup": {
        // nginx's group: one access line a request (log_format timed, about 300 bytes). The API's
        // group (/trafficlab/<stack>/api): Spring Boot writes no access line, only its own.
        const api = /\/api$/.test(text(r.inputs.name) ?? "");
        const bytesPerRequest = api ? API_LOG_BYTES_PER_REQUEST : ACCESS_LOG_BYTES_PER_REQUEST;
        const ingestedGb = Math.round(monthlyGb(traffic, bytesPerRequest, hours) * 1000) / 1000;
        const retention = typeof r.inputs.retentionInDays === "number" ? r.inputs.retentionInDays : 30;
        line(r, "CloudWatch Logs ingestion (estimate)", "cloudwatch-logs-ingest", ingestedGb, {
          freeTier: "5 GB a month of log ingestion and storage in every account (always free)",
          note: api
            ? `assumed: ${trafficWords(traffic)}, the API's own lines (no access log; warnings, errors, start-ups) about ${API_LOG_BYTES_PER_REQUEST} bytes a request on average`
            : `assumed: ${trafficWords(traffic)}, one ${ACCESS_LOG_BYTES_PER_REQUEST}-byte access log line each`,
        });
        // Steady state: the retention's worth of a month's volume is stored (uncompressed: an upper bound).
        line(r, `CloudWatch Logs storage, ${retention} days kept (estimate)`, "cloudwatch-logs-storage", Math.round(((ingestedGb * retention) / 30) * 1000) / 1000);
        break;
      }
      case "aws:amp/workspace:Workspace":
        managedPrometheusLines(r, resources, hours, line);
        break;
      case "aws:sns/topicSubscription:TopicSubscription":
        if (r.inputs.protocol === "email") line(r, "SNS e-mail notifications", "sns-email", 0, { note: "a few alarm e-mails a month, within the first 1,000 free" });
        break;
      case "aws:ssm/parameter:Parameter":
        line(r, `Parameter Store ${text(r.inputs.tier) ?? "Standard"} ${text(r.inputs.type) ?? "String"} parameter`, (text(r.inputs.tier) ?? "Standard") === "Advanced" ? "ssm-parameter-advanced" : "ssm-parameter-standard", 1, {
          note: "a Secrets Manager secret would be USD 0.40 a month (secretsmanager-secret)",
        });
        break;
      case "aws:acm/certificate:Certificate":
        line(r, "ACM public certificate", "acm-public-certificate", 1);
        break;
      case "aws:rds/instance:Instance":
        rdsLines(r, hours, line);
        break;
      case "aws:kms/key:Key":
        line(r, "KMS customer managed key", "kms-key", 1, {
          note: r.inputs.enableKeyRotation === true ? "automatic rotation: USD 2 a month after the first rotation (a year), USD 3 after the second; the state's requests stay within the 20,000 free a month" : undefined,
        });
        break;
      case "aws:s3/bucket:Bucket":
        stateBucketLines(r, line);
        break;
      case "aws:ecr/repository:Repository": {
        const retained = retainedImages(resources, r) ?? 30;
        line(r, `ECR storage, ${retained} images kept (estimate)`, "ecr-storage", Math.round(retained * CI_ASSUMPTIONS.imageGb * 100) / 100, {
          freeTier: `500 MB a month of private storage for 12 months on ${FREE_TIER_ACCOUNTS}`,
          note: `assumed: ${CI_ASSUMPTIONS.imageGb} GB per API image (a Spring Boot image on a JRE base, compressed) and no layer shared between them: an upper bound; pulls within the Region are free`,
        });
        break;
      }
      case "aws:elasticache/replicationGroup:ReplicationGroup":
      case "aws:elasticache/cluster:Cluster": {
        const engine = text(r.inputs.engine) ?? "redis";
        const nodeType = text(r.inputs.nodeType) ?? "unknown";
        const nodes =
          r.type === "aws:elasticache/cluster:Cluster"
            ? count(r.inputs.numCacheNodes, 1)
            : r.inputs.numNodeGroups !== undefined
              ? count(r.inputs.numNodeGroups, 1) * (1 + count(r.inputs.replicasPerNodeGroup, 0))
              : count(r.inputs.numCacheClusters, 1);
        line(r, `ElastiCache ${engine} ${nodeType} node hours${nodes > 1 ? ` x ${nodes} nodes` : ""}`, `elasticache:${engine}:${nodeType}`, hours * nodes, {
          freeTier: ["cache.t2.micro", "cache.t3.micro"].includes(nodeType) ? `750 h/month of cache.t2.micro or cache.t3.micro on ${FREE_TIER_ACCOUNTS}` : undefined,
        });
        break;
      }
    }
  }

  dataTransferLines(resources, traffic, hours, line);

  const priced = lines.filter((l) => l.monthlyUsd !== undefined);
  const missing = lines.filter((l) => l.missing);
  const sum = (of: CostLine[]) => cents(of.reduce((total, l) => total + l.monthlyUsd!, 0));
  return { lines, totalUsd: sum(priced.filter((l) => !l.scaledOut)), atMaxUsd: sum(priced), complete: missing.length === 0, missing };
}

/**
 * What the ci stack's usage-billed lines assume: a team's state (dev and prod, their history,
 * backups and old versions) and its CI runs. Usage is not in the program, so it is printed with
 * each line.
 */
export const CI_ASSUMPTIONS = {
  /** the bucket's steady size: checkpoints of two stacks, `.pulumi/history` and `backups`, noncurrent versions */
  stateGb: 1,
  /** `pulumi preview` and `pulumi up` runs a month (pull requests and merges) */
  runsPerMonth: 300,
  /** PUT/LIST requests and GET requests one run makes on the backend (checkpoint, history, lock; reads of the state) */
  putsPerRun: 30,
  getsPerRun: 50,
  /** one API image, compressed */
  imageGb: 0.25,
};

function stateBucketLines(r: BillableResource, line: AddLine): void {
  const runs = `assumed: ${CI_ASSUMPTIONS.runsPerMonth} preview and up runs a month`;
  line(r, "S3 Standard storage of the Pulumi state (estimate)", "s3-storage:standard", CI_ASSUMPTIONS.stateGb, {
    note: `assumed: ${CI_ASSUMPTIONS.stateGb} GB: two stacks' checkpoints, their history and backups, and noncurrent versions (versioning keeps every overwritten checkpoint)`,
  });
  line(r, "S3 PUT and LIST requests of the Pulumi state (estimate)", "s3-requests:put", (CI_ASSUMPTIONS.runsPerMonth * CI_ASSUMPTIONS.putsPerRun) / 1000, { note: `${runs}, ${CI_ASSUMPTIONS.putsPerRun} each` });
  line(r, "S3 GET requests of the Pulumi state (estimate)", "s3-requests:get", (CI_ASSUMPTIONS.runsPerMonth * CI_ASSUMPTIONS.getsPerRun) / 1000, { note: `${runs}, ${CI_ASSUMPTIONS.getsPerRun} each` });
}

/** The count of images the repository's lifecycle policy keeps (its imageCountMoreThan rule), when the stack has one. */
function retainedImages(resources: readonly BillableResource[], repository: BillableResource): number | undefined {
  const policy = resources.find((p) => p.type === "aws:ecr/lifecyclePolicy:LifecyclePolicy" && p.inputs.repository === repository.inputs.name);
  if (typeof policy?.inputs.policy !== "string") return undefined;
  const rules = (JSON.parse(policy.inputs.policy) as { rules?: { selection?: { countType?: string; countNumber?: number } }[] }).rules ?? [];
  return rules.find((rule) => rule.selection?.countType === "imageCountMoreThan")?.selection?.countNumber;
}

type AddLine = (resource: BillableResource, item: string, priceKey: string, quantity: number | undefined, extra?: { freeTier?: string | undefined; note?: string | undefined; scaledOut?: boolean }) => void;

/**
 * An Auto Scaling group's instances, from its launch template: the minimum runs all month (in
 * the total); the instances up to the maximum are lines of their own, billed only while the
 * group is scaled out (in atMaxUsd).
 */
function autoScalingGroupLines(r: BillableResource, launchTemplates: Map<string, BillableResource>, hours: number, line: AddLine): void {
  const template = launchTemplates.get(text((r.inputs.launchTemplate as Record<string, unknown> | undefined)?.id) ?? "");
  const min = count(r.inputs.minSize, 0);
  const max = Math.max(count(r.inputs.maxSize, min), min);
  const lt = template?.inputs ?? {};
  const instanceType = text(lt.instanceType) ?? "unknown";
  const ebs = (((lt.blockDeviceMappings as Record<string, unknown>[] | undefined) ?? [])[0]?.ebs ?? {}) as Record<string, unknown>;
  const size = count(ebs.volumeSize, 8);
  const volumeType = text(ebs.volumeType) ?? "gp3";
  const publicIp = String(((lt.networkInterfaces as Record<string, unknown>[] | undefined) ?? [])[0]?.associatePublicIpAddress) === "true";
  const credits = (lt.creditSpecification as Record<string, unknown> | undefined)?.cpuCredits;
  const missingTemplate = template === undefined ? "launch template not found in the stack: instance type unknown" : undefined;
  for (const [instances, scaledOut, label] of [
    [min, false, `x ${min} (minSize)`],
    [max - min, true, `x ${max - min} more at maxSize ${max}, only while scaled out`],
  ] as const) {
    if (instances <= 0) continue;
    line(r, `EC2 ${instanceType} instance hours ${label}`, `ec2:${instanceType}`, hours * instances, {
      scaledOut,
      note: [missingTemplate, credits === "unlimited" ? "unlimited CPU credits: surplus beyond the baseline billed extra, not estimated" : undefined].filter(Boolean).join("; ") || undefined,
    });
    line(r, `EBS ${volumeType} root volumes ${label}`, `ebs:${volumeType}`, size * instances, { scaledOut });
    if (publicIp) line(r, `public IPv4 addresses ${label}`, "public-ipv4", hours * instances, { scaledOut });
  }
}

/** Bytes AMP stores per sample, compressed (its pricing page: "typically 1 or 2 bytes"), the upper one; metadata left out. */
export const AMP_BYTES_PER_SAMPLE = 2;
/** Days AMP keeps samples when the workspace sets no retention (its default). */
export const AMP_DEFAULT_RETENTION_DAYS = 150;
/** The workspace tags the fleet writes for this model (@trafficlab/fleet METRICS_COST_TAGS). */
const AMP_TAGS = { series: "trafficlab:series-per-instance", scrapeSeconds: "trafficlab:scrape-interval-seconds" } as const;

/**
 * An AMP workspace fed by an agent per instance of the stack's Auto Scaling group: samples a month
 * = series x (seconds a month / scrape interval) x instances (the minimum in the total, the rest
 * while scaled out); storage at steady state = a retention's worth of samples at 2 bytes each;
 * queries = the rule evaluations, each reading every series over a 5-minute window (an upper
 * bound; dashboards viewed are not estimated). Series and interval come from the workspace's tags.
 */
function managedPrometheusLines(r: BillableResource, resources: readonly BillableResource[], hours: number, line: AddLine): void {
  const tags = (r.inputs.tags ?? {}) as Record<string, unknown>;
  const series = count(tags[AMP_TAGS.series], NaN);
  const interval = count(tags[AMP_TAGS.scrapeSeconds], NaN);
  const group = resources.find((g) => g.type === "aws:autoscaling/group:Group");
  const min = group ? count(group.inputs.minSize, 0) : undefined;
  const max = group && min !== undefined ? Math.max(count(group.inputs.maxSize, min), min) : undefined;
  const known = Number.isFinite(series) && Number.isFinite(interval) && interval > 0 && min !== undefined;
  const why = !known ? "series per instance, scrape interval or the instances feeding it unknown (the fleet tags its workspace; no Auto Scaling group found?)" : undefined;
  const samplesPerInstance = known ? (series * hours * 3600) / interval : 0;
  const evaluationsPerMonth = known ? (hours * 3600) / Math.max(interval, 30) : 0;
  const queriedPerInstance = known ? evaluationsPerMonth * series * (300 / interval) : 0;
  const storedGbPerInstance = known ? (samplesPerInstance * (AMP_DEFAULT_RETENTION_DAYS / 30) * AMP_BYTES_PER_SAMPLE) / 2 ** 30 : 0;
  const free = "40 M samples ingested, 10 GB stored and 200 B samples queried a month on the AWS Free Tier";
  for (const [instances, scaledOut, label] of [
    [min ?? 1, false, `x ${min ?? "?"} instance${min === 1 ? "" : "s"} (minSize)`],
    [(max ?? 0) - (min ?? 0), true, `x ${(max ?? 0) - (min ?? 0)} more at maxSize ${max ?? "?"}, only while scaled out`],
  ] as const) {
    if (instances <= 0) continue;
    const assumed = `assumed: about ${series} series an instance every ${interval} s (the agent keeps what the rules and dashboards read)`;
    line(r, `AMP samples ingested ${label} (estimate)`, "amp-ingest", known ? Math.round(((samplesPerInstance * instances) / 1e7) * 10) / 10 : undefined, {
      scaledOut,
      freeTier: scaledOut ? undefined : free,
      note: why ?? `${assumed}: ${Math.round((samplesPerInstance * instances) / 1e6)} M samples a month`,
    });
    line(r, `AMP storage, ${AMP_DEFAULT_RETENTION_DAYS} days kept ${label} (estimate)`, "amp-storage", known ? Math.round(storedGbPerInstance * instances * 100) / 100 : undefined, {
      scaledOut,
      note: why ?? `${AMP_BYTES_PER_SAMPLE} bytes a sample at steady state (after ${AMP_DEFAULT_RETENTION_DAYS} days)`,
    });
    line(r, `AMP query samples of the alert rules ${label} (estimate)`, "amp-query", known ? Math.round(((queriedPerInstance * instances) / 1e9) * 100) / 100 : undefined, {
      scaledOut,
      note: why ?? "every rule evaluation reads every series over 5 minutes (an upper bound); dashboards viewed are not estimated",
    });
  }
}

function trafficWords(traffic: TrafficAssumption): string {
  return `${traffic.label}: ${traffic.dailyUsers} daily users x ${traffic.requestsPerUserPerDay} requests of ${traffic.bytesPerRequest / 1024} KB`;
}

const DATA_STORE_TYPES = ["aws:rds/instance:Instance", "aws:elasticache/replicationGroup:ReplicationGroup", "aws:elasticache/cluster:Cluster"];

/**
 * What the traffic assumption moves, billed per GB: responses out to the internet from the stack's
 * edge (its internet-facing load balancer, else its public host), and the API's requests to the
 * database and the cache when they are in another zone than the instance making them.
 */
function dataTransferLines(resources: readonly BillableResource[], traffic: TrafficAssumption, hours: number, line: AddLine): void {
  const gb = (bytesPerRequest: number, fraction = 1) => Math.round(monthlyGb(traffic, bytesPerRequest, hours) * fraction * 10) / 10;
  const alb = resources.find((r) => r.type === "aws:lb/loadBalancer:LoadBalancer" && (text(r.inputs.loadBalancerType) ?? "application") === "application" && r.inputs.internal !== true);
  const eipInstances = new Set(resources.filter((r) => r.type === "aws:ec2/eip:Eip").map((r) => text(r.inputs.instance)));
  const host = resources.find((r) => r.type === "aws:ec2/instance:Instance" && (r.inputs.associatePublicIpAddress === true || (r.id !== undefined && eipInstances.has(r.id))));
  const edge = alb ?? host;
  if (edge) {
    line(edge, "data transfer out to the internet (estimate)", "data-transfer-out", gb(traffic.bytesPerRequest), {
      freeTier: "100 GB/month of data transfer out in every account (always free), shared by all its services and Regions",
      note: `assumed: ${trafficWords(traffic)}, all of it counted as leaving AWS; at the first 10 TB's rate; inbound is free`,
    });
  }

  // Zones the subnets span: a primary AWS places itself lands in any of them.
  const subnets = resources.filter((r) => r.type === "aws:ec2/subnet:Subnet");
  const zoneCount = new Set(subnets.map((r) => text(r.inputs.availabilityZone)).filter(Boolean)).size || 2;
  const zoneOfSubnet = new Map(subnets.map((r) => [r.id, text(r.inputs.availabilityZone)]));
  const group = resources.find((r) => r.type === "aws:autoscaling/group:Group");
  const clients = group ? [group] : resources.filter((r) => r.type === "aws:ec2/instance:Instance");
  if (alb && group) {
    line(alb, "data transfer from the load balancer to instances in another zone", "data-transfer-cross-az-alb", gb(traffic.bytesPerRequest, (zoneCount - 1) / zoneCount), {
      note: `expected: instances spread over ${zoneCount} zones, (${zoneCount} - 1) / ${zoneCount} of the requests cross a zone; an ALB's cross-zone traffic is not billed`,
    });
  }
  if (clients.length === 0) return;
  const client = clients[0]!;
  const clientZone = group ? undefined : zoneOfSubnet.get(text(client.inputs.subnetId));
  for (const store of resources.filter((r) => DATA_STORE_TYPES.includes(r.type))) {
    const pinned = text(store.inputs.availabilityZone);
    const fraction = group || pinned === undefined || clientZone === undefined ? (zoneCount - 1) / zoneCount : pinned === clientZone ? 0 : 1;
    if (fraction === 0) continue;
    const what = store.type.startsWith("aws:rds/") ? "database" : "cache";
    line(store, `data transfer between the API and the ${what} in another zone (estimate)`, "data-transfer-cross-az", gb(traffic.dataTierBytesPerRequest, fraction), {
      note:
        `assumed: ${traffic.dataTierBytesPerRequest / 1024} KB to the ${what} per request; ` +
        (group
          ? `instances spread over ${zoneCount} zones, (${zoneCount} - 1) / ${zoneCount} of them away from its primary`
          : pinned === undefined
            ? `AWS places its primary in any of ${zoneCount} zones: expected (${zoneCount} - 1) / ${zoneCount}, on the bill 0 or all of it`
            : `its primary is pinned to ${pinned}, the instance is in ${clientZone}`) +
        (what === "database" ? "; Multi-AZ replication to the standby is not billed" : "; replication between its nodes is not billed"),
    });
  }
}

function rdsLines(r: BillableResource, hours: number, line: AddLine): void {
  const engine = text(r.inputs.engine) ?? "unknown";
  const instanceClass = text(r.inputs.instanceClass) ?? "unknown";
  const multiAz = r.inputs.multiAz === true;
  const copies = multiAz ? 2 : 1;
  const storageGb = count(r.inputs.allocatedStorage, 0);
  const storageType = text(r.inputs.storageType) ?? "gp3";
  const microFreeTier = /^db\.(t2|t3|t4g)\.micro$/.test(instanceClass) && !multiAz;
  line(r, `RDS ${engine} ${instanceClass} ${multiAz ? "Multi-AZ (primary + standby)" : "Single-AZ"} instance hours`, `rds:${engine}:${instanceClass}`, hours * copies, {
    freeTier: microFreeTier ? `750 h/month of Single-AZ db.t2/t3/t4g.micro on ${FREE_TIER_ACCOUNTS}` : undefined,
    note: multiAz ? "Multi-AZ estimated as 2x Single-AZ (AWS prices it at about 2x)" : undefined,
  });
  line(r, `RDS ${storageType} storage${multiAz ? " x 2 (Multi-AZ)" : ""}`, `rds-storage:${storageType}`, storageGb * copies, {
    freeTier: microFreeTier ? `20 GB of RDS storage and 20 GB of backups on ${FREE_TIER_ACCOUNTS}` : undefined,
    note: [
      r.inputs.storageType === undefined ? "storageType not set: gp3 (the RDS default) assumed" : undefined,
      "backups up to 100 % of the storage are free; beyond, not estimated",
    ]
      .filter(Boolean)
      .join("; "),
  });
  if (r.inputs.manageMasterUserPassword === true) {
    line(r, "Secrets Manager secret (RDS-managed master password)", "secretsmanager-secret", 1, { note: "plus USD 0.05 per 10,000 API calls, not estimated" });
  }
  const version = text(r.inputs.engineVersion) ?? "";
  if (engine === "mysql" && (version === "8.0" || version.startsWith("8.0."))) {
    let vcpus: number | undefined;
    try {
      vcpus = instanceClassVcpus(instanceClass);
    } catch {
      vcpus = undefined;
    }
    line(r, `RDS MySQL 8.0 Extended Support, ${vcpus ?? "?"} vCPU${multiAz ? " x 2 (the standby is billed too)" : ""}`, "rds-extended-support", vcpus === undefined ? undefined : vcpus * hours * copies, {
      note: vcpus === undefined ? `vCPUs of ${instanceClass} unknown` : undefined,
    });
  }
}
