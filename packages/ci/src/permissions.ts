import type { PolicyDocument, PolicyStatement } from "./github";

/**
 * What the CI roles may do, as pure functions of the stacks they serve, tested directly.
 *
 * How each part is narrowed (AWS Service Authorization Reference, per service):
 * - the state: the bucket's `.pulumi/` prefix, the one KMS key;
 * - resources named after the stack (IAM roles and instance profiles, SSM parameters, log
 *   groups, alarms, SNS topics, Chatbot configurations, RDS snapshots): ARNs with the stack's
 *   name prefix;
 * - resources known by id (EC2, load balancers, Auto Scaling, RDS, ElastiCache, ACM): the
 *   `Stack` tag every trafficlab resource carries, `aws:RequestTag/Stack` to create and
 *   `aws:ResourceTag/Stack` to change or delete;
 * - Describe/List/Get: `Resource: "*"`, because those actions take no resource-level
 *   permissions (nor does ecr:GetAuthorizationToken).
 * The roles the stacks create are bounded: the deploy role may create a `<stack>-*` role, put an
 * inline policy on one or set its boundary only when the boundary is the CI stack's policy
 * (`iam:PermissionsBoundary`; of the role actions, AWS sets that key on CreateRole, PutRolePolicy,
 * PutRolePermissionsBoundary, DeleteRolePolicy, Attach/DetachRolePolicy and
 * DeleteRolePermissionsBoundary only: Service Authorization Reference, IAM, condition keys), and
 * may neither remove a boundary nor change or delete the boundary policy. So whatever inline policy a deploy
 * job writes, a stack's role can do no more than `stackRoleBoundary` allows.
 */

export interface StackScope {
  partition?: string;
  accountId: string;
  region: string;
  /** The `Project` tag and the first part of the stack's SSM and log-group paths. */
  project: string;
  /** The stacks the deploy role changes: their `Stack` tag and name prefix. */
  stacks: readonly string[];
}

export interface StateAccess {
  /** The state bucket's ARN. */
  bucketArn: string;
  /** The KMS key of the secrets provider (and of the bucket's encryption). */
  keyArn: string;
}

/** Describe/List/Get of every service the trafficlab stacks use: no secret values among them. */
export const READ_ACTIONS: readonly string[] = [
  "ec2:Describe*",
  "elasticloadbalancing:Describe*",
  "autoscaling:Describe*",
  "rds:Describe*",
  "rds:ListTagsForResource",
  "elasticache:Describe*",
  "elasticache:ListTagsForResource",
  "logs:DescribeLogGroups",
  "logs:ListTagsForResource",
  "logs:ListTagsLogGroup",
  "cloudwatch:DescribeAlarms",
  "cloudwatch:ListTagsForResource",
  "sns:GetTopicAttributes",
  "sns:GetSubscriptionAttributes",
  "sns:ListSubscriptionsByTopic",
  "sns:ListTagsForResource",
  "ssm:DescribeParameters",
  "ssm:ListTagsForResource",
  "acm:DescribeCertificate",
  "acm:ListTagsForCertificate",
  "route53:GetHostedZone",
  "route53:ListResourceRecordSets",
  "route53:GetChange",
  "chatbot:DescribeSlackChannelConfigurations",
  "ecr:DescribeRepositories",
  "ecr:DescribeImages",
  "ecr:GetLifecyclePolicy",
  "ecr:ListTagsForResource",
  "kms:DescribeKey",
  "aps:DescribeWorkspace",
  "aps:DescribeRuleGroupsNamespace",
  "aps:DescribeAlertManagerDefinition",
  "aps:ListTagsForResource",
];

/** Read-only IAM actions, on the stack's own roles and profiles only. */
const IAM_READ_ACTIONS = ["iam:GetRole", "iam:GetRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "iam:GetInstanceProfile", "iam:ListInstanceProfilesForRole"];

/** Actions that create a resource: allowed only when the request tags it `Stack=<one of the stacks>`. */
export const CREATE_ACTIONS: readonly string[] = [
  "ec2:CreateVpc",
  "ec2:CreateSubnet",
  "ec2:CreateSecurityGroup",
  "ec2:CreateInternetGateway",
  "ec2:CreateRouteTable",
  "ec2:CreateLaunchTemplate",
  "ec2:ImportKeyPair",
  "ec2:AllocateAddress",
  "ec2:CreateNatGateway",
  "ec2:RunInstances",
  "elasticloadbalancing:CreateLoadBalancer",
  "elasticloadbalancing:CreateTargetGroup",
  "elasticloadbalancing:CreateListener",
  "elasticloadbalancing:CreateRule",
  "autoscaling:CreateAutoScalingGroup",
  "rds:CreateDBInstance",
  "rds:RestoreDBInstanceFromDBSnapshot",
  "rds:CreateDBSubnetGroup",
  "rds:CreateDBParameterGroup",
  "elasticache:CreateReplicationGroup",
  "elasticache:CreateCacheSubnetGroup",
  "elasticache:CreateCacheParameterGroup",
  "elasticache:CreateUser",
  "elasticache:CreateUserGroup",
  "acm:RequestCertificate",
  // The fleet's metrics (fleetMetrics): the workspace and its rule namespace take the tags at creation
  // (Service Authorization Reference, aps: aws:RequestTag on CreateWorkspace and CreateRuleGroupsNamespace).
  "aps:CreateWorkspace",
  "aps:CreateRuleGroupsNamespace",
  "aps:TagResource",
];

/** Actions on an existing resource: allowed only on resources tagged `Stack=<one of the stacks>`. */
export const CHANGE_ACTIONS: readonly string[] = [
  // The fleet's AMP workspace, its rules and its Alertmanager: aws:ResourceTag on the workspace (or namespace).
  "aps:DeleteWorkspace",
  "aps:UpdateWorkspaceAlias",
  "aps:PutRuleGroupsNamespace",
  "aps:DeleteRuleGroupsNamespace",
  "aps:CreateAlertManagerDefinition",
  "aps:PutAlertManagerDefinition",
  "aps:DeleteAlertManagerDefinition",
  "aps:UntagResource",
  "ec2:ModifyVpcAttribute",
  "ec2:DeleteVpc",
  "ec2:ModifySubnetAttribute",
  "ec2:DeleteSubnet",
  "ec2:AuthorizeSecurityGroupIngress",
  "ec2:AuthorizeSecurityGroupEgress",
  "ec2:RevokeSecurityGroupIngress",
  "ec2:RevokeSecurityGroupEgress",
  "ec2:ModifySecurityGroupRules",
  "ec2:UpdateSecurityGroupRuleDescriptionsIngress",
  "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
  "ec2:DeleteSecurityGroup",
  "ec2:AttachInternetGateway",
  "ec2:DetachInternetGateway",
  "ec2:DeleteInternetGateway",
  "ec2:CreateRoute",
  "ec2:ReplaceRoute",
  "ec2:DeleteRoute",
  "ec2:AssociateRouteTable",
  "ec2:DisassociateRouteTable",
  "ec2:ReplaceRouteTableAssociation",
  "ec2:DeleteRouteTable",
  "ec2:CreateLaunchTemplateVersion",
  "ec2:ModifyLaunchTemplate",
  "ec2:DeleteLaunchTemplate",
  "ec2:DeleteLaunchTemplateVersions",
  "ec2:DeleteKeyPair",
  "ec2:AssociateAddress",
  "ec2:DisassociateAddress",
  "ec2:ReleaseAddress",
  "ec2:DeleteNatGateway",
  "ec2:StartInstances",
  "ec2:StopInstances",
  "ec2:RebootInstances",
  "ec2:TerminateInstances",
  "ec2:ModifyInstanceAttribute",
  "ec2:ModifyInstanceMetadataOptions",
  "ec2:AssociateIamInstanceProfile",
  "ec2:ReplaceIamInstanceProfileAssociation",
  "ec2:DisassociateIamInstanceProfile",
  "ec2:CreateTags",
  "ec2:DeleteTags",
  "elasticloadbalancing:ModifyLoadBalancerAttributes",
  "elasticloadbalancing:SetSecurityGroups",
  "elasticloadbalancing:SetSubnets",
  "elasticloadbalancing:DeleteLoadBalancer",
  "elasticloadbalancing:ModifyTargetGroup",
  "elasticloadbalancing:ModifyTargetGroupAttributes",
  "elasticloadbalancing:DeleteTargetGroup",
  "elasticloadbalancing:ModifyListener",
  "elasticloadbalancing:DeleteListener",
  "elasticloadbalancing:ModifyRule",
  "elasticloadbalancing:DeleteRule",
  "elasticloadbalancing:AddTags",
  "elasticloadbalancing:RemoveTags",
  "autoscaling:UpdateAutoScalingGroup",
  "autoscaling:DeleteAutoScalingGroup",
  "autoscaling:PutScalingPolicy",
  "autoscaling:DeletePolicy",
  "autoscaling:StartInstanceRefresh",
  "autoscaling:CancelInstanceRefresh",
  "autoscaling:SetInstanceProtection",
  "autoscaling:AttachLoadBalancerTargetGroups",
  "autoscaling:DetachLoadBalancerTargetGroups",
  "autoscaling:CreateOrUpdateTags",
  "autoscaling:DeleteTags",
  "rds:ModifyDBInstance",
  "rds:RebootDBInstance",
  "rds:DeleteDBInstance",
  "rds:ModifyDBSubnetGroup",
  "rds:DeleteDBSubnetGroup",
  "rds:ModifyDBParameterGroup",
  "rds:DeleteDBParameterGroup",
  "rds:AddTagsToResource",
  "rds:RemoveTagsFromResource",
  "elasticache:ModifyReplicationGroup",
  "elasticache:IncreaseReplicaCount",
  "elasticache:DecreaseReplicaCount",
  "elasticache:DeleteReplicationGroup",
  "elasticache:ModifyCacheSubnetGroup",
  "elasticache:DeleteCacheSubnetGroup",
  "elasticache:ModifyCacheParameterGroup",
  "elasticache:DeleteCacheParameterGroup",
  "elasticache:ModifyUser",
  "elasticache:DeleteUser",
  "elasticache:ModifyUserGroup",
  "elasticache:DeleteUserGroup",
  "elasticache:AddTagsToResource",
  "elasticache:RemoveTagsFromResource",
  "acm:DeleteCertificate",
  "acm:AddTagsToCertificate",
  "acm:RemoveTagsFromCertificate",
];

/** ECR actions `docker push` makes (AWS ECR User Guide, Private repository policies: push). */
export const IMAGE_PUSH_ACTIONS: readonly string[] = [
  "ecr:BatchCheckLayerAvailability",
  "ecr:InitiateLayerUpload",
  "ecr:UploadLayerPart",
  "ecr:CompleteLayerUpload",
  "ecr:PutImage",
  "ecr:BatchGetImage",
  "ecr:GetDownloadUrlForLayer",
];

/** Never, whatever else allows it: the usual ways out of a deploy role's scope. */
export const DENIED_ACTIONS: readonly string[] = [
  "iam:CreateUser",
  "iam:CreateAccessKey",
  "iam:CreateLoginProfile",
  "iam:UpdateLoginProfile",
  "iam:AttachUserPolicy",
  "iam:PutUserPolicy",
  "iam:AddUserToGroup",
  "iam:CreatePolicy",
  "iam:CreatePolicyVersion",
  "iam:SetDefaultPolicyVersion",
  "iam:AttachRolePolicy",
  "iam:AttachGroupPolicy",
  "iam:PutGroupPolicy",
  "iam:CreateOpenIDConnectProvider",
  "iam:UpdateOpenIDConnectProviderThumbprint",
  "kms:PutKeyPolicy",
  "kms:ScheduleKeyDeletion",
  "kms:DisableKey",
  "s3:PutBucketPolicy",
  "s3:DeleteBucketPolicy",
  "s3:PutBucketVersioning",
  "s3:PutLifecycleConfiguration",
  "s3:DeleteBucket",
];

function arn(scope: StackScope, service: string, resource: string, { region = true, account = true } = {}): string {
  return `arn:${scope.partition ?? "aws"}:${service}:${region ? scope.region : ""}:${account ? scope.accountId : ""}:${resource}`;
}

function stateStatements(state: StateAccess, write: boolean): PolicyStatement[] {
  return [
    // The DIY backend keeps everything under .pulumi/ (stacks, history, backups, locks). `pulumi
    // preview` takes no lock and writes nothing (pulumi/pulumi pkg/backend/diy/backend.go: Preview
    // calls apply with DryRun, without b.Lock; Update, Refresh, Destroy, Import lock), so read is enough for it.
    { Sid: "ListState", Effect: "Allow", Action: "s3:ListBucket", Resource: state.bucketArn, Condition: { StringLike: { "s3:prefix": [".pulumi/*", ".pulumi"] } } },
    { Sid: write ? "ReadWriteState" : "ReadState", Effect: "Allow", Action: write ? ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"] : ["s3:GetObject"], Resource: `${state.bucketArn}/.pulumi/*` },
    // Decrypt: the stack's data key (awskms secrets provider) and the bucket's SSE-KMS objects;
    // GenerateDataKey: writing SSE-KMS objects. Never Encrypt: `pulumi stack init` (a person) made the data key.
    { Sid: write ? "UseStateKey" : "DecryptWithStateKey", Effect: "Allow", Action: write ? ["kms:Decrypt", "kms:GenerateDataKey"] : ["kms:Decrypt"], Resource: state.keyArn },
  ];
}

function readStatements(scope: StackScope): PolicyStatement[] {
  return [
    { Sid: "DescribeStackServices", Effect: "Allow", Action: [...READ_ACTIONS], Resource: "*" },
    { Sid: "ReadStackRoles", Effect: "Allow", Action: IAM_READ_ACTIONS, Resource: scope.stacks.flatMap((stack) => [arn(scope, "iam", `role/${stack}-*`, { region: false }), arn(scope, "iam", `instance-profile/${stack}-*`, { region: false })]) },
    // The AMI ids the program looks up; the stack's own (secret) parameters stay unreadable here.
    { Sid: "ReadPublicAmiParameters", Effect: "Allow", Action: ["ssm:GetParameter", "ssm:GetParameters"], Resource: arn(scope, "ssm", "parameter/aws/service/*", { account: false }) },
  ];
}

/** The name of the boundary policy the CI component creates: fixed, so its ARN can be put in each stack's config. */
export function stackRoleBoundaryName(prefix: string): string {
  return `${prefix}-stack-role-boundary`;
}

/**
 * The permissions boundary of every role the stacks create: the union of what their roles are
 * given (packages/fleet iam-policies.ts, managed-prometheus.ts, log-groups.ts), each narrowed to
 * the stacks as the deploy role is, and nothing else. A role's inline policy beyond it is cut
 * at request time; a new permission of a stack role must be added here too (stacks/test checks
 * every role policy the stacks make against this document).
 */
export function stackRoleBoundary(scope: StackScope): PolicyDocument {
  const stacks = [...scope.stacks];
  return {
    Version: "2012-10-17",
    Statement: [
      // The fleet's secrets (SecureString under aws/ssm: no kms action needed, iam-policies.ts readParametersPolicy).
      { Sid: "ReadStackParameters", Effect: "Allow", Action: ["ssm:GetParameter", "ssm:GetParameters"], Resource: stacks.map((s) => arn(scope, "ssm", `parameter/${scope.project}/${s}/*`)) },
      // Session Manager (sessionManagerPolicy): these actions take no resource-level permission.
      {
        Sid: "SessionManager",
        Effect: "Allow",
        Action: ["ssm:UpdateInstanceInformation", "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"],
        Resource: "*",
      },
      // Docker's awslogs driver, into the stacks' own groups (writeLogsPolicy); the streams are under the group's ARN.
      { Sid: "WriteStackLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: stacks.map((s) => arn(scope, "logs", `log-group:/${scope.project}/${s}/*`)) },
      // The fleet's metrics agent (remoteWritePolicy): AMP workspace ids are random, so the account's workspaces in the Region.
      { Sid: "RemoteWriteMetrics", Effect: "Allow", Action: "aps:RemoteWrite", Resource: arn(scope, "aps", "workspace/*") },
      // A single host's Alertmanager (hostMetrics), into the stack's alarm topic (stacks/program.ts publishToTopicPolicy).
      { Sid: "PublishAlerts", Effect: "Allow", Action: "sns:Publish", Resource: stacks.map((s) => arn(scope, "sns", `${s}-*`)) },
      // The Slack channel's role (chatbotNotificationsPolicy): Chatbot reads CloudWatch to render an alarm.
      { Sid: "RenderAlarms", Effect: "Allow", Action: ["cloudwatch:Describe*", "cloudwatch:Get*", "cloudwatch:List*"], Resource: "*" },
    ],
  };
}

/** The preview role: `pulumi preview` of the stacks, and nothing that writes. */
export function previewPermissions(scope: StackScope, state: StateAccess): PolicyDocument {
  return { Version: "2012-10-17", Statement: [...stateStatements(state, false), ...readStatements(scope)] };
}

export interface DeployExtras {
  /** The boundary every `<stack>-*` role must carry (the ARN of the `stackRoleBoundary` policy). */
  roleBoundaryArn: string;
  /** The ECR repository the deploy role pushes the API image to. */
  imageRepositoryArn?: string;
  /** Route 53 zones the stacks write records in (a fleet's domain); none: no Route 53 write. */
  hostedZoneIds?: readonly string[];
}

/** The deploy role: `pulumi up` of the stacks, scoped to their tags and names, and the image push. */
export function deployPermissions(scope: StackScope, state: StateAccess, extras: DeployExtras): PolicyDocument {
  const stacks = [...scope.stacks];
  const named = (service: string, pattern: (stack: string) => string, options?: { region?: boolean; account?: boolean }) => stacks.map((stack) => arn(scope, service, pattern(stack), options));
  const statements: PolicyStatement[] = [
    ...stateStatements(state, true),
    ...readStatements(scope),
    { Sid: "CreateTaggedForStack", Effect: "Allow", Action: [...CREATE_ACTIONS], Resource: "*", Condition: { StringEquals: { "aws:RequestTag/Stack": stacks } } },
    { Sid: "ChangeStackTagged", Effect: "Allow", Action: [...CHANGE_ACTIONS], Resource: "*", Condition: { StringEquals: { "aws:ResourceTag/Stack": stacks } } },
    // Tags on create only (each service's CreateAction key must be there): a CreateTags of its
    // own could pull a foreign resource into the stack's tag, and then into ChangeStackTagged.
    ...(["ec2", "elasticloadbalancing"] as const).map(
      (service): PolicyStatement => ({
        Sid: `TagOnCreate${service === "ec2" ? "Ec2" : "LoadBalancing"}`,
        Effect: "Allow",
        Action: service === "ec2" ? "ec2:CreateTags" : "elasticloadbalancing:AddTags",
        Resource: "*",
        Condition: {
          StringEquals: {
            "aws:RequestTag/Stack": stacks,
            [`${service}:CreateAction`]: CREATE_ACTIONS.filter((a) => a.startsWith(`${service}:`)).map((a) => a.slice(service.length + 1)),
          },
        },
      }),
    ),
    {
      Sid: "StackRoles",
      Effect: "Allow",
      Action: [
        "iam:DeleteRole",
        "iam:UpdateRole",
        "iam:UpdateAssumeRolePolicy",
        // Only takes permissions away; unconditioned so a role made before the boundary can still be destroyed.
        "iam:DeleteRolePolicy",
        "iam:TagRole",
        "iam:UntagRole",
        "iam:CreateInstanceProfile",
        "iam:DeleteInstanceProfile",
        "iam:AddRoleToInstanceProfile",
        "iam:RemoveRoleFromInstanceProfile",
        "iam:TagInstanceProfile",
        "iam:UntagInstanceProfile",
      ],
      Resource: [...named("iam", (s) => `role/${s}-*`, { region: false }), ...named("iam", (s) => `instance-profile/${s}-*`, { region: false })],
    },
    // What gives a role permissions, only while it carries the boundary: a role created without it,
    // or one made earlier without it, gets no inline policy from this role.
    {
      Sid: "BoundedStackRoles",
      Effect: "Allow",
      Action: ["iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy"],
      Resource: named("iam", (s) => `role/${s}-*`, { region: false }),
      Condition: { StringEquals: { "iam:PermissionsBoundary": extras.roleBoundaryArn } },
    },
    {
      Sid: "PassStackRoles",
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: named("iam", (s) => `role/${s}-*`, { region: false }),
      Condition: { StringEquals: { "iam:PassedToService": ["ec2.amazonaws.com", "chatbot.amazonaws.com"] } },
    },
    {
      Sid: "StackParameters",
      Effect: "Allow",
      Action: ["ssm:PutParameter", "ssm:DeleteParameter", "ssm:GetParameter", "ssm:GetParameters", "ssm:AddTagsToResource", "ssm:RemoveTagsFromResource"],
      Resource: named("ssm", (s) => `parameter/${scope.project}/${s}/*`),
    },
    {
      Sid: "StackLogGroups",
      Effect: "Allow",
      Action: ["logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy", "logs:TagResource", "logs:UntagResource", "logs:TagLogGroup", "logs:UntagLogGroup"],
      Resource: named("logs", (s) => `log-group:/${scope.project}/${s}/*`),
    },
    { Sid: "StackAlarms", Effect: "Allow", Action: ["cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:TagResource", "cloudwatch:UntagResource"], Resource: named("cloudwatch", (s) => `alarm:${s}-*`) },
    {
      Sid: "StackTopics",
      Effect: "Allow",
      Action: ["sns:CreateTopic", "sns:DeleteTopic", "sns:SetTopicAttributes", "sns:Subscribe", "sns:Unsubscribe", "sns:TagResource", "sns:UntagResource"],
      Resource: named("sns", (s) => `${s}-*`),
    },
    {
      Sid: "StackChatbot",
      Effect: "Allow",
      Action: ["chatbot:CreateSlackChannelConfiguration", "chatbot:UpdateSlackChannelConfiguration", "chatbot:DeleteSlackChannelConfiguration", "chatbot:TagResource", "chatbot:UntagResource"],
      Resource: named("chatbot", (s) => `chat-configuration/slack-channel/${s}-*`, { region: false }),
    },
    // DeleteDBInstance writes the final snapshot, a resource of its own that has no tag yet.
    { Sid: "StackFinalSnapshots", Effect: "Allow", Action: ["rds:CreateDBSnapshot", "rds:AddTagsToResource"], Resource: named("rds", (s) => `snapshot:${s}-*`) },
  ];
  if (extras.hostedZoneIds && extras.hostedZoneIds.length > 0) {
    statements.push({
      Sid: "StackRecords",
      Effect: "Allow",
      Action: ["route53:ChangeResourceRecordSets"],
      Resource: extras.hostedZoneIds.map((zone) => arn(scope, "route53", `hostedzone/${zone}`, { region: false, account: false })),
    });
  }
  if (extras.imageRepositoryArn) {
    // GetAuthorizationToken takes no resource (AWS ECR: "the resource must be *").
    statements.push({ Sid: "EcrLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" });
    statements.push({ Sid: "PushApiImage", Effect: "Allow", Action: [...IMAGE_PUSH_ACTIONS], Resource: extras.imageRepositoryArn });
  }
  statements.push({ Sid: "NeverEscalate", Effect: "Deny", Action: [...DENIED_ACTIONS], Resource: "*" });
  // The boundary stays on and stays as it is. NeverEscalate denies CreatePolicyVersion and
  // SetDefaultPolicyVersion everywhere already; these are what it leaves of the boundary's lifecycle.
  statements.push({ Sid: "KeepRoleBoundaries", Effect: "Deny", Action: "iam:DeleteRolePermissionsBoundary", Resource: "*" });
  statements.push({ Sid: "KeepBoundaryPolicy", Effect: "Deny", Action: ["iam:DeletePolicy", "iam:DeletePolicyVersion"], Resource: extras.roleBoundaryArn });
  return { Version: "2012-10-17", Statement: statements };
}
