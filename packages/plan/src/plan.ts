// `pnpm plan`: what a stack creates, costs and takes to deploy, or what a settings change would
// do to the running stack, from the program run offline under mocks (cli.ts). No cloud account.
import { USAGE, UsageError, runPlanCommand } from "./cli";

let failed = false;

/** Prints the error's message once and exits 1: never Node's crash dump (source, stack, inspected properties). */
function fail(error: unknown): void {
  if (failed) return;
  failed = true;
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`plan: ${message}${error instanceof UsageError ? `\n\n${USAGE}` : ""}\n`, () => process.exit(1));
}

// An error raised inside Pulumi's runtime can also reject promises nobody awaits; Node would print
// it with util.inspect, which takes tens of seconds on an Output-laden error in Node 20.20.
process.on("unhandledRejection", fail);
process.on("uncaughtException", fail);

runPlanCommand(process.argv.slice(2)).then(
  // Exit explicitly (the mocked Pulumi runtime can keep handles open), but only once stdout is
  // flushed: writes to a pipe are asynchronous and a large JSON would be cut short.
  (text) => process.stdout.write(`${text}\n`, () => process.exit(0)),
  fail,
);
