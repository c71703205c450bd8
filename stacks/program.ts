import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as random from "@pulumi/random";
import { API_LOG_SERVICE, ApiHost, ApiImage, AppDeployment, dataTierEnvironment } from "@trafficlab/api-host";
import { Database } from "@trafficlab/database";
import { ApiFleet, createAlarmNotifications, createAlarms, createCentralLogs, fleetCache, fleetDatabase, serviceAssumeRolePolicy, singleHostAlarmSpecs } from "@trafficlab/fleet";
import { Network } from "@trafficlab/network";
import { TokenCache } from "@trafficlab/token-cache";
import { METRICS_SERVICE_NAMES } from "@trafficlab/observability";
import { ciProgram } from "./ci";
import { componentArgs, componentNames } from "./components";
import type { StackConfig } from "./config";

/**
 * The trafficlab platform: config in, components composed, stack outputs out.
 * Kept apart from index.ts so tests and `pnpm plan` run it with a config they choose.
 *
 * `hosting` chooses how the API runs: `single`, one EC2 host deployed over SSH, or `fleet`, an
 * Auto Scaling group behind a load balancer whose instances boot from user data.
 *
 * Single: order matters only for who admits whom: the API host (and its security group) comes
 * first, the database and cache admit that group, and the app deployment waits for both, so
 * every rule exists before the app starts. Docker install, file copy and image pull wait for
 * nothing but the host and its route to the internet, so they run while RDS and ElastiCache are
 * created. Fleet: the data tier admits nobody itself; the fleet adds the rules for its
 * instances' group, and its first instance boots after them.
 *
 * `ci` runs no API at all: the GitHub deploy roles, the ECR repository and the state backend (ci.ts).
 */
export async function trafficlab(config: StackConfig) {
  if (config.hosting === "ci") return ciProgram(config);
  const prefix = config.stack;
  const names = componentNames(prefix);
  // The settings were checked with every component's own checks in loadStackConfig (all
  // problems at once, under the keys the user typed); each constructor checks again.
  const args = componentArgs(config, config, { dbPassword: config.dbPassword, registryPassword: config.registryPassword });
  const registry = args.host.app.registry;

  const network = new Network(names.network, args.network);
  const image = config.apiBuildContext
    ? new ApiImage(`${prefix}-api-image`, { context: config.apiBuildContext, imageName: config.apiImage, registry }).imageRef
    : config.apiImage;
  // The API needs the password itself, so the stack generates it (a secret in the state) rather
  // than leaving it to RDS-managed rotation, which would change it under the running app.
  const databasePassword = config.dbPassword ?? new random.RandomPassword(`${prefix}-db-password`, { length: 32, special: false }).result;
  // Protected and retained: Pulumi neither replaces nor deletes them (a restore leaves the old
  // instance in AWS); the components keep their rotatable credentials out of this.
  const dataOptions = { protect: config.protectData, retainOnDelete: config.protectData };
  const dataTier = (admitted: pulumi.Input<string>[]) => ({
    database: new Database(
      names.database,
      { ...args.database, password: databasePassword, vpcId: network.vpcId, subnetIds: network.privateSubnetIds, allowedSecurityGroupIds: admitted },
      dataOptions,
    ),
    tokenCache: new TokenCache(names.cache, { ...args.cache, vpcId: network.vpcId, subnetIds: network.privateSubnetIds, allowedSecurityGroupIds: admitted }, dataOptions),
  });
  const common = {
    region: config.region,
    vpcId: network.vpcId,
    publicSubnetIds: network.publicSubnetIds,
    privateSubnetIds: network.privateSubnetIds,
    databasePassword: pulumi.secret(databasePassword),
  };
  const dataOutputs = ({ database, tokenCache }: ReturnType<typeof dataTier>) => ({
    databaseEndpoint: database.endpoint,
    databaseName: database.databaseName,
    databaseUsername: database.username,
    cacheUsername: tokenCache.username,
    cachePassword: tokenCache.password,
    cachePrimaryEndpoint: tokenCache.primaryEndpoint,
    cachePort: tokenCache.port,
    cacheUrl: tokenCache.url,
  });

  if (config.hosting === "fleet") {
    // The data tier admits nobody by itself: the fleet adds one rule per tier for its instances'
    // group, and its first instance boots only once those rules exist.
    const data = dataTier([]);
    const fleet = new ApiFleet(names.host, {
      ...args.fleet,
      vpcId: network.vpcId,
      publicSubnetIds: network.publicSubnetIds,
      internetAccess: network.publicInternetAccess,
      app: { ...args.fleet.app, image },
      database: fleetDatabase(data.database, databasePassword),
      cache: fleetCache(data.tokenCache),
    });
    return {
      hosting: "fleet",
      url: fleet.url,
      loadBalancerDnsName: fleet.loadBalancerDnsName,
      autoScalingGroupName: fleet.autoScalingGroupName,
      launchTemplateVersion: fleet.launchTemplateVersion,
      // How to follow the instance refresh a new image or setting starts.
      followRefreshCommand: fleet.followRefreshCommand,
      alarmTopicArn: fleet.alarmTopicArn,
      // The AMP workspace with fleetMetrics on ("" without): Grafana's data source, `awscurl --service aps <endpoint>api/v1/query`.
      metricsWorkspaceId: fleet.metricsWorkspaceId,
      metricsQueryEndpoint: fleet.metricsQueryEndpoint,
      secretParameterNames: fleet.secretParameterNames,
      ...common,
      ...dataOutputs(data),
    };
  }

  // Central logs: the host's compose services write to their groups through an instance role
  // that may write there and nowhere else (an instance profile is attached and swapped in place).
  const tags = args.network.tags ?? {};
  const metrics = args.host.metrics;
  // Every compose service logs to its own group: the metrics services too, where they run.
  const logServices = ["nginx", ...(config.domain ? ["acme"] : []), API_LOG_SERVICE, ...(metrics ? Object.values(METRICS_SERVICE_NAMES) : [])];
  const centralLogs = createCentralLogs(names.host, { stack: prefix, services: logServices, retentionDays: args.logRetentionDays, tags });
  // Every role of the stack carries iamPermissionsBoundary (the fleet's and the Chatbot role through
  // their arguments), so the CI deploy role may create it. Explicit rather than a stack transform:
  // transforms run in the engine, so the mocks (tests, pnpm plan) would never see them. Adding or
  // changing a boundary is in place (tf-aws v6.58.0 iam/func.resourceRole#L175 has no ForceNew;
  // func.resourceRoleUpdate#L97 calls PutRolePermissionsBoundary), and removing it too (DeleteRolePermissionsBoundary).
  const hostRole = new aws.iam.Role(`${names.host}-host-role`, {
    assumeRolePolicy: JSON.stringify(serviceAssumeRolePolicy("ec2.amazonaws.com")),
    description: `The API host ${names.host}`,
    permissionsBoundary: args.permissionsBoundary,
    tags,
  });
  const writeLogs = new aws.iam.RolePolicy(`${names.host}-write-logs`, { role: hostRole.id, policy: centralLogs.writePolicy });
  const hostProfile = new aws.iam.InstanceProfile(`${names.host}-host-profile`, { role: hostRole.name, tags });
  // Where the CloudWatch alarms go, and with hostMetrics the host's Alertmanager too, signing with the instance role.
  const notifications = createAlarmNotifications(names.host, { ...args.alarmRouting, permissionsBoundary: args.permissionsBoundary, tags });
  const publishAlerts = metrics
    ? new aws.iam.RolePolicy(`${names.host}-publish-alerts`, { role: hostRole.id, policy: notifications.topic.arn.apply((arn) => JSON.stringify(publishToTopicPolicy(arn))) })
    : undefined;
  const apiHost = new ApiHost(
    names.host,
    {
      ...args.host,
      vpcId: network.vpcId,
      subnetId: network.publicSubnetIds.apply((ids) => ids[0]!),
      internetAccess: network.publicInternetAccess,
      app: { ...args.host.app, image },
      logs: { region: config.region, stack: prefix },
      metrics: metrics ? { ...metrics, alarmTopicArn: notifications.topic.arn, region: config.region } : undefined,
      transform: { instance: { iamInstanceProfile: hostProfile.name } },
    },
    // Docker starts nginx with the awslogs driver only once the role may write to its group (and Alertmanager publish to the topic).
    { dependsOn: [writeLogs, ...(publishAlerts ? [publishAlerts] : []), ...Object.values(centralLogs.groups)] },
  );
  const data = dataTier([apiHost.securityGroupId]);
  const { database, tokenCache } = data;

  // Alarms, as the fleet has them, without the load balancer's: the host's status and CPU, the data tier's.
  const alarms = createAlarms(
    names.host,
    singleHostAlarmSpecs({
      database: { instanceClass: database.settings.instanceClass, allocatedStorageGiB: database.settings.allocatedStorageGiB },
      cache: { nodeType: tokenCache.settings.nodeType, nodes: 1 + tokenCache.settings.replicas },
    }),
    { instance: apiHost.instanceId, dbInstance: database.nodes.instance.identifier, cacheReplicationGroup: tokenCache.nodes.replicationGroup.replicationGroupId },
    notifications.topic.arn,
    { tags },
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
      metricsCache:
        tokenCache.monitoringUsername && tokenCache.monitoringPassword
          ? { host: tokenCache.primaryEndpoint, port: tokenCache.port, user: tokenCache.monitoringUsername, password: tokenCache.monitoringPassword }
          : undefined,
    },
    // The data tier's security groups (and their rules admitting the API) exist before the app starts.
    { dependsOn: [database, tokenCache] },
  );

  return {
    hosting: "single",
    url: apiHost.url,
    previousImage: app.previousImage,
    sshCommand: apiHost.sshCommand,
    sshPrivateKey: apiHost.sshPrivateKey,
    // The host's SSH key, pinned by the deploy: `echo "<publicIp> <sshHostKey>" >> ~/.ssh/known_hosts`.
    sshHostKey: apiHost.hostKey,
    publicIp: apiHost.publicIp,
    // The certificate is issued only once the name points at the host.
    ...(config.domain ? { dnsRecord: pulumi.interpolate`${config.domain} A ${apiHost.publicIp}` } : {}),
    instanceId: apiHost.instanceId,
    alarmTopicArn: notifications.topic.arn,
    alarmNames: [...alarms.values()].map((alarm) => alarm.name),
    logGroupNames: Object.values(centralLogs.groups).map((group) => group.name),
    // hostMetrics: Prometheus' UI through SSH ("" without): it listens on the host's loopback only.
    prometheusTunnelCommand: apiHost.prometheusTunnelCommand ?? "",
    mysqlCommand: pulumi.interpolate`${sshOnHost(apiHost)} docker run --rm -it mysql:8.4 mysql --ssl-mode=REQUIRED -h ${database.address} -P ${database.port} -u ${database.username} -p ${database.databaseName}`,
    cacheCommand: pulumi.interpolate`${sshOnHost(apiHost)} docker run --rm -it valkey/valkey:8.1 valkey-cli --tls -h ${tokenCache.primaryEndpoint} -p ${tokenCache.port} --user ${tokenCache.username} --askpass`,
    ...common,
    ...dataOutputs(data),
  };
}

/** sns:Publish to the alarm topic and nothing else: the host's Alertmanager sends, it never subscribes or reads. */
function publishToTopicPolicy(topicArn: string) {
  return { Version: "2012-10-17", Statement: [{ Sid: "PublishAlerts", Effect: "Allow", Action: "sns:Publish", Resource: topicArn }] };
}

/** `ssh -t ec2-user@host`: the prefix of commands run on the API host (the data tier is private). */
function sshOnHost(host: ApiHost): pulumi.Output<string> {
  return pulumi.interpolate`ssh -t -i ${host.sshKeyFile} ec2-user@${host.publicIp}`;
}
