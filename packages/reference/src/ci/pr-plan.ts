// `pnpm plan:pr <stack> --base FILE --markdown FILE`: what a pull request's changes to
// Pulumi.<stack>.yaml do to the running stack. The settings that differ between the base
// branch's file and the pull request's become `pnpm plan <stack> --change k=v ...`, run against
// the base's file (the stack as it runs), and the verdict is written as Markdown for the PR
// comment. Exits with the plan's exit code (docs/plan.md, Exit codes), 0 when nothing changed.
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { STACK_SETTINGS } from "@trafficlab/stacks/settings";
import { CI_MANAGED_SETTINGS } from "./workflows";

/** What differs between two Pulumi.<stack>.yaml files, as `pnpm plan --change` takes it. */
export interface SettingChanges {
  /** key (as typed: timeZone, aws:region) -> the value `pulumi config set` would be given. */
  set: Record<string, string>;
  /** Rows for the comment: key, base value, head value (undefined: not set). */
  rows: { key: string; base: string | undefined; head: string | undefined }[];
  /** Secrets whose ciphertext changed: planned by no one here, their values stay out of the plan. */
  secrets: string[];
  /** Keys removed with no default to plan them with. */
  unplanned: string[];
  /** Settings the deploy job sets itself (the image it built, the ECR login): the file's value never reaches a deploy. */
  setByDeploy: string[];
}

type ConfigValue = unknown;

function configOf(text: string): Record<string, ConfigValue> {
  const parsed = (text.trim() === "" ? {} : parse(text)) as { config?: Record<string, ConfigValue> } | null;
  return parsed?.config ?? {};
}

const isSecure = (value: ConfigValue) => value !== null && typeof value === "object" && !Array.isArray(value) && "secure" in value;
/** A value as `pulumi config set` takes it: scalars as they are, lists and objects as JSON (as `pnpm plan --change` reads them). */
const asSetting = (value: ConfigValue) => (typeof value === "string" ? value : JSON.stringify(value));

/** The key as a user types it: the project's own namespace left out, any other kept (aws:region). */
function typedKey(fullKey: string, project: string): string {
  return fullKey.startsWith(`${project}:`) ? fullKey.slice(project.length + 1) : fullKey;
}

export function settingChanges(baseText: string, headText: string, project = "trafficlab"): SettingChanges {
  const base = configOf(baseText);
  const head = configOf(headText);
  const result: SettingChanges = { set: {}, rows: [], secrets: [], unplanned: [], setByDeploy: [] };
  for (const fullKey of [...new Set([...Object.keys(base), ...Object.keys(head)])].sort()) {
    const before = base[fullKey];
    const after = head[fullKey];
    if (JSON.stringify(before) === JSON.stringify(after)) continue;
    const key = typedKey(fullKey, project);
    if (fullKey.startsWith(`${project}:`) && (CI_MANAGED_SETTINGS as readonly string[]).includes(key)) {
      result.setByDeploy.push(key);
      continue;
    }
    if (isSecure(before) || isSecure(after)) {
      result.secrets.push(key);
      continue;
    }
    result.rows.push({ key, base: before === undefined ? undefined : asSetting(before), head: after === undefined ? undefined : asSetting(after) });
    if (after !== undefined) result.set[key] = asSetting(after);
    else {
      // `pulumi config rm`: the stack then runs with the setting's default.
      const spec = (STACK_SETTINGS as Record<string, { default?: unknown }>)[key];
      if (fullKey.startsWith(`${project}:`) && spec && spec.default !== undefined) result.set[key] = asSetting(spec.default);
      else result.unplanned.push(key);
    }
  }
  return result;
}

const VERDICTS: Record<number, string> = { 0: "OK, NO-OP or UNUSED", 1: "an error (the report says which setting)", 2: "a wrong command line", 3: "DOWNTIME", 4: "DATA LOSS", 5: "FAILS", 6: "UNKNOWN" };

const cell = (value: string | undefined) => (value === undefined ? "(not set)" : `\`${value.replace(/\|/g, "\\|").replace(/`/g, "'")}\``);

/** The comment: the changed settings, the command, its verdict and its whole report. */
export function planComment(stack: string, changes: SettingChanges, plan: { args: string[]; exitCode: number; output: string } | undefined): string {
  const lines: string[] = [];
  if (!plan) {
    lines.push(`### \`pnpm plan ${stack}\`: no setting of Pulumi.${stack}.yaml changes`);
  } else {
    lines.push(`### \`pnpm plan ${plan.args.join(" ")}\`: ${VERDICTS[plan.exitCode] ?? "exit code " + plan.exitCode} (exit ${plan.exitCode})`);
    lines.push("", "| setting | base | this pull request |", "|---|---|---|", ...changes.rows.map((r) => `| \`${r.key}\` | ${cell(r.base)} | ${cell(r.head)} |`));
    lines.push("", "<details><summary>the plan</summary>", "", "~~~text", plan.output.trimEnd(), "~~~", "", "</details>");
  }
  if (changes.secrets.length > 0) lines.push("", `Secrets changed (their values stay out of the plan; README, Rotate secrets): ${changes.secrets.map((k) => `\`${k}\``).join(", ")}.`);
  if (changes.setByDeploy.length > 0) lines.push("", `Not planned, and not deployed from this file: ${changes.setByDeploy.map((k) => `\`${k}\``).join(", ")} ${changes.setByDeploy.length > 1 ? "are" : "is"} set by the deploy job (the image it builds, pinned by digest, and its ECR login; README, Deploy from CI).`);
  if (changes.unplanned.length > 0) lines.push("", `Removed, with no default to plan them with: ${changes.unplanned.map((k) => `\`${k}\``).join(", ")}.`);
  return `${lines.join("\n")}\n`;
}

/** Runs `pnpm plan <stack> --change ...` with the base's stack file in place, and puts the pull request's back. */
export function runPlanAgainstBase(root: string, stack: string, baseText: string, changes: SettingChanges): { args: string[]; exitCode: number; output: string } {
  const stackFile = join(root, `Pulumi.${stack}.yaml`);
  const head = readFileSync(stackFile, "utf8");
  const args = [stack, ...Object.entries(changes.set).flatMap(([key, value]) => ["--change", `${key}=${value}`])];
  writeFileSync(stackFile, baseText);
  try {
    const run = spawnSync("pnpm", ["--silent", "plan", ...args], { cwd: root, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    if (run.error) throw run.error;
    return { args, exitCode: run.status ?? 1, output: `${run.stdout}${run.stderr}` };
  } finally {
    writeFileSync(stackFile, head);
  }
}

function main(argv: string[]): number {
  const [stack, ...rest] = argv.filter((arg) => arg !== "--");
  const option = (name: string) => {
    const at = rest.indexOf(name);
    return at >= 0 ? rest[at + 1] : undefined;
  };
  const baseFile = option("--base");
  const markdownFile = option("--markdown");
  if (!stack || stack.startsWith("-") || !baseFile || !markdownFile) {
    console.error("usage: pnpm plan:pr <stack> --base <the base branch's Pulumi.<stack>.yaml, empty if none> --markdown <file to write>");
    return 2;
  }
  const root = join(__dirname, "..", "..", "..", "..");
  const headText = readFileSync(join(root, `Pulumi.${stack}.yaml`), "utf8");
  const baseText = readFileSync(baseFile, "utf8");
  if (baseText.trim() === "") {
    const run = spawnSync("pnpm", ["--silent", "plan", stack], { cwd: root, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    writeFileSync(markdownFile, `### \`pnpm plan ${stack}\`: Pulumi.${stack}.yaml is new in this pull request (exit ${run.status})\n\n~~~text\n${run.stdout}${run.stderr}~~~\n`);
    return run.status ?? 1;
  }
  const changes = settingChanges(baseText, headText);
  const plan = Object.keys(changes.set).length > 0 ? runPlanAgainstBase(root, stack, baseText, changes) : undefined;
  writeFileSync(markdownFile, planComment(stack, changes, plan));
  console.log(`pnpm plan:pr ${stack}: ${plan ? `exit ${plan.exitCode}` : "no setting changed"}`);
  return plan?.exitCode ?? 0;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
