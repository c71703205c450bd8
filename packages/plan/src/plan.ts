// `pnpm plan [stack] [--json] [--prices FILE]`: what a stack creates, what it costs per month and
// how long `pulumi up` takes, from the program run offline under mocks. No cloud account needed.
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadPrices } from "./prices";
import { PROJECT_DIR } from "@trafficlab/stacks/under-mocks";
import { recordStack } from "./record-stack";
import { buildPlan, renderPlan } from "./report";

const USAGE = `usage: pnpm plan [stack] [--json] [--prices FILE]
  stack          the Pulumi stack whose Pulumi.<stack>.yaml to read (default dev)
  --json         print one JSON object instead of text
  --prices FILE  price overrides (JSON: { "<price key>": usd | { usd, source, date } }),
                 applied after stacks/plan/prices.<stack>.json`;

/** A wrong command line: the usage is printed with it. */
class UsageError extends Error {}

interface Arguments {
  stack: string;
  json: boolean;
  pricesFile: string | undefined;
}

function parseArguments(argv: string[]): Arguments | "help" {
  const args: Arguments = { stack: "dev", json: false, pricesFile: undefined };
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--help" || arg === "-h") return "help";
    else if (arg === "--json") args.json = true;
    else if (arg === "--prices") {
      args.pricesFile = argv[++i];
      if (args.pricesFile === undefined) throw new UsageError("--prices needs a file");
    } else if (arg.startsWith("--prices=")) args.pricesFile = arg.slice("--prices=".length);
    else if (arg.startsWith("-")) throw new UsageError(`unknown option ${arg}`);
    else positional.push(arg);
  }
  if (positional.length > 1) throw new UsageError(`one stack at a time, got ${positional.join(" ")}`);
  if (positional[0] !== undefined) args.stack = positional[0];
  return args;
}

/** The text to print: the plan, or the usage. */
async function main(): Promise<string> {
  // `pnpm` passes a lone "--" through when called as `pnpm plan -- dev`.
  const args = parseArguments(process.argv.slice(2).filter((arg) => arg !== "--"));
  if (args === "help") return USAGE;
  const projectDir = PROJECT_DIR;
  if (args.pricesFile !== undefined && !existsSync(args.pricesFile)) throw new UsageError(`--prices ${args.pricesFile}: no such file`);
  const recorded = await recordStack(args.stack);
  const overrideFiles = [join(projectDir, `prices.${args.stack}.json`), ...(args.pricesFile ? [resolve(args.pricesFile)] : [])];
  const plan = buildPlan({ ...recorded, prices: loadPrices(recorded.region, overrideFiles) });
  return args.json ? JSON.stringify(plan, null, 2) : renderPlan(plan);
}

main().then(
  // Exit explicitly (the mocked Pulumi runtime can keep handles open), but only once stdout is
  // flushed: writes to a pipe are asynchronous and a large JSON would be cut short.
  (text) => process.stdout.write(`${text}\n`, () => process.exit(0)),
  (error: unknown) => {
    console.error(`plan: ${error instanceof Error ? error.message : String(error)}${error instanceof UsageError ? `\n\n${USAGE}` : ""}`);
    process.exit(1);
  },
);
