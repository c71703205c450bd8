import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { API_HOST_DEFAULTS } from "@trafficlab/api-host";
import { API_IMAGE_REPOSITORY_DEFAULTS, GITHUB_DEPLOY_ROLES_DEFAULTS } from "@trafficlab/ci";
import { DATABASE_DEFAULTS } from "@trafficlab/database";
import { EDGE_PROXY_SERVICE_DEFAULTS, NGINX_DEFAULTS } from "@trafficlab/edge-proxy";
import { FLEET_DEFAULTS, fleetAlarmsTable } from "@trafficlab/fleet";
import { NETWORK_DEFAULTS } from "@trafficlab/network";
import { METRICS_SERVICES_DEFAULTS, OBSERVABILITY_DEFAULTS } from "@trafficlab/observability";
import { TOKEN_CACHE_DEFAULTS } from "@trafficlab/token-cache";
import { SECRET_SETTINGS, STACK_SETTINGS, type SettingSpec } from "@trafficlab/stacks/settings";
import { runPlanCommand, type Plan } from "@trafficlab/plan";
import { classOutputs, interfaceMembers, type Member } from "./interface-table";
import { ciFiles, ciModel } from "./ci/project";

/** The repository root. */
export const ROOT = join(__dirname, "..", "..", "..");

/** A table in a README, between `<!-- generated:<id> -->` and `<!-- /generated -->`. */
interface Table {
  id: string;
  render: () => string | Promise<string>;
}

const pkg = (name: string, file: string) => join(ROOT, "packages", name, "src", file);

function code(value: unknown): string {
  if (value === null) return "`null`";
  return `\`${typeof value === "string" ? value : JSON.stringify(value)}\``;
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|");
}

/** An args table: the members of an interface, defaults from the package's defaults object (the one source). */
function argsTable(file: string, name: string, defaults: Readonly<Record<string, unknown>> = {}): string {
  const rows = interfaceMembers(file, name).map((member: Member) => {
    const fallback = Object.prototype.hasOwnProperty.call(defaults, member.name) ? code(defaults[member.name]) : member.defaultTag ?? (member.optional ? "none" : "required");
    return `| \`${member.name}\` | \`${cell(member.type)}\` | ${cell(fallback)} | ${cell(member.doc)} |`;
  });
  return ["| arg | type | default | meaning |", "|---|---|---|---|", ...rows].join("\n");
}

function outputsTable(file: string, name: string): string {
  const rows = classOutputs(file, name).map((member) => `| \`${member.name}\` | \`${cell(member.type)}\` | ${cell(member.doc)} |`);
  return ["| output | type | meaning |", "|---|---|---|", ...rows].join("\n");
}

function settingsTable(): string {
  const rows = Object.entries(STACK_SETTINGS).map(([key, spec]: [string, SettingSpec]) => `| \`${key}\` | ${spec.type} | ${spec.default === undefined ? "**required**" : code(spec.default)} | ${cell(spec.description)} |`);
  const secrets = Object.entries(SECRET_SETTINGS).map(([key, how]) => `| \`${key}\` | secret | none | ${cell(how)} |`);
  return ["| setting | type | default | meaning |", "|---|---|---|---|", ...rows, ...secrets].join("\n");
}

/**
 * Where each stack keeps its state and how it encrypts its secrets, from the files Pulumi reads:
 * Pulumi.yaml's `backend.url` (none: wherever `pulumi login` points, the local backend by default)
 * and each Pulumi.<stack>.yaml's `secretsprovider` (none: a passphrase), with what CI does with it.
 */
export function stacksTable(root = ROOT): string {
  const project = (parse(readFileSync(join(root, "Pulumi.yaml"), "utf8")) ?? {}) as { backend?: { url?: string } };
  const model = ciModel(root);
  // Every stack file of the project, the ones CI deploys first, in their order.
  const files = readdirSync(root).flatMap((file) => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1] ?? []).sort();
  const stacks = [...new Set([...model.stacks.map((s) => s.name), ...files])].filter((stack) => existsSync(join(root, `Pulumi.${stack}.yaml`)));
  const rows = stacks.map((stack) => {
    const file = (parse(readFileSync(join(root, `Pulumi.${stack}.yaml`), "utf8")) ?? {}) as { secretsprovider?: string };
    const provider = file.secretsprovider ?? "";
    const secrets = provider.startsWith("awskms://") ? `AWS KMS (\`${provider}\`)` : provider ? `\`${provider}\`` : "a passphrase (`PULUMI_CONFIG_PASSPHRASE`)";
    const backend = project.backend?.url
      ? `\`${project.backend.url}\` (Pulumi.yaml)`
      : provider.startsWith("awskms://")
        ? "the team's S3 bucket: `pulumi login s3://<stateBucket>`"
        : "local, the default for one person: `pulumi login --local`";
    const index = model.stacks.findIndex((s) => s.name === stack);
    const ci =
      index < 0
        ? "not deployed by CI"
        : `preview on pull requests; \`pulumi up\` on merge${index === 0 ? "" : ` after ${model.stacks[index - 1]!.name}`}, environment \`${model.stacks[index]!.environment}\`${provider.startsWith("awskms://") ? "" : " (CI refuses it until it uses the KMS key: Deploy from CI, set-up step 4)"}`;
    return `| \`${stack}\` | ${backend} | ${secrets} | ${ci} |`;
  });
  return ["| stack | state backend | secrets | CI (.github/workflows) |", "|---|---|---|---|", ...rows].join("\n");
}

const planRuns = new Map<string, Promise<string>>();
/** `pnpm plan <args>`'s output, run once per generation (each run records a stack under mocks). */
function plan(...args: string[]): Promise<string> {
  const key = args.join(" ");
  if (!planRuns.has(key)) planRuns.set(key, runPlanCommand(args));
  return planRuns.get(key)!;
}

/** What `pnpm plan <args>` prints, in a fenced block, as a sample that cannot go stale. */
async function planSample(...args: string[]): Promise<string> {
  return ["```", `$ pnpm plan ${args.join(" ")}`, await plan(...args), "```"].join("\n");
}

/** The keys of `pnpm plan --json`, from a real run of both stacks: each top-level key, and the keys of the objects it holds. */
async function planJsonKeys(): Promise<string> {
  const plans = [JSON.parse(await plan("dev", "--json")) as Plan, JSON.parse(await plan("prod", "--json")) as Plan];
  const keysOf = (values: unknown[]) => [...new Set(values.flatMap((v) => (v !== null && typeof v === "object" && !Array.isArray(v) ? Object.keys(v) : [])))];
  const rows = Object.keys(plans[0]!).map((key) => {
    const values = plans.map((plan) => (plan as unknown as Record<string, unknown>)[key]);
    const items = values.flatMap((v) => (Array.isArray(v) ? v : [v]));
    const nested = keysOf(items);
    const kind = Array.isArray(values[0]) ? "list" : typeof values[0] === "object" ? "object" : typeof values[0];
    const inner = nested.length > 0 ? `: ${nested.map((k) => `\`${k}\``).join(", ")}` : "";
    const chain = key === "criticalPath" ? `; \`chain\` items: ${keysOf(plans.flatMap((plan) => plan.criticalPath.chain)).map((k) => `\`${k}\``).join(", ")}` : "";
    return `- \`${key}\` (${kind})${inner}${chain}`;
  });
  return rows.join("\n");
}

/** What each cost line is for, by the type of the resource it bills and its price key. */
function costCategory(type: string, priceKey: string): string {
  if (priceKey.startsWith("data-transfer-") || priceKey === "alb-lcu") return "traffic (usage, from the stack's traffic assumption)";
  if (type.startsWith("aws:rds/")) return "database";
  if (type.startsWith("aws:elasticache/")) return "token store";
  if (priceKey === "cloudwatch-alarm" || priceKey === "sns-email") return "alarms";
  if (priceKey.startsWith("amp-") || priceKey.startsWith("cloudwatch-logs-")) return "metrics and logs";
  return "API: hosts, load balancer, addresses, parameters";
}

/** USD a month of dev and prod by what it is for, from real `pnpm plan --json` runs. */
async function costSummary(): Promise<string> {
  const dev = JSON.parse(await plan("dev", "--json")) as Plan;
  const prod = JSON.parse(await plan("prod", "--json")) as Plan;
  const sum = (plan: Plan, category: string, scaledOut: boolean) =>
    plan.costLines.filter((l) => costCategory(l.type, l.priceKey) === category && (scaledOut || !l.scaledOut)).reduce((total, l) => total + (l.monthlyUsd ?? 0), 0);
  const categories = [...new Set([...dev.costLines, ...prod.costLines].map((l) => costCategory(l.type, l.priceKey)))].sort();
  const usd = (n: number) => n.toFixed(2);
  const rows = categories.map((c) => `| ${c} | ${usd(sum(dev, c, false))} | ${usd(sum(prod, c, false))} | ${usd(sum(prod, c, true))} |`);
  return [
    "| USD/month, on-demand, 730 h, before tax | dev | prod, fleet at minSize | prod at maxSize |",
    "|---|---|---|---|",
    ...rows,
    `| **total** | **${usd(dev.monthlyCostUsd)}** | **${usd(prod.monthlyCostUsd)}** | **${usd(prod.monthlyCostAtMaxUsd)}** |`,
  ].join("\n");
}

interface PackageJson {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

const manifestOf = (dir: string): PackageJson => JSON.parse(readFileSync(join(ROOT, "packages", dir, "package.json"), "utf8")) as PackageJson;

/** packages/<dir> and the @trafficlab packages it needs, dependencies first: the tarballs to install together. */
function tarballClosure(dir: string): string[] {
  const order: string[] = [];
  const visit = (d: string) => {
    for (const dep of Object.keys(manifestOf(d).dependencies ?? {}).filter((n) => n.startsWith("@trafficlab/"))) visit(dep.slice("@trafficlab/".length));
    if (!order.includes(d)) order.push(d);
  };
  visit(dir);
  return order;
}

/** How a project installs packages/<dir> today, while it is not on npmjs.com: from your own registry, or from tarballs. */
function installToday(dir: string): string {
  const manifest = manifestOf(dir);
  const closure = tarballClosure(dir);
  const peers = Object.keys(manifest.peerDependencies ?? {}).join(" ");
  const tgz = closure.map((d) => `../trafficlab/tarballs/trafficlab-${d}-${manifestOf(d).version}.tgz`);
  return [
    `The line above is for once it is published: \`${manifest.name}\` is not on npmjs.com yet, and \`npm install\` answers 404. Today, either`,
    `- **from a registry you publish to** (Verdaccio, GitHub Packages, CodeArtifact): publish the workspace there (README, Installing the packages), put \`@trafficlab:registry=<its URL>\` in your project's \`.npmrc\`, then run the line above; or`,
    `- **from tarballs**: a tarball's \`@trafficlab\` dependencies are looked up in the registry too, so pack ${closure.length > 1 ? `each of ${closure.map((d) => `\`${d}\``).join(", ")}` : "it"} in a clone of this repository beside your project (\`../trafficlab\`) and install ${closure.length > 1 ? "them together" : "it"} with npm (what \`pnpm test:publish\` does for \`database\`):`,
    "",
    "```sh",
    `(cd ../trafficlab && pnpm install && for p in ${closure.join(" ")}; do (cd packages/$p && pnpm pack --pack-destination ../../tarballs); done)`,
    `npm install ${tgz.join(" ")}${peers ? ` ${peers}` : ""}`,
    "```",
  ].join("\n");
}

/** Every generated table, by README. */
const READMES: Record<string, Table[]> = {
  "README.md": [
    { id: "settings", render: settingsTable },
    { id: "stacks", render: () => stacksTable() },
    { id: "cost summary", render: costSummary },
  ],
  "packages/network/README.md": [
    { id: "install today", render: () => installToday("network") },
    { id: "args NetworkArgs", render: () => argsTable(pkg("network", "settings.ts"), "NetworkArgs", NETWORK_DEFAULTS) },
    { id: "outputs Network", render: () => outputsTable(pkg("network", "network.ts"), "Network") },
  ],
  "packages/database/README.md": [
    { id: "install today", render: () => installToday("database") },
    { id: "args DatabaseArgs", render: () => argsTable(pkg("database", "settings.ts"), "DatabaseArgs", DATABASE_DEFAULTS) },
    { id: "outputs Database", render: () => outputsTable(pkg("database", "database.ts"), "Database") },
  ],
  "packages/token-cache/README.md": [
    { id: "install today", render: () => installToday("token-cache") },
    { id: "args TokenCacheArgs", render: () => argsTable(pkg("token-cache", "settings.ts"), "TokenCacheArgs", TOKEN_CACHE_DEFAULTS) },
    { id: "outputs TokenCache", render: () => outputsTable(pkg("token-cache", "token-cache.ts"), "TokenCache") },
  ],
  "packages/api-host/README.md": [
    { id: "install today", render: () => installToday("api-host") },
    { id: "args ApiHostArgs", render: () => argsTable(pkg("api-host", "host-settings.ts"), "ApiHostArgs", API_HOST_DEFAULTS) },
    { id: "args ApiHostDeployArgs", render: () => argsTable(pkg("api-host", "host-settings.ts"), "ApiHostDeployArgs", API_HOST_DEFAULTS) },
    { id: "args ApiAppArgs", render: () => argsTable(pkg("api-host", "host-settings.ts"), "ApiAppArgs", API_HOST_DEFAULTS) },
    { id: "outputs ApiHost", render: () => outputsTable(pkg("api-host", "api-host.ts"), "ApiHost") },
    { id: "args AppDeploymentArgs", render: () => argsTable(pkg("api-host", "app-deployment.ts"), "AppDeploymentArgs") },
    { id: "outputs AppDeployment", render: () => outputsTable(pkg("api-host", "app-deployment.ts"), "AppDeployment") },
  ],
  "packages/fleet/README.md": [
    { id: "install today", render: () => installToday("fleet") },
    { id: "args FleetArgs", render: () => argsTable(pkg("fleet", "settings.ts"), "FleetArgs", FLEET_DEFAULTS) },
    { id: "args FleetAppArgs", render: () => argsTable(pkg("fleet", "settings.ts"), "FleetAppArgs", FLEET_DEFAULTS) },
    { id: "args FleetDatabase", render: () => argsTable(pkg("fleet", "settings.ts"), "FleetDatabase", { port: FLEET_DEFAULTS.databasePort }) },
    { id: "args FleetCache", render: () => argsTable(pkg("fleet", "settings.ts"), "FleetCache", { port: FLEET_DEFAULTS.cachePort, tls: true }) },
    { id: "args FleetHttpsArgs", render: () => argsTable(pkg("fleet", "settings.ts"), "FleetHttpsArgs") },
    { id: "args FleetAlarmArgs", render: () => argsTable(pkg("fleet", "settings.ts"), "FleetAlarmArgs") },
    { id: "outputs ApiFleet", render: () => outputsTable(pkg("fleet", "api-fleet.ts"), "ApiFleet") },
    { id: "alarms", render: fleetAlarmsTable },
  ],
  "packages/observability/README.md": [
    { id: "install today", render: () => installToday("observability") },
    { id: "args ObservabilityArgs", render: () => argsTable(pkg("observability", "settings.ts"), "ObservabilityArgs", OBSERVABILITY_DEFAULTS) },
    { id: "args MetricsServicesOptions", render: () => argsTable(pkg("observability", "compose-services.ts"), "MetricsServicesOptions", METRICS_SERVICES_DEFAULTS) },
  ],
  "packages/policies/README.md": [{ id: "install today", render: () => installToday("policies") }],
  "packages/testing/README.md": [{ id: "install today", render: () => installToday("testing") }],
  "packages/validation/README.md": [{ id: "install today", render: () => installToday("validation") }],
  "docs/plan.md": [
    { id: "cost summary", render: costSummary },
    { id: "plan dev", render: () => planSample("dev") },
    { id: "plan prod", render: () => planSample("prod") },
    { id: "plan ci", render: () => planSample("ci") },
    { id: "plan json keys", render: planJsonKeys },
  ],
  "packages/ci/README.md": [
    { id: "install today", render: () => installToday("ci") },
    { id: "args GithubDeployRolesArgs", render: () => argsTable(pkg("ci", "deploy-roles.ts"), "GithubDeployRolesArgs", GITHUB_DEPLOY_ROLES_DEFAULTS) },
    { id: "args ApiImageRepositoryArgs", render: () => argsTable(pkg("ci", "image-repository.ts"), "ApiImageRepositoryArgs", API_IMAGE_REPOSITORY_DEFAULTS) },
    { id: "args StateBackendArgs", render: () => argsTable(pkg("ci", "state-backend.ts"), "StateBackendArgs") },
    { id: "outputs GithubDeployRoles", render: () => outputsTable(pkg("ci", "deploy-roles.ts"), "GithubDeployRoles") },
    { id: "outputs ApiImageRepository", render: () => outputsTable(pkg("ci", "image-repository.ts"), "ApiImageRepository") },
    { id: "outputs StateBackend", render: () => outputsTable(pkg("ci", "state-backend.ts"), "StateBackend") },
  ],
  "packages/edge-proxy/README.md": [
    { id: "install today", render: () => installToday("edge-proxy") },
    { id: "args NginxOptions", render: () => argsTable(pkg("edge-proxy", "nginx-options.ts"), "NginxOptions", NGINX_DEFAULTS) },
    { id: "args EdgeProxyServiceOptions", render: () => argsTable(pkg("edge-proxy", "compose-service.ts"), "EdgeProxyServiceOptions", EDGE_PROXY_SERVICE_DEFAULTS) },
  ],
};

const BEGIN = (id: string) => `<!-- generated:${id} (pnpm generate; do not edit) -->`;
const END = "<!-- /generated -->";

/** The README with each generated table replaced; throws when a marker is missing. */
async function withTables(path: string, text: string, tables: Table[]): Promise<string> {
  let result = text;
  for (const table of tables) {
    const begin = BEGIN(table.id);
    const start = result.indexOf(begin);
    const end = result.indexOf(END, start);
    if (start < 0 || end < 0) throw new Error(`${path}: no "${begin}" ... "${END}" block to fill`);
    result = `${result.slice(0, start + begin.length)}\n${await table.render()}\n${result.slice(end)}`;
  }
  return result;
}

const PROJECT_CONFIG_MARKER = "# generated from stacks/settings.ts by pnpm generate; do not edit below this line";

/** Pulumi.yaml's `config:` block: every setting with its type, its default (none: required) and its meaning. */
export function projectConfigBlock(): string {
  const config = Object.fromEntries(
    Object.entries(STACK_SETTINGS).map(([key, spec]: [string, SettingSpec]) => [
      key,
      { type: spec.type, ...(spec.type === "array" ? { items: { type: "string" } } : {}), ...(spec.default === undefined ? {} : { default: spec.default }), description: spec.description },
    ]),
  );
  const secrets = Object.entries(SECRET_SETTINGS).map(([key, how]) => `#   ${key}: ${how}`);
  return [
    PROJECT_CONFIG_MARKER,
    "# Every setting with its type and default; a key without a default is required in every stack",
    "# (the Pulumi CLI refuses to run without it). Two secrets are read but not declared: the CLI",
    "# would require them, or store a default in plain text.",
    ...secrets,
    stringify({ config }, { lineWidth: 0 }).trimEnd(),
  ].join("\n");
}

function withProjectConfig(text: string): string {
  const at = text.indexOf(PROJECT_CONFIG_MARKER);
  if (at < 0) throw new Error(`Pulumi.yaml: no "${PROJECT_CONFIG_MARKER}" line`);
  return `${text.slice(0, at)}${projectConfigBlock()}\n`;
}

/** Every generated file as it should be: path (from the root) -> content. The plan samples run the stacks under mocks, hence async. */
export async function generatedFiles(root = ROOT): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  files.set("Pulumi.yaml", withProjectConfig(readFileSync(join(root, "Pulumi.yaml"), "utf8")));
  for (const [path, tables] of Object.entries(READMES)) files.set(path, await withTables(path, readFileSync(join(root, path), "utf8"), tables));
  // The project's GitHub workflows, from its .github/ci-workflows.yaml (README, Deploy from CI).
  for (const [path, content] of ciFiles(root)) files.set(path, content);
  return files;
}

/** The generated files that differ from what is on disk. */
export async function drift(root = ROOT): Promise<string[]> {
  return [...(await generatedFiles(root))].filter(([path, content]) => !existsSync(join(root, path)) || readFileSync(join(root, path), "utf8") !== content).map(([path]) => path);
}
