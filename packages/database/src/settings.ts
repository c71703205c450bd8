import type * as pulumi from "@pulumi/pulumi";
import type * as aws from "@pulumi/aws";
import { ArgumentChecks, componentLabel, explainRefusedType, isTimeZone, requireIntegerInRange, requireOneOf, requireSecretInput, type ChildTransform } from "@trafficlab/validation";
import { MYSQL_INSTANCE_CLASSES, MYSQL_MAJORS, extendedSupportMonthlyUsd, parseEngineVersion, type ParsedEngineVersion } from "./engine";

export const DATABASE_TYPE = "trafficlab:database:Database";

export interface DatabaseArgs {
  /** The VPC the database lives in. */
  vpcId: pulumi.Input<string>;
  /** Private subnets in at least two AZs (RDS requires two for a subnet group). */
  subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Security groups admitted on the MySQL port, one rule each.
   * @default none: nothing can connect
   */
  allowedSecurityGroupIds?: pulumi.Input<string>[];
  /** MySQL major (`8.4` LTS, `8.0` on paid Extended Support) or a pinned minor (`8.4.6`). */
  engineVersion?: string;
  /** A current-generation RDS for MySQL class (db.t2 and older are refused). */
  instanceClass?: string;
  /** GiB of storage, 20 to 65536. */
  allocatedStorageGiB?: number;
  /**
   * Storage autoscaling ceiling, above allocatedStorageGiB.
   * @default off
   */
  maxAllocatedStorageGiB?: number;
  /** `gp3` gives 3000 IOPS at the gp2 price (20 GiB of gp2 gives 60). */
  storageType?: "gp3" | "gp2";
  /** The schema created with the instance. */
  databaseName?: string;
  /** The master user (not `rdsadmin`). */
  username?: string;
  /**
   * The master password, a Pulumi secret (a plain string is refused).
   * @default RDS generates it and keeps it in Secrets Manager
   */
  password?: pulumi.Input<string>;
  /** MySQL `time_zone`: UTC or an IANA name such as Asia/Seoul. */
  timeZone?: string;
  /** Days of automated backups, 0 (off) to 35. */
  backupRetentionDays?: number;
  /** RDS deletion protection: AWS refuses to delete the instance while it is on. */
  deletionProtection?: boolean;
  /** false keeps a final snapshot, named after the instance's creation time, when it is deleted. */
  skipFinalSnapshot?: boolean;
  /** A standby in a second AZ. */
  multiAz?: boolean;
  /** Refuse unencrypted client connections (`require_secure_transport`). */
  requireTls?: boolean;
  /**
   * Create the database from this RDS snapshot (identifier or ARN): a new snapshot replaces the
   * instance; removing it later changes nothing.
   * @default none: an empty database
   */
  restoreFromSnapshot?: string;
  /**
   * Apply a change of class, storage, engine version or Multi-AZ now (the instance reboots or
   * fails over) instead of in the next maintenance window, until which `pulumi up` keeps showing
   * the change (false, as in RDS). Password changes are applied at once either way.
   */
  applyImmediately?: boolean;
  /** Added to every resource's tags. */
  tags?: Record<string, string>;
  /** Changes to the child resources the component does not offer as arguments: the security group, subnet group, parameter group, instance. */
  transform?: DatabaseTransforms;
}

/** Per-child changes: arguments merged over the component's, or a function editing args and options. */
export interface DatabaseTransforms {
  securityGroup?: ChildTransform<aws.ec2.SecurityGroupArgs>;
  subnetGroup?: ChildTransform<aws.rds.SubnetGroupArgs>;
  parameterGroup?: ChildTransform<aws.rds.ParameterGroupArgs>;
  instance?: ChildTransform<aws.rds.InstanceArgs>;
}

export const DATABASE_DEFAULTS = {
  engineVersion: "8.4",
  instanceClass: "db.t3.micro",
  allocatedStorageGiB: 20,
  storageType: "gp3",
  databaseName: "trafficlab",
  username: "admin",
  timeZone: "UTC",
  backupRetentionDays: 7,
  deletionProtection: true,
  skipFinalSnapshot: false,
  multiAz: false,
  requireTls: true,
  applyImmediately: false,
  port: 3306,
} as const;

/** RDS for MySQL storage limits for gp2/gp3, GiB. */
const STORAGE_GIB = { min: 20, max: 65536 };
const MYSQL_IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]*$/;

export interface DatabaseSettings {
  engine: ParsedEngineVersion;
  engineVersion: string;
  instanceClass: string;
  allocatedStorageGiB: number;
  maxAllocatedStorageGiB: number | undefined;
  storageType: "gp3" | "gp2";
  databaseName: string;
  username: string;
  timeZone: string;
  backupRetentionDays: number;
  deletionProtection: boolean;
  skipFinalSnapshot: boolean;
  multiAz: boolean;
  requireTls: boolean;
  applyImmediately: boolean;
  /** the Extended Support warning to log, if any */
  costWarning: string | undefined;
}

/** Checks every plain argument; throws one InvalidArgumentError naming all the problems before anything is registered. */
export function resolveDatabaseSettings(name: string, args: DatabaseArgs): DatabaseSettings {
  const component = componentLabel(DATABASE_TYPE, name);
  const checks = new ArgumentChecks(component);
  const engineVersion = args.engineVersion ?? DATABASE_DEFAULTS.engineVersion;
  const engine = parseEngineVersion(engineVersion);
  if (!engine) {
    checks.refuse(
      "engineVersion",
      engineVersion,
      "Allowed: 8.4 (LTS, default), 8.0 (paid Extended Support), or a minor RDS still creates (8.4.3 or later, 8.0.40 or later). " +
        "RDS no longer creates MySQL 5.7 or old 8.0 minors such as the design document's 8.0.33.",
    );
  }
  const instanceClass = args.instanceClass ?? DATABASE_DEFAULTS.instanceClass;
  if (!MYSQL_INSTANCE_CLASSES.includes(instanceClass)) {
    checks.refuse(
      "instanceClass",
      instanceClass,
      explainRefusedType(instanceClass, {
        prefix: "db.",
        default: DATABASE_DEFAULTS.instanceClass,
        allowed: MYSQL_INSTANCE_CLASSES,
        what: "RDS for MySQL",
        why: "the current-generation classes offered here (db.t3/t4g, db.m5/m6g/m6i/m7g, db.r5/r6g/r6i/r7g)",
        previousGenerations: { families: ["t2", "m1", "m2", "m3", "m4", "r3", "r4"], reason: "RDS for MySQL is retiring it (db.t2, db.m4, db.r4 and older)" },
      }),
    );
  }
  const allocatedStorageGiB = checks.take(
    () =>
      requireIntegerInRange(
        component,
        "allocatedStorageGiB",
        args.allocatedStorageGiB ?? DATABASE_DEFAULTS.allocatedStorageGiB,
        STORAGE_GIB.min,
        STORAGE_GIB.max,
        "RDS for MySQL gp2/gp3 storage is 20 to 65536 GiB.",
      ),
    DATABASE_DEFAULTS.allocatedStorageGiB,
  );
  const maxAllocatedStorageGiB =
    args.maxAllocatedStorageGiB === undefined
      ? undefined
      : checks.take(
          () => requireIntegerInRange(component, "maxAllocatedStorageGiB", args.maxAllocatedStorageGiB!, allocatedStorageGiB + 1, STORAGE_GIB.max, "It must exceed allocatedStorageGiB."),
          undefined,
        );
  const storageType = checks.take(() => requireOneOf(component, "storageType", args.storageType ?? DATABASE_DEFAULTS.storageType, ["gp3", "gp2"] as const), "gp3");
  const databaseName = args.databaseName ?? DATABASE_DEFAULTS.databaseName;
  if (!MYSQL_IDENTIFIER.test(databaseName) || databaseName.length > 64) {
    checks.refuse("databaseName", databaseName, "Allowed: 1 to 64 letters, digits or underscores, starting with a letter.");
  }
  const username = args.username ?? DATABASE_DEFAULTS.username;
  if (!MYSQL_IDENTIFIER.test(username) || username.length > 16 || username === "rdsadmin") {
    checks.refuse("username", username, "Allowed: 1 to 16 letters, digits or underscores, starting with a letter; not rdsadmin.");
  }
  if (args.password !== undefined) checks.take(() => requireSecretInput(component, "password", args.password), undefined);
  const timeZone = args.timeZone ?? DATABASE_DEFAULTS.timeZone;
  if (!isTimeZone(timeZone)) checks.refuse("timeZone", timeZone, "Allowed: UTC or an IANA zone name such as Asia/Seoul.");
  const backupRetentionDays = checks.take(
    () =>
      requireIntegerInRange(
        component,
        "backupRetentionDays",
        args.backupRetentionDays ?? DATABASE_DEFAULTS.backupRetentionDays,
        0,
        35,
        "RDS keeps automated backups for 0 (off) to 35 days.",
      ),
    DATABASE_DEFAULTS.backupRetentionDays,
  );
  checks.done();
  const costWarning =
    engine!.major === "8.0"
      ? `${component}: MySQL 8.0 is on paid RDS Extended Support since 2026-08-01, ` +
        `about USD ${extendedSupportMonthlyUsd("8.0", instanceClass)}/month extra for ${instanceClass} (USD 0.12 per vCPU-hour). Use 8.4 unless the application needs 8.0.`
      : undefined;
  return {
    engine: engine!,
    engineVersion,
    instanceClass,
    allocatedStorageGiB,
    maxAllocatedStorageGiB,
    storageType,
    databaseName,
    username,
    timeZone,
    backupRetentionDays,
    deletionProtection: args.deletionProtection ?? DATABASE_DEFAULTS.deletionProtection,
    skipFinalSnapshot: args.skipFinalSnapshot ?? DATABASE_DEFAULTS.skipFinalSnapshot,
    multiAz: args.multiAz ?? DATABASE_DEFAULTS.multiAz,
    requireTls: args.requireTls ?? DATABASE_DEFAULTS.requireTls,
    applyImmediately: args.applyImmediately ?? DATABASE_DEFAULTS.applyImmediately,
    costWarning,
  };
}

export { MYSQL_MAJORS };
