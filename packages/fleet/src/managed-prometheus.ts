export { renderAlertmanagerConfig } from "@trafficlab/observability";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { ROLLING_DEPLOY_DEFAULTS } from "@trafficlab/api-host";
import {
  EXPORTER_PORTS,
  METRICS_NETWORK,
  METRICS_SERVICE_NAMES,
  OBSERVABILITY_IMAGES,
  PROMETHEUS_CONFIG_DIR,
  SCRAPE_JOBS,
  alertRules,
  dashboardQueries,
  renderAlertmanagerConfig,
  renderPrometheusConfig,
  type AlertName,
} from "@trafficlab/observability";
import { parse, stringify } from "yaml";
import type { PolicyDocument } from "./iam-policies";

/**
 * Fleet metrics through Amazon Managed Service for Prometheus (AMP): a Prometheus in agent mode
 * on each instance scrapes the API and the host and remote-writes every sample, signed with
 * SigV4 by the instance role, to one workspace per stack; the workspace evaluates the alert rules
 * and its Alertmanager publishes to the stack's SNS topic. An instance keeps nothing: a scale-in
 * or an instance refresh loses at most the agent's last unsent seconds. README, Metrics.
 */

/** The fleet's metrics, as the stack sets them. */
export interface FleetMetricsArgs {
  /** The value of the `stack` label on every series and alert. */
  stack: string;
  /**
   * Seconds between two scrapes of each target, 5 to 300: every sample is billed.
   * @default 30
   */
  scrapeIntervalSeconds?: number;
}

export const FLEET_METRICS_DEFAULTS = {
  /** Twice the single host's 15 s: AMP bills every sample, and the p99 rule's 5-minute window still holds 10 scrapes. */
  scrapeIntervalSeconds: 30,
  /** Where the metrics compose project lives, under the project directory. */
  directory: "metrics",
  /** The compose project's name, apart from nginx's, so that one's `--remove-orphans` leaves it alone. */
  composeProject: "trafficlab-metrics",
} as const;

/**
 * Series one instance sends, for the cost estimate, after the agent keeps only the metrics the
 * rules and dashboards read (readMetricNames): the API's request histogram dominates (about 10
 * routes x 3 statuses x 70 buckets with percentiles-histogram on, plus counts: about 2,150) with
 * JVM and Hikari (about 50); node exporter's CPU, memory and disk series on a 2-vCPU instance
 * (about 30); and the scraper's own up/scrape_* per target (about 15). An estimate, printed
 * with the cost line.
 */
export const SERIES_PER_INSTANCE = { api: 2200, node: 30, scrapes: 15 } as const;
export const ESTIMATED_SERIES_PER_INSTANCE = SERIES_PER_INSTANCE.api + SERIES_PER_INSTANCE.node + SERIES_PER_INSTANCE.scrapes;

/**
 * The metric names the alert rules and the dashboards read: the agent sends these and drops the
 * rest (AMP bills every sample; node exporter alone has hundreds of series nothing reads).
 * `up` and `scrape_*` are the scraper's own and pass anyway.
 */
export function readMetricNames(): string[] {
  const expressions = [...alertRules().map((rule) => rule.expr), ...dashboardQueries().map((query) => query.expr)];
  const names = new Set<string>();
  for (const expression of expressions) for (const match of expression.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{/g)) names.add(match[1]!);
  names.delete("up");
  return [...names].sort();
}

/** Tags on the workspace the plan's cost model reads: what the agents send, in numbers. */
export const METRICS_COST_TAGS = { series: "trafficlab:series-per-instance", scrapeSeconds: "trafficlab:scrape-interval-seconds" } as const;

/** Replaced at boot by the instance's id (IMDSv2): container addresses repeat from one instance to the next. */
export const INSTANCE_ID_PLACEHOLDER = "__EC2_INSTANCE_ID__";

/** The alerts the fleet leaves out: the token cache is not scraped from the instances (its CloudWatch alarms watch it). */
export const FLEET_SKIPPED_ALERTS: readonly AlertName[] = ["CacheMemoryOverBudget"];

export interface AgentConfigOptions {
  stack: string;
  region: string;
  /** The workspace's remote-write URL: `<prometheusEndpoint>api/v1/remote_write`. */
  remoteWriteUrl: string;
  scrapeIntervalSeconds: number;
}

const REMOTE_WRITE = /^https:\/\/aps-workspaces\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/workspaces\/ws-[A-Za-z0-9-]+\/api\/v1\/remote_write$/;

/**
 * prometheus.yml of the agent on each instance, from the single host's renderer
 * (renderPrometheusConfig): the same jobs and labels, less what agent mode refuses or the
 * instance has not (rule files, the evaluation interval, the cache's exporter), only the metrics
 * something reads (readMetricNames), plus
 * remote_write to the workspace with SigV4 (the instance role's credentials, from IMDS) and the
 * instance's id on every series.
 */
export function renderAgentConfig(options: AgentConfigOptions): string {
  if (!REMOTE_WRITE.test(options.remoteWriteUrl)) throw new Error(`renderAgentConfig: remoteWriteUrl ${options.remoteWriteUrl} is not an AMP workspace's remote-write URL`);
  // The API by the alias of the colour that serves: the retiring colour drops out of DNS.
  const base = parse(renderPrometheusConfig({ stack: options.stack, scrapeIntervalSeconds: options.scrapeIntervalSeconds, apiTarget: ROLLING_DEPLOY_DEFAULTS.serviceAlias })) as {
    global: Record<string, unknown> & { external_labels: Record<string, string> };
    rule_files?: string[];
    scrape_configs: { job_name: string }[];
  };
  delete base.rule_files;
  delete base.global.evaluation_interval;
  base.global.external_labels = { ...base.global.external_labels, instance_id: INSTANCE_ID_PLACEHOLDER };
  const kept = new Set<string>([SCRAPE_JOBS.api, SCRAPE_JOBS.node, SCRAPE_JOBS.prometheus]);
  const keep = { source_labels: ["__name__"], regex: readMetricNames().join("|"), action: "keep" };
  const config = {
    ...base,
    scrape_configs: base.scrape_configs.filter((job) => kept.has(job.job_name)).map((job) => ({ ...job, metric_relabel_configs: [keep] })),
    remote_write: [{ url: options.remoteWriteUrl, sigv4: { region: options.region }, queue_config: { max_samples_per_send: 1000, max_shards: 10 } }],
  };
  return stringify(config, { lineWidth: 0 });
}

/**
 * The metrics compose project of an instance: the agent and node exporter. No published port:
 * the agent pushes, nothing pulls from outside. The agent joins the API's network (to scrape it),
 * the internal `metrics` network (node exporter) and the default one (its only way out, to AMP).
 */
export function renderMetricsCompose(options: { apiNetwork?: string } = {}): string {
  const apiNetwork = options.apiNetwork ?? ROLLING_DEPLOY_DEFAULTS.network;
  const base = { read_only: true, restart: "unless-stopped" };
  const compose = {
    name: FLEET_METRICS_DEFAULTS.composeProject,
    services: {
      [METRICS_SERVICE_NAMES.prometheus]: {
        ...base,
        image: OBSERVABILITY_IMAGES.prometheus,
        command: [`--config.file=${PROMETHEUS_CONFIG_DIR}/prometheus.yml`, "--agent", "--storage.agent.path=/prometheus", `--web.listen-address=:${EXPORTER_PORTS.prometheus}`],
        volumes: [`./prometheus:${PROMETHEUS_CONFIG_DIR}:ro`, "agent-wal:/prometheus"],
        networks: [METRICS_NETWORK, "api", "default"],
      },
      [METRICS_SERVICE_NAMES.nodeExporter]: {
        ...base,
        image: OBSERVABILITY_IMAGES.nodeExporter,
        command: ["--path.procfs=/host/proc", "--path.sysfs=/host/sys", "--path.rootfs=/host/root"],
        pid: "host",
        volumes: ["/proc:/host/proc:ro", "/sys:/host/sys:ro", "/:/host/root:ro,rslave"],
        networks: [METRICS_NETWORK],
      },
    },
    networks: { [METRICS_NETWORK]: { internal: true }, api: { external: true, name: apiNetwork }, default: {} },
    volumes: { "agent-wal": {} },
  };
  return stringify(compose, { lineWidth: 0 });
}

/** The rule file the workspace evaluates: the single host's rules (alertRules), less FLEET_SKIPPED_ALERTS. */
export function renderFleetAlertRules(args: { stack: string; scrapeIntervalSeconds: number; cpuTargetPercent: number }): string {
  const rules = alertRules(args).filter((rule) => !FLEET_SKIPPED_ALERTS.includes(rule.alert as AlertName));
  return stringify({ groups: [{ name: "trafficlab", interval: `${Math.max(args.scrapeIntervalSeconds, 30)}s`, rules }] }, { lineWidth: 0 });
}

/** The AlertManagerDefinition's `definition`: AMP's wrapper around the Alertmanager configuration. */
export function renderAlertmanagerDefinition(topicArn: string, region: string): string {
  return stringify({ alertmanager_config: renderAlertmanagerConfig(topicArn, region) }, { lineWidth: 0, blockQuote: "literal" });
}

/** aps:RemoteWrite to this workspace and nothing else: the agents write, they never query. */
export function remoteWritePolicy(workspaceArn: string): PolicyDocument {
  return { Version: "2012-10-17", Statement: [{ Sid: "RemoteWriteMetrics", Effect: "Allow", Action: "aps:RemoteWrite", Resource: workspaceArn }] };
}

/**
 * The alarm topic's policy: AWS's default statement (the account's own principals and the
 * CloudWatch alarms, which publish as the account, keep working), plus AMP's Alertmanager, for
 * this workspace only (aws:SourceArn) and this account (aws:SourceAccount) — the confused-deputy
 * guard the AMP guide asks for (Alertmanager to SNS, "Permission to send alert messages").
 */
export function alarmTopicPolicy(topicArn: string, workspaceArn: string, accountId: string): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AccountDefault",
        Effect: "Allow",
        Principal: { AWS: "*" },
        Action: ["SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission", "SNS:RemovePermission", "SNS:DeleteTopic", "SNS:Subscribe", "SNS:ListSubscriptionsByTopic", "SNS:Publish"],
        Resource: topicArn,
        Condition: { StringEquals: { "AWS:SourceOwner": accountId } },
      },
      {
        Sid: "ManagedPrometheusAlerts",
        Effect: "Allow",
        Principal: { Service: "aps.amazonaws.com" },
        Action: ["sns:Publish", "sns:GetTopicAttributes"],
        Resource: topicArn,
        Condition: { ArnEquals: { "aws:SourceArn": workspaceArn }, StringEquals: { "aws:SourceAccount": accountId } },
      },
    ],
  };
}

/** AMP's remote-write URL of a workspace, from its `prometheusEndpoint` (which ends in `/`). */
export function remoteWriteUrl(prometheusEndpoint: string): string {
  return `${prometheusEndpoint.replace(/\/+$/, "")}/api/v1/remote_write`;
}

export interface ManagedPrometheus {
  workspace: aws.amp.Workspace;
  ruleGroups: aws.amp.RuleGroupNamespace;
  alertManager: aws.amp.AlertManagerDefinition;
  topicPolicy: aws.sns.TopicPolicy;
  /** What the instance role needs: aps:RemoteWrite on this workspace. */
  writePolicy: pulumi.Output<string>;
  remoteWriteUrl: pulumi.Output<string>;
}

/**
 * The workspace, its rules and Alertmanager, and the topic policy that lets it publish. Every
 * name and alias is fixed: the workspace holds the metrics, and nothing a user may change is in
 * a property that replaces it (kmsKeyArn is never set; see the plan's provider rules).
 */
export function createManagedPrometheus(
  name: string,
  args: { stack: string; scrapeIntervalSeconds: number; cpuTargetPercent: number; topic: aws.sns.Topic; region: pulumi.Input<string>; seriesPerInstance: number; tags: Record<string, string> },
  parent: pulumi.Resource,
): ManagedPrometheus {
  const child = { parent };
  const workspace = new aws.amp.Workspace(
    `${name}-metrics`,
    {
      alias: `${name}-metrics`,
      // Read by `pnpm plan`'s cost model; tags change in place.
      tags: { ...args.tags, Name: `${name}-metrics`, [METRICS_COST_TAGS.series]: String(args.seriesPerInstance), [METRICS_COST_TAGS.scrapeSeconds]: String(args.scrapeIntervalSeconds) },
    },
    child,
  );
  const ruleGroups = new aws.amp.RuleGroupNamespace(
    `${name}-alert-rules`,
    { workspaceId: workspace.id, name: "trafficlab", data: renderFleetAlertRules({ stack: args.stack, scrapeIntervalSeconds: args.scrapeIntervalSeconds, cpuTargetPercent: args.cpuTargetPercent }) },
    child,
  );
  const accountId = aws.getCallerIdentityOutput({}, child).accountId;
  const topicPolicy = new aws.sns.TopicPolicy(
    `${name}-alarms-policy`,
    { arn: args.topic.arn, policy: pulumi.all([args.topic.arn, workspace.arn, accountId]).apply(([topic, ws, account]) => JSON.stringify(alarmTopicPolicy(topic, ws, account))) },
    child,
  );
  const alertManager = new aws.amp.AlertManagerDefinition(
    `${name}-alertmanager`,
    { workspaceId: workspace.id, definition: pulumi.all([args.topic.arn, args.region]).apply(([topic, region]) => renderAlertmanagerDefinition(topic, region)) },
    // The topic admits the workspace before its first alert can be sent.
    { parent, dependsOn: [topicPolicy] },
  );
  return {
    workspace,
    ruleGroups,
    alertManager,
    topicPolicy,
    writePolicy: workspace.arn.apply((arn) => JSON.stringify(remoteWritePolicy(arn))),
    remoteWriteUrl: workspace.prometheusEndpoint.apply(remoteWriteUrl),
  };
}
