import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { privateTierSecurityGroup } from "@trafficlab/network";
import * as random from "@pulumi/random";
import { RESERVED_MEMORY_PERCENT } from "./sizing";
import { TOKEN_CACHE_DEFAULTS, TOKEN_CACHE_TYPE, resolveTokenCacheSettings, type TokenCacheArgs, type TokenCacheSettings } from "./settings";

/** ElastiCache (Valkey or Redis OSS) for refresh tokens: private, encrypted, AUTH required, sized for its users. */
export class TokenCache extends pulumi.ComponentResource {
  /** Host name of the primary node (writes and reads). */
  readonly primaryEndpoint: pulumi.Output<string>;
  /** Host name that spreads reads over the replicas (same as the primary without replicas). */
  readonly readerEndpoint: pulumi.Output<string>;
  readonly port: pulumi.Output<number>;
  /** The AUTH token (secret). */
  readonly authToken: pulumi.Output<string>;
  /** `rediss://:<token>@<primary>:6379` (secret). */
  readonly url: pulumi.Output<string>;
  readonly securityGroupId: pulumi.Output<string>;
  readonly settings: TokenCacheSettings;

  constructor(name: string, args: TokenCacheArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate (including sizing) before super(): a bad argument must register nothing.
    const settings = resolveTokenCacheSettings(name, args);
    super(TOKEN_CACHE_TYPE, name, {}, opts);
    this.settings = settings;
    const port = TOKEN_CACHE_DEFAULTS.port;
    const tags = (role: string) => ({ ...args.tags, Name: `${name}-${role}` });

    const securityGroup = privateTierSecurityGroup(
      `${name}-sg`,
      { vpcId: args.vpcId, port: port, service: `Valkey/Redis for ${name}`, allowedSecurityGroupIds: args.allowedSecurityGroupIds, tags: tags("sg") },
      { parent: this },
    );

    const subnetGroup = new aws.elasticache.SubnetGroup(
      `${name}-subnets`,
      { subnetIds: args.subnetIds, description: `Private subnets for ${name}`, tags: tags("subnets") },
      { parent: this },
    );

    const parameterGroup = new aws.elasticache.ParameterGroup(
      `${name}-params`,
      {
        family: settings.parameterGroupFamily,
        description: `maxmemory-policy ${settings.maxmemoryPolicy}`,
        parameters: [
          { name: "maxmemory-policy", value: settings.maxmemoryPolicy },
          // Pinned because the sizing check assumes it.
          { name: "reserved-memory-percent", value: String(RESERVED_MEMORY_PERCENT) },
        ],
        tags: tags("params"),
      },
      { parent: this },
    );

    const authToken =
      args.authToken !== undefined
        ? pulumi.secret(args.authToken)
        : new random.RandomPassword(
            `${name}-auth-token`,
            // ElastiCache refuses some punctuation in AUTH tokens; letters and digits are always safe.
            { length: 48, special: false },
            { parent: this },
          ).result;

    const group = new aws.elasticache.ReplicationGroup(
      `${name}-group`,
      {
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
        authToken,
        // A new token is added beside the old one, so clients keep working while they move over.
        authTokenUpdateStrategy: "ROTATE",
        autoMinorVersionUpgrade: true,
        snapshotRetentionLimit: settings.snapshotRetentionDays,
        tags: tags("group"),
      },
      { parent: this },
    );

    this.primaryEndpoint = group.primaryEndpointAddress;
    this.readerEndpoint = group.readerEndpointAddress;
    this.port = group.port.apply((p) => p ?? port);
    this.authToken = pulumi.secret(authToken);
    this.url = pulumi.secret(pulumi.interpolate`rediss://:${authToken}@${group.primaryEndpointAddress}:${port}`);
    this.securityGroupId = securityGroup.id;
    this.registerOutputs({
      primaryEndpoint: this.primaryEndpoint,
      readerEndpoint: this.readerEndpoint,
      port: this.port,
      authToken: this.authToken,
      url: this.url,
      securityGroupId: this.securityGroupId,
    });
  }
}
