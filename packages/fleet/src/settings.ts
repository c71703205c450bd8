import type * as pulumi from "@pulumi/pulumi";
import type * as aws from "@pulumi/aws";
import type * as command from "@pulumi/command";
import { HOST_INSTANCE_TYPES, architectureOf, hostInstanceAllowList, type RegistryCredentials } from "@trafficlab/api-host";
import { NGINX_IMAGE, type NginxOptions } from "@trafficlab/edge-proxy";
import { ArgumentChecks, componentLabel, explainRefusedType, IAM_POLICY_ARN_ALLOWED, isIamPolicyArn, isRegistryUsername, isTimeZone, REGISTRY_USERNAME_ALLOWED, requireIntegerInRange, requireOneOf, requirePinnedImage, requireSecretInput, type ChildTransform } from "@trafficlab/validation";
import { ALARM_KEYS, type AlarmKey } from "./alarm-specs";
import { checkAlarmRouting } from "./alarms";
import { FLEET_METRICS_DEFAULTS, type FleetMetricsArgs } from "./managed-prometheus";

export const FLEET_TYPE = "trafficlab:fleet:ApiFleet";

/**
 * TLS policies an HTTPS listener may use: AWS's current recommendation (hybrid post-quantum key
 * exchange, TLS 1.2 and 1.3; also the console's default) and the TLS 1.3/1.2 policy it
 * superseded. The CLI and API default, ELBSecurityPolicy-2016-08, still offers TLS 1.0 and 1.1.
 * Source: AWS ALB guide "Security policies for your Application Load Balancer" (read 2026-11-30).
 */
export const CURRENT_TLS_POLICIES: readonly string[] = [
  "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
  "ELBSecurityPolicy-TLS13-1-2-FIPS-PQ-2025-09",
  "ELBSecurityPolicy-TLS13-1-2-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
];

/** The API's database, as the fleet's instances reach it. The password leaves only as a SecureString parameter. */
export interface FleetDatabase {
  /** Host name of the database (the RDS endpoint address, without the port). */
  address: pulumi.Input<string>;
  /** Default 3306. */
  port?: pulumi.Input<number>;
  /** The schema. */
  name: pulumi.Input<string>;
  username: pulumi.Input<string>;
  /** A Pulumi secret (a plain string is refused): written to Parameter Store, never to user data. */
  password: pulumi.Input<string>;
  /** The database's security group: the fleet adds the one rule admitting its instances. */
  securityGroupId: pulumi.Input<string>;
  /** The RDS instance identifier (DBInstanceIdentifier), for the alarms. */
  identifier: pulumi.Input<string>;
  /** Its class, for the connection alarm's threshold (max_connections follows the class's memory). */
  instanceClass: string;
  /** Its storage, for the free-storage alarm's threshold. */
  allocatedStorageGiB: number;
}

/** The token cache (ElastiCache, RBAC user), as the fleet's instances reach it. */
export interface FleetCache {
  /** Host name of the primary node, without the port. */
  primaryEndpoint: pulumi.Input<string>;
  /** Default 6379. */
  port?: pulumi.Input<number>;
  /** In-transit encryption (rediss). Default true. */
  tls?: boolean;
  /** The RBAC user; it changes with each rotation, so it is fetched at boot like the password. */
  username: pulumi.Input<string>;
  /** A Pulumi secret (a plain string is refused). */
  password: pulumi.Input<string>;
  /** The cache's security group: the fleet adds the one rule admitting its instances. */
  securityGroupId: pulumi.Input<string>;
  /** The replication group id, for the alarms (its nodes are `<id>-001`, `<id>-002`, ...). */
  replicationGroupId: pulumi.Input<string>;
  /** Node type, for the CPU alarm (which metric and threshold fit its vCPUs). */
  nodeType: string;
  /** Nodes in the group: the primary plus its replicas. */
  nodes: number;
}

/** The API the instances run, as the single host runs it. */
export interface FleetAppArgs {
  /** `user/image:tag` or a digest reference. A tag or digest is required; `latest` is refused. */
  image: pulumi.Input<string>;
  /** SPRING_PROFILES_ACTIVE: profile names separated by commas. */
  springProfile?: string;
  /** The API's health path: its container health check and the load balancer's, through nginx. */
  healthPath?: string;
  /** TZ of the containers: UTC or an IANA name. */
  timeZone?: string;
  /**
   * The login for a private registry; the password (a Pulumi secret) goes to Parameter Store.
   * @default none: public images
   */
  registry?: RegistryCredentials;
}

/** HTTPS on the load balancer: an ACM certificate validated through the zone, 80 redirected to 443. */
export interface FleetHttpsArgs {
  /** The API's domain, e.g. api.example.com. */
  domain: string;
  /** The Route 53 hosted zone that holds it (Z...): the validation record and the alias go there. */
  hostedZoneId: pulumi.Input<string>;
}

/** Where the alarms go. */
export interface FleetAlarmArgs {
  /** Addresses subscribed to the alarm topic; each must confirm once, by the link AWS mails. */
  emails?: string[];
  /**
   * A Slack channel, through AWS Chatbot. The Slack workspace must have been authorised once in the
   * Chatbot console (Configure new client, Slack, Allow); the ids are in Slack's channel details.
   * @default none
   */
  slack?: { workspaceId: string; channelId: string };
  /** Thresholds that replace the defaults (fleetAlarmSpecs), by alarm key, in the alarm's unit. */
  thresholds?: Partial<Record<AlarmKey, number>>;
  /** Alarms not to create. */
  disabled?: AlarmKey[];
}

export interface FleetArgs {
  /** The VPC. */
  vpcId: pulumi.Input<string>;
  /** Public subnets in at least two zones: the load balancer's. */
  publicSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Subnets the instances run in.
   * @default publicSubnetIds: each instance gets a public address to reach dnf, the registry and Parameter Store without a NAT gateway
   */
  instanceSubnetIds?: pulumi.Input<pulumi.Input<string>[]>;
  /** A public IPv4 address per instance; false only in private subnets with a NAT gateway. Its security group admits nothing but the load balancer either way. */
  assignPublicIp?: boolean;
  /** The API container. */
  app: FleetAppArgs;
  /**
   * The database: its password goes to Parameter Store, its security group gets the one rule admitting the instances, and it gets alarms.
   * @default none
   */
  database?: FleetDatabase;
  /**
   * The token cache, the same way.
   * @default none
   */
  cache?: FleetCache;
  /** EC2 type of every instance (`*g` types get arm64 AMIs). A burstable type gets unlimited credits (see cpuCredits). */
  instanceType?: string;
  /**
   * An AMI to pin.
   * @default the newest Amazon Linux 2023 from AWS's public SSM parameter, read at each `pulumi up`: a new release rolls out by instance refresh (the preview shows it)
   */
  ami?: pulumi.Input<string>;
  /** GiB of each instance's encrypted gp3 root volume, 8 to 1024. */
  rootVolumeGiB?: number;
  /** Burstable types only: `unlimited`, so the CPU the scaling policy reads is never a throttled figure (surplus credits are billed), or `standard`. */
  cpuCredits?: "standard" | "unlimited";
  /** Fewest instances, 1 to 20. */
  minSize?: number;
  /** Most instances, minSize to 20. */
  maxSize?: number;
  /**
   * Instances at creation, minSize to maxSize. Later `pulumi up`s leave the running count to the scaling policy.
   * @default minSize
   */
  desiredCapacity?: number;
  /** Average CPU % the scaling policy keeps the group at, 10 to 90. */
  cpuTargetPercent?: number;
  /** Seconds a new instance has before failed health checks count: Docker install, image pulls and the API's start fit in it. 60 to 3600. */
  healthCheckGracePeriodSeconds?: number;
  /** Seconds after a new instance is InService before its CPU counts and before an instance refresh moves on. 0 to 3600. */
  instanceWarmupSeconds?: number;
  /** Seconds the load balancer lets a leaving instance finish its requests, 0 to 3600. */
  deregistrationDelaySeconds?: number;
  /**
   * HTTPS for a domain in a Route 53 zone.
   * @default none: HTTP only, port 443 closed
   */
  https?: FleetHttpsArgs;
  /** The HTTPS listener's TLS policy, one of CURRENT_TLS_POLICIES. */
  sslPolicy?: string;
  /**
   * Alarms to an SNS topic: e-mail and Slack.
   * @default every default alarm (README, Alarms), on a topic with no subscriber
   */
  alarms?: FleetAlarmArgs;
  /**
   * nginx's and the API's logs to CloudWatch Logs: a log group per service (`/trafficlab/<stack>/<service>`)
   * with this retention, written by the instances' role alone.
   * @default none: Docker's json-file on each instance, lost with it
   */
  logs?: { stack: string; retentionDays: number };
  /**
   * Metrics that leave the instances: a Prometheus agent on each remote-writes to an Amazon
   * Managed Service for Prometheus workspace, which evaluates the alert rules and routes them to
   * the alarm topic (README, Metrics). Every sample is billed.
   * @default none: only the CloudWatch metrics and alarms
   */
  metrics?: FleetMetricsArgs;
  /**
   * The Parameter Store path of the secrets, e.g. /trafficlab/prod/prod-api.
   * @default /trafficlab/<stack>/<name>
   */
  secretsPath?: string;
  /** Shell access through AWS Systems Manager Session Manager (only the five actions it needs, no parameter read). */
  sessionManager?: boolean;
  /**
   * The permissions boundary of the fleet's roles (the instance role, the Chatbot role): an IAM
   * managed policy's ARN. A deploy role that may create roles only with a boundary needs it.
   * @default none
   */
  permissionsBoundary?: string;
  /**
   * An EC2 key pair for SSH; no rule admits SSH, so add your own to instanceSecurityGroupId.
   * @default none: Session Manager instead
   */
  keyName?: pulumi.Input<string>;
  /** Make `pulumi up` wait for the instance refresh it starts (needs AWS CLI v2 and the same credentials on the machine running it). */
  waitForRefresh?: boolean;
  /** Minutes `waitForRefresh` waits, 5 to 240. */
  refreshTimeoutMinutes?: number;
  /** nginx settings (NginxOptions of the edge-proxy package); the upstream is always the API's blue/green name. */
  proxy?: Partial<NginxOptions>;
  /** The nginx image, a tag or digest (never latest). */
  proxyImage?: string;
  /** Where the compose project lives on each instance. */
  projectDirectory?: string;
  /** Resources the instances need before they boot, e.g. Network.publicInternetAccess. */
  internetAccess?: pulumi.Resource[];
  /** Added to every resource's tags. */
  tags?: Record<string, string>;
  /** Changes to the child resources the component does not offer as arguments. */
  transform?: FleetTransforms;
}

/** Per-child changes: arguments merged over the component's, or a function editing args and options. */
export interface FleetTransforms {
  loadBalancer?: ChildTransform<aws.lb.LoadBalancerArgs>;
  targetGroup?: ChildTransform<aws.lb.TargetGroupArgs>;
  /** Both listeners. */
  listener?: ChildTransform<aws.lb.ListenerArgs>;
  /** Both security groups. */
  securityGroup?: ChildTransform<aws.ec2.SecurityGroupArgs>;
  launchTemplate?: ChildTransform<aws.ec2.LaunchTemplateArgs>;
  autoScalingGroup?: ChildTransform<aws.autoscaling.GroupArgs>;
  scalingPolicy?: ChildTransform<aws.autoscaling.PolicyArgs>;
  instanceRole?: ChildTransform<aws.iam.RoleArgs>;
  /** Every secret parameter. */
  parameter?: ChildTransform<aws.ssm.ParameterArgs>;
  certificate?: ChildTransform<aws.acm.CertificateArgs>;
  alarmTopic?: ChildTransform<aws.sns.TopicArgs>;
  /** Every alarm. */
  alarm?: ChildTransform<aws.cloudwatch.MetricAlarmArgs>;
  /** The command that waits for an instance refresh. */
  refreshWait?: ChildTransform<command.local.CommandArgs>;
}

export const FLEET_DEFAULTS = {
  // Not burstable: a T type out of credits reads as low CPU to the scaling policy. 2 vCPU, 4 GiB.
  instanceType: "c5a.large",
  rootVolumeGiB: 10,
  cpuCredits: "unlimited",
  assignPublicIp: true,
  minSize: 1,
  maxSize: 2,
  // The series' part 12: scale out at 70 % average CPU.
  cpuTargetPercent: 70,
  // Docker install (~90 s), image pulls (~60 s) and the API's start (the deploy waits up to 300 s), with room.
  healthCheckGracePeriodSeconds: 600,
  // Boot burns CPU (dnf, the JVM's start) that must not count towards the target: about the boot's length.
  instanceWarmupSeconds: 300,
  // nginx gives up on the API after proxy_read_timeout (60 s): a request still running then fails anyway.
  deregistrationDelaySeconds: 60,
  sslPolicy: "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
  sessionManager: true,
  waitForRefresh: false,
  refreshTimeoutMinutes: 60,
  springProfile: "prod",
  healthPath: "/actuator/health",
  timeZone: "Asia/Seoul",
  proxyImage: NGINX_IMAGE,
  projectDirectory: "/opt/trafficlab",
  databasePort: 3306,
  cachePort: 6379,
  /** The load balancer's health check of nginx on each instance (the API's health path, through nginx). */
  healthCheck: { intervalSeconds: 15, timeoutSeconds: 5, healthyThreshold: 2, unhealthyThreshold: 3 },
} as const;

/**
 * The longest component name: the load balancer and target group are auto-named
 * `<name>-alb-<7 hex>` and `<name>-tg-<7 hex>`, which AWS caps at 32 characters.
 */
export const MAX_FLEET_NAME_LENGTH = 20;

export interface FleetSettings {
  instanceType: string;
  architecture: "x86_64" | "arm64";
  /** undefined for non-burstable types */
  cpuCredits: "standard" | "unlimited" | undefined;
  rootVolumeGiB: number;
  assignPublicIp: boolean;
  minSize: number;
  maxSize: number;
  desiredCapacity: number;
  cpuTargetPercent: number;
  healthCheckGracePeriodSeconds: number;
  instanceWarmupSeconds: number;
  deregistrationDelaySeconds: number;
  https: { domain: string } | undefined;
  sslPolicy: string;
  emails: string[];
  slack: { workspaceId: string; channelId: string } | undefined;
  thresholds: Partial<Record<AlarmKey, number>>;
  disabledAlarms: AlarmKey[];
  secretsPath: string;
  sessionManager: boolean;
  permissionsBoundary: string | undefined;
  waitForRefresh: boolean;
  refreshTimeoutMinutes: number;
  springProfile: string;
  healthPath: string;
  timeZone: string;
  proxyImage: string;
  projectDirectory: string;
  metrics: { stack: string; scrapeIntervalSeconds: number } | undefined;
}

const DOMAIN = /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;
// SSM: letters, digits, . - _ and /; at most 15 levels; names up to 2048 characters (the leaves are short).
const PARAMETER_PATH = /^(\/[A-Za-z0-9_.-]+){1,12}$/;

/** The Parameter Store path when none is given: `/trafficlab/<stack>/<name>`. */
export function defaultSecretsPath(stack: string, name: string): string {
  return `/trafficlab/${stack}/${name}`.replace(/[^A-Za-z0-9_./-]+/g, "-");
}

/**
 * Checks every plain argument; throws one InvalidArgumentError naming all the problems before
 * anything is registered. `stack` names the default secrets path.
 */
export function resolveFleetSettings(name: string, args: FleetArgs, stack: string): FleetSettings {
  const component = componentLabel(FLEET_TYPE, name);
  const checks = new ArgumentChecks(component);
  const d = FLEET_DEFAULTS;
  if (typeof name !== "string" || !/^[A-Za-z][A-Za-z0-9-]*$/.test(name) || name.length > MAX_FLEET_NAME_LENGTH) {
    checks.refuse(
      "name",
      name,
      `Allowed: 1 to ${MAX_FLEET_NAME_LENGTH} letters, digits and '-', starting with a letter: AWS names the load balancer and target group <name>-alb-<7 characters> and caps them at 32.`,
    );
  }
  const instanceType = args.instanceType ?? d.instanceType;
  if (!HOST_INSTANCE_TYPES.includes(instanceType)) checks.refuse("instanceType", instanceType, explainRefusedType(instanceType, hostInstanceAllowList("a fleet instance", d.instanceType)));
  const cpuCredits = checks.take(() => requireOneOf(component, "cpuCredits", args.cpuCredits ?? d.cpuCredits, ["standard", "unlimited"] as const), d.cpuCredits);
  const rootVolumeGiB = checks.take(() => requireIntegerInRange(component, "rootVolumeGiB", args.rootVolumeGiB ?? d.rootVolumeGiB, 8, 1024, "Amazon Linux AMIs need at least 8 GiB."), d.rootVolumeGiB);
  const minSize = checks.take(() => requireIntegerInRange(component, "minSize", args.minSize ?? d.minSize, 1, 20, "At least one instance serves; more than 20 is beyond what this component was sized for."), d.minSize);
  const maxSize = checks.take(() => requireIntegerInRange(component, "maxSize", args.maxSize ?? Math.max(d.maxSize, minSize), minSize, 20, `It must be at least minSize (${minSize}).`), minSize);
  const desiredCapacity = checks.take(
    () => requireIntegerInRange(component, "desiredCapacity", args.desiredCapacity ?? minSize, minSize, maxSize, `It must lie between minSize (${minSize}) and maxSize (${maxSize}).`),
    minSize,
  );
  const cpuTargetPercent = checks.take(
    () => requireIntegerInRange(component, "cpuTargetPercent", args.cpuTargetPercent ?? d.cpuTargetPercent, 10, 90, "Below 10 % the group never scales in; above 90 % it scales out too late."),
    d.cpuTargetPercent,
  );
  const healthCheckGracePeriodSeconds = checks.take(
    () =>
      requireIntegerInRange(
        component,
        "healthCheckGracePeriodSeconds",
        args.healthCheckGracePeriodSeconds ?? d.healthCheckGracePeriodSeconds,
        60,
        3600,
        "With less, Auto Scaling replaces booting instances before Docker and the API are up (0 kills every new instance).",
      ),
    d.healthCheckGracePeriodSeconds,
  );
  const instanceWarmupSeconds = checks.take(() => requireIntegerInRange(component, "instanceWarmupSeconds", args.instanceWarmupSeconds ?? d.instanceWarmupSeconds, 0, 3600), d.instanceWarmupSeconds);
  const deregistrationDelaySeconds = checks.take(
    () => requireIntegerInRange(component, "deregistrationDelaySeconds", args.deregistrationDelaySeconds ?? d.deregistrationDelaySeconds, 0, 3600, "The load balancer's range."),
    d.deregistrationDelaySeconds,
  );
  let https: FleetSettings["https"];
  if (args.https !== undefined) {
    if (!DOMAIN.test(args.https.domain ?? "")) checks.refuse("https.domain", args.https.domain, "Allowed: a fully qualified domain name such as api.example.com.");
    else https = { domain: args.https.domain.toLowerCase() };
    const zone = args.https.hostedZoneId;
    if (typeof zone === "string" && !/^Z[A-Z0-9]{1,31}$/.test(zone)) checks.refuse("https.hostedZoneId", zone, "Allowed: a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ.");
    if (zone === undefined) checks.refuse("https.hostedZoneId", zone, "Required with https.domain: the Route 53 zone holding the domain (the certificate is validated through it).");
  }
  const sslPolicy = checks.take(
    () => requireOneOf(component, "sslPolicy", args.sslPolicy ?? d.sslPolicy, CURRENT_TLS_POLICIES, "Older policies (ELBSecurityPolicy-2016-08, the API's default) still offer TLS 1.0 and 1.1."),
    d.sslPolicy,
  );
  const alarms = args.alarms ?? {};
  const emails = alarms.emails ?? [];
  const slack: FleetSettings["slack"] = checkAlarmRouting(checks, alarms, "alarms.");
  const thresholds = alarms.thresholds ?? {};
  for (const [key, value] of Object.entries(thresholds)) {
    if (!(ALARM_KEYS as readonly string[]).includes(key)) checks.refuse(`alarms.thresholds.${key}`, value, `Allowed keys: ${ALARM_KEYS.join(", ")}.`);
    else if (typeof value !== "number" || !Number.isFinite(value) || value < 0) checks.refuse(`alarms.thresholds.${key}`, value, "Allowed: a number, 0 or more, in the alarm's unit (see fleetAlarmSpecs).");
  }
  const disabledAlarms = alarms.disabled ?? [];
  for (const key of disabledAlarms) if (!(ALARM_KEYS as readonly string[]).includes(key)) checks.refuse("alarms.disabled", key, `Allowed: ${ALARM_KEYS.join(", ")}.`);
  const secretsPath = args.secretsPath ?? defaultSecretsPath(stack, name);
  if (!PARAMETER_PATH.test(secretsPath) || secretsPath.startsWith("/aws") || secretsPath.startsWith("/ssm")) {
    checks.refuse("secretsPath", secretsPath, "Allowed: a Parameter Store path such as /trafficlab/prod/prod-api: '/'-separated names of letters, digits, '.', '_' and '-', not under /aws or /ssm (AWS reserves them).");
  }
  const refreshTimeoutMinutes = checks.take(
    () => requireIntegerInRange(component, "refreshTimeoutMinutes", args.refreshTimeoutMinutes ?? d.refreshTimeoutMinutes, 5, 240),
    d.refreshTimeoutMinutes,
  );

  const app = args.app;
  if (!app?.image) checks.refuse("app.image", app?.image, "Required: the API image, e.g. user/image:1.0.0.");
  else if (typeof app.image === "string") checks.take(() => requirePinnedImage(component, "app.image", app.image as string), undefined);
  const springProfile = app?.springProfile ?? d.springProfile;
  if (typeof springProfile !== "string" || !/^[A-Za-z0-9_.-]+(,[A-Za-z0-9_.-]+)*$/.test(springProfile)) {
    checks.refuse("app.springProfile", springProfile, "Allowed: Spring profile names of letters, digits, '_', '.' and '-', separated by commas, e.g. prod or prod,metrics.");
  }
  const healthPath = app?.healthPath ?? d.healthPath;
  if (typeof healthPath !== "string" || !/^\/[A-Za-z0-9._~/%=&+-]*$/.test(healthPath) || healthPath.length > 1024) {
    checks.refuse("app.healthPath", healthPath, "Allowed: a URI path starting with /, of letters, digits and . _ ~ / % = & + - (the load balancer's health check takes no query), e.g. /actuator/health.");
  }
  const timeZone = app?.timeZone ?? d.timeZone;
  if (!isTimeZone(timeZone)) checks.refuse("app.timeZone", timeZone, "Allowed: UTC or an IANA zone name such as Asia/Seoul.");
  const registry = app?.registry;
  if (registry) {
    if (!/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:\d{1,5})?$/.test(registry.server ?? "")) {
      checks.refuse("app.registry.server", registry.server, "Allowed: a registry host name with an optional port, e.g. docker.io (no https://).");
    }
    if (!isRegistryUsername(registry.username)) checks.refuse("app.registry.username", registry.username, `Allowed: ${REGISTRY_USERNAME_ALLOWED}.`);
    checks.take(() => requireSecretInput(component, "app.registry.password", registry.password), undefined);
  }
  if (args.database) {
    checks.take(() => requireSecretInput(component, "database.password", args.database!.password), undefined);
    if (!/^db\.[a-z0-9]+\.[a-z0-9]+$/.test(args.database.instanceClass ?? "")) checks.refuse("database.instanceClass", args.database.instanceClass, "Allowed: an RDS class such as db.t3.micro.");
    checks.take(() => requireIntegerInRange(component, "database.allocatedStorageGiB", args.database!.allocatedStorageGiB, 20, 65536), undefined);
  }
  if (args.cache) {
    checks.take(() => requireSecretInput(component, "cache.password", args.cache!.password), undefined);
    if (!/^cache\.[a-z0-9]+\.[a-z0-9]+$/.test(args.cache.nodeType ?? "")) checks.refuse("cache.nodeType", args.cache.nodeType, "Allowed: an ElastiCache node type such as cache.t4g.micro.");
    checks.take(() => requireIntegerInRange(component, "cache.nodes", args.cache!.nodes, 1, 6, "The primary and up to 5 replicas."), undefined);
  }
  const proxyImage = checks.take(() => requirePinnedImage(component, "proxyImage", args.proxyImage ?? d.proxyImage), d.proxyImage);
  const projectDirectory = args.projectDirectory ?? d.projectDirectory;
  if (!/^\/[A-Za-z0-9._/-]+$/.test(projectDirectory) || projectDirectory.split("/").includes("..") || projectDirectory.endsWith("/")) {
    checks.refuse("projectDirectory", projectDirectory, "Allowed: an absolute path of letters, digits, '.', '_', '-' and '/', e.g. /opt/trafficlab.");
  }
  let metrics: FleetSettings["metrics"];
  if (args.metrics !== undefined) {
    const scrapeIntervalSeconds = checks.take(
      () =>
        requireIntegerInRange(
          component,
          "metrics.scrapeIntervalSeconds",
          args.metrics!.scrapeIntervalSeconds ?? FLEET_METRICS_DEFAULTS.scrapeIntervalSeconds,
          5,
          300,
          "Below 5 s the API spends its time on metrics (and AMP bills every sample); above 300 s the p99 alert's 5-minute window holds no two samples.",
        ),
      FLEET_METRICS_DEFAULTS.scrapeIntervalSeconds,
    );
    const metricsStack = args.metrics.stack;
    if (typeof metricsStack !== "string" || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(metricsStack)) {
      checks.refuse("metrics.stack", metricsStack, "Allowed: letters, digits, '.', '_' and '-', starting with a letter or digit, at most 63 characters (a label value).");
    }
    metrics = { stack: String(metricsStack), scrapeIntervalSeconds };
  }
  if (args.permissionsBoundary !== undefined && !isIamPolicyArn(args.permissionsBoundary)) checks.refuse("permissionsBoundary", args.permissionsBoundary, `Allowed: ${IAM_POLICY_ARN_ALLOWED}.`);
  checks.done();
  return {
    metrics,
    instanceType,
    architecture: architectureOf(instanceType),
    cpuCredits: /^t\d/.test(instanceType) ? cpuCredits : undefined,
    rootVolumeGiB,
    assignPublicIp: args.assignPublicIp ?? d.assignPublicIp,
    minSize,
    maxSize,
    desiredCapacity,
    cpuTargetPercent,
    healthCheckGracePeriodSeconds,
    instanceWarmupSeconds,
    deregistrationDelaySeconds,
    https,
    sslPolicy,
    emails,
    slack,
    thresholds,
    disabledAlarms,
    secretsPath,
    sessionManager: args.sessionManager ?? d.sessionManager,
    permissionsBoundary: args.permissionsBoundary,
    waitForRefresh: args.waitForRefresh ?? d.waitForRefresh,
    refreshTimeoutMinutes,
    springProfile,
    healthPath,
    timeZone,
    proxyImage,
    projectDirectory,
  };
}
