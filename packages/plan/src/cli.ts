import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { STACK_SETTINGS } from "@trafficlab/stacks/settings";
import { PROJECT_DIR } from "@trafficlab/stacks/under-mocks";
import { readStackConfigFiles } from "@trafficlab/testing";
import { loadPrices } from "./prices";
import { recordStack } from "./record-stack";
import { buildPlan, renderPlan } from "./report";
import { planSettingsChange } from "./lifecycle/settings-change";
import { buildChangeReport, renderChangeReport } from "./lifecycle/report";

export const USAGE = `usage: pnpm plan [stack] [--json] [--prices FILE]
       pnpm plan [stack] --change KEY=VALUE [--change ...] [--replace NAME] [--unprotected NAME] [--json]
  stack             the Pulumi stack whose Pulumi.<stack>.yaml to read (default dev)
  --json            print one JSON object instead of text
  --prices FILE     price overrides (JSON: { "<price key>": usd | { usd, source, date } }),
                    applied after prices.<stack>.json at the repository root, if there is one
  --change KEY=VAL  what \`pulumi up\` would do to the running stack after \`pulumi config set KEY VAL\`
                    (KEY as you would type it: timeZone, dbInstanceClass, aws:region; lists as JSON)
  --replace NAME    ... and with \`pulumi up --replace\` of this resource (its logical name or URN)
  --unprotected NAME  ... after \`pulumi state unprotect\` of this resource
exit codes: 0 done (with --change: OK, NO-OP or UNUSED), 1 error (e.g. a setting the stack refuses),
  2 wrong command line; with --change: 3 DOWNTIME, 4 DATA LOSS, 5 FAILS, 6 UNKNOWN (no rules for a changed type)`;

/** A wrong command line: the usage is printed with it. */
export class UsageError extends Error {}

interface Arguments {
  stack: string;
  json: boolean;
  pricesFile: string | undefined;
  set: Record<string, string>;
  replace: string[];
  unprotected: string[];
}

function parseArguments(argv: readonly string[]): Arguments | "help" {
  const args: Arguments = { stack: "dev", json: false, pricesFile: undefined, set: {}, replace: [], unprotected: [] };
  const positional: string[] = [];
  const valueOf = (option: string, i: number): string => {
    const value = argv[i];
    if (value === undefined || value.startsWith("--")) throw new UsageError(`${option} needs a value`);
    return value;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [option, inline] = arg.startsWith("--") && arg.includes("=") && !arg.startsWith("--change") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const take = () => inline ?? valueOf(option, ++i);
    if (arg === "--help" || arg === "-h") return "help";
    else if (arg === "--json") args.json = true;
    else if (option === "--prices") args.pricesFile = take();
    else if (option === "--replace") args.replace.push(take());
    else if (option === "--unprotected") args.unprotected.push(take());
    else if (arg === "--change" || arg.startsWith("--change=")) {
      const setting = arg === "--change" ? valueOf(arg, ++i) : arg.slice("--change=".length);
      const at = setting.indexOf("=");
      if (at <= 0) throw new UsageError(`--change ${setting}: expected KEY=VALUE, e.g. --change timeZone=UTC`);
      args.set[setting.slice(0, at)] = setting.slice(at + 1);
    } else if (arg.startsWith("-")) throw new UsageError(`unknown option ${arg}`);
    else positional.push(arg);
  }
  if (positional.length > 1) throw new UsageError(`one stack at a time, got ${positional.join(" ")}`);
  if (positional[0] !== undefined) args.stack = positional[0];
  return args;
}

/** The stack's measuredRpsPerInstance (the program has validated it): the capacity line's input. */
function measuredRpsPerInstance(stack: string): number {
  const files = readStackConfigFiles(PROJECT_DIR, stack);
  const value = files.values[`${files.project}:measuredRpsPerInstance`];
  return value === undefined ? Number(STACK_SETTINGS.measuredRpsPerInstance.default) : Number(value);
}

/** `pnpm plan`, as a function: what it prints on stdout. Throws UsageError or the program's own error. */
export async function runPlanCommand(argv: readonly string[]): Promise<string> {
  return (await runPlan(argv)).text;
}

/** `pnpm plan`: what it prints on stdout and its exit code (--change: the verdict's, report.ts VERDICT_EXIT_CODES). */
export async function runPlan(argv: readonly string[]): Promise<{ text: string; exitCode: number }> {
  // `pnpm` passes a lone "--" through when called as `pnpm plan -- dev`.
  const args = parseArguments(argv.filter((arg) => arg !== "--"));
  if (args === "help") return { text: USAGE, exitCode: 0 };
  if (!existsSync(join(PROJECT_DIR, `Pulumi.${args.stack}.yaml`))) throw new UsageError(`no stack ${args.stack}: there is no Pulumi.${args.stack}.yaml`);
  const changes = Object.keys(args.set).length + args.replace.length + args.unprotected.length > 0;
  if (changes) {
    if (args.pricesFile !== undefined) throw new UsageError("--prices is for the cost plan; leave it out with --change");
    const report = buildChangeReport(await planSettingsChange(args.stack, { set: args.set, replace: args.replace, unprotected: args.unprotected }));
    return { text: args.json ? JSON.stringify(report, null, 2) : renderChangeReport(report), exitCode: report.exitCode };
  }
  if (args.pricesFile !== undefined && !existsSync(args.pricesFile)) throw new UsageError(`--prices ${args.pricesFile}: no such file`);
  const recorded = await recordStack(args.stack);
  const overrideFiles = [join(PROJECT_DIR, `prices.${args.stack}.json`), ...(args.pricesFile ? [resolve(args.pricesFile)] : [])];
  const plan = buildPlan({ ...recorded, prices: loadPrices(recorded.region, overrideFiles), rpsPerInstance: measuredRpsPerInstance(args.stack) });
  return { text: args.json ? JSON.stringify(plan, null, 2) : renderPlan(plan), exitCode: 0 };
}
