import * as pulumi from "@pulumi/pulumi";
import { InvalidArgumentError, componentLabel, requireIntegerInRange, requireOneOf, requireSecretInput } from "@trafficlab/validation";
import { MYSQL_INSTANCE_CLASSES, MYSQL_MAJORS, extendedSupportMonthlyUsd, parseEngineVersion, type ParsedEngineVersion } from "./engine";

export const DATABASE_TYPE = "trafficlab:database:Database";

export interface DatabaseArgs {
  /** The VPC the database lives in. Required. */
  vpcId: pulumi.Input<string>;
  /** Private subnets in at least two AZs (RDS requires two for a subnet group). Required. */
  subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** Security groups admitted on the MySQL port. Default: none (nothing can connect). */
  allowedSecurityGroupIds?: pulumi.Input<pulumi.Input<string>[]>;
  /** MySQL major (`8.4`, `8.0`) or a pinned minor (`8.4.6`). Default `8.4` (LTS). */
  engineVersion?: string;
  /** Default `db.t3.micro`. */
  instanceClass?: string;
  /** Default 20 (GiB). */
  allocatedStorageGiB?: number;
  /** Storage autoscaling ceiling. Default: off. */
  maxAllocatedStorageGiB?: number;
  /** Default `gp3` (3000 IOPS at the gp2 price; 20 GiB of gp2 gives 60). */
  storageType?: "gp3" | "gp2";
  /** Default `trafficlab`. */
  databaseName?: string;
  /** Default `admin`. */
  username?: string;
  /** A Pulumi secret. Default: none, RDS generates the password and keeps it in Secrets Manager. */
  password?: pulumi.Input<string>;
  /** MySQL `time_zone`. Default `UTC`. */
  timeZone?: string;
  /** Days of automated backups, 0 to 35. Default 7. */
  backupRetentionDays?: number;
  /** Default true. */
  deletionProtection?: boolean;
  /** Default false: a final snapshot is kept when the database is deleted. */
  skipFinalSnapshot?: boolean;
  /** A standby in a second AZ. Default false. */
  multiAz?: boolean;
  /** Refuse unencrypted client connections (`require_secure_transport`). Default true. */
  requireTls?: boolean;
  /** Create the database from this RDS snapshot (identifier or ARN) instead of empty. Default: none. */
  restoreFromSnapshot?: string;
  /**
   * Apply a change of class, storage, engine version or Multi-AZ now (the instance reboots or
   * fails over) instead of in the next maintenance window, until which `pulumi up` keeps showing
   * the change. Default false, as in RDS. Password changes are applied at once either way.
   */
  applyImmediately?: boolean;
  /** Added to every resource's tags. Default {}. */
  tags?: Record<string, string>;
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

/** Checks every plain argument; throws InvalidArgumentError before anything is registered. */
export function resolveDatabaseSettings(name: string, args: DatabaseArgs): DatabaseSettings {
  const component = componentLabel(DATABASE_TYPE, name);
  const engineVersion = args.engineVersion ?? DATABASE_DEFAULTS.engineVersion;
  const engine = parseEngineVersion(engineVersion);
  if (!engine) {
    throw new InvalidArgumentError(
      component,
      "engineVersion",
      engineVersion,
      "Allowed: 8.4 (LTS, default), 8.0 (paid Extended Support), or a minor RDS still creates (8.4.3 or later, 8.0.40 or later). " +
        "RDS no longer creates MySQL 5.7 or old 8.0 minors such as the design document's 8.0.33.",
    );
  }
  const instanceClass = args.instanceClass ?? DATABASE_DEFAULTS.instanceClass;
  if (!MYSQL_INSTANCE_CLASSES.includes(instanceClass)) {
    throw new InvalidArgumentError(
      component,
      "instanceClass",
      instanceClass,
      `Allowed: a current-generation RDS for MySQL class, e.g. db.t3.micro, db.t4g.micro, db.m7g.large (db.t2 and other previous generations are refused). Known: ${MYSQL_INSTANCE_CLASSES.join(", ")}.`,
    );
  }
  const allocatedStorageGiB = requireIntegerInRange(
    component,
    "allocatedStorageGiB",
    args.allocatedStorageGiB ?? DATABASE_DEFAULTS.allocatedStorageGiB,
    STORAGE_GIB.min,
    STORAGE_GIB.max,
    "RDS for MySQL gp2/gp3 storage is 20 to 65536 GiB.",
  );
  const maxAllocatedStorageGiB =
    args.maxAllocatedStorageGiB === undefined
      ? undefined
      : requireIntegerInRange(component, "maxAllocatedStorageGiB", args.maxAllocatedStorageGiB, allocatedStorageGiB + 1, STORAGE_GIB.max, "It must exceed allocatedStorageGiB.");
  const storageType = requireOneOf(component, "storageType", args.storageType ?? DATABASE_DEFAULTS.storageType, ["gp3", "gp2"] as const);
  const databaseName = args.databaseName ?? DATABASE_DEFAULTS.databaseName;
  if (!MYSQL_IDENTIFIER.test(databaseName) || databaseName.length > 64) {
    throw new InvalidArgumentError(component, "databaseName", databaseName, "Allowed: 1 to 64 letters, digits or underscores, starting with a letter.");
  }
  const username = args.username ?? DATABASE_DEFAULTS.username;
  if (!MYSQL_IDENTIFIER.test(username) || username.length > 16 || username === "rdsadmin") {
    throw new InvalidArgumentError(component, "username", username, "Allowed: 1 to 16 letters, digits or underscores, starting with a letter; not rdsadmin.");
  }
  if (args.password !== undefined) requireSecretInput(component, "password", args.password);
  const timeZone = args.timeZone ?? DATABASE_DEFAULTS.timeZone;
  if (timeZone !== "UTC" && !Intl.supportedValuesOf("timeZone").includes(timeZone)) {
    throw new InvalidArgumentError(component, "timeZone", timeZone, "Allowed: UTC or an IANA zone name such as Asia/Seoul.");
  }
  const backupRetentionDays = requireIntegerInRange(
    component,
    "backupRetentionDays",
    args.backupRetentionDays ?? DATABASE_DEFAULTS.backupRetentionDays,
    0,
    35,
    "RDS keeps automated backups for 0 (off) to 35 days.",
  );
  const costWarning =
    engine.major === "8.0"
      ? `${component}: MySQL 8.0 is on paid RDS Extended Support since 2026-08-01, ` +
        `about USD ${extendedSupportMonthlyUsd("8.0", instanceClass)}/month extra for ${instanceClass} (USD 0.12 per vCPU-hour). Use 8.4 unless the application needs 8.0.`
      : undefined;
  return {
    engine,
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
