import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { AWS_REGIONS } from "@trafficlab/network";

/** The Region when the stack sets none: the design document's Seoul. */
export const DEFAULT_REGION = "ap-northeast-2";

/**
 * The stack config, typed and validated: the only place in the repo that reads pulumi.Config.
 * Keys are flat (`trafficlab:dbInstanceClass`) so Pulumi.yaml can declare each with a type and
 * default, and `pulumi config` lists them. Components check the domain rules (allowed classes,
 * engine versions, sizing); this schema checks presence and types before any of them runs.
 */
export const stackConfigSchema = z.object({
  /** Marks a stack that holds real data: the safe settings are required there. */
  environment: z.enum(["dev", "prod"]).default("dev"),
  timeZone: z.string().min(1).default("Asia/Seoul"),
  vpcCidr: z.string().default("10.0.0.0/16"),
  availabilityZones: z.number().int().default(2),
  nat: z.enum(["none", "single"]).default("none"),
  dbEngineVersion: z.string().default("8.4"),
  dbInstanceClass: z.string().default("db.t3.micro"),
  dbStorageGiB: z.number().int().default(20),
  dbBackupRetentionDays: z.number().int().default(7),
  dbDeletionProtection: z.boolean().default(true),
  dbSkipFinalSnapshot: z.boolean().default(false),
  dbMultiAz: z.boolean().default(false),
  /** Apply class, storage and version changes now (a reboot or failover) rather than in the maintenance window. */
  dbApplyImmediately: z.boolean().default(false),
  /** Create the database from this RDS snapshot (see README, Operations); "" for none. */
  dbRestoreFromSnapshot: z.string().default(""),
  cacheEngine: z.enum(["valkey", "redis"]).default("valkey"),
  cacheNodeType: z.string().default("cache.t4g.micro"),
  cacheReplicas: z.number().int().default(0),
  cacheAutomaticFailover: z.boolean().default(false),
  cacheExpectedUsers: z.number().int().default(886440),
  /** Apply node type, version and replica changes now rather than in the maintenance window. */
  cacheApplyImmediately: z.boolean().default(false),
  /** `protect` and `retainOnDelete` on the database and cache: no `pulumi up` or `destroy` deletes them. */
  protectData: z.boolean().default(false),
  hostInstanceType: z.string().default("t3.micro"),
  hostOs: z.enum(["al2023", "al2"]).default("al2023"),
  hostElasticIp: z.boolean().default(false),
  /** Who may SSH in (and so who can run `pulumi up`, which deploys over SSH). No default. */
  sshAllowedCidrs: z.array(z.string()).min(1),
  /** `user/image:tag` to run, or to build and push when apiBuildContext is set. No default. */
  apiImage: z.string().min(1),
  /** A local directory with the API's Dockerfile: build and push apiImage from it; "" for none. */
  apiBuildContext: z.string().default(""),
  springProfile: z.string().default("prod"),
  apiHealthPath: z.string().default("/actuator/health"),
  /** The nginx image in front of the API, a tag or digest. */
  nginxImage: z.string().default("nginx:1.28.0-alpine"),
  /** Private registry login; registryPassword (secret) is then required. */
  registryServer: z.string().default(""),
  registryUsername: z.string().default(""),
});

/** What a stack marked `environment: prod` must keep, because it holds real data. */
const PRODUCTION_RULES: { key: keyof StackSettings; holds: (s: StackSettings) => boolean; allowed: string }[] = [
  { key: "dbDeletionProtection", holds: (s) => s.dbDeletionProtection, allowed: "true in a prod stack" },
  { key: "dbSkipFinalSnapshot", holds: (s) => !s.dbSkipFinalSnapshot, allowed: "false in a prod stack (keep a final snapshot)" },
  { key: "dbBackupRetentionDays", holds: (s) => s.dbBackupRetentionDays >= 7, allowed: "7 or more in a prod stack" },
  { key: "protectData", holds: (s) => s.protectData, allowed: "true in a prod stack (Pulumi protect on the database and cache)" },
];

export type StackSettings = z.infer<typeof stackConfigSchema>;

/** Config keys that hold secrets; read with getSecret so they stay encrypted. */
export const SECRET_KEYS = ["dbPassword", "registryPassword"] as const;

/** How to set each required setting that has no default, for the error message. */
const HOW_TO_SET: Record<string, string> = {
  sshAllowedCidrs: "set it with: pulumi config set --path 'sshAllowedCidrs[0]' \"$(curl -s https://checkip.amazonaws.com)/32\"",
  apiImage: "set it with: pulumi config set apiImage <user>/<image>:<tag>",
};

export interface StackConfig extends StackSettings {
  project: string;
  stack: string;
  region: string;
  dbPassword: pulumi.Output<string> | undefined;
  registryPassword: pulumi.Output<string> | undefined;
}

/** A RunError, so `pulumi up` prints only the list of problems. */
export class StackConfigError extends pulumi.RunError {
  constructor(readonly problems: string[]) {
    super(`Invalid stack configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "StackConfigError";
  }
}

/** Pulumi config values arrive as strings; numbers, booleans and lists are JSON in them. */
function decode(raw: string, textual: boolean): unknown {
  if (textual) return raw;
  try {
    const parsed: unknown = JSON.parse(raw);
    return typeof parsed === "string" ? raw : parsed;
  } catch {
    return raw;
  }
}

function describeIssue(project: string, issue: z.core.$ZodIssue, raw: Record<string, unknown>): string {
  const key = String(issue.path[0] ?? "");
  const given = raw[key];
  const value = given === undefined ? "(missing)" : `= ${JSON.stringify(given)}`;
  let allowed = issue.message;
  const empty = given === undefined || (Array.isArray(given) && given.length === 0);
  if (empty && HOW_TO_SET[key]) return `${project}:${key} (missing) is required; ${HOW_TO_SET[key]}`;
  if (issue.code === "invalid_value") allowed = `allowed: ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
  else if (issue.code === "invalid_type") allowed = `expected ${issue.expected === "int" ? "a whole number" : issue.expected}`;
  return `${project}:${key} ${value} is not allowed; ${allowed}`;
}

/** The secret settings as plaintext, only to check them; they leave as secret Outputs. */
export type SecretSettings = Partial<Record<(typeof SECRET_KEYS)[number], string>>;

// RDS for MySQL master password rules (CreateDBInstance, MasterUserPassword).
const DB_PASSWORD = { min: 8, max: 41, refused: /[/"'@\s]/, printable: /^[\x21-\x7e]*$/ };

function secretProblems(project: string, settings: Partial<StackSettings>, secrets: SecretSettings): string[] {
  const problems: string[] = [];
  const hidden = "(value not shown)";
  const password = secrets.dbPassword;
  if (password !== undefined) {
    if (password === "") {
      problems.push(`${project}:dbPassword is empty; remove it (pulumi config rm dbPassword) to use the password the stack generates, or set one with pulumi config set --secret dbPassword`);
    } else if (password.length < DB_PASSWORD.min || password.length > DB_PASSWORD.max || DB_PASSWORD.refused.test(password) || !DB_PASSWORD.printable.test(password)) {
      problems.push(
        `${project}:dbPassword ${hidden} is not allowed; RDS for MySQL takes ${DB_PASSWORD.min} to ${DB_PASSWORD.max} printable ASCII characters other than /, ', ", @ and space (it has ${password.length})`,
      );
    }
  }
  if (settings.registryUsername && !secrets.registryPassword) {
    problems.push(`${project}:registryPassword (missing) is required because registryUsername is set; set it with: pulumi config set --secret registryPassword`);
  }
  return problems;
}

/** The Region must exist, and hold the zones asked for, before anything is created in it. */
function regionProblems(project: string, region: string, settings: Partial<StackSettings>): string[] {
  const known = AWS_REGIONS[region];
  if (!known) return [`aws:region = ${JSON.stringify(region)} is not allowed; allowed: an AWS Region code, e.g. ap-northeast-2 (Seoul); known: ${Object.keys(AWS_REGIONS).join(", ")}`];
  const zones = settings.availabilityZones;
  if (typeof zones === "number" && zones > known.availabilityZones) {
    return [`${project}:availabilityZones = ${zones} is not allowed; ${region} (${known.name}) has ${known.availabilityZones} Availability Zones`];
  }
  return [];
}

/** Validates raw config values (already decoded) against the schema; throws one error listing every problem. */
export function parseStackSettings(project: string, raw: Record<string, unknown>, secrets: SecretSettings = {}, region = DEFAULT_REGION): StackSettings {
  const unknownKeys = Object.keys(raw).filter((key) => !(key in stackConfigSchema.shape) && !(SECRET_KEYS as readonly string[]).includes(key));
  const result = stackConfigSchema.safeParse(raw);
  const problems = [
    ...unknownKeys.map((key) => `${project}:${key} is not a setting of this project (typo?); known: ${Object.keys(stackConfigSchema.shape).join(", ")}`),
    ...(result.success ? [] : result.error.issues.map((issue) => describeIssue(project, issue, raw))),
  ];
  if (result.success && result.data.environment === "prod") {
    for (const rule of PRODUCTION_RULES) {
      if (!rule.holds(result.data)) problems.push(`${project}:${rule.key} = ${JSON.stringify(result.data[rule.key])} is not allowed; ${rule.allowed}`);
    }
  }
  const parsed = result.success ? result.data : (raw as Partial<StackSettings>);
  problems.push(...secretProblems(project, parsed, secrets), ...regionProblems(project, region, parsed));
  if (problems.length > 0 || !result.success) throw new StackConfigError(problems);
  return result.data;
}

/** Reads and validates the current stack's config. */
export function loadStackConfig(): StackConfig {
  const project = pulumi.getProject();
  const config = new pulumi.Config();
  const defaults = stackConfigSchema.partial().parse({});
  const raw: Record<string, unknown> = {};
  const secrets: SecretSettings = {};
  for (const [fullKey, value] of Object.entries(pulumi.runtime.allConfig())) {
    const [namespace, key] = fullKey.split(":");
    if (namespace !== project || key === undefined) continue;
    if ((SECRET_KEYS as readonly string[]).includes(key)) secrets[key as keyof SecretSettings] = value;
    else raw[key] = decode(value, typeof defaults[key as keyof StackSettings] === "string");
  }
  const region = new pulumi.Config("aws").get("region") ?? DEFAULT_REGION;
  const settings = parseStackSettings(project, raw, secrets, region);
  const registryPassword = config.getSecret("registryPassword");
  return {
    ...settings,
    project,
    stack: pulumi.getStack(),
    region,
    dbPassword: config.getSecret("dbPassword"),
    registryPassword,
  };
}
