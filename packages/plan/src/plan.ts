// `pnpm plan`: what a stack creates, costs and takes to deploy, or what a settings change would
// do to the running stack, from the program run offline under mocks (cli.ts). No cloud account.
import { USAGE, UsageError, runPlan } from "./cli";

runPlan(process.argv.slice(2)).then(
  // Exit explicitly (the mocked Pulumi runtime can keep handles open), but only once stdout is
  // flushed: writes to a pipe are asynchronous and a large JSON would be cut short.
  // --change exits with its verdict's code (cli.ts USAGE), so CI can gate on it.
  ({ text, exitCode }) => process.stdout.write(`${text}\n`, () => process.exit(exitCode)),
  (error: unknown) => {
    console.error(`plan: ${error instanceof Error ? error.message : String(error)}${error instanceof UsageError ? `\n\n${USAGE}` : ""}`);
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
