import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { logGroupName } from "@trafficlab/api-host";
import type { PolicyDocument } from "./iam-policies";

/** The retentions CloudWatch Logs accepts (PutRetentionPolicy, retentionInDays). */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/** A retention of 0 means the environment's: a week in dev, a month in prod. */
export function logRetentionFor(environment: string, retentionDays: number): number {
  return retentionDays !== 0 ? retentionDays : environment === "prod" ? 30 : 7;
}

export interface CentralLogsArgs {
  /** The stack, in every group's name: `/trafficlab/<stack>/<service>`. */
  stack: string;
  /** The containers whose logs are kept: nginx, the API, the ACME client. */
  services: readonly string[];
  retentionDays: number;
  tags: Record<string, string>;
}

export interface CentralLogs {
  groups: Record<string, aws.cloudwatch.LogGroup>;
  /** What the instance role needs to write to these groups and no other. */
  writePolicy: pulumi.Output<string>;
}

/**
 * One log group per service, made here rather than by Docker (awslogs-create-group false), so
 * its retention is set and it goes with `pulumi destroy`; and the policy that lets the hosts
 * write to those groups only.
 */
export function createCentralLogs(name: string, args: CentralLogsArgs, parent?: pulumi.Resource): CentralLogs {
  const groups: Record<string, aws.cloudwatch.LogGroup> = {};
  for (const service of args.services) {
    const groupName = logGroupName(args.stack, service);
    groups[service] = new aws.cloudwatch.LogGroup(
      `${name}-logs-${service}`,
      // A fixed name: the compose file names it before the group exists. Retention changes in place.
      { name: groupName, retentionInDays: args.retentionDays, tags: { ...args.tags, Name: groupName } },
      { parent },
    );
  }
  const writePolicy = pulumi.all(Object.values(groups).map((group) => group.arn)).apply((arns) => JSON.stringify(writeLogsPolicy(arns)));
  return { groups, writePolicy };
}

/** Docker's awslogs driver creates a stream per container and puts events in it (docker docs, awslogs: credentials). */
export function writeLogsPolicy(groupArns: readonly string[]): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [{ Sid: "WriteContainerLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: groupArns.map((arn) => `${arn}:*`) }],
  };
}
