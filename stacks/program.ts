import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ApiHost, ApiImage, AppDeployment, dataTierEnvironment, resolveApiHostSettings, type ApiHostDeployArgs, type RegistryCredentials } from "@trafficlab/api-host";
import { Database, resolveDatabaseSettings, type DatabaseArgs } from "@trafficlab/database";
import { Network, resolveNetworkSettings, type NetworkArgs } from "@trafficlab/network";
import { TokenCache, resolveTokenCacheSettings, type TokenCacheArgs } from "@trafficlab/token-cache";
import type { StackConfig } from "./config";

/**
 * The trafficlab platform: config in, components composed, stack outputs out.
 * Kept apart from index.ts so tests and `pnpm plan` run it with a config they choose.
 *
 * Order matters only for who admits whom: the API host (and its security group) comes first,
 * the database and cache admit that group, and the app deployment waits for both, so every
 * rule exists before the app starts. Docker install, file copy and image pull wait for nothing
 * but the host and its route to the internet, so they run while RDS and ElastiCache are created.
 */
export async function trafficlab(config: StackConfig) {
  const prefix = config.stack;
  const tags = { Project: config.project, Stack: config.stack, ManagedBy: "pulumi" };

  const registry: RegistryCredentials | undefined =
    config.registryUsername && config.registryPassword
      ? { server: config.registryServer || "docker.io", username: config.registryUsername, password: config.registryPassword }
      : undefined;

  // Each component's own settings, apart from the ids that only exist once others are created.
  const networkArgs: NetworkArgs = { cidrBlock: config.vpcCidr, availabilityZoneCount: config.availabilityZones, nat: config.nat, tags };
  const hostArgs: Omit<ApiHostDeployArgs, "vpcId" | "subnetId" | "app"> & { app: Omit<ApiHostDeployArgs["app"], "image"> } = {
    sshAllowedCidrs: config.sshAllowedCidrs,
    instanceType: config.hostInstanceType,
    os: config.hostOs,
    elasticIp: config.hostElasticIp,
    app: { springProfile: config.springProfile, healthPath: config.apiHealthPath, timeZone: config.timeZone, registry },
    proxyImage: config.nginxImage,
    tags,
  };
  const databaseArgs: Omit<DatabaseArgs, "vpcId" | "subnetIds"> = {
    engineVersion: config.dbEngineVersion,
    instanceClass: config.dbInstanceClass,
    allocatedStorageGiB: config.dbStorageGiB,
    timeZone: config.timeZone,
    backupRetentionDays: config.dbBackupRetentionDays,
    deletionProtection: config.dbDeletionProtection,
    skipFinalSnapshot: config.dbSkipFinalSnapshot,
    multiAz: config.dbMultiAz,
    applyImmediately: config.dbApplyImmediately,
    restoreFromSnapshot: config.dbRestoreFromSnapshot || undefined,
    tags,
  };
  const cacheArgs: Omit<TokenCacheArgs, "vpcId" | "subnetIds"> = {
    engine: config.cacheEngine,
    nodeType: config.cacheNodeType,
    replicas: config.cacheReplicas,
    automaticFailover: config.cacheAutomaticFailover,
    expectedUsers: config.cacheExpectedUsers,
    applyImmediately: config.cacheApplyImmediately,
    tags,
  };

  // Every component checks its settings before anything is created, so one bad value fails
  // the whole `pulumi up` at once instead of after the network and the host exist.
  const noIds = { vpcId: "", subnetId: "", subnetIds: [] };
  resolveNetworkSettings(`${prefix}-network`, networkArgs);
  resolveApiHostSettings(`${prefix}-api`, { ...noIds, ...hostArgs, app: { ...hostArgs.app, image: config.apiImage } });
  resolveDatabaseSettings(`${prefix}-db`, { ...noIds, ...databaseArgs });
  resolveTokenCacheSettings(`${prefix}-tokens`, { ...noIds, ...cacheArgs });

  const network = new Network(`${prefix}-network`, networkArgs);
  const image = config.apiBuildContext
    ? new ApiImage(`${prefix}-api-image`, { context: config.apiBuildContext, imageName: config.apiImage, registry }).imageRef
    : config.apiImage;
  const apiHost = new ApiHost(`${prefix}-api`, {
    ...hostArgs,
    vpcId: network.vpcId,
    subnetId: network.publicSubnetIds.apply((ids) => ids[0]!),
    internetAccess: network.publicInternetAccess,
    app: { ...hostArgs.app, image },
  });
  // The API needs the password itself, so the stack generates it (a secret in the state) rather
  // than leaving it to RDS-managed rotation, which would change it under the running app.
  const databasePassword = config.dbPassword ?? new random.RandomPassword(`${prefix}-db-password`, { length: 32, special: false }).result;
  // Protected and retained: Pulumi neither replaces nor deletes them (a restore leaves the old
  // instance in AWS); the components keep their rotatable credentials out of this.
  const dataOptions = { protect: config.protectData, retainOnDelete: config.protectData };
  const database = new Database(
    `${prefix}-db`,
    { ...databaseArgs, password: databasePassword, vpcId: network.vpcId, subnetIds: network.privateSubnetIds, allowedSecurityGroupIds: [apiHost.securityGroupId] },
    dataOptions,
  );
  const tokenCache = new TokenCache(
    `${prefix}-tokens`,
    { ...cacheArgs, vpcId: network.vpcId, subnetIds: network.privateSubnetIds, allowedSecurityGroupIds: [apiHost.securityGroupId] },
    dataOptions,
  );

  const app = new AppDeployment(
    `${prefix}-app`,
    {
      host: apiHost,
      environment: pulumi
        .all([database.address, database.port, database.databaseName, database.username, tokenCache.primaryEndpoint, tokenCache.port])
        .apply(([host, port, name, username, cacheHost, cachePort]) => ({
          ...dataTierEnvironment({ host, port, name, username }, { host: cacheHost, port: cachePort }),
          SPRING_DATASOURCE_PASSWORD: databasePassword,
          SPRING_DATA_REDIS_USERNAME: tokenCache.username,
          SPRING_DATA_REDIS_PASSWORD: tokenCache.password,
        })),
    },
    // The data tier's security groups (and their rules admitting the API) exist before the app starts.
    { dependsOn: [database, tokenCache] },
  );

  return {
    url: apiHost.url,
    previousImage: app.previousImage,
    sshCommand: apiHost.sshCommand,
    sshPrivateKey: apiHost.sshPrivateKey,
    publicIp: apiHost.publicIp,
    instanceId: apiHost.instanceId,
    mysqlCommand: pulumi.interpolate`${sshOnHost(apiHost)} docker run --rm -it mysql:8.4 mysql --ssl-mode=REQUIRED -h ${database.address} -P ${database.port} -u ${database.username} -p ${database.databaseName}`,
    cacheCommand: pulumi.interpolate`${sshOnHost(apiHost)} docker run --rm -it valkey/valkey:8.1 valkey-cli --tls -h ${tokenCache.primaryEndpoint} -p ${tokenCache.port} --user ${tokenCache.username} --askpass`,
    databasePassword: pulumi.secret(databasePassword),
    cacheUsername: tokenCache.username,
    cachePassword: tokenCache.password,
    region: config.region,
    vpcId: network.vpcId,
    publicSubnetIds: network.publicSubnetIds,
    privateSubnetIds: network.privateSubnetIds,
    databaseEndpoint: database.endpoint,
    databaseName: database.databaseName,
    databaseUsername: database.username,
    cachePrimaryEndpoint: tokenCache.primaryEndpoint,
    cachePort: tokenCache.port,
    cacheUrl: tokenCache.url,
  };
}

/** `ssh -t ec2-user@host`: the prefix of commands run on the API host (the data tier is private). */
function sshOnHost(host: ApiHost): pulumi.Output<string> {
  return pulumi.interpolate`ssh -t -i ${host.sshKeyFile} ec2-user@${host.publicIp}`;
}
