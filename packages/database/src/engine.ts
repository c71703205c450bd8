/** The MySQL majors RDS still creates, and what each costs beyond the instance. */
export const MYSQL_MAJORS = {
  "8.4": {
    parameterGroupFamily: "mysql8.4",
    // Oldest 8.4 minor still offered when this was written; newer ones pass.
    oldestMinor: 3,
    extendedSupport: false,
  },
  "8.0": {
    parameterGroupFamily: "mysql8.0",
    oldestMinor: 40,
    // Standard support ended 2026-07-31; RDS bills Extended Support from 2026-08-01.
    extendedSupport: true,
  },
} as const;

export type MysqlMajor = keyof typeof MYSQL_MAJORS;

/** USD per vCPU-hour of RDS Extended Support, years 1-2 (Seoul bills, 2026-08). */
export const EXTENDED_SUPPORT_USD_PER_VCPU_HOUR = 0.12;

export interface ParsedEngineVersion {
  major: MysqlMajor;
  /** undefined: RDS picks the default minor and upgrades it automatically */
  minor: number | undefined;
}

/** Parses `8.4` or `8.4.6`; undefined when RDS would refuse it. */
export function parseEngineVersion(version: string): ParsedEngineVersion | undefined {
  const match = /^(\d+\.\d+)(?:\.(\d+))?$/.exec(version);
  if (!match || !(match[1]! in MYSQL_MAJORS)) return undefined;
  const major = match[1] as MysqlMajor;
  const minor = match[2] === undefined ? undefined : Number(match[2]);
  if (minor !== undefined && minor < MYSQL_MAJORS[major].oldestMinor) return undefined;
  return { major, minor };
}

const BURSTABLE_SIZES = ["micro", "small", "medium", "large", "xlarge", "2xlarge"];
const GENERAL_SIZES = ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"];

/** Current-generation RDS for MySQL classes (db.t2 and other previous generations are refused). */
export const MYSQL_INSTANCE_CLASSES: readonly string[] = [
  ...["t3", "t4g"].flatMap((family) => BURSTABLE_SIZES.map((size) => `db.${family}.${size}`)),
  ...["m5", "m6g", "m6i", "m7g", "r5", "r6g", "r6i", "r7g"].flatMap((family) => GENERAL_SIZES.map((size) => `db.${family}.${size}`)),
];

const SIZE_VCPUS: Record<string, number> = { micro: 2, small: 2, medium: 2, large: 2, xlarge: 4, "2xlarge": 8, "4xlarge": 16, "8xlarge": 32, "12xlarge": 48, "16xlarge": 64 };

/** vCPUs of an instance class: what Extended Support is billed on. */
export function instanceClassVcpus(instanceClass: string): number {
  const size = instanceClass.split(".")[2] ?? "";
  const vcpus = SIZE_VCPUS[size];
  if (vcpus === undefined) throw new Error(`unknown instance class size in ${instanceClass}`);
  return vcpus;
}

/** Monthly (730 h) Extended Support charge for this class, or 0 for a major in standard support. */
export function extendedSupportMonthlyUsd(major: MysqlMajor, instanceClass: string): number {
  if (!MYSQL_MAJORS[major].extendedSupport) return 0;
  return Math.round(instanceClassVcpus(instanceClass) * EXTENDED_SUPPORT_USD_PER_VCPU_HOUR * 730 * 100) / 100;
}
