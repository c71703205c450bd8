import * as pulumi from "@pulumi/pulumi";
import { API_IMAGE_REPOSITORY_TYPE, GITHUB_DEPLOY_ROLES_TYPE, resolveApiImageRepositorySettings, resolveGithubDeployRolesSettings, type ApiImageRepositoryArgs, type GithubDeployRolesArgs } from "@trafficlab/ci";
import { API_HOST_TYPE, renderHostProject, resolveApiHostSettings, type ApiHostDeployArgs, type HostMetricsOptions, type RegistryCredentials } from "@trafficlab/api-host";
import { DATABASE_TYPE, resolveDatabaseSettings, type DatabaseArgs } from "@trafficlab/database";
import { ALARM_ROUTING, FLEET_TYPE, logRetentionFor, resolveAlarmRouting, resolveFleetSettings, type AlarmNotificationsArgs, type FleetArgs } from "@trafficlab/fleet";
import { NETWORK_TYPE, resolveNetworkSettings, type NetworkArgs } from "@trafficlab/network";
import { TOKEN_CACHE_DEFAULTS, TOKEN_CACHE_TYPE, requiredBytes, resolveTokenCacheSettings, type TokenCacheArgs } from "@trafficlab/token-cache";
import { InvalidArgumentError } from "@trafficlab/validation";
import { parseMetricsImages, type StackSettings } from "./settings";

/** What the components are given, apart from the ids that exist only once others are created. */
export interface ComponentArgs {
  network: NetworkArgs;
  /** The host's metrics less their alarm topic, which the program makes. */
  host: Omit<ApiHostDeployArgs, "vpcId" | "subnetId" | "metrics"> & { metrics?: HostMetricsOptions };
  fleet: Omit<FleetArgs, "vpcId" | "publicSubnetIds" | "database" | "cache">;
  database: Omit<DatabaseArgs, "vpcId" | "subnetIds">;
  cache: Omit<TokenCacheArgs, "vpcId" | "subnetIds">;
  /** Where the alarms go, in both hosting modes (the fleet takes it as its `alarms`). */
  alarmRouting: Pick<AlarmNotificationsArgs, "emails" | "slack">;
  /** Days CloudWatch Logs keeps the containers' logs. */
  logRetentionDays: number;
  /** The permissions boundary of every IAM role the stack creates (the ci stack's stackRoleBoundaryArn); none: no boundary. */
  permissionsBoundary: string | undefined;
  /** hosting: ci. The roles' arguments less the ARNs of the state backend and repository, which exist only once created. */
  ci: {
    roles: Omit<GithubDeployRolesArgs, "stateBucketArn" | "stateKeyArn" | "imageRepositoryArn">;
    imageRepository: ApiImageRepositoryArgs;
  };
}

/** Whether the fleet sends its metrics to AMP: fleetMetrics on, or auto in prod (where the alerts are needed and paid for). */
export function fleetMetricsOn(settings: Pick<StackSettings, "fleetMetrics" | "environment">): boolean {
  return settings.fleetMetrics === "on" || (settings.fleetMetrics === "auto" && settings.environment === "prod");
}

/** Whether a single host runs Prometheus and the exporters: hostMetrics on, or auto in prod. Never on a fleet (fleetMetrics). */
export function hostMetricsOn(settings: Pick<StackSettings, "hostMetrics" | "environment" | "hosting">): boolean {
  if (settings.hosting !== "single") return false;
  return settings.hostMetrics === "on" || (settings.hostMetrics === "auto" && settings.environment === "prod");
}

/**
 * The cache alert's budget: the token cache's own sizing (expectedUsers x bytes per user), so it
 * follows that setting; at least the alert's 1 MB floor. A bad user count is the cache's to refuse.
 */
function cacheBudgetBytes(expectedUsers: number): number | undefined {
  if (!Number.isInteger(expectedUsers) || expectedUsers < 1) return undefined;
  return Math.max(1_000_000, requiredBytes(expectedUsers, TOKEN_CACHE_DEFAULTS.bytesPerUser));
}

/** The names the stack gives its components: `<stack>-network`, `<stack>-api`, ... */
export function componentNames(stack: string) {
  // The fleet takes the host's name: `<stack>-api` either way.
  return { network: `${stack}-network`, host: `${stack}-api`, database: `${stack}-db`, cache: `${stack}-tokens`, github: `${stack}-github`, image: `${stack}-api-image` };
}

export interface Secrets {
  dbPassword?: pulumi.Input<string>;
  registryPassword?: pulumi.Input<string>;
}

/** Settings in, each component's arguments out: the one place a setting becomes an argument. */
export function componentArgs(settings: StackSettings, context: { project: string; stack: string }, secrets: Secrets): ComponentArgs {
  const tags = { Project: context.project, Stack: context.stack, ManagedBy: "pulumi" };
  const registry: RegistryCredentials | undefined =
    settings.registryUsername && secrets.registryPassword
      ? { server: settings.registryServer || "docker.io", username: settings.registryUsername, password: secrets.registryPassword }
      : undefined;
  const app = { image: settings.apiImage, springProfile: settings.springProfile, healthPath: settings.apiHealthPath, timeZone: settings.timeZone, registry };
  const alarmEmails = settings.alarmEmails
    .split(",")
    .map((address) => address.trim())
    .filter((address) => address !== "");
  const alarmRouting = {
    emails: alarmEmails,
    slack: settings.alarmSlackWorkspaceId || settings.alarmSlackChannelId ? { workspaceId: settings.alarmSlackWorkspaceId, channelId: settings.alarmSlackChannelId } : undefined,
  };
  const logRetentionDays = logRetentionFor(settings.environment, settings.logRetentionDays);
  const permissionsBoundary = settings.iamPermissionsBoundary || undefined;
  return {
    alarmRouting,
    logRetentionDays,
    permissionsBoundary,
    ci: {
      roles: {
        repository: settings.githubRepository,
        deployEnvironment: settings.deployEnvironment,
        stacks: settings.deployStacks,
        project: context.project,
        existingOidcProviderArn: settings.githubOidcProviderArn || undefined,
        // A fleet's HTTPS writes records in its zone: the zone the stacks' hostedZoneId names.
        hostedZoneIds: settings.hostedZoneId ? [settings.hostedZoneId] : [],
        tags,
      },
      // Fixed, never a setting: the name is force-new (a new name is a new, empty repository).
      imageRepository: { repositoryName: `${context.project}/api`, retainImages: settings.ecrRetainImages, untaggedExpiryDays: settings.ecrUntaggedExpiryDays, tags },
    },
    network: { cidrBlock: settings.vpcCidr, availabilityZoneCount: settings.availabilityZones, nat: settings.nat as NetworkArgs["nat"], tags },
    host: {
      sshAllowedCidrs: settings.sshAllowedCidrs,
      instanceType: settings.hostInstanceType,
      os: settings.hostOs,
      elasticIp: settings.hostElasticIp,
      app,
      proxyImage: settings.nginxImage,
      // Any of them set asks for HTTPS, so a half-given one is refused rather than ignored.
      https: settings.domain || settings.acmeEmail ? { domain: settings.domain, email: settings.acmeEmail, acmeServer: settings.acmeServer, acmeCaCertificates: settings.acmeCaCertificates || undefined } : undefined,
      metrics: hostMetricsOn(settings)
        ? { stack: context.stack, retentionDays: settings.hostMetricsRetentionDays, cacheBudgetBytes: cacheBudgetBytes(settings.cacheExpectedUsers), images: parseMetricsImages(settings.hostMetricsImages) }
        : undefined,
      tags,
    },
    fleet: {
      instanceType: settings.fleetInstanceType,
      minSize: settings.fleetMinSize,
      maxSize: settings.fleetMaxSize,
      desiredCapacity: settings.fleetDesiredCapacity || undefined,
      cpuTargetPercent: settings.fleetCpuTargetPercent,
      waitForRefresh: settings.fleetWaitForRefresh,
      app,
      proxyImage: settings.nginxImage,
      // A domain without its zone is refused (under hostedZoneId), not served in clear by surprise.
      https: settings.domain || settings.hostedZoneId ? { domain: settings.domain, hostedZoneId: settings.hostedZoneId } : undefined,
      alarms: alarmRouting,
      permissionsBoundary,
      logs: { stack: context.stack, retentionDays: logRetentionDays },
      metrics: fleetMetricsOn(settings) ? { stack: context.stack, scrapeIntervalSeconds: settings.fleetMetricsScrapeSeconds } : undefined,
      tags,
    },
    database: {
      engineVersion: settings.dbEngineVersion,
      instanceClass: settings.dbInstanceClass,
      allocatedStorageGiB: settings.dbStorageGiB,
      timeZone: settings.timeZone,
      backupRetentionDays: settings.dbBackupRetentionDays,
      deletionProtection: settings.dbDeletionProtection,
      skipFinalSnapshot: settings.dbSkipFinalSnapshot,
      multiAz: settings.dbMultiAz,
      applyImmediately: settings.dbApplyImmediately,
      restoreFromSnapshot: settings.dbRestoreFromSnapshot || undefined,
      password: secrets.dbPassword,
      tags,
    },
    cache: {
      engine: settings.cacheEngine as TokenCacheArgs["engine"],
      nodeType: settings.cacheNodeType,
      replicas: settings.cacheReplicas,
      automaticFailover: settings.cacheAutomaticFailover,
      expectedUsers: settings.cacheExpectedUsers,
      applyImmediately: settings.cacheApplyImmediately,
      // The redis exporter's read-only user, where the host runs metrics.
      monitoringUser: hostMetricsOn(settings),
      tags,
    },
  };
}

/** A component's refusal: its type, its label in messages and the argument problems. */
export interface ComponentRefusal {
  componentType: string;
  error: InvalidArgumentError;
}

/**
 * Runs every component's own argument checks, without creating anything, and returns every
 * refusal: so one `pulumi up` reports all the problems, before the first resource exists.
 */
export function checkComponents(args: ComponentArgs, stack: string, hosting: "single" | "fleet" | "ci" = "single"): ComponentRefusal[] {
  const names = componentNames(stack);
  const noIds = { vpcId: "", subnetId: "", subnetIds: [] };
  // The ci stack runs none of the API's components, only its own.
  const checks: [string, () => unknown][] = hosting === "ci" ? [
    [GITHUB_DEPLOY_ROLES_TYPE, () => resolveGithubDeployRolesSettings(names.github, { ...args.ci.roles, stateBucketArn: "", stateKeyArn: "" })],
    [API_IMAGE_REPOSITORY_TYPE, () => resolveApiImageRepositorySettings(names.image, args.ci.imageRepository)],
  ] : [
    [NETWORK_TYPE, () => resolveNetworkSettings(names.network, args.network)],
    // Only the hosting the stack uses may refuse it.
    hosting === "fleet"
      ? [FLEET_TYPE, () => resolveFleetSettings(names.host, { vpcId: "", publicSubnetIds: [], ...args.fleet }, stack)]
      : [API_HOST_TYPE, () => resolveApiHostSettings(names.host, { ...noIds, ...args.host, metrics: undefined })],
    // The metrics' own checks (thresholds, images), as ApiHost makes them.
    ...(hosting === "single" && args.host.metrics ? [[API_HOST_TYPE, () => renderHostProject({ edgeFront: true, metrics: args.host.metrics })] as [string, () => unknown]] : []),
    // The fleet checks its alarms itself; a single host's topic is the stack's.
    ...(hosting === "single" ? [[ALARM_ROUTING, () => resolveAlarmRouting(args.alarmRouting)] as [string, () => unknown]] : []),
    [DATABASE_TYPE, () => resolveDatabaseSettings(names.database, { ...noIds, ...args.database })],
    [TOKEN_CACHE_TYPE, () => resolveTokenCacheSettings(names.cache, { ...noIds, ...args.cache })],
  ];
  const refusals: ComponentRefusal[] = [];
  for (const [componentType, check] of checks) {
    try {
      check();
    } catch (error) {
      if (!(error instanceof InvalidArgumentError)) throw error;
      refusals.push({ componentType, error });
    }
  }
  return refusals;
}
