import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ApiHost, ApiImage, AppDeployment, type RegistryCredentials } from "@trafficlab/api-host";
import { Database } from "@trafficlab/database";
import { Network } from "@trafficlab/network";
import { TokenCache } from "@trafficlab/token-cache";
import type { StackConfig } from "./config";

/**
 * The trafficlab platform: config in, components composed, stack outputs out.
 * Kept apart from index.ts so tests and `pnpm plan` run it with a config they choose.
 *
 * Order matters only for who admits whom: the API host (and its security group) comes first,
 * the database and cache admit that group, and the app deployment waits for both, so every
 * rule exists before the app starts. Docker install, file copy and image pull wait for nothing
 * but the host, so they run while RDS and ElastiCache are being created.
 */
export async function trafficlab(config: StackConfig) {
  const prefix = config.stack;
  const tags = { Project: config.project, Stack: config.stack, ManagedBy: "pulumi" };

  const network = new Network(`${prefix}-network`, {
    cidrBlock: config.vpcCidr,
    availabilityZoneCount: config.availabilityZones,
    nat: config.nat,
    tags,
  });

  const registry: RegistryCredentials | undefined =
    config.registryUsername && config.registryPassword
      ? { server: config.registryServer ?? "docker.io", username: config.registryUsername, password: config.registryPassword }
      : undefined;
  const image = config.apiBuildContext
    ? new ApiImage(`${prefix}-api-image`, { context: config.apiBuildContext, imageName: config.apiImage, registry }).imageRef
    : config.apiImage;

  const apiHost = new ApiHost(`${prefix}-api`, {
    vpcId: network.vpcId,
    subnetId: network.publicSubnetIds.apply((ids) => ids[0]!),
    sshAllowedCidrs: config.sshAllowedCidrs,
    instanceType: config.hostInstanceType,
    os: config.hostOs,
    elasticIp: config.hostElasticIp,
    app: { image, springProfile: config.springProfile, healthPath: config.apiHealthPath, timeZone: config.timeZone, registry },
    tags,
  });

  // The API needs the password itself, so the stack generates it (a secret in the state) rather
  // than leaving it to RDS-managed rotation, which would change it under the running app.
  const databasePassword =
    config.dbPassword ?? new random.RandomPassword(`${prefix}-db-password`, { length: 32, special: false }).result;
  const dataOptions = { protect: config.protectData };
  const database = new Database(
    `${prefix}-db`,
    {
      vpcId: network.vpcId,
      subnetIds: network.privateSubnetIds,
      allowedSecurityGroupIds: [apiHost.securityGroupId],
      engineVersion: config.dbEngineVersion,
      instanceClass: config.dbInstanceClass,
      allocatedStorageGiB: config.dbStorageGiB,
      password: databasePassword,
      timeZone: config.timeZone,
      backupRetentionDays: config.dbBackupRetentionDays,
      deletionProtection: config.dbDeletionProtection,
      skipFinalSnapshot: config.dbSkipFinalSnapshot,
      multiAz: config.dbMultiAz,
      tags,
    },
    dataOptions,
  );

  const tokenCache = new TokenCache(
    `${prefix}-tokens`,
    {
      vpcId: network.vpcId,
      subnetIds: network.privateSubnetIds,
      allowedSecurityGroupIds: [apiHost.securityGroupId],
      engine: config.cacheEngine,
      nodeType: config.cacheNodeType,
      replicas: config.cacheReplicas,
      automaticFailover: config.cacheAutomaticFailover,
      expectedUsers: config.cacheExpectedUsers,
      tags,
    },
    dataOptions,
  );

  new AppDeployment(
    `${prefix}-app`,
    {
      host: apiHost,
      environment: {
        SPRING_DATASOURCE_URL: pulumi.interpolate`jdbc:mysql://${database.endpoint}/${database.databaseName}?sslMode=REQUIRED&serverTimezone=${config.timeZone}`,
        SPRING_DATASOURCE_USERNAME: database.username,
        SPRING_DATASOURCE_PASSWORD: databasePassword,
        SPRING_DATA_REDIS_HOST: tokenCache.primaryEndpoint,
        SPRING_DATA_REDIS_PORT: tokenCache.port.apply(String),
        SPRING_DATA_REDIS_PASSWORD: tokenCache.authToken,
      },
    },
    // The data tier's security groups (and their rules admitting the API) exist before `up`.
    { dependsOn: [database, tokenCache] },
  );

  return {
    url: apiHost.url,
    sshCommand: apiHost.sshCommand,
    sshPrivateKey: apiHost.sshPrivateKey,
    publicIp: apiHost.publicIp,
    instanceId: apiHost.instanceId,
    mysqlCommand: pulumi.interpolate`${sshOnHost(apiHost)} docker run --rm -it mysql:8.4 mysql --ssl-mode=REQUIRED -h ${database.address} -P ${database.port} -u ${database.username} -p ${database.databaseName}`,
    cacheCommand: pulumi.interpolate`${sshOnHost(apiHost)} docker run --rm -it valkey/valkey:8.1 valkey-cli --tls -h ${tokenCache.primaryEndpoint} -p ${tokenCache.port} --askpass`,
    databasePassword: pulumi.secret(databasePassword),
    cacheAuthToken: tokenCache.authToken,
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
