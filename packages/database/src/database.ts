import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { privateTierSecurityGroup } from "@trafficlab/network";
import { transformed } from "@trafficlab/validation";
import { MYSQL_MAJORS } from "./engine";
import { DATABASE_DEFAULTS, DATABASE_TYPE, resolveDatabaseSettings, type DatabaseArgs, type DatabaseSettings } from "./settings";

/**
 * The name of an instance's final snapshot, unique to the instance: `<name>-final-<UTC time of
 * its creation>`. A fixed name would make the second deletion fail (DBSnapshotAlreadyExists).
 */
export function finalSnapshotIdentifier(name: string, createdAt: Date): string {
  const stamp = createdAt.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "").replace("T", "-");
  // RDS: letters, digits and single hyphens, starting with a letter, at most 255 characters.
  const base = name.replace(/[^A-Za-z0-9-]+/g, "-").replace(/-+/g, "-").replace(/^[^A-Za-z]+|-$/g, "") || "db";
  return `${base.slice(0, 230)}-final-${stamp}`;
}

/** RDS for MySQL in private subnets: encrypted, reachable only from the security groups it is given. */
export class Database extends pulumi.ComponentResource {
  /** Host name clients connect to. */
  readonly address: pulumi.Output<string>;
  /** 3306. */
  readonly port: pulumi.Output<number>;
  /** `address:port` */
  readonly endpoint: pulumi.Output<string>;
  /** The schema created with the instance. */
  readonly databaseName: pulumi.Output<string>;
  /** The master user. */
  readonly username: pulumi.Output<string>;
  /** Secrets Manager secret RDS keeps the master password in; undefined when a password was given. */
  readonly masterUserSecretArn: pulumi.Output<string | undefined>;
  /** The database's own security group. */
  readonly securityGroupId: pulumi.Output<string>;
  /** The RDS instance's id. */
  readonly instanceId: pulumi.Output<string>;
  /** The settings after defaults, for callers that report on them (e.g. cost). */
  readonly settings: DatabaseSettings;
  /** The child resources, for what the arguments do not cover (escape hatch). */
  readonly nodes: {
    securityGroup: aws.ec2.SecurityGroup;
    ingressRules: aws.vpc.SecurityGroupIngressRule[];
    subnetGroup: aws.rds.SubnetGroup;
    parameterGroup: aws.rds.ParameterGroup;
    instance: aws.rds.Instance;
  };

  constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before super(): a bad argument must register nothing.
    const settings = resolveDatabaseSettings(name, args);
    super(DATABASE_TYPE, name, {}, opts);
    this.settings = settings;
    if (settings.costWarning) pulumi.log.warn(settings.costWarning, this);

    const tags = (role: string) => ({ ...args.tags, Name: `${name}-${role}` });
    const transform = args.transform ?? {};
    const child = { parent: this };

    const { securityGroup, ingressRules } = privateTierSecurityGroup(
      `${name}-sg`,
      { vpcId: args.vpcId, port: DATABASE_DEFAULTS.port, service: `MySQL for ${name}`, allowedSecurityGroupIds: args.allowedSecurityGroupIds, tags: tags("sg"), transform: transform.securityGroup },
      child,
    );

    const subnetGroup = new aws.rds.SubnetGroup(`${name}-subnets`, ...transformed(transform.subnetGroup, { subnetIds: args.subnetIds, description: `Private subnets for ${name}`, tags: tags("subnets") }, child));

    const major = MYSQL_MAJORS[settings.engine.major];
    const parameterGroup = new aws.rds.ParameterGroup(
      `${name}-params`,
      ...transformed(transform.parameterGroup, {
        family: major.parameterGroupFamily,
        // Fixed: a parameter group's description forces a new group, so it never carries a setting.
        description: `MySQL settings of ${name}`,
        parameters: [
          { name: "character_set_server", value: "utf8mb4" },
          { name: "collation_server", value: "utf8mb4_0900_ai_ci" },
          { name: "time_zone", value: settings.timeZone },
          { name: "require_secure_transport", value: settings.requireTls ? "1" : "0" },
        ],
        tags: tags("params"),
      },
        // Never protected, whatever the component's options: it holds no data, and its family
        // follows the engine, so an engine upgrade replaces it (a protected one would fail that
        // `pulumi up`). Still retained with the component: AWS refuses to delete a group in use.
        { ...child, protect: false }),
    );

    const managedPassword = args.password === undefined;
    const instance = new aws.rds.Instance(
      `${name}-mysql`,
      ...transformed(transform.instance, {
        engine: "mysql",
        engineVersion: settings.engineVersion,
        // 8.4 stays in standard support until 2029; refusing Extended Support there means no surprise bill.
        engineLifecycleSupport: major.extendedSupport ? "open-source-rds-extended-support" : "open-source-rds-extended-support-disabled",
        autoMinorVersionUpgrade: true,
        // RDS refuses a new major engineVersion (8.0 -> 8.4) without it; it upgrades nothing by itself.
        allowMajorVersionUpgrade: true,
        instanceClass: settings.instanceClass,
        allocatedStorage: settings.allocatedStorageGiB,
        maxAllocatedStorage: settings.maxAllocatedStorageGiB,
        storageType: settings.storageType,
        storageEncrypted: true,
        // Sent on a plain create; a restore from a snapshot keeps the snapshot's schema (the provider
        // leaves DBName out for MySQL), and keeping it here means no diff once restored.
        dbName: settings.databaseName,
        username: settings.username,
        manageMasterUserPassword: managedPassword ? true : undefined,
        password: managedPassword ? undefined : pulumi.secret(args.password!),
        port: DATABASE_DEFAULTS.port,
        dbSubnetGroupName: subnetGroup.name,
        vpcSecurityGroupIds: [securityGroup.id],
        parameterGroupName: parameterGroup.name,
        publiclyAccessible: false,
        multiAz: settings.multiAz,
        backupRetentionPeriod: settings.backupRetentionDays,
        deletionProtection: settings.deletionProtection,
        skipFinalSnapshot: settings.skipFinalSnapshot,
        finalSnapshotIdentifier: settings.skipFinalSnapshot ? undefined : finalSnapshotIdentifier(name, new Date()),
        copyTagsToSnapshot: true,
        snapshotIdentifier: args.restoreFromSnapshot,
        applyImmediately: settings.applyImmediately,
        tags: tags("mysql"),
      },
      // The final snapshot's name is fixed when the instance is created, so each instance (the one
      // a restore or replacement makes, too) leaves a snapshot of its own when it is deleted.
      { parent: this, ignoreChanges: ["finalSnapshotIdentifier"] }),
    );

    this.nodes = { securityGroup, ingressRules, subnetGroup, parameterGroup, instance };

    this.address = instance.address;
    this.port = instance.port;
    this.endpoint = instance.endpoint;
    this.databaseName = pulumi.output(settings.databaseName);
    this.username = pulumi.output(settings.username);
    this.masterUserSecretArn = instance.masterUserSecrets.apply((secrets) => secrets?.[0]?.secretArn);
    this.securityGroupId = securityGroup.id;
    this.instanceId = instance.id;
    this.registerOutputs({
      address: this.address,
      port: this.port,
      endpoint: this.endpoint,
      databaseName: this.databaseName,
      username: this.username,
      masterUserSecretArn: this.masterUserSecretArn,
      securityGroupId: this.securityGroupId,
    });
  }
}
