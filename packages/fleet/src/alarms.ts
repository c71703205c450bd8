import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { ArgumentChecks, transformed, type ChildTransform } from "@trafficlab/validation";
import { cacheNodeId, type AlarmSpec, type DimensionSource } from "./alarm-specs";
import { CHATBOT_GUARDRAIL_POLICY, chatbotNotificationsPolicy, serviceAssumeRolePolicy } from "./iam-policies";

export interface AlarmNotificationsArgs {
  emails: string[];
  slack: { workspaceId: string; channelId: string } | undefined;
  /** The Chatbot role's permissions boundary (an IAM managed policy's ARN); none: no boundary. */
  permissionsBoundary?: string;
  tags: Record<string, string>;
  transform?: ChildTransform<aws.sns.TopicArgs>;
}

export interface AlarmNotifications {
  topic: aws.sns.Topic;
  emailSubscriptions: aws.sns.TopicSubscription[];
  /** The Slack channel's Chatbot configuration and its role; undefined without Slack. */
  slack: { role: aws.iam.Role; configuration: aws.chatbot.SlackChannelConfiguration } | undefined;
}

/** How a single host's alarm routing is named in errors (the fleet's is checked as its `alarms` argument). */
export const ALARM_ROUTING = "@trafficlab/fleet alarm routing";

const EMAIL = /^[^\s@'"]+@[^\s@'"]+\.[^\s@'"]+$/;

/**
 * Checks where the alarms go, into `checks` under `<prefix>emails`, `<prefix>slack.workspaceId`
 * and `<prefix>slack.channelId`: the fleet's `alarms.` and a single host's routing share it.
 */
export function checkAlarmRouting(checks: ArgumentChecks, routing: { emails?: string[]; slack?: { workspaceId: string; channelId: string } }, prefix = ""): AlarmNotificationsArgs["slack"] {
  const emails = routing.emails ?? [];
  for (const email of emails) if (typeof email !== "string" || !EMAIL.test(email)) checks.refuse(`${prefix}emails`, email, "Allowed: e-mail addresses such as ops@example.com.");
  if (new Set(emails).size !== emails.length) checks.refuse(`${prefix}emails`, emails, "Each address once: it is one subscription.");
  if (routing.slack === undefined) return undefined;
  const { workspaceId, channelId } = routing.slack;
  if (!/^T[A-Z0-9]{6,12}$/.test(workspaceId ?? "")) checks.refuse(`${prefix}slack.workspaceId`, workspaceId, "Allowed: the Slack workspace id, T followed by 6 to 12 capitals or digits (Chatbot console, after the one-time authorisation).");
  if (!/^[CG][A-Z0-9]{6,12}$/.test(channelId ?? "")) checks.refuse(`${prefix}slack.channelId`, channelId, "Allowed: the Slack channel id, C (or G) followed by 6 to 12 capitals or digits (the end of the channel's link).");
  return { workspaceId, channelId };
}

/** A single host's alarm routing, checked on its own (ALARM_ROUTING's arguments): throws every problem at once. */
export function resolveAlarmRouting(routing: { emails?: string[]; slack?: { workspaceId: string; channelId: string } }): { emails: string[]; slack: AlarmNotificationsArgs["slack"] } {
  const checks = new ArgumentChecks(ALARM_ROUTING);
  const slack = checkAlarmRouting(checks, routing);
  checks.done();
  return { emails: routing.emails ?? [], slack };
}

/** The name of an e-mail subscription, from its address: removing one address touches only its own. */
function subscriptionName(email: string): string {
  return email.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
}

/**
 * Where alarms go: an SNS topic, one e-mail subscription per address (AWS mails a confirmation
 * link; until it is followed, nothing is delivered), and optionally a Slack channel through AWS
 * Chatbot. The topic is not KMS-encrypted: CloudWatch can publish to an encrypted topic only with
 * a customer managed key that grants it, and Chatbot then fails to deliver.
 */
export function createAlarmNotifications(name: string, args: AlarmNotificationsArgs, parent?: pulumi.Resource): AlarmNotifications {
  const child = { parent };
  const topic = new aws.sns.Topic(`${name}-alarms`, ...transformed(args.transform, { displayName: `trafficlab alarms of ${name}`, tags: { ...args.tags, Name: `${name}-alarms` } }, child));
  const emailSubscriptions = args.emails.map((email) => new aws.sns.TopicSubscription(`${name}-alarms-${subscriptionName(email)}`, { topic: topic.arn, protocol: "email", endpoint: email }, child));
  let slack: AlarmNotifications["slack"];
  if (args.slack) {
    const role = new aws.iam.Role(
      `${name}-chatbot`,
      {
        assumeRolePolicy: JSON.stringify(serviceAssumeRolePolicy("chatbot.amazonaws.com")),
        inlinePolicies: [{ name: "render-alarms", policy: JSON.stringify(chatbotNotificationsPolicy()) }],
        permissionsBoundary: args.permissionsBoundary,
        tags: { ...args.tags, Name: `${name}-chatbot` },
      },
      child,
    );
    const configuration = new aws.chatbot.SlackChannelConfiguration(
      `${name}-slack`,
      {
        // Not auto-named by Pulumi; fixed so it never forces a replacement (1 to 128 of [A-Za-z0-9-_]).
        configurationName: `${name}-alarms`.replace(/[^A-Za-z0-9_-]+/g, "-").slice(0, 128),
        iamRoleArn: role.arn,
        slackTeamId: args.slack.workspaceId,
        slackChannelId: args.slack.channelId,
        snsTopicArns: [topic.arn],
        // Unset, AWS applies AdministratorAccess to whatever the channel's members ask Chatbot to do.
        guardrailPolicyArns: [CHATBOT_GUARDRAIL_POLICY],
        loggingLevel: "ERROR",
        tags: { ...args.tags, Name: `${name}-slack` },
      },
      child,
    );
    slack = { role, configuration };
  }
  return { topic, emailSubscriptions, slack };
}

/** The outputs the alarms' dimensions are taken from; a missing one leaves its alarms out. */
export interface AlarmTargets {
  loadBalancer?: pulumi.Input<string>;
  targetGroup?: pulumi.Input<string>;
  autoScalingGroup?: pulumi.Input<string>;
  /** A single host's EC2 instance id. */
  instance?: pulumi.Input<string>;
  dbInstance?: pulumi.Input<string>;
  cacheReplicationGroup?: pulumi.Input<string>;
}

/**
 * One CloudWatch alarm per spec, named `<name>-<suffix>` (a fixed name: readable in the e-mail
 * and in Slack, and known before the alarm exists, so the instance refresh can name it), each
 * sending ALARM and OK to the topic.
 */
export function createAlarms(
  name: string,
  specs: readonly AlarmSpec[],
  targets: AlarmTargets,
  topicArn: pulumi.Input<string>,
  options: { tags: Record<string, string>; transform?: ChildTransform<aws.cloudwatch.MetricAlarmArgs>; parent?: pulumi.Resource },
): Map<string, aws.cloudwatch.MetricAlarm> {
  const alarms = new Map<string, aws.cloudwatch.MetricAlarm>();
  const valueOf = (source: DimensionSource, spec: AlarmSpec): pulumi.Input<string> | undefined => {
    switch (source) {
      case "loadBalancer":
        return targets.loadBalancer;
      case "targetGroup":
        return targets.targetGroup;
      case "autoScalingGroup":
        return targets.autoScalingGroup;
      case "instance":
        return targets.instance;
      case "dbInstance":
        return targets.dbInstance;
      case "cacheNode":
        return targets.cacheReplicationGroup === undefined ? undefined : pulumi.output(targets.cacheReplicationGroup).apply((id) => cacheNodeId(id, spec.cacheNode ?? 0));
    }
  };
  for (const spec of specs) {
    const dimensions = Object.entries(spec.dimensions).map(([dimension, source]) => [dimension, valueOf(source, spec)] as const);
    if (dimensions.some(([, value]) => value === undefined)) continue;
    const alarmName = `${name}-${spec.suffix}`;
    alarms.set(
      spec.suffix,
      new aws.cloudwatch.MetricAlarm(
        alarmName,
        ...transformed(
          options.transform,
          {
            name: alarmName,
            alarmDescription: spec.description,
            namespace: spec.namespace,
            metricName: spec.metricName,
            statistic: spec.statistic,
            extendedStatistic: spec.extendedStatistic,
            dimensions: Object.fromEntries(dimensions) as Record<string, pulumi.Input<string>>,
            period: spec.periodSeconds,
            evaluationPeriods: spec.evaluationPeriods,
            datapointsToAlarm: spec.datapointsToAlarm,
            threshold: spec.threshold,
            comparisonOperator: spec.comparison,
            treatMissingData: spec.treatMissingData,
            alarmActions: [topicArn],
            okActions: [topicArn],
            tags: { ...options.tags, Name: alarmName },
          },
          { parent: options.parent },
        ),
      ),
    );
  }
  return alarms;
}
