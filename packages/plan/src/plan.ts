// `pnpm plan`: what a stack creates, costs and takes to deploy, or what a settings change would
// do to the running stack, from the program run offline under mocks (cli.ts). No cloud account.
import { USAGE, UsageError, runPlan } from "./cli";

let failed = false;

/** Prints the error's message once and exits 1 (2 for a wrong command line): never Node's crash dump (source, stack, inspected properties). */
function fail(error: unknown): void {
  if (failed) return;
  failed = true;
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`plan: ${message}${error instanceof UsageError ? `\n\n${USAGE}` : ""}\n`, () => process.exit(error instanceof UsageError ? 2 : 1));
}

// An error raised inside Pulumi's runtime can also reject promises nobody awaits; Node would print
// it with util.inspect, which takes tens of seconds on an Output-laden error in Node 20.20.
process.on("unhandledRejection", fail);
process.on("uncaughtException", fail);

runPlan(process.argv.slice(2)).then(
  // Exit explicitly (the mocked Pulumi runtime can keep handles open), but only once stdout is
  // flushed: writes to a pipe are asynchronous and a large JSON would be cut short.
  // --change exits with its verdict's code (cli.ts USAGE), so CI can gate on it.
  ({ text, exitCode }) => process.stdout.write(`${text}\n`, () => process.exit(exitCode)),
  fail,
);
