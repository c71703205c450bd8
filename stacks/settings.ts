import { z } from "zod";
import { API_HOST_DEFAULTS, API_HOST_TYPE, BUILD_CONTEXT_ALLOWED, buildContextProblem } from "@trafficlab/api-host";
import { IAM_POLICY_ARN_ALLOWED, InvalidArgumentError, isIamPolicyArn, isRegistryUsername, REGISTRY_USERNAME_ALLOWED, requirePinnedImage } from "@trafficlab/validation";
import { DATABASE_DEFAULTS, DATABASE_TYPE } from "@trafficlab/database";
import { ACME_DEFAULTS } from "@trafficlab/edge-proxy";
import { API_IMAGE_REPOSITORY_DEFAULTS, API_IMAGE_REPOSITORY_TYPE, GITHUB_DEPLOY_ROLES_DEFAULTS, GITHUB_DEPLOY_ROLES_TYPE } from "@trafficlab/ci";
import { ALARM_ROUTING, FLEET_DEFAULTS, FLEET_METRICS_DEFAULTS, FLEET_TYPE, LOG_RETENTION_DAYS } from "@trafficlab/fleet";
import { NETWORK_DEFAULTS, NETWORK_TYPE, NAT_MODES } from "@trafficlab/network";
import { CACHE_ENGINES, TOKEN_CACHE_DEFAULTS, TOKEN_CACHE_TYPE } from "@trafficlab/token-cache";
import { OBSERVABILITY_DEFAULTS, OBSERVABILITY_IMAGES } from "@trafficlab/observability";

/**
 * Every setting of the stack: the one place its type, default and meaning are written.
 * Pulumi.yaml's `config:` block and the README's settings table are generated from it
 * (`pnpm generate`; a test fails when they drift), stacks/config.ts validates with it, and a
 * component's refusal of an argument is reported under the key the user typed (`becomes`).
 * A default is the owning component's, unless the stack chooses another for a reason given.
 */
export interface SettingSpec {
  /** Pulumi.yaml's type: how `pulumi config set` stores it. */
  type: "string" | "integer" | "boolean" | "array";
  /** Undefined: required, no default (the CLI then requires it in every stack). */
  default?: string | number | boolean | readonly string[];
  description: string;
  /** Parses the decoded config value; the default is applied before. */
  schema: z.ZodType;
  /** The component arguments this setting becomes: a refusal of one is reported under this key. */
  becomes?: readonly { component: string; argument: string }[];
}

const text = z.string();
const whole = z.number().int();
const flag = z.boolean();
// Checked here, before any resource: @pulumi/docker would find out during the up (issue 17).
const buildContext = text.superRefine((context, issues) => {
  const problem = context === "" ? undefined : buildContextProblem(context);
  if (problem) issues.addIssue({ code: "custom", message: `${problem}; allowed: "" (run apiImage as it is) or ${BUILD_CONTEXT_ALLOWED}` });
});

/** hostMetricsImages' entries as a map, service to image, or the problems with them. */
export function parseMetricsImages(entries: readonly string[]): Partial<Record<keyof typeof OBSERVABILITY_IMAGES, string>> {
  return Object.fromEntries(entries.map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)]));
}

function metricsImageProblems(entries: readonly string[]): string[] {
  const services = Object.keys(OBSERVABILITY_IMAGES);
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    const [service, image] = [entry.slice(0, Math.max(0, entry.indexOf("="))), entry.slice(entry.indexOf("=") + 1)];
    if (!services.includes(service)) problems.push(`${JSON.stringify(entry)}: allowed: SERVICE=IMAGE with SERVICE one of ${services.join(", ")}`);
    else if (seen.has(service)) problems.push(`${JSON.stringify(entry)}: ${service} is given twice`);
    else {
      try {
        requirePinnedImage("hostMetricsImages", service, image);
      } catch (error) {
        problems.push(`${JSON.stringify(entry)}: ${error instanceof InvalidArgumentError ? error.problems[0]!.allowed.replace(/^Allowed:/, "allowed:") : String(error)}`);
      }
    }
    seen.add(service);
  }
  return problems;
}

/** Keeps each setting's own schema type, so StackSettings is typed key by key. */
function setting<S extends z.ZodType>(spec: SettingSpec & { schema: S }): SettingSpec & { schema: S } {
  return spec;
}

export const STACK_SETTINGS = {
  environment: setting({ type: "string", default: "dev", schema: z.enum(["dev", "prod"]), description: "dev or prod: a prod stack must keep deletion protection, final snapshots, 7-day backups and protectData" }),
  // The stack's choice, the design document's: Korean users, Seoul time.
  timeZone: setting({
    type: "string",
    default: "Asia/Seoul",
    schema: text,
    description: "IANA time zone of the containers (TZ) and of MySQL (time_zone)",
    becomes: [
      { component: API_HOST_TYPE, argument: "app.timeZone" },
      { component: FLEET_TYPE, argument: "app.timeZone" },
      { component: DATABASE_TYPE, argument: "timeZone" },
    ],
  }),
  vpcCidr: setting({ type: "string", default: NETWORK_DEFAULTS.cidrBlock, schema: text, description: "the VPC's IPv4 block, /16 to /24, clear of Docker's 172.17-19.0.0/16 on the host", becomes: [{ component: NETWORK_TYPE, argument: "cidrBlock" }] }),
  availabilityZones: setting({
    type: "integer",
    default: NETWORK_DEFAULTS.availabilityZoneCount,
    schema: whole,
    description: "zones to spread the subnets over: at least 2 (RDS and ElastiCache subnet groups), at most the Region's",
    becomes: [{ component: NETWORK_TYPE, argument: "availabilityZoneCount" }],
  }),
  nat: setting({ type: "string", default: NETWORK_DEFAULTS.nat, schema: z.enum(NAT_MODES as [string, ...string[]]), description: "none or single: a NAT gateway costs about USD 43/month in Seoul", becomes: [{ component: NETWORK_TYPE, argument: "nat" }] }),
  dbEngineVersion: setting({ type: "string", default: DATABASE_DEFAULTS.engineVersion, schema: text, description: "MySQL 8.4 (LTS), 8.0 (paid Extended Support) or a minor such as 8.4.6", becomes: [{ component: DATABASE_TYPE, argument: "engineVersion" }] }),
  dbInstanceClass: setting({ type: "string", default: DATABASE_DEFAULTS.instanceClass, schema: text, description: "RDS class, current generation (db.t3, db.t4g, db.m7g, ...)", becomes: [{ component: DATABASE_TYPE, argument: "instanceClass" }] }),
  dbStorageGiB: setting({ type: "integer", default: DATABASE_DEFAULTS.allocatedStorageGiB, schema: whole, description: "gp3 storage, 20 to 65536 GiB", becomes: [{ component: DATABASE_TYPE, argument: "allocatedStorageGiB" }] }),
  dbBackupRetentionDays: setting({ type: "integer", default: DATABASE_DEFAULTS.backupRetentionDays, schema: whole, description: "days of automated backups, 0 to 35", becomes: [{ component: DATABASE_TYPE, argument: "backupRetentionDays" }] }),
  dbDeletionProtection: setting({ type: "boolean", default: DATABASE_DEFAULTS.deletionProtection, schema: flag, description: "RDS deletion protection", becomes: [{ component: DATABASE_TYPE, argument: "deletionProtection" }] }),
  dbSkipFinalSnapshot: setting({ type: "boolean", default: DATABASE_DEFAULTS.skipFinalSnapshot, schema: flag, description: "false keeps a final snapshot when the instance is deleted", becomes: [{ component: DATABASE_TYPE, argument: "skipFinalSnapshot" }] }),
  dbMultiAz: setting({ type: "boolean", default: DATABASE_DEFAULTS.multiAz, schema: flag, description: "a standby in a second zone", becomes: [{ component: DATABASE_TYPE, argument: "multiAz" }] }),
  dbApplyImmediately: setting({
    type: "boolean",
    default: DATABASE_DEFAULTS.applyImmediately,
    schema: flag,
    description: "apply class, storage and version changes now (a reboot or failover) instead of in the maintenance window",
    becomes: [{ component: DATABASE_TYPE, argument: "applyImmediately" }],
  }),
  dbRestoreFromSnapshot: setting({
    type: "string",
    default: "",
    schema: text,
    description: 'an RDS snapshot to restore the database from (README, Restore); "" for none',
    becomes: [{ component: DATABASE_TYPE, argument: "restoreFromSnapshot" }],
  }),
  cacheEngine: setting({ type: "string", default: TOKEN_CACHE_DEFAULTS.engine, schema: z.enum(Object.keys(CACHE_ENGINES) as [string, ...string[]]), description: "valkey or redis (Redis OSS)", becomes: [{ component: TOKEN_CACHE_TYPE, argument: "engine" }] }),
  cacheNodeType: setting({ type: "string", default: TOKEN_CACHE_DEFAULTS.nodeType, schema: text, description: "ElastiCache node type; it must hold cacheExpectedUsers' tokens", becomes: [{ component: TOKEN_CACHE_TYPE, argument: "nodeType" }] }),
  cacheReplicas: setting({ type: "integer", default: TOKEN_CACHE_DEFAULTS.replicas, schema: whole, description: "read replicas, 0 to 5", becomes: [{ component: TOKEN_CACHE_TYPE, argument: "replicas" }] }),
  cacheAutomaticFailover: setting({ type: "boolean", default: TOKEN_CACHE_DEFAULTS.automaticFailover, schema: flag, description: "promote a replica when the primary fails (needs cacheReplicas >= 1)", becomes: [{ component: TOKEN_CACHE_TYPE, argument: "automaticFailover" }] }),
  cacheExpectedUsers: setting({ type: "integer", default: TOKEN_CACHE_DEFAULTS.expectedUsers, schema: whole, description: "users whose refresh tokens the cache must hold (the node is sized for them)", becomes: [{ component: TOKEN_CACHE_TYPE, argument: "expectedUsers" }] }),
  cacheApplyImmediately: setting({
    type: "boolean",
    default: TOKEN_CACHE_DEFAULTS.applyImmediately,
    schema: flag,
    description: "apply node type, version and replica changes now instead of in the maintenance window",
    becomes: [{ component: TOKEN_CACHE_TYPE, argument: "applyImmediately" }],
  }),
  protectData: setting({ type: "boolean", default: false, schema: flag, description: "Pulumi protect and retainOnDelete on the database and cache: no pulumi up or destroy deletes them" }),
  hostInstanceType: setting({ type: "string", default: API_HOST_DEFAULTS.instanceType, schema: text, description: "EC2 type of the API host (the design document's t2.micro is accepted)", becomes: [{ component: API_HOST_TYPE, argument: "instanceType" }] }),
  hostOs: setting({ type: "string", default: API_HOST_DEFAULTS.os, schema: z.enum(["al2023", "al2"]), description: "al2023, or al2 (end of support 2026-06-30)", becomes: [{ component: API_HOST_TYPE, argument: "os" }] }),
  hostElasticIp: setting({ type: "boolean", default: API_HOST_DEFAULTS.elasticIp, schema: flag, description: "a stable public address (an Elastic IP)", becomes: [{ component: API_HOST_TYPE, argument: "elasticIp" }] }),
  // Empty by default, so the CLI does not require it of a fleet, which opens no SSH;
  // stacks/config.ts requires it for hosting: single.
  sshAllowedCidrs: setting({
    type: "array",
    default: [],
    schema: z.array(z.string()),
    description: "single: required, CIDRs that may SSH in, including the machine that runs pulumi up (it deploys over SSH); a fleet opens no SSH",
    becomes: [{ component: API_HOST_TYPE, argument: "sshAllowedCidrs" }],
  }),
  // Empty by default, so the CLI does not require it of the ci stack, which runs no API;
  // stacks/config.ts requires it for hosting: single and fleet.
  apiImage: setting({ type: "string", default: "", schema: text, description: "single and fleet: required, the API image, user/image:tag or a digest (latest is refused)", becomes: [{ component: API_HOST_TYPE, argument: "app.image" }, { component: FLEET_TYPE, argument: "app.image" }] }),
  apiBuildContext: setting({ type: "string", default: "", schema: buildContext, description: 'a local directory to build and push apiImage from (docker build --platform linux/amd64); "" to run apiImage as it is' }),
  springProfile: setting({ type: "string", default: API_HOST_DEFAULTS.springProfile, schema: text, description: "SPRING_PROFILES_ACTIVE of the API", becomes: [{ component: API_HOST_TYPE, argument: "app.springProfile" }, { component: FLEET_TYPE, argument: "app.springProfile" }] }),
  apiHealthPath: setting({ type: "string", default: API_HOST_DEFAULTS.healthPath, schema: text, description: "the API's health path, for its container health check (and the load balancer's, through nginx)", becomes: [{ component: API_HOST_TYPE, argument: "app.healthPath" }, { component: FLEET_TYPE, argument: "app.healthPath" }] }),
  nginxImage: setting({ type: "string", default: API_HOST_DEFAULTS.proxyImage, schema: text, description: "the nginx image in front of the API, a tag or digest (never latest)", becomes: [{ component: API_HOST_TYPE, argument: "proxyImage" }, { component: FLEET_TYPE, argument: "proxyImage" }] }),
  domain: setting({
    type: "string",
    default: "",
    schema: text,
    description:
      'serve HTTPS for this name: single, a Let\'s Encrypt certificate (point its DNS A record at publicIp first; hostElasticIp keeps that address); fleet, an ACM certificate in hostedZoneId; "" serves plain HTTP: logins and tokens cross the internet in clear',
    becomes: [{ component: API_HOST_TYPE, argument: "https.domain" }, { component: FLEET_TYPE, argument: "https.domain" }],
  }),
  acmeEmail: setting({ type: "string", default: "", schema: text, description: "single: where Let's Encrypt writes about expiry; required with domain", becomes: [{ component: API_HOST_TYPE, argument: "https.email" }] }),
  acmeServer: setting({
    type: "string",
    default: ACME_DEFAULTS.server,
    schema: text,
    description: "the ACME directory; Let's Encrypt's staging (https://acme-staging-v02.api.letsencrypt.org/directory) to try without its rate limits",
    becomes: [{ component: API_HOST_TYPE, argument: "https.acmeServer" }],
  }),
  acmeCaCertificates: setting({
    type: "string",
    default: "",
    schema: text,
    description: "single: PEM of the CA that signs a private ACME server's HTTPS certificate (acmeServer); lego trusts it instead of the system pool; \"\" for Let's Encrypt",
    becomes: [{ component: API_HOST_TYPE, argument: "https.acmeCaCertificates" }],
  }),
  hosting: setting({
    type: "string",
    default: "single",
    schema: z.enum(["single", "fleet", "ci"]),
    description:
      "single: one EC2 host deployed over SSH (cheap; dev); fleet: an Auto Scaling group behind a load balancer (prod; README, Scaling out); ci: no API, the GitHub deploy roles, the ECR repository and the team's state backend (README, Deploy from CI)",
  }),
  fleetInstanceType: setting({
    type: "string",
    default: FLEET_DEFAULTS.instanceType,
    schema: text,
    description: "fleet: EC2 type of each instance; not burstable by default (a T type out of credits reads as idle to the CPU target)",
    becomes: [{ component: FLEET_TYPE, argument: "instanceType" }],
  }),
  fleetMinSize: setting({ type: "integer", default: FLEET_DEFAULTS.minSize, schema: whole, description: "fleet: fewest instances, 1 to 20", becomes: [{ component: FLEET_TYPE, argument: "minSize" }] }),
  fleetMaxSize: setting({ type: "integer", default: FLEET_DEFAULTS.maxSize, schema: whole, description: "fleet: most instances, fleetMinSize to 20", becomes: [{ component: FLEET_TYPE, argument: "maxSize" }] }),
  fleetDesiredCapacity: setting({
    type: "integer",
    default: 0,
    schema: whole,
    description: "fleet: instances at creation, 0 for fleetMinSize; later pulumi ups leave the count to the scaling policy",
    becomes: [{ component: FLEET_TYPE, argument: "desiredCapacity" }],
  }),
  fleetCpuTargetPercent: setting({
    type: "integer",
    default: FLEET_DEFAULTS.cpuTargetPercent,
    schema: whole,
    description: "fleet: average CPU the group is scaled to keep, 10 to 90 (the series' 70)",
    becomes: [{ component: FLEET_TYPE, argument: "cpuTargetPercent" }],
  }),
  fleetWaitForRefresh: setting({
    type: "boolean",
    default: FLEET_DEFAULTS.waitForRefresh,
    schema: flag,
    description: "fleet: pulumi up waits for the instance refresh it starts and fails if it fails (needs the AWS CLI v2 with Pulumi's credentials)",
    becomes: [{ component: FLEET_TYPE, argument: "waitForRefresh" }],
  }),
  hostedZoneId: setting({
    type: "string",
    default: "",
    schema: text,
    description: 'fleet: the Route 53 zone (Z...) of domain, for the ACM certificate and the alias record; "" for none',
    becomes: [{ component: FLEET_TYPE, argument: "https.hostedZoneId" }],
  }),
  alarmEmails: setting({
    type: "string",
    default: "",
    schema: text,
    description: 'comma-separated addresses the alarms go to (each confirms once by the link AWS mails); "" for none (a prod stack then needs Slack or allowAlarmsToNobody)',
    becomes: [{ component: FLEET_TYPE, argument: "alarms.emails" }, { component: ALARM_ROUTING, argument: "emails" }],
  }),
  alarmSlackWorkspaceId: setting({
    type: "string",
    default: "",
    schema: text,
    description: 'Slack workspace id (T...) for alarms through AWS Chatbot, authorised once in its console; "" for none',
    becomes: [{ component: FLEET_TYPE, argument: "alarms.slack.workspaceId" }, { component: ALARM_ROUTING, argument: "slack.workspaceId" }],
  }),
  alarmSlackChannelId: setting({
    type: "string",
    default: "",
    schema: text,
    description: "Slack channel id (C...); required with alarmSlackWorkspaceId",
    becomes: [{ component: FLEET_TYPE, argument: "alarms.slack.channelId" }, { component: ALARM_ROUTING, argument: "slack.channelId" }],
  }),
  // Risks a prod stack takes only when told in so many words (stacks/config.ts PRODUCTION_RULES).
  allowAlarmsToNobody: setting({ type: "boolean", default: false, schema: flag, description: "prod: deploy although no alarmEmails and no Slack channel are set, so the alarms reach nobody" }),
  allowPlainHttpInProd: setting({ type: "boolean", default: false, schema: flag, description: "prod: deploy without domain, so logins and tokens cross the internet in clear" }),
  logRetentionDays: setting({
    type: "integer",
    default: 0,
    schema: whole.refine((days) => days === 0 || (LOG_RETENTION_DAYS as readonly number[]).includes(days), {
      message: `allowed: 0 (the environment's: 7 in dev, 30 in prod) or a retention CloudWatch Logs accepts: ${LOG_RETENTION_DAYS.join(", ")}`,
    }),
    description: "days CloudWatch Logs keeps the containers' logs; 0 for the environment's (dev 7, prod 30)",
  }),
  registryServer: setting({
    type: "string",
    default: "",
    schema: text,
    description: 'a private registry, e.g. 123456789012.dkr.ecr.ap-northeast-2.amazonaws.com; "" for Docker Hub',
    becomes: [{ component: API_HOST_TYPE, argument: "app.registry.server" }, { component: FLEET_TYPE, argument: "app.registry.server" }],
  }),
  registryUsername: setting({
    type: "string",
    default: "",
    schema: text.refine((name) => name === "" || isRegistryUsername(name), { message: `allowed: "" (no login) or ${REGISTRY_USERNAME_ALLOWED}` }),
    description: 'the registry user to log in as; "" for no login (then registryPassword, a secret, is required)',
    becomes: [{ component: API_HOST_TYPE, argument: "app.registry.username" }, { component: FLEET_TYPE, argument: "app.registry.username" }],
  }),
  // The fleet's metrics (packages/fleet README, Metrics): on by default where it is paid for.
  fleetMetrics: setting({
    type: "string",
    default: "auto",
    schema: z.enum(["auto", "on", "off"]),
    description:
      "fleet: metrics that leave the instances, to Amazon Managed Service for Prometheus (an agent per instance; alert rules and Alertmanager to the alarm topic); auto: on in prod, off in dev; off: CloudWatch metrics and alarms only",
    becomes: [{ component: FLEET_TYPE, argument: "metrics" }],
  }),
  fleetMetricsScrapeSeconds: setting({
    type: "integer",
    default: FLEET_METRICS_DEFAULTS.scrapeIntervalSeconds,
    schema: whole.refine((seconds) => seconds >= 5 && seconds <= 300, {
      message: "allowed: 5 to 300 seconds (below 5 the API spends its time on metrics and AMP bills every sample; above 300 the p99 alert's 5-minute window holds no two samples)",
    }),
    description: "fleet: seconds between two scrapes of each target by the instances' agent, 5 to 300; AMP bills every sample",
    becomes: [{ component: FLEET_TYPE, argument: "metrics.scrapeIntervalSeconds" }],
  }),
  // The single host's metrics (packages/observability README): on by default where it is paid for.
  hostMetrics: setting({
    type: "string",
    default: "auto",
    schema: z.enum(["auto", "on", "off"]),
    description:
      "single: Prometheus and the node, nginx and redis exporters on the host, the API's /actuator/prometheus (kept from the internet), alert rules; the UI through the prometheusTunnelCommand output; auto: on in prod, off in dev; off: CloudWatch metrics and alarms only",
    becomes: [{ component: API_HOST_TYPE, argument: "metrics" }],
  }),
  hostMetricsRetentionDays: setting({
    type: "integer",
    default: OBSERVABILITY_DEFAULTS.retentionDays,
    schema: whole.refine((days) => days >= 1 && days <= 3650, { message: "allowed: 1 to 3650 days (the host's root volume bounds it: about 1 GB per 15 days at the default scrape interval)" }),
    description: "single with hostMetrics: days Prometheus keeps samples on the host's disk, 1 to 3650",
    becomes: [{ component: API_HOST_TYPE, argument: "metrics.retentionDays" }],
  }),
  hostMetricsImages: setting({
    type: "array",
    default: [],
    schema: z.array(text).superRefine((entries, issues) => {
      for (const problem of metricsImageProblems(entries)) issues.addIssue({ code: "custom", message: problem });
    }),
    description: `single with hostMetrics: SERVICE=IMAGE entries in place of the pinned images (e.g. from a private mirror), SERVICE one of ${Object.keys(OBSERVABILITY_IMAGES).join(", ")}; a tag or digest, never latest`,
    becomes: [{ component: API_HOST_TYPE, argument: "metrics.images" }],
  }),
  // Checked here, before any resource: IAM would refuse it only at CreateRole, halfway through an up.
  // The ci stack's own roles take none (a person deploys it).
  iamPermissionsBoundary: setting({
    type: "string",
    default: "",
    schema: text.refine((arn) => arn === "" || isIamPolicyArn(arn), { message: `allowed: "" (no boundary) or ${IAM_POLICY_ARN_ALLOWED}` }),
    description:
      'the permissions boundary of every IAM role the stack creates; required for a stack the CI deploy role deploys (set it to the ci stack\'s output stackRoleBoundaryArn); "" for none',
    // No `becomes`: a single host's roles take it in stacks/program.ts, not through a component
    // argument, and the fleet's own check of it (permissionsBoundary) is this one.
  }),
  // hosting: ci (packages/ci). Empty by default so the CLI requires it of no stack; stacks/config.ts requires it for hosting: ci.
  githubRepository: setting({
    type: "string",
    default: "",
    schema: text,
    description: "ci: required, the GitHub repository OWNER/NAME whose pull requests may assume the preview role and whose deployEnvironment jobs the deploy role",
    becomes: [{ component: GITHUB_DEPLOY_ROLES_TYPE, argument: "repository" }],
  }),
  deployEnvironment: setting({
    type: "string",
    default: GITHUB_DEPLOY_ROLES_DEFAULTS.deployEnvironment,
    schema: text,
    description: "ci: the GitHub environment whose jobs may assume the deploy role (protect it in GitHub: required reviewers, deployment branches)",
    becomes: [{ component: GITHUB_DEPLOY_ROLES_TYPE, argument: "deployEnvironment" }],
  }),
  deployStacks: setting({
    type: "array",
    default: ["dev", "prod"],
    schema: z.array(z.string()),
    description: "ci: the stacks the roles preview and deploy: the deploy role may change only resources tagged Stack=<one of them> or named <stack>-*",
    becomes: [{ component: GITHUB_DEPLOY_ROLES_TYPE, argument: "stacks" }],
  }),
  previewBranches: setting({
    type: "array",
    default: ["main"],
    schema: z.array(z.string()),
    description: "ci: branch patterns whose pull requests the workflows preview (on.pull_request.branches); an output for the workflows, no resource",
  }),
  deployBranch: setting({
    type: "string",
    default: "main",
    schema: text,
    description: "ci: the branch whose pushes deploy (on.push.branches; the deploy environment's deployment branch rule); an output for the workflows, no resource",
  }),
  githubOidcProviderArn: setting({
    type: "string",
    default: "",
    schema: text,
    description: 'ci: the account\'s existing GitHub OIDC provider (one per URL in an account), arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com; "" creates it',
    becomes: [{ component: GITHUB_DEPLOY_ROLES_TYPE, argument: "existingOidcProviderArn" }],
  }),
  ecrRetainImages: setting({
    type: "integer",
    default: API_IMAGE_REPOSITORY_DEFAULTS.retainImages,
    schema: whole,
    description: "ci: API images the ECR repository keeps, newest first, 1 to 1000 (a rollback reaches this far back)",
    becomes: [{ component: API_IMAGE_REPOSITORY_TYPE, argument: "retainImages" }],
  }),
  ecrUntaggedExpiryDays: setting({
    type: "integer",
    default: API_IMAGE_REPOSITORY_DEFAULTS.untaggedExpiryDays,
    schema: whole,
    description: "ci: days the ECR repository keeps an untagged image, 1 to 365",
    becomes: [{ component: API_IMAGE_REPOSITORY_TYPE, argument: "untaggedExpiryDays" }],
  }),
  // Read only by pnpm plan's capacity line (packages/plan/src/capacity.ts); 0 until someone measures.
  measuredRpsPerInstance: setting({
    type: "integer",
    default: 0,
    schema: whole.refine((rps) => rps >= 0, { message: "allowed: 0 (not measured) or the requests/s one API instance serves with p99 within 500 ms, measured with pnpm loadtest (its kneeRps)" }),
    description: "requests/s one API instance serves within the 500 ms target (pnpm loadtest --profile stress against one instance); pnpm plan sizes the stress DAU with it; 0 for not measured",
  }),
} as const;

export type SettingKey = keyof typeof STACK_SETTINGS;

/** The validated settings, one typed value per key. */
export type StackSettings = { [K in SettingKey]: z.infer<(typeof STACK_SETTINGS)[K]["schema"]> };

/** Secrets the stack reads but Pulumi.yaml cannot declare: the CLI would require them, or store a default in plain text. */
export const SECRET_SETTINGS = {
  // No value on the command line: the CLI prompts for it, so it stays out of the shell's history.
  dbPassword: "pulumi config set --secret dbPassword: unset, the stack generates one",
  registryPassword: "pulumi config set --secret registryPassword: required when registryUsername is set",
} as const;

/** The settings each user must give: no default. */
export function requiredSettings(): SettingKey[] {
  return (Object.keys(STACK_SETTINGS) as SettingKey[]).filter((key) => STACK_SETTINGS[key].default === undefined);
}

/** The config key a component's argument comes from, or undefined. */
export function settingOf(componentType: string, argument: string): SettingKey | undefined {
  return (Object.keys(STACK_SETTINGS) as SettingKey[]).find((key) =>
    ((STACK_SETTINGS[key] as SettingSpec).becomes ?? []).some((target) => target.component === componentType && target.argument === argument),
  );
}
