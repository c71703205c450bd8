import type { ResourceGraph } from "@trafficlab/testing";
import { capacityOf, renderCapacity, type Capacity } from "./capacity";
import { monthlyCost, trafficOf, unitLabel, type CostLine, type TrafficAssumption } from "./cost";
import { createTimeOf, UNKNOWN_TYPE_SECONDS } from "./create-times";
import { criticalPath, type CriticalPath } from "./critical-path";
import { clearTextHttp, exposureOf, type ExposureEntry } from "./exposure";
import { inventoryOf, type InventoryEntry } from "./inventory";
import { HOURS_PER_MONTH, REGION_PRICES, type RegionPrices } from "./prices";
import { unusedSettings, type UnusedSetting } from "./unused-settings";

export interface PlanNote {
  kind: "placeholder" | "stand-in" | "region" | "missing-price" | "price-override" | "free-tier" | "not-estimated" | "create-time" | "program-log" | "traffic" | "taxes" | "unused-setting";
  message: string;
}

/** What `pnpm plan --json` prints. */
export interface Plan {
  stack: string;
  region: string;
  resources: InventoryEntry[];
  exposure: ExposureEntry[];
  /** sum of the priced lines, USD per month, on-demand, Auto Scaling groups at their minimum; a lower bound when costComplete is false */
  monthlyCostUsd: number;
  /** the same with every Auto Scaling group at its maximum */
  monthlyCostAtMaxUsd: number;
  costComplete: boolean;
  hoursPerMonth: number;
  costLines: CostLine[];
  /** the usage the per-GB and per-LCU lines assume, by the stack's environment */
  traffic: TrafficAssumption;
  criticalPath: CriticalPath;
  /** the instances the stress DAU's peak hour needs, from measuredRpsPerInstance (capacity.ts) */
  capacity: Capacity;
  /** settings Pulumi.<stack>.yaml sets that configure only components this stack does not create */
  unusedSettings: UnusedSetting[];
  notes: PlanNote[];
}

export interface PlanInput {
  stack: string;
  region: string;
  graph: ResourceGraph;
  placeholders: string[];
  standIns: { key: string; value: string }[];
  log: string[];
  prices: RegionPrices;
  /** the stack's `environment` setting; undefined prices it as dev */
  environment?: string | undefined;
  project?: string;
  /** the keys Pulumi.<stack>.yaml sets */
  stackFileKeys?: string[];
  outputs?: Record<string, unknown>;
  /** the stack's measuredRpsPerInstance; 0 or undefined: not measured */
  rpsPerInstance?: number | undefined;
}

/** Inventory, exposure, cost and critical path of a recorded stack, with the notes a reader needs to trust them. */
export function buildPlan(input: PlanInput): Plan {
  const resources = input.graph.resources;
  const traffic = trafficOf(input.environment);
  const cost = monthlyCost(resources, input.prices.prices, { region: input.region, traffic });
  const componentTypes = new Set(resources.filter((r) => !r.custom).map((r) => r.type));
  const unused = unusedSettings(input.project ?? "trafficlab", input.stackFileKeys ?? [], componentTypes);
  const notes: PlanNote[] = [];
  for (const key of input.placeholders) {
    notes.push({ kind: "placeholder", message: `${key} is a secure: value in Pulumi.${input.stack}.yaml; the plan ran with a placeholder (nothing was decrypted)` });
  }
  for (const { key, value } of input.standIns) {
    notes.push({ kind: "stand-in", message: `${key} is not set in Pulumi.${input.stack}.yaml (it is yours to give); the plan used ${value}, which changes neither cost nor duration` });
  }
  if (!input.prices.known) {
    notes.push({
      kind: "region",
      message: `the repo has no prices for ${input.region} (only ${Object.keys(REGION_PRICES).join(", ")}); lines without an override are missing, not guessed. Add them to prices.${input.stack}.json at the repository root`,
    });
  }
  for (const file of input.prices.overrideSources) notes.push({ kind: "price-override", message: `prices overridden from ${file}` });
  for (const line of cost.missing) notes.push({ kind: "missing-price", message: `${line.resource}: ${line.item}: ${line.note ?? "price missing"}` });
  if (cost.missing.length > 0) notes.push({ kind: "missing-price", message: `the total USD ${cost.totalUsd.toFixed(2)} leaves out ${cost.missing.length} line(s) without a price: it is a lower bound` });
  for (const line of cost.lines.filter((l) => l.freeTier)) {
    notes.push({ kind: "free-tier", message: `${line.resource}: ${line.item}: free tier ${line.freeTier}; not subtracted` });
  }
  if (cost.lines.some((l) => l.priceKey.startsWith("data-transfer-") || l.priceKey === "alb-lcu")) {
    notes.push({
      kind: "traffic",
      message:
        `usage-billed lines (data transfer, load balancer capacity units) assume ${traffic.label}: ${traffic.dailyUsers} daily users x ${traffic.requestsPerUserPerDay} requests, ` +
        `${traffic.bytesPerRequest / 1024} KB each to the client and ${traffic.dataTierBytesPerRequest / 1024} KB each to the database and the cache (packages/plan/src/cost.ts); they scale linearly with it`,
    });
  }
  notes.push({
    kind: "not-estimated",
    message: "not estimated: NAT data processed, data transfer to other Regions, Secrets Manager API calls, backups beyond 100 % of storage, CloudWatch metrics (alarms, the log groups and AMP are), dashboards' AMP queries, Route 53 (a hosted zone is yours already)",
  });
  notes.push({ kind: "taxes", message: "prices are before tax: VAT or sales tax (10 % VAT on an account billed in Korea) is added to the bill and not included here" });
  if (cost.lines.some((l) => l.priceKey === "cloudwatch-alarm")) {
    notes.push({ kind: "free-tier", message: "CloudWatch: the first 10 alarm metrics a month are free in every account; not subtracted" });
  }
  const unknownTypes = [...new Set(resources.filter((r) => !createTimeOf(r).known).map((r) => r.type))];
  if (unknownTypes.length > 0) {
    notes.push({ kind: "create-time", message: `no create time known for ${unknownTypes.join(", ")}: ${UNKNOWN_TYPE_SECONDS} s assumed (packages/plan/src/create-times.ts)` });
  }
  const hosting = typeof input.outputs?.hosting === "string" ? ` with hosting ${input.outputs.hosting}` : "";
  for (const setting of unused) {
    notes.push({
      kind: "unused-setting",
      message: `${setting.key} is set in Pulumi.${input.stack}.yaml but does nothing${hosting}: it configures only ${setting.configures.join(", ")}, which this stack does not create`,
    });
  }
  for (const line of input.log) notes.push({ kind: "program-log", message: line });

  return {
    stack: input.stack,
    region: input.region,
    resources: inventoryOf(resources),
    exposure: exposureOf(input.graph.ingressRules(), resources),
    monthlyCostUsd: cost.totalUsd,
    monthlyCostAtMaxUsd: cost.atMaxUsd,
    costComplete: cost.complete,
    hoursPerMonth: HOURS_PER_MONTH,
    costLines: cost.lines,
    traffic,
    criticalPath: criticalPath(resources),
    capacity: capacityOf(resources, input.prices.prices, input.rpsPerInstance),
    unusedSettings: unused,
    notes,
  };
}

export function table(rows: string[][], rightAligned: number[] = []): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => (row[c] ?? "").length)));
  return rows.map((row) =>
    row
      .map((cell, c) => (rightAligned.includes(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join("  ")
      .trimEnd(),
  );
}

function usd(value: number | undefined, digits = 2): string {
  return value === undefined ? "MISSING" : `${value.toFixed(digits)}`;
}

function minutes(seconds: number): string {
  return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, "0")} s`;
}

const TOP_LEVEL = "(directly under the stack)";

/** The plan as text, one section per question: what, open to whom, how much, how long. */
export function renderPlan(plan: Plan): string {
  const out: string[] = [];
  out.push(`trafficlab plan: stack ${plan.stack}, region ${plan.region} (offline, under mocks; nothing was created)`, "");

  out.push(`== Inventory: ${plan.resources.filter((r) => r.custom).length} resources in ${plan.resources.filter((r) => !r.custom).length} components`);
  const groups = new Map<string, InventoryEntry[]>();
  for (const r of plan.resources.filter((r) => r.custom)) {
    const key = r.component ? `${r.component} (${r.componentType})` : TOP_LEVEL;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  // Components in the order the program made them; resources directly under the stack last.
  for (const [component, entries] of [...groups].sort(([a], [b]) => Number(a === TOP_LEVEL) - Number(b === TOP_LEVEL))) {
    out.push(component);
    const rows = entries.map((r) => [`  ${r.type}`, r.name, r.parent !== r.component ? `parent ${r.parent}` : "", Object.entries(r.settings).map(([k, v]) => `${k}=${v}`).join(" ")]);
    out.push(...table(rows));
  }
  out.push("");

  out.push("== Exposure: ingress from internet addresses");
  if (plan.exposure.length === 0) out.push("  none");
  const exposureRows = plan.exposure.map((e) => [
    `  port ${e.ports}`,
    `from ${e.source}${e.anywhere ? " (anywhere)" : ""}`,
    `-> ${e.securityGroup}`,
    `on ${e.attachedTo.join(", ") || "nothing yet"}`,
    e.publicAddress ? "public address: reachable" : "no public address",
  ]);
  if (exposureRows.length > 0) out.push(...table(exposureRows));
  for (const group of clearTextHttp(plan.exposure)) {
    out.push(`  CLEAR TEXT: ${group} serves HTTP only: requests, logins and refresh tokens cross the internet unencrypted (HTTPS: set domain, with acmeEmail on a single host or hostedZoneId for a fleet)`);
  }
  out.push("");

  out.push(`== Monthly cost, on-demand, ${plan.hoursPerMonth} h, USD`);
  const costRows = [
    ["  item", "resource", "quantity", "unit price", "per month", "free tier"],
    ...plan.costLines.map((l) => [
      `  ${l.item}`,
      l.resource,
      `${Number(l.quantity.toFixed(2))} ${unitLabel(l)}`,
      l.unitPriceUsd === undefined ? "MISSING" : String(l.unitPriceUsd),
      usd(l.monthlyUsd),
      l.freeTier ? "eligible*" : "",
    ]),
    ["  total", "", "", "", usd(plan.monthlyCostUsd), plan.costComplete ? "" : "INCOMPLETE: lower bound"],
    ...(plan.monthlyCostAtMaxUsd !== plan.monthlyCostUsd ? [["  total at maxSize", "", "", "", usd(plan.monthlyCostAtMaxUsd), "every Auto Scaling group scaled out"]] : []),
  ];
  out.push(...table(costRows, [2, 3, 4]));
  if (plan.costLines.some((l) => l.freeTier)) out.push("  * free tier: noted, never subtracted (which accounts and how much: Notes)");
  out.push("  before tax; usage lines (data transfer, capacity units) assume the traffic in Notes");
  out.push("");

  out.push(...renderCapacity(plan.capacity), "");

  out.push(`== Deploy critical path: ${plan.criticalPath.seconds} s (about ${minutes(plan.criticalPath.seconds)}), typical create times (estimates)`);
  out.push(...table(plan.criticalPath.chain.map((step) => [`  ${step.seconds} s`, step.type, step.name]), [0]));
  out.push("");

  out.push("== Notes");
  for (const note of plan.notes) out.push(`  - [${note.kind}] ${note.message}`);
  return out.join("\n");
}
