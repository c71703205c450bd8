import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import * as awsProviderSettings from "@pulumi/aws/config/vars";
import { AWS_REGIONS, parseVpcCidr } from "@trafficlab/network";
import { FLEET_TYPE } from "@trafficlab/fleet";
import { branchPatternProblem } from "@trafficlab/ci";
import { closestMatch, didYouMean, imageRegistry } from "@trafficlab/validation";
import { checkComponents, componentArgs } from "./components";
import { SECRET_SETTINGS, STACK_SETTINGS, settingOf, type SettingKey, type SettingSpec, type StackSettings } from "./settings";

export type { StackSettings } from "./settings";

/** The Region when the stack sets none: the design document's Seoul. */
export const DEFAULT_REGION = "ap-northeast-2";

/** Config keys that hold secrets; read with getSecret so they stay encrypted. */
export const SECRET_KEYS = Object.keys(SECRET_SETTINGS) as (keyof typeof SECRET_SETTINGS)[];

/** How to set each required setting that has no default, for the error message. */
const HOW_TO_SET: Partial<Record<SettingKey, string>> = {
  sshAllowedCidrs: "set it with: pulumi config set --path 'sshAllowedCidrs[0]' \"$(curl -s https://checkip.amazonaws.com)/32\"",
  apiImage: "set it with: pulumi config set apiImage <user>/<image>:<tag>",
  githubRepository: "set it with: pulumi config set githubRepository OWNER/NAME (as GitHub shows it)",
};

/**
 * The ci stack's own rules, before its components' checks: the repository is required, the
 * branch patterns must be ones GitHub Actions matches, and the deploy role must not be able to
 * change the ci stack itself (its roles are named `<ci stack>-*`).
 */
function ciProblems(project: string, settings: StackSettings, stack: string, failed: Set<string>): string[] {
  const problems: string[] = [];
  if (!failed.has("githubRepository") && settings.githubRepository === "") {
    failed.add("githubRepository");
    problems.push(`${project}:githubRepository (missing) is required because hosting is ci (the roles trust that repository's workflows); ${HOW_TO_SET.githubRepository}`);
  }
  const patterns: [SettingKey, string[]][] = [
    ["previewBranches", settings.previewBranches],
    ["deployBranch", [settings.deployBranch]],
  ];
  for (const [key, values] of patterns) {
    if (failed.has(key)) continue;
    if (key === "previewBranches" && values.length === 0) problems.push(`${project}:previewBranches = [] is not allowed; allowed: at least one branch pattern (e.g. ["main"])`);
    for (const value of values) {
      const problem = branchPatternProblem(value);
      if (problem) {
        failed.add(key);
        const given = key === "deployBranch" ? `= ${JSON.stringify(value)} is` : `contains ${JSON.stringify(value)}, which is`;
        problems.push(`${project}:${key} ${given} not allowed; ${problem.replace(/^Allowed:/, "allowed:")}`);
      }
    }
  }
  if (!failed.has("deployStacks") && settings.deployStacks.includes(stack)) {
    failed.add("deployStacks");
    problems.push(`${project}:deployStacks = ${JSON.stringify(settings.deployStacks)} is not allowed; it names this stack (${stack}), whose roles the deploy role could then rewrite: list the stacks it deploys (e.g. dev, prod) and change ${stack} only by hand`);
  }
  return problems;
}

/** What a stack marked `environment: prod` must keep, because it holds real data. */
const PRODUCTION_RULES: { key: SettingKey; holds: (s: StackSettings) => boolean; allowed: string }[] = [
  { key: "dbDeletionProtection", holds: (s) => s.dbDeletionProtection, allowed: "true in a prod stack" },
  { key: "dbSkipFinalSnapshot", holds: (s) => !s.dbSkipFinalSnapshot, allowed: "false in a prod stack (keep a final snapshot)" },
  { key: "dbBackupRetentionDays", holds: (s) => s.dbBackupRetentionDays >= 7, allowed: "7 or more in a prod stack" },
  { key: "protectData", holds: (s) => s.protectData, allowed: "true in a prod stack (Pulumi protect and retainOnDelete on the database and cache)" },
  {
    key: "alarmEmails",
    holds: (s) => s.alarmEmails.trim() !== "" || s.alarmSlackWorkspaceId !== "" || s.allowAlarmsToNobody,
    allowed:
      "a prod stack's alarms must reach someone: set alarmEmails (pulumi config set alarmEmails ops@example.com) or alarmSlackWorkspaceId and alarmSlackChannelId, " +
      "or set allowAlarmsToNobody: true to deploy with alarms nobody receives",
  },
  {
    key: "domain",
    holds: (s) => s.domain !== "" || s.allowPlainHttpInProd,
    allowed: "a prod stack serves HTTPS: set domain (and acmeEmail for hosting single, hostedZoneId for fleet), or set allowPlainHttpInProd: true to serve logins and tokens in clear",
  },
];

/**
 * Rules between settings, each said under the key to change and naming the setting it depends
 * on, before the components' own checks (which know only their argument names). `broken`
 * returns the rest of the message, or undefined when the rule holds.
 */
const CROSS_SETTING_RULES: {
  key: SettingKey | (typeof SECRET_KEYS)[number];
  uses: SettingKey[];
  hosting?: "single" | "fleet";
  broken: (s: StackSettings, secrets: SecretSettings) => string | undefined;
}[] = [
  {
    key: "acmeEmail",
    uses: ["domain"],
    hosting: "single",
    broken: (s) => (s.domain && !s.acmeEmail ? "(missing) is required because domain is set (Let's Encrypt writes there about expiry); set it with: pulumi config set acmeEmail <address>" : undefined),
  },
  {
    key: "domain",
    uses: ["acmeEmail"],
    hosting: "single",
    broken: (s) => (!s.domain && s.acmeEmail ? "(missing) is required because acmeEmail is set (it is for domain's certificate); set domain, or pulumi config rm acmeEmail" : undefined),
  },
  {
    key: "hostedZoneId",
    uses: ["domain"],
    hosting: "fleet",
    broken: (s) => (s.domain && !s.hostedZoneId ? "(missing) is required because domain is set and hosting is fleet (the ACM certificate is validated in that Route 53 zone); set it with: pulumi config set hostedZoneId Z..." : undefined),
  },
  {
    key: "domain",
    uses: ["hostedZoneId"],
    hosting: "fleet",
    broken: (s) => (!s.domain && s.hostedZoneId ? "(missing) is required because hostedZoneId is set (the zone is for domain's certificate and alias); set domain, or pulumi config rm hostedZoneId" : undefined),
  },
  {
    key: "alarmSlackChannelId",
    uses: ["alarmSlackWorkspaceId"],
    broken: (s) => (s.alarmSlackWorkspaceId && !s.alarmSlackChannelId ? "(missing) is required because alarmSlackWorkspaceId is set; set it with: pulumi config set alarmSlackChannelId C..." : undefined),
  },
  {
    key: "alarmSlackWorkspaceId",
    uses: ["alarmSlackChannelId"],
    broken: (s) => (!s.alarmSlackWorkspaceId && s.alarmSlackChannelId ? "(missing) is required because alarmSlackChannelId is set; set it with: pulumi config set alarmSlackWorkspaceId T..." : undefined),
  },
  {
    key: "cacheAutomaticFailover",
    uses: ["cacheReplicas"],
    broken: (s) => (s.cacheAutomaticFailover && s.cacheReplicas === 0 ? "= true is not allowed because cacheReplicas = 0: failover needs cacheReplicas >= 1 (with one node there is nothing to fail over to)" : undefined),
  },
  {
    key: "fleetMaxSize",
    uses: ["fleetMinSize"],
    hosting: "fleet",
    broken: (s) => (s.fleetMaxSize < s.fleetMinSize ? `= ${s.fleetMaxSize} is not allowed; it must be at least fleetMinSize (${s.fleetMinSize})` : undefined),
  },
  {
    key: "fleetDesiredCapacity",
    uses: ["fleetMinSize", "fleetMaxSize"],
    hosting: "fleet",
    broken: (s) =>
      s.fleetDesiredCapacity !== 0 && (s.fleetDesiredCapacity < s.fleetMinSize || s.fleetDesiredCapacity > s.fleetMaxSize)
        ? `= ${s.fleetDesiredCapacity} is not allowed; allowed: 0 (for fleetMinSize) or fleetMinSize (${s.fleetMinSize}) to fleetMaxSize (${s.fleetMaxSize})`
        : undefined,
  },
  {
    key: "registryPassword",
    uses: ["registryUsername"],
    broken: (s, secrets) =>
      secrets.registryPassword !== undefined && !s.registryUsername
        ? "(value not shown) is set but nothing uses it: registryUsername is empty, so there is no registry login; set registryUsername, or pulumi config rm registryPassword"
        : undefined,
  },
  {
    key: "registryServer",
    uses: ["registryUsername"],
    broken: (s) => (s.registryServer && !s.registryUsername ? `= ${JSON.stringify(s.registryServer)} is set but nothing uses it: it is where registryUsername logs in, and registryUsername is empty` : undefined),
  },
  {
    key: "apiImage",
    uses: ["registryServer", "registryUsername"],
    // docker login goes to registryServer: an image from another registry is pulled without it.
    broken: (s) => {
      const login = s.registryServer || "docker.io";
      const from = imageRegistry(s.apiImage);
      return s.registryUsername && from !== login
        ? `= ${JSON.stringify(s.apiImage)} is not allowed because registryServer is ${JSON.stringify(login)}: the login is for ${login}, and this image is pulled from ${from}; use an image in ${login}, or set registryServer ${from}`
        : undefined;
    },
  },
  {
    key: "acmeServer",
    uses: ["domain"],
    hosting: "single",
    broken: (s) => (s.acmeServer !== STACK_SETTINGS.acmeServer.default && !s.domain ? `= ${JSON.stringify(s.acmeServer)} is set but nothing uses it: there is no domain to get a certificate for` : undefined),
  },
  {
    key: "acmeCaCertificates",
    uses: ["domain"],
    hosting: "single",
    broken: (s) => (s.acmeCaCertificates && !s.domain ? "(a PEM bundle) is set but nothing uses it: there is no domain to get a certificate for; set domain, or pulumi config rm acmeCaCertificates" : undefined),
  },
];

/** Docker's bridge (172.17.0.0/16) and the next two networks of its default pool, which the host's compose and API networks take. */
const DOCKER_NETWORKS_ON_THE_HOST = { from: 172 * 2 ** 24 + 17 * 2 ** 16, to: 172 * 2 ** 24 + 20 * 2 ** 16 - 1, text: "172.17.0.0/16 to 172.19.0.0/16" };

export interface StackConfig extends StackSettings {
  project: string;
  stack: string;
  region: string;
  dbPassword: pulumi.Output<string> | undefined;
  registryPassword: pulumi.Output<string> | undefined;
}

/** Every problem of the stack's configuration, each under the key the user typed. A RunError, so `pulumi up` prints only the list. */
export class StackConfigError extends pulumi.RunError {
  constructor(readonly problems: string[]) {
    super(`Invalid stack configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "StackConfigError";
  }
}

/** The secret settings as plaintext, only to check them; they leave as secret Outputs. */
export type SecretSettings = Partial<Record<(typeof SECRET_KEYS)[number], string>>;

export interface CheckContext {
  /** The plaintext of the secret settings, to check them (never shown). */
  secrets?: SecretSettings;
  /** `aws:region`. Default ap-northeast-2. */
  region?: string;
  /** The stack's name, which names its components. Default dev. */
  stack?: string;
  /** The `aws:` keys the stack sets (without the namespace), checked against the provider's settings. */
  awsKeys?: string[];
  /** Secret settings the stack holds in plain text (set without --secret): refused. */
  plainTextSecrets?: string[];
}

/**
 * Whether a config key holds a secret: the CLI lists the keys whose value is `secure:` in
 * PULUMI_CONFIG_SECRET_KEYS, which the SDK reads here (mocks set the same list through
 * setAllConfig). Marked @internal in the SDK's typings, so required untyped.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { isConfigSecret } = require("@pulumi/pulumi/runtime/config") as { isConfigSecret: (key: string) => boolean };

/** What the AWS provider reads from `aws:` config: anything else there is a typo it ignores. */
export const AWS_PROVIDER_SETTINGS = Object.keys(awsProviderSettings);

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

function shown(value: unknown): string {
  return value === undefined ? "(missing)" : `= ${JSON.stringify(value)}`;
}

function describeIssue(project: string, key: SettingKey, issue: z.core.$ZodIssue, given: unknown): string {
  const empty = given === undefined || (Array.isArray(given) && given.length === 0);
  if (empty && HOW_TO_SET[key]) return `${project}:${key} (missing) is required; ${HOW_TO_SET[key]}`;
  let allowed = issue.message;
  if (issue.code === "invalid_value") allowed = `allowed: ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
  else if (issue.code === "invalid_type") allowed = `expected ${issue.expected === "int" ? "a whole number" : issue.expected}`;
  return `${project}:${key} ${shown(given)} is not allowed; ${allowed}`;
}

// RDS for MySQL master password rules (CreateDBInstance, MasterUserPassword).
const DB_PASSWORD = { min: 8, max: 41, refused: /[/"'@\s]/, printable: /^[\x21-\x7e]*$/ };

function secretProblems(project: string, settings: StackSettings, secrets: SecretSettings, plainText: readonly string[]): string[] {
  const problems: string[] = [];
  for (const key of plainText) {
    problems.push(
      `${project}:${key} (value not shown) is stored in plain text in the stack's config; a password must be a secret: ` +
        `pulumi config rm ${key} && pulumi config set --secret ${key}`,
    );
  }
  const password = secrets.dbPassword;
  if (password !== undefined) {
    if (password === "") {
      problems.push(`${project}:dbPassword is empty; remove it (pulumi config rm dbPassword) to use the password the stack generates, or set one with pulumi config set --secret dbPassword`);
    } else if (password.length < DB_PASSWORD.min || password.length > DB_PASSWORD.max || DB_PASSWORD.refused.test(password) || !DB_PASSWORD.printable.test(password)) {
      problems.push(
        `${project}:dbPassword (value not shown) is not allowed; RDS for MySQL takes ${DB_PASSWORD.min} to ${DB_PASSWORD.max} printable ASCII characters other than /, ', ", @ and space (it has ${password.length})`,
      );
    }
  }
  if (settings.registryUsername && !secrets.registryPassword) {
    problems.push(`${project}:registryPassword (missing) is required because registryUsername is set; set it with: pulumi config set --secret registryPassword`);
  }
  return problems;
}

// pulumi-aws autonames the replication group id `<name>-<7 random>`, lower-cased, at most 40
// characters (AutoNameTransform("replicationGroupId", 40, strings.ToLower)); the cache's is
// `<stack>-tokens-group`, so the stack name may have 40 - 7 - "-tokens-group-".length characters.
const MAX_STACK_NAME_FOR_CACHE = 40 - 7 - "-tokens-group-".length;

/** The stack's name starts the RDS and ElastiCache identifiers, which AWS restricts more than Pulumi restricts stack names. */
function stackNameProblems(stack: string): string[] {
  const problems: string[] = [];
  if (!/^[A-Za-z][A-Za-z0-9-]*$/.test(stack) || stack.includes("--") || stack.endsWith("-")) {
    problems.push(
      `the stack name ${JSON.stringify(stack)} cannot start the RDS and ElastiCache identifiers (<stack>-db-mysql-..., <stack>-tokens-group-...); ` +
        "allowed: letters, digits and single hyphens, starting with a letter and not ending with a hyphen (pulumi stack rename)",
    );
  }
  if (stack.length > MAX_STACK_NAME_FOR_CACHE) {
    problems.push(
      `the stack name ${JSON.stringify(stack)} is too long (${stack.length} characters): the cache's replication group id <stack>-tokens-group-<7 random> must fit ElastiCache's 40; allowed: at most ${MAX_STACK_NAME_FOR_CACHE} characters (pulumi stack rename)`,
    );
  }
  return problems;
}

// An automated snapshot is `rds:<instance>-<date>`; a manual one a plain identifier; another
// account's (or a shared) one its ARN. RDS restores only from a snapshot in the stack's Region.
const SNAPSHOT_NAME = /^(?:rds:)?[A-Za-z](?:[A-Za-z0-9]|-(?!-)){0,254}$/;

function snapshotProblems(project: string, snapshot: string, region: string): string[] {
  if (snapshot === "") return [];
  const arn = /^arn:aws[a-z-]*:rds:([a-z0-9-]+):\d{12}:(?:cluster-)?snapshot:(.+)$/.exec(snapshot);
  const name = arn ? arn[2]! : snapshot;
  if (!SNAPSHOT_NAME.test(name) || name.endsWith("-")) {
    return [
      `${project}:dbRestoreFromSnapshot = ${JSON.stringify(snapshot)} is not allowed; allowed: an RDS snapshot identifier (letters, digits and single hyphens, starting with a letter; rds:... for an automated one) or its ARN`,
    ];
  }
  if (arn && arn[1] !== region) {
    return [`${project}:dbRestoreFromSnapshot = ${JSON.stringify(snapshot)} is not allowed; the snapshot is in ${arn[1]} and RDS restores only in the snapshot's Region (${region} here): copy it first (aws rds copy-db-snapshot)`];
  }
  return [];
}

/** The Region must exist, and hold the zones asked for, before anything is created in it. */
function regionProblems(project: string, region: string, settings: StackSettings): string[] {
  const known = AWS_REGIONS[region];
  if (!known) return [`aws:region = ${JSON.stringify(region)} is not allowed; allowed: an AWS Region code, e.g. ap-northeast-2 (Seoul); known: ${Object.keys(AWS_REGIONS).join(", ")}`];
  if (settings.availabilityZones > known.availabilityZones) {
    return [`${project}:availabilityZones = ${settings.availabilityZones} is not allowed; ${region} (${known.name}) has ${known.availabilityZones} Availability Zones`];
  }
  return [];
}

/** The host's Docker networks must not hide VPC addresses (RDS, ElastiCache) behind a local route. */
function dockerOverlapProblems(project: string, settings: StackSettings): string[] {
  let vpc: { network: number; prefix: number };
  try {
    vpc = parseVpcCidr("vpcCidr", settings.vpcCidr);
  } catch {
    return []; // the network's own check says what is wrong with it
  }
  const last = vpc.network + 2 ** (32 - vpc.prefix) - 1;
  if (last < DOCKER_NETWORKS_ON_THE_HOST.from || vpc.network > DOCKER_NETWORKS_ON_THE_HOST.to) return [];
  return [
    `${project}:vpcCidr = ${JSON.stringify(settings.vpcCidr)} is not allowed; it overlaps ${DOCKER_NETWORKS_ON_THE_HOST.text}, the networks Docker makes on the API host ` +
      "(its bridge, then nginx's and the API's), so the host could not reach the database or cache there. Use e.g. 10.0.0.0/16",
  ];
}

/**
 * Validates the stack's settings (raw values, already decoded) and reports every problem at
 * once, each under the key the user typed: types and required keys, the prod rules, the secrets,
 * the Region, and every component's own argument checks (run here, before any resource exists).
 */
export function parseStackSettings(project: string, raw: Record<string, unknown>, context: CheckContext = {}): StackSettings {
  const problems: string[] = [];
  const known = Object.keys(STACK_SETTINGS) as SettingKey[];
  const settingKeys: string[] = [...known, ...SECRET_KEYS];
  for (const key of Object.keys(raw)) {
    if (!settingKeys.includes(key)) {
      // `pulumi config set region ...` lands in the project's namespace: point at the provider's key.
      const providerKey = closestMatch(key, AWS_PROVIDER_SETTINGS);
      const otherwise = providerKey ? `; did you mean aws:${providerKey}?` : "; the settings are listed in README.md, Settings";
      problems.push(`${project}:${key} is not a setting of this project${didYouMean(key, settingKeys, otherwise)}`);
    }
  }
  for (const key of context.awsKeys ?? []) {
    if (!AWS_PROVIDER_SETTINGS.includes(key)) {
      problems.push(`aws:${key} is not a setting of the AWS provider, which would ignore it${didYouMean(key, AWS_PROVIDER_SETTINGS, "; see the provider's configuration reference", "aws:")}`);
    }
  }
  // Key by key, so a wrong value does not hide the problems of the others.
  const failed = new Set<string>(); // keys already reported, so no check reports them twice
  const settings = {} as Record<SettingKey, unknown>;
  for (const key of known) {
    const spec: SettingSpec = STACK_SETTINGS[key];
    const given = raw[key];
    const result = spec.schema.safeParse(given === undefined ? spec.default : given);
    if (result.success) {
      settings[key] = result.data;
    } else {
      failed.add(key);
      problems.push(describeIssue(project, key, result.error.issues[0]!, given));
      settings[key] = spec.default ?? (spec.type === "array" ? [] : "");
    }
  }
  const parsed = settings as StackSettings;
  // The ci stack runs no API: it needs no image.
  if (parsed.hosting !== "ci" && !failed.has("hosting") && !failed.has("apiImage") && parsed.apiImage === "") {
    failed.add("apiImage");
    // "" is Pulumi.yaml's default: not given.
    problems.push(`${project}:apiImage (missing) is required; ${HOW_TO_SET.apiImage}`);
  }
  if (parsed.hosting === "single" && !failed.has("hosting") && !failed.has("sshAllowedCidrs") && parsed.sshAllowedCidrs.length === 0) {
    failed.add("sshAllowedCidrs");
    problems.push(`${project}:sshAllowedCidrs (missing) is required because hosting is single (pulumi up deploys the host over SSH); ${HOW_TO_SET.sshAllowedCidrs}`);
  }
  if (parsed.hosting === "ci" && !failed.has("hosting")) problems.push(...ciProblems(project, parsed, context.stack ?? "dev", failed));
  if (parsed.environment === "prod" && !failed.has("environment")) {
    for (const rule of PRODUCTION_RULES) {
      if (!failed.has(rule.key) && !rule.holds(parsed)) problems.push(`${project}:${rule.key} = ${JSON.stringify(parsed[rule.key])} is not allowed; ${rule.allowed}`);
    }
  }
  for (const rule of CROSS_SETTING_RULES) {
    if (rule.hosting && rule.hosting !== parsed.hosting) continue;
    if (rule.uses.some((key) => failed.has(key)) || failed.has(rule.key)) continue;
    const broken = rule.broken(parsed, context.secrets ?? {});
    if (broken === undefined) continue;
    failed.add(rule.key);
    problems.push(`${project}:${rule.key} ${broken}`);
  }
  problems.push(...secretProblems(project, parsed, context.secrets ?? {}, context.plainTextSecrets ?? []));
  problems.push(...regionProblems(project, context.region ?? DEFAULT_REGION, parsed));
  problems.push(...stackNameProblems(context.stack ?? "dev"));
  if (!failed.has("dbRestoreFromSnapshot")) problems.push(...snapshotProblems(project, parsed.dbRestoreFromSnapshot, context.region ?? DEFAULT_REGION));
  problems.push(...dockerOverlapProblems(project, parsed));

  const placeholderSecret = pulumi.secret("checked-only");
  const secrets = { dbPassword: context.secrets?.dbPassword ? placeholderSecret : undefined, registryPassword: context.secrets?.registryPassword ? placeholderSecret : undefined };
  const stack = context.stack ?? "dev";
  for (const { componentType, error } of checkComponents(componentArgs(parsed, { project, stack }, secrets), stack, parsed.hosting as "single" | "fleet" | "ci")) {
    for (const problem of error.problems) {
      const key = settingOf(componentType, problem.argument);
      if (key && failed.has(key)) continue; // already reported as the user typed it
      if (componentType === FLEET_TYPE && problem.argument === "name") {
        problems.push(`the stack name ${JSON.stringify(stack)} is too long for hosting: fleet (the fleet is named ${stack}-api); ${problem.allowed.replace(/^Allowed:/, "allowed for that name:")}`);
        continue;
      }
      problems.push(
        key
          ? `${project}:${key} ${shown(problem.value)} is not allowed; ${problem.allowed.replace(/^Allowed:/, "allowed:")}`
          : `${error.component}: ${problem.argument} ${shown(problem.value)} is not allowed; ${problem.allowed}`,
      );
    }
  }
  // A setting several components take (timeZone, apiImage) is refused once.
  if (problems.length > 0) throw new StackConfigError([...new Set(problems)]);
  return parsed;
}

/** Reads and validates the current stack's config: the only place in the repo that reads pulumi.Config. */
export function loadStackConfig(): StackConfig {
  const project = pulumi.getProject();
  const config = new pulumi.Config();
  const raw: Record<string, unknown> = {};
  const secrets: SecretSettings = {};
  const awsKeys: string[] = [];
  const plainTextSecrets: string[] = [];
  for (const [fullKey, value] of Object.entries(pulumi.runtime.allConfig())) {
    const [namespace, key] = fullKey.split(":");
    if (namespace === "aws" && key !== undefined) awsKeys.push(key);
    if (namespace !== project || key === undefined) continue;
    if ((SECRET_KEYS as string[]).includes(key)) {
      secrets[key as keyof SecretSettings] = value;
      if (!isConfigSecret(fullKey)) plainTextSecrets.push(key);
    }
    else raw[key] = decode(value, (STACK_SETTINGS as Record<string, SettingSpec>)[key]?.type === "string");
  }
  const region = new pulumi.Config("aws").get("region") ?? DEFAULT_REGION;
  const stack = pulumi.getStack();
  const settings = parseStackSettings(project, raw, { secrets, region, stack, awsKeys, plainTextSecrets });
  return {
    ...settings,
    project,
    stack,
    region,
    dbPassword: config.getSecret("dbPassword"),
    registryPassword: config.getSecret("registryPassword"),
  };
}
