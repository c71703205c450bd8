import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { privateTierSecurityGroup } from "@trafficlab/network";
import { transformed } from "@trafficlab/validation";
import * as random from "@pulumi/random";
import { RESERVED_MEMORY_PERCENT } from "./sizing";
import { MONITORING_ACCESS_STRING, TOKEN_CACHE_DEFAULTS, TOKEN_CACHE_TYPE, resolveTokenCacheSettings, type TokenCacheArgs, type TokenCacheSettings } from "./settings";

/**
 * The ids ElastiCache does not name for us (users, user group): lowercase letters, digits and
 * single hyphens, starting with a letter, short enough for `-app-<8 hex>` to fit in 40.
 */
export function elastiCacheIdBase(name: string, suffix: string): string {
  const base = name.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/-+/g, "-").replace(/^[^a-z]+|-$/g, "").slice(0, 16).replace(/-$/, "");
  return `${base || "tokens"}-${suffix}`;
}

/**
 * ElastiCache (Valkey or Redis OSS) for refresh tokens: private, encrypted, sized for its users,
 * and reachable only as a named user with a password (ElastiCache RBAC; the `default` user is
 * switched off).
 *
 * The app's credentials rotate in one `pulumi up` with no downtime: replacing the
 * `<name>-credentials` id (`pulumi up --replace <its URN>`) makes a new user with a new password
 * and adds it to the user group beside the old one; the API is redeployed with it; only at the
 * end, when Pulumi deletes what was replaced, is the old user removed, so the old password stops
 * working. Protection given to the component (`protect`, `retainOnDelete`) keeps the group and
 * its data; the credentials are never protected, so they can always be rotated.
 */
export class TokenCache extends pulumi.ComponentResource {
  /** Host name of the primary node (writes and reads). */
  readonly primaryEndpoint: pulumi.Output<string>;
  /** Host name that spreads reads over the replicas (same as the primary without replicas). */
  readonly readerEndpoint: pulumi.Output<string>;
  /** 6379. */
  readonly port: pulumi.Output<number>;
  /** The app's user name (changes with each rotation). */
  readonly username: pulumi.Output<string>;
  /** The app's password (secret). */
  readonly password: pulumi.Output<string>;
  /** `rediss://<user>:<password>@<primary>:6379` (secret). */
  readonly url: pulumi.Output<string>;
  /** The monitoring user's name (monitoringUser), else undefined. */
  readonly monitoringUsername: pulumi.Output<string> | undefined;
  /** The monitoring user's password (secret; monitoringUser), else undefined. */
  readonly monitoringPassword: pulumi.Output<string> | undefined;
  /** The cache's own security group. */
  readonly securityGroupId: pulumi.Output<string>;
  /** The RBAC user group the cache admits. */
  readonly userGroupId: pulumi.Output<string>;
  /** The arguments after checks and defaults, sizing included. */
  readonly settings: TokenCacheSettings;
  /** The child resources, for what the arguments do not cover (escape hatch). */
  readonly nodes: {
    securityGroup: aws.ec2.SecurityGroup;
    ingressRules: aws.vpc.SecurityGroupIngressRule[];
    subnetGroup: aws.elasticache.SubnetGroup;
    parameterGroup: aws.elasticache.ParameterGroup;
    userGroup: aws.elasticache.UserGroup;
    appUser: aws.elasticache.User;
    /** monitoringUser: the exporter's user; else undefined. */
    monitoringUser: aws.elasticache.User | undefined;
    replicationGroup: aws.elasticache.ReplicationGroup;
  };

  constructor(name: string, args: TokenCacheArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate (including sizing) before super(): a bad argument must register nothing.
    const settings = resolveTokenCacheSettings(name, args);
    super(TOKEN_CACHE_TYPE, name, {}, opts);
    this.settings = settings;
    const port = TOKEN_CACHE_DEFAULTS.port;
    const tags = (role: string) => ({ ...args.tags, Name: `${name}-${role}` });
    const child = { parent: this };
    // Rotated by replacement, so never protected nor retained, whatever the component's options.
    const rotatable = { parent: this, protect: false, retainOnDelete: false };

    const transform = args.transform ?? {};
    const { securityGroup, ingressRules } = privateTierSecurityGroup(
      `${name}-sg`,
      { vpcId: args.vpcId, port: port, service: `Valkey/Redis for ${name}`, allowedSecurityGroupIds: args.allowedSecurityGroupIds, tags: tags("sg"), transform: transform.securityGroup },
      child,
    );

    const subnetGroup = new aws.elasticache.SubnetGroup(
      `${name}-subnets`,
      ...transformed(transform.subnetGroup, { subnetIds: args.subnetIds, description: `Private subnets for ${name}`, tags: tags("subnets") }, child),
    );

    const parameterGroup = new aws.elasticache.ParameterGroup(
      `${name}-params`,
      ...transformed(transform.parameterGroup, {
        family: settings.parameterGroupFamily,
        // Fixed: a parameter group's description forces a new group, so it never carries a setting.
        description: `Valkey/Redis settings of ${name}`,
        parameters: [
          { name: "maxmemory-policy", value: settings.maxmemoryPolicy },
          // Pinned because the sizing check assumes it.
          { name: "reserved-memory-percent", value: String(RESERVED_MEMORY_PERCENT) },
        ],
        tags: tags("params"),
      },
        // Never protected, whatever the component's options: it holds no data, and its family
        // follows the engine, so an engine upgrade replaces it (a protected one would fail that
        // `pulumi up`). Still retained with the component: AWS refuses to delete a group in use.
        { ...child, protect: false }),
    );

    // ElastiCache names neither users nor user groups: a suffix chosen once keeps ours unique in the account.
    const suffix = new random.RandomId(`${name}-id`, { byteLength: 3 }, child);
    const idBase = suffix.hex.apply((hex) => elastiCacheIdBase(name, hex));
    const defaultUser = new aws.elasticache.User(
      `${name}-default-user`,
      {
        userId: pulumi.interpolate`${idBase}-default`,
        // Every user group must hold a user named "default"; this one is switched off.
        userName: "default",
        engine: settings.engine,
        accessString: "off -@all",
        authenticationMode: { type: "no-password-required" },
        tags: tags("default-user"),
      },
      child,
    );
    const userGroup = new aws.elasticache.UserGroup(
      `${name}-users`,
      // The app's user joins through a UserGroupAssociation, which this list must not undo.
      ...transformed(transform.userGroup, { userGroupId: idBase, engine: settings.engine, userIds: [defaultUser.userId], tags: tags("users") }, { parent: this, ignoreChanges: ["userIds"] }),
    );

    const credentials = new random.RandomId(`${name}-credentials`, { byteLength: 4 }, rotatable);
    const password = new random.RandomPassword(
      `${name}-password`,
      // ElastiCache takes 16 to 128 characters and refuses some punctuation; letters and digits are always safe.
      { length: 48, special: false, keepers: { credentials: credentials.hex } },
      rotatable,
    );
    const appUserId = pulumi.interpolate`${idBase}-app-${credentials.hex}`;
    const appUser = new aws.elasticache.User(
      `${name}-app-user`,
      {
        userId: appUserId,
        // User names are unique in the account too, so the old and the new user can coexist during a rotation.
        userName: appUserId,
        engine: settings.engine,
        accessString: "on ~* &* +@all",
        authenticationMode: { type: "password", passwords: [pulumi.secret(password.result)] },
        tags: tags("app-user"),
      },
      rotatable,
    );
    const membership = new aws.elasticache.UserGroupAssociation(`${name}-app-user-in-group`, { userGroupId: userGroup.userGroupId, userId: appUser.userId }, rotatable);

    // The exporter's user: INFO (memory, evictions, clients) and PING; no key or channel. Joins
    // through its own association, as the app's user does, so adding or removing it leaves the
    // app's membership and the group's user list alone (aws_elasticache_user_group_association:
    // create and delete only, ModifyUserGroup UserIdsToAdd/UserIdsToRemove).
    const monitoring = args.monitoringUser
      ? (() => {
          const monitorPassword = new random.RandomPassword(`${name}-monitor-password`, { length: 48, special: false }, rotatable);
          const userId = pulumi.interpolate`${idBase}-monitor`;
          const user = new aws.elasticache.User(
            `${name}-monitor-user`,
            {
              userId,
              userName: userId,
              engine: settings.engine,
              accessString: MONITORING_ACCESS_STRING,
              authenticationMode: { type: "password", passwords: [pulumi.secret(monitorPassword.result)] },
              tags: tags("monitor-user"),
            },
            rotatable,
          );
          const joined = new aws.elasticache.UserGroupAssociation(`${name}-monitor-user-in-group`, { userGroupId: userGroup.userGroupId, userId: user.userId }, rotatable);
          return { user, joined, password: monitorPassword.result };
        })()
      : undefined;

    const group = new aws.elasticache.ReplicationGroup(
      `${name}-group`,
      ...transformed(transform.replicationGroup, {
        description: `Refresh-token store for ${name}`,
        engine: settings.engine,
        engineVersion: settings.engineVersion,
        nodeType: settings.nodeType,
        numCacheClusters: 1 + settings.replicas,
        automaticFailoverEnabled: settings.automaticFailover,
        multiAzEnabled: settings.automaticFailover,
        port,
        subnetGroupName: subnetGroup.name,
        securityGroupIds: [securityGroup.id],
        parameterGroupName: parameterGroup.name,
        atRestEncryptionEnabled: true,
        transitEncryptionEnabled: true,
        userGroupIds: [userGroup.userGroupId],
        autoMinorVersionUpgrade: true,
        snapshotRetentionLimit: settings.snapshotRetentionDays,
        applyImmediately: settings.applyImmediately,
        tags: tags("group"),
      }, child),
    );

    this.nodes = { securityGroup, ingressRules, subnetGroup, parameterGroup, userGroup, appUser, monitoringUser: monitoring?.user, replicationGroup: group };
    this.monitoringUsername = monitoring && pulumi.all([monitoring.joined.userId, monitoring.user.userName]).apply(([, userName]) => userName);
    this.monitoringPassword = monitoring && pulumi.secret(pulumi.all([monitoring.joined.userId, monitoring.password]).apply(([, secret]) => secret));

    this.primaryEndpoint = group.primaryEndpointAddress;
    this.readerEndpoint = group.readerEndpointAddress;
    this.port = group.port.apply((p) => p ?? port);
    // Read through the membership, so whoever uses the credentials waits until they work.
    this.username = pulumi.all([membership.userId, appUser.userName]).apply(([, userName]) => userName);
    this.password = pulumi.secret(pulumi.all([membership.userId, password.result]).apply(([, secret]) => secret));
    this.url = pulumi.secret(pulumi.interpolate`rediss://${this.username}:${this.password}@${group.primaryEndpointAddress}:${port}`);
    this.securityGroupId = securityGroup.id;
    this.userGroupId = userGroup.userGroupId;
    this.registerOutputs({
      primaryEndpoint: this.primaryEndpoint,
      readerEndpoint: this.readerEndpoint,
      port: this.port,
      username: this.username,
      password: this.password,
      url: this.url,
      securityGroupId: this.securityGroupId,
      userGroupId: this.userGroupId,
    });
  }
}
