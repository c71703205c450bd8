import { table } from "../report";
import type { ChangePlan } from "./settings-change";
import type { Action, Operation, ResourceChange } from "./model";

/** Settings whose values never print: they are secrets. */
const SECRET_SETTINGS = /(^|:)(dbPassword|registryPassword)$/;

/** What `pnpm plan <stack> --change ... --json` prints. */
export interface ChangeReport {
  stack: string;
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

export function buildChangeReport(plan: ChangePlan): ChangeReport {
  const { lifecycle, change } = plan;
  const counts: Record<Action, number> = { same: 0, update: 0, replace: 0, create: 0, delete: 0 };
  for (const c of lifecycle.changes) counts[c.action]++;
  return {
    stack: plan.stack,
    settings: Object.fromEntries(Object.entries(change.set ?? {}).map(([key, value]) => [key, SECRET_SETTINGS.test(key) ? "(secret, not shown)" : value])),
    replace: [...(change.replace ?? [])],
    unprotected: [...(change.unprotected ?? [])],
    counts,
    succeeds: lifecycle.failures.length === 0,
    failures: lifecycle.failures,
    dataLoss: lifecycle.changes.filter((c) => c.dataLoss).map((c) => c.name),
    teardownsAfterDeploy: lifecycle.teardownsAfterDeploy.map((t) => `${t.teardown.name} runs its delete after ${t.after.map((o) => o.name).join(", ")} deployed`),
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

  const { counts } = report;
  out.push(`== Changes: ${counts.update} update, ${counts.replace} replace, ${counts.create} create, ${counts.delete} delete`);
  if (report.changes.length === 0) out.push("  nothing: `pulumi up` would change no resource");
  out.push(
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

  out.push("== Verdict");
  for (const failure of report.failures) out.push(`  FAILS: ${failure}`);
  for (const name of report.dataLoss) out.push(`  DATA LOSS: ${name} is replaced or deleted and its data is not kept`);
  for (const teardown of report.teardownsAfterDeploy) out.push(`  DOWNTIME: ${teardown}`);
  // An in-place update that interrupts service (compose recreating nginx) is downtime too.
  const interruptions = report.changes.flatMap((c) => c.effects.filter((e) => e.includes("DOWNTIME: ")).map((e) => `${c.name}: ${e.slice(e.indexOf("DOWNTIME: ") + 10)}`));
  for (const interruption of interruptions) out.push(`  DOWNTIME: ${interruption}`);
  for (const type of report.unknownTypes) out.push(`  UNKNOWN: no replacement rules for ${type}; its changes are shown as updates`);
  if (report.failures.length + report.dataLoss.length + report.teardownsAfterDeploy.length + interruptions.length + report.unknownTypes.length === 0) {
    out.push("  OK: succeeds, no data lost, nothing deployed is torn down afterwards");
  }
  return out.join("\n");
}
