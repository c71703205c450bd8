// `pnpm plan`: what a stack creates, costs and takes to deploy, or what a settings change would
// do to the running stack, from the program run offline under mocks (cli.ts). No cloud account.
import { USAGE, UsageError, runPlanCommand } from "./cli";

runPlanCommand(process.argv.slice(2)).then(
  // Exit explicitly (the mocked Pulumi runtime can keep handles open), but only once stdout is
  // flushed: writes to a pipe are asynchronous and a large JSON would be cut short.
  (text) => process.stdout.write(`${text}\n`, () => process.exit(0)),
  (error: unknown) => {
    console.error(`plan: ${error instanceof Error ? error.message : String(error)}${error instanceof UsageError ? `\n\n${USAGE}` : ""}`);
    process.exit(1);
  },
);
