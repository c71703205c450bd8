// `pnpm loadtest`: runs the CLI with the process's streams; Ctrl-C stops the schedule, lets the
// requests in flight end and still prints the result.
import { runCli } from "./cli";

// pnpm runs a root script in the repository root; relative --json, --report, --mix and --ca paths
// are meant from where the user typed the command.
if (process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);

const stop = new AbortController();
process.once("SIGINT", () => stop.abort());

runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  tty: process.stderr.isTTY === true,
  signal: stop.signal,
}).then(
  // Exit once stdout is flushed: a piped --json - would otherwise be cut short.
  (code) => process.stdout.write("", () => process.exit(code)),
  (error: unknown) => {
    process.stderr.write(`loadtest: ${error instanceof Error ? error.message : String(error)}\n`, () => process.exit(1));
  },
);
