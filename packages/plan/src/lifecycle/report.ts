import { table } from "../report";
import type { ChangePlan } from "./settings-change";
import type { Action, Operation, ResourceChange } from "./model";
import { AWS_PROVIDER_CONFIG_RULES } from "./provider-rules";
import { SECRET_RULES, SETTING_RULES } from "./setting-rules";

/** Settings whose values never print: they are secrets (the AWS keys are marked Secret in pulumi-aws's provider config). */
const SECRET_SETTINGS = /(^|:)(dbPassword|registryPassword)$|^aws:(accessKey|secretKey|token)$/;

/**
 * The verdict on a change, worst first: the update fails; it goes through but a database or cache
 * loses its data; the model has no rules for a changed type; the API stops answering for a while;
 * it goes through cleanly; it changes no resource; every changed setting is unused in this hosting.
 */
export type VerdictClass = "FAILS" | "DATA LOSS" | "UNKNOWN" | "DOWNTIME" | "OK" | "NO-OP" | "UNUSED";

/** `pnpm plan --change`'s exit code for each verdict (1 is an error, 2 a wrong command line). */
export const VERDICT_EXIT_CODES: Readonly<Record<VerdictClass, number>> = { OK: 0, "NO-OP": 0, UNUSED: 0, DOWNTIME: 3, "DATA LOSS": 4, FAILS: 5, UNKNOWN: 6 };

/** What `pnpm plan <stack> --change ... --json` prints. */
export interface ChangeReport {
  stack: string;
  /** The worst of what the change does; `exitCode` is the command's. */
  verdict: VerdictClass;
  exitCode: number;
  /** Changed settings that nothing reads in this hosting mode: no effect. */
  unused: { key: string; note: string }[];
  /** Default-provider keys changed, and what the provider does about them. */
  providerChanges: { key: string; effect: string; why: string; source: string }[];
  /** USD per month from the cost model, before and after (`complete` false: a lower bound, a price is missing). */
  monthlyCost: { beforeUsd: number; afterUsd: number; deltaUsd: number; beforeComplete: boolean; afterComplete: boolean };
  /** Every DOWNTIME line of the verdict. */
  downtime: string[];
  /** What each changed setting does, by the rule table (setting-rules.ts, provider-rules.ts), with its source. */
  rules: { key: string; does: string; source: string }[];
  /** Inputs that differ but that a resource's ignoreChanges keeps: `pulumi up` leaves them as they are. */
  ignoredChanges: { name: string; paths: string[] }[];
  /** The change, secrets masked. */
  settings: Record<string, string>;
  replace: string[];
  unprotected: string[];
  counts: Record<Action, number>;
  /** Whether `pulumi up` would go through. */
  succeeds: boolean;
  failures: string[];
  /** Databases and caches replaced or deleted, not retained: their data is gone. */
  dataLoss: string[];
  /** Command deletes that run after a deploy on the same host (a teardown of what was just deployed). */
  teardownsAfterDeploy: string[];
  /** Host commands that run, in order, with the script each runs. */
  hostCommands: { name: string; runs: string; step: Operation["step"] }[];
  changes: ResourceChange[];
  operations: Operation[];
  unknownTypes: string[];
}

/** The rule table's line for a `--change` key (`timeZone`, `trafficlab:timeZone`, `aws:region`). */
function ruleOf(key: string): { key: string; does: string; source: string } {
  const [namespace, name] = key.includes(":") ? [key.slice(0, key.indexOf(":")), key.slice(key.indexOf(":") + 1)] : [undefined, key];
  if (namespace === "aws") {
    const rule = AWS_PROVIDER_CONFIG_RULES[name];
    return { key, does: rule?.why ?? "no rule", source: rule?.source ?? "" };
  }
  const rule = SETTING_RULES[name] ?? SECRET_RULES[name];
  return { key, does: rule?.does ?? "no rule", source: rule?.source ?? "" };
}

export function buildChangeReport(plan: ChangePlan): ChangeReport {
  const { lifecycle, change } = plan;
  const counts: Record<Action, number> = { same: 0, update: 0, replace: 0, create: 0, delete: 0 };
  for (const c of lifecycle.changes) counts[c.action]++;
  const teardowns = lifecycle.teardownsAfterDeploy.map((t) => `${t.teardown.name} runs its delete after ${t.after.map((o) => o.name).join(", ")} deployed`);
  // An in-place update that interrupts service (compose recreating nginx, a reboot) is downtime too.
  const interruptions = lifecycle.changes.flatMap((c) => c.effects.filter((e) => e.includes("DOWNTIME: ")).map((e) => `${c.name}: ${e.slice(e.indexOf("DOWNTIME: ") + 10)}`));
  const downtime = [...teardowns, ...interruptions];
  const dataLoss = lifecycle.changes.filter((c) => c.dataLoss).map((c) => c.name);
  const changed = lifecycle.changes.some((c) => c.action !== "same");
  const projectKeys = Object.keys(change.set ?? {}).filter((key) => !key.startsWith("aws:"));
  const everyKeyUnused = projectKeys.length > 0 && projectKeys.length === Object.keys(change.set ?? {}).length && plan.unused.length === projectKeys.length;
  const verdict: VerdictClass =
    lifecycle.failures.length > 0 ? "FAILS"
    : dataLoss.length > 0 ? "DATA LOSS"
    : lifecycle.unknownTypes.length > 0 ? "UNKNOWN"
    : downtime.length > 0 ? "DOWNTIME"
    : changed ? "OK"
    : everyKeyUnused && (change.replace ?? []).length === 0 ? "UNUSED"
    : "NO-OP";
  const { monthlyCost } = plan;
  return {
    stack: plan.stack,
    verdict,
    exitCode: VERDICT_EXIT_CODES[verdict],
    unused: plan.unused.map((u) => ({ key: u.key, note: `no effect: unused when hosting=${u.hosting}` })),
    providerChanges: plan.providerChanges.map((p) => ({ key: p.key, effect: p.rule.effect, why: p.rule.why, source: p.rule.source })),
    monthlyCost: { ...monthlyCost, deltaUsd: Math.round((monthlyCost.afterUsd - monthlyCost.beforeUsd) * 100) / 100 },
    downtime,
    rules: Object.keys(change.set ?? {}).map((key) => ruleOf(key)),
    ignoredChanges: lifecycle.changes.filter((c) => c.ignored.length > 0).map((c) => ({ name: c.name, paths: c.ignored })),
    settings: Object.fromEntries(Object.entries(change.set ?? {}).map(([key, value]) => [key, SECRET_SETTINGS.test(key) ? "(secret, not shown)" : value])),
    replace: [...(change.replace ?? [])],
    unprotected: [...(change.unprotected ?? [])],
    counts,
    succeeds: lifecycle.failures.length === 0,
    failures: lifecycle.failures,
    dataLoss,
    teardownsAfterDeploy: teardowns,
    hostCommands: lifecycle.operations.filter((o) => o.runs !== undefined).map((o) => ({ name: o.name, runs: o.runs!, step: o.step })),
    changes: lifecycle.changes.filter((c) => c.action !== "same"),
    operations: lifecycle.operations,
    unknownTypes: lifecycle.unknownTypes,
  };
}

function describe(change: ResourceChange): string {
  const inputs = [...new Set([...change.changed.map((path) => path.split(".")[0]!), ...change.unknown])];
  const parts = [inputs.length > 0 ? `inputs: ${inputs.join(", ")}` : ""];
  if (change.action === "replace") parts.push(`${change.replaceMode}; ${change.because.map((b) => b.split(" (")[0]).join("; ")}`);
  return parts.filter(Boolean).join("; ");
}

export function renderChangeReport(report: ChangeReport): string {
  const out: string[] = [];
  const what = [
    ...Object.entries(report.settings).map(([key, value]) => `pulumi config set ${key} ${value}`),
    ...report.unprotected.map((name) => `pulumi state unprotect ${name}`),
    ...(report.replace.length > 0 ? [`pulumi up --replace ${report.replace.join(" --replace ")}`] : []),
  ];
  out.push(`trafficlab plan: what \`pulumi up -s ${report.stack}\` would do to the running stack after`, ...what.map((line) => `  ${line}`), "(offline: the program before and after, under mocks, compared with Pulumi's and the providers' rules)", "");

  if (report.providerChanges.length > 0) {
    out.push("== Provider configuration");
    for (const p of report.providerChanges) out.push(`  ${p.key}: ${p.why}`, `    (${p.source})`);
    out.push("");
  }
  const { counts } = report;
  out.push(`== Changes: ${counts.update} update, ${counts.replace} replace, ${counts.create} create, ${counts.delete} delete`);
  if (report.changes.length === 0) out.push("  nothing: `pulumi up` would change no resource");
  if (report.changes.length > 0) out.push(
    ...table(
      report.changes.map((c) => [
        `  ${c.action}${c.dataLoss ? " (DATA LOSS)" : c.retained ? " (retained)" : ""}`,
        c.name,
        c.type,
        describe(c),
      ]),
    ),
  );
  const effects = report.changes.flatMap((c) => c.effects.map((effect) => `  ${c.name}: ${effect}`));
  if (effects.length > 0) out.push("", "== Beyond the change itself", ...effects);
  out.push("");

  out.push("== Host commands that run, in order");
  if (report.hostCommands.length === 0) out.push("  none");
  out.push(...report.hostCommands.map((c, i) => `  ${i + 1}. ${c.name}: its ${c.runs} script${c.step === "delete-replaced" || c.step === "delete" ? " (the OLD resource's)" : ""}`));
  out.push("");

  out.push("== Order of the steps");
  if (report.operations.length === 0) out.push("  none");
  out.push(...report.operations.map((o, i) => `  ${i + 1}. ${o.step} ${o.name}${o.retained ? " (retained: left in the cloud)" : ""}`));
  out.push("");

  out.push("== What the changed settings do (the rule table: packages/plan/src/lifecycle/setting-rules.ts)");
  if (report.rules.length === 0) out.push("  no setting changes");
  for (const rule of report.rules) out.push(`  ${rule.key}: ${rule.does}`, `    (${rule.source})`);
  for (const ignored of report.ignoredChanges) out.push(`  ${ignored.name}: ${ignored.paths.join(", ")} ${ignored.paths.length === 1 ? "differs but is" : "differ but are"} in its ignoreChanges: the running resource keeps ${ignored.paths.length === 1 ? "it" : "them"}`);
  out.push("");

  const cost = report.monthlyCost;
  const usd = (value: number, complete: boolean) => `USD ${value.toFixed(2)}${complete ? "" : " (lower bound: a price is missing)"}`;
  const comparable = cost.beforeComplete && cost.afterComplete;
  const delta = !comparable ? "not comparable (a price is missing)" : cost.deltaUsd === 0 ? "no change" : `${cost.deltaUsd > 0 ? "+" : ""}${cost.deltaUsd.toFixed(2)}`;
  out.push("== Monthly cost (on-demand, pnpm plan's cost model)", `  before ${usd(cost.beforeUsd, cost.beforeComplete)}, after ${usd(cost.afterUsd, cost.afterComplete)}: ${delta}`, "");

  out.push("== Verdict");
  for (const failure of report.failures) out.push(`  FAILS: ${failure}`);
  for (const name of report.dataLoss) out.push(`  DATA LOSS: ${name} is replaced or deleted and its data is not kept`);
  for (const line of report.downtime) out.push(`  DOWNTIME: ${line}`);
  for (const type of report.unknownTypes) out.push(`  UNKNOWN: no replacement rules for ${type}; its changes are shown as updates`);
  for (const unused of report.unused) out.push(`  UNUSED: ${unused.key}: ${unused.note}`);
  if (report.verdict === "OK") out.push("  OK: succeeds, no data lost, the API keeps serving");
  if (report.verdict === "NO-OP") out.push("  NO-OP: `pulumi up` would change no resource");
  out.push(`  => ${report.verdict} (exit ${report.exitCode})`);
  return out.join("\n");
}
