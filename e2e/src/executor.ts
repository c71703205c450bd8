import { createHash } from "node:crypto";
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CommandScript, Operation } from "@trafficlab/plan/src/lifecycle/model";
import type { RegisteredResource } from "@trafficlab/testing";
import type { CloudStandIns } from "./cloud";
import { keyOf, type UpPlan, type UpProgress } from "./recording";
import { run, type E2eRun } from "./world";

/**
 * Carries out an `up` the lifecycle model derived, step by step in its order, as Pulumi with
 * @pulumi/command v1.2.1 would:
 * - a command's create/update sends the NEW record's script as the SSH exec request (the
 *   remote user's shell runs it, `$SHELL -c`), writes its `stdin` to the session and closes it,
 *   over the NEW record's connection; an update runs `update` when set, else `create`;
 * - a delete runs the OLD record's `delete` with the OLD connection and the OLD stdin;
 * - no environment is sent (the program sets none; `ssh -F none` keeps Debian's
 *   `SendEnv LANG LC_*` out too);
 * - the connection is checked as @pulumi/command's (golang.org/x/crypto/ssh) is: with
 *   `connection.hostKey` set, only that key is accepted (ssh.FixedHostKey, and only its
 *   algorithm offered); without it, any key. Every failure to connect (refused, timed out, a
 *   host key mismatch, a refused login) is retried as its dialWithRetry does: up to
 *   `dialErrorLimit` (default 10) retries, 100 ms apart growing 1.5x to at most 5 s, each dial
 *   limited to `perDialTimeout` (default 15) seconds; then the step fails with
 *   "after N failed attempts: <error>" in Go's words (e.g. "ssh: handshake failed: ssh: host
 *   key mismatch"); nothing ran on the host;
 * - the first failure ends the `up`: nothing after it is started, the failed resource keeps its
 *   old state; the error carries the command's stdout and stderr, as Pulumi prints them.
 * A local command runs on this machine as its local.Command would (runLocal).
 * Steps on anything else go to the cloud stand-ins. Pulumi would run independent steps in
 * parallel; one at a time in the model's order is one of the orders it may take.
 *
 * The one substitution: the install script pins Compose v2.40.3 by sha256 and would download it
 * from GitHub, which this machine cannot reach; the host image carries Debian's Compose plugin,
 * whose version and sha256 replace the pin's three assignment lines. The rest runs as recorded.
 */

export interface CommandRun {
  urn: string;
  name: string;
  step: Operation["step"];
  script: CommandScript;
  host: string;
  exitCode: number;
  stdout: string;
  stderr: string;
  seconds: number;
  /** SSH dials it took (1 when the first connected). */
  dials: number;
  /** Set when no dial connected: the error @pulumi/command reports, and nothing ran on the host. */
  dialError?: string;
  /** The host key the connection pinned (`connection.hostKey`), if any. */
  pinnedHostKey?: string;
}

/** A command.local.Command's run on this machine. */
export interface LocalRun {
  urn: string;
  name: string;
  step: Operation["step"];
  script: CommandScript;
  /** The command line it ran (`create`/`update`), as @pulumi/command's error quotes it. */
  command: string;
  exitCode: number;
  /** stdout and stderr as they came, as @pulumi/command's error carries them. */
  output: string;
  stdout: string;
  stderr: string;
  seconds: number;
}

export interface StepRecord {
  operation: Operation;
  seconds: number;
  command?: CommandRun;
  local?: LocalRun;
}

export interface Execution extends UpProgress {
  steps: StepRecord[];
  /** The remote commands that ran (over SSH on a host). */
  commandRuns: CommandRun[];
  /** The local commands that ran (on this machine). */
  localRuns: LocalRun[];
  /** Why the `up` failed, as Pulumi would print it; undefined when it succeeded. */
  failure?: string;
  failedStep?: StepRecord;
}

export interface ExecuteHooks {
  /** Called before each step (e.g. to stop traffic to a host about to be deleted). */
  beforeStep?(operation: Operation): Promise<void> | void;
}

interface Connection {
  host: string;
  port?: number;
  user: string;
  privateKey: string;
  /** The host's public key (`ssh-ed25519 AAAA...`): the only one accepted. */
  hostKey?: string;
  dialErrorLimit?: number;
  perDialTimeout?: number;
}

/** @pulumi/command's defaults (provider/pkg/provider/remote/connection.go). */
const DIAL_ERROR_LIMIT = 10;
const PER_DIAL_TIMEOUT = 15;

/**
 * Why OpenSSH could not connect (exit 255, before any session), in the words
 * golang.org/x/crypto/ssh uses for the same failure; undefined when it did connect.
 */
export function dialFailure(stderr: string, endpoint: string): string | undefined {
  if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|no matching host key type found/i.test(stderr)) return "ssh: handshake failed: ssh: host key mismatch";
  if (/Permission denied \(/i.test(stderr)) return "ssh: handshake failed: ssh: unable to authenticate, attempted methods [none publickey], no supported methods remain";
  if (/Connection refused/i.test(stderr)) return `dial tcp ${endpoint}: connect: connection refused`;
  if (/Connection timed out|Operation timed out|timed out during banner exchange/i.test(stderr)) return `dial tcp ${endpoint}: i/o timeout`;
  if (/No route to host/i.test(stderr)) return `dial tcp ${endpoint}: connect: no route to host`;
  if (/kex_exchange_identification|Connection closed by|Connection reset by/i.test(stderr)) return "ssh: handshake failed: EOF";
  return undefined;
}

/** The waits between dials of pulumi's retry.Until: 100 ms, growing 1.5x, at most 5 s. */
export function dialDelaysMs(retries: number): number[] {
  const delays: number[] = [];
  let delay = 100;
  for (let i = 0; i < retries; i++) {
    delays.push(Math.min(delay, 5000));
    delay *= 1.5;
  }
  return delays;
}

/** The Compose plugin the host image carries (/etc/trafficlab-e2e/compose-plugin.env). */
export interface ComposePin {
  version: string;
  sha256: string;
}

/**
 * compose.yaml with Docker's local log driver where the stack renders awslogs: the e2e world has no
 * CloudWatch, and awslogs cannot start a container without it. The rendered awslogs configuration is
 * checked in the fast tier (packages/api-host compose-project tests); throws if the block's shape moved.
 */
export function withLocalLogging(compose: string): string {
  const local = compose.replace(/^( +)logging:\n\1 {2}driver: awslogs\n\1 {2}options:\n(?:\1 {4}.*\n)+/gm, (_block, indent: string) => `${indent}logging:\n${indent}  driver: local\n`);
  if (local.includes("awslogs")) throw new Error("executor: compose.yaml still names awslogs after its logging blocks were made local; the rendered shape changed");
  return local;
}

/**
 * The rolling deploy with Docker's local log driver for the API's `docker run` where the stack
 * renders awslogs (its header's `log_options` array, from apiLogOptions), for the same reason as
 * withLocalLogging. The rendered flags are checked in the fast tier (stacks/test/alerting-and-logs);
 * throws if an awslogs flag is left, i.e. the header's shape moved.
 */
export function withLocalApiLogging(script: string): string {
  const local = script.replace(/^log_options=\(.*'awslogs'.*\)$/m, "log_options=('--log-driver' 'local')");
  if (/'(--log-opt' ')?awslogs/.test(local)) throw new Error("executor: the rolling deploy still passes awslogs flags after its log_options were made local; the rendered shape changed");
  return local;
}

/**
 * A host script (edge-deploy.sh) with Docker's local log driver where its header names awslogs, for
 * the same reason as withLocalLogging: the nginx colours run with `docker run`, and their logging
 * comes in the header's `log_driver` and `log_options` lines. Throws if those lines moved.
 */
export function withLocalLoggingScript(script: string): string {
  const headerEnd = script.indexOf("\n\n");
  const header = script.slice(0, headerEnd);
  const local = header.replace(/^log_driver='awslogs'$/m, "log_driver='local'").replace(/^log_options=\(.*\)$/m, "log_options=()");
  if (local.includes("awslogs")) throw new Error("executor: the script's header still names awslogs after log_driver and log_options were made local; the rendered shape changed");
  return local + script.slice(headerEnd);
}

/** The install script with the host image's Compose plugin pinned instead of v2.40.3; throws if the pin's lines moved. */
export function withHostComposePin(script: string, pin: ComposePin): string {
  const lines: [RegExp, string][] = [
    [/^compose_version=.*$/m, `compose_version='${pin.version}'`],
    [/^compose_sha256_x86_64=.*$/m, `compose_sha256_x86_64='${pin.sha256}'`],
    [/^compose_sha256_aarch64=.*$/m, `compose_sha256_aarch64='${pin.sha256}'`],
  ];
  let out = script;
  for (const [pattern, replacement] of lines) {
    if (!pattern.test(out)) throw new Error(`executor: the install script has no line matching ${pattern}; the Compose pin substitution needs updating`);
    out = out.replace(pattern, replacement);
  }
  return out;
}

export class Executor {
  private readonly logFile: string;
  private readonly keyDir: string;

  constructor(
    world: E2eRun,
    private readonly cloud: CloudStandIns,
    private readonly composePin: ComposePin,
    private readonly say: (line: string) => void,
  ) {
    this.logFile = join(world.dir, "executor.log");
    this.keyDir = join(world.dir, "executor-keys");
    mkdirSync(this.keyDir, { recursive: true, mode: 0o700 });
  }

  /** Everything the commands printed, as a `pulumi up` log would hold it. */
  get commandLog(): string {
    return this.logFile;
  }

  private readonly lastOutputs = new Map<string, string>();

  /** What the last run of the command `name` printed (stdout, then stderr). */
  lastCommandOutput(name: string): string {
    return this.lastOutputs.get(name) ?? "(not run)";
  }

  async execute(plan: UpPlan, label: string, hooks: ExecuteHooks = {}): Promise<Execution> {
    const before = plan.before;
    const after = plan.after;
    const completed = new Set<number>();
    const commandOutputs = new Map<string, { stdout: string; stderr: string }>();
    const steps: StepRecord[] = [];
    const commandRuns: CommandRun[] = [];
    const localRuns: LocalRun[] = [];
    appendFileSync(this.logFile, `\n######## ${label}: ${plan.lifecycle.operations.length} step(s)\n`);
    for (const [index, operation] of plan.lifecycle.operations.entries()) {
      await hooks.beforeStep?.(operation);
      const previous = before.resources.find((r) => r.urn === operation.urn) ?? before.resources.find((r) => keyOf(r) === keyOf(operation));
      const next = after.resources.find((r) => r.urn === operation.urn);
      const forward = operation.step === "create" || operation.step === "create-replacement" || operation.step === "update";
      const started = Date.now();
      const step: StepRecord = { operation, seconds: 0 };
      steps.push(step);
      try {
        if (operation.type === "command:remote:Command") {
          const record = forward ? next! : previous!;
          const script = operation.runs;
          if (script !== undefined && typeof record.inputs[script] === "string") {
            const command = await this.runCommand(record, operation, script);
            step.command = command;
            commandRuns.push(command);
            if (command.dialError !== undefined) {
              step.seconds = (Date.now() - started) / 1000;
              const failure = `${operation.name} (command:remote:Command): ${operation.step} failed: ${command.dialError}`;
              this.say(`  ✗ ${operation.step} ${operation.name}: ${command.dialError} (${command.dials} dials in ${step.seconds.toFixed(1)} s)`);
              return { completed, commandOutputs, steps, commandRuns, localRuns, failure, failedStep: step };
            }
            if (command.exitCode !== 0) {
              step.seconds = (Date.now() - started) / 1000;
              const failure = `${operation.name} (command:remote:Command): ${operation.step} failed: Process exited with status ${command.exitCode}: running the ${script} script on ${command.host}\nstdout:\n${command.stdout}\nstderr:\n${command.stderr}`;
              this.say(`  ✗ ${operation.step} ${operation.name}: exit ${command.exitCode} after ${step.seconds.toFixed(1)} s`);
              return { completed, commandOutputs, steps, commandRuns, localRuns, failure, failedStep: step };
            }
            if (forward) commandOutputs.set(operation.urn, { stdout: command.stdout, stderr: command.stderr });
          }
        } else if (operation.type === "command:local:Command") {
          const record = forward ? next! : previous!;
          const script = operation.runs;
          if (script !== undefined && typeof record.inputs[script] === "string") {
            const local = await this.runLocal(record, operation, script);
            step.local = local;
            localRuns.push(local);
            if (local.exitCode !== 0) {
              step.seconds = (Date.now() - started) / 1000;
              // @pulumi/command's local error: "<exit error>: running <command %q>:\n<stdout and stderr>".
              const failure = `${operation.name} (command:local:Command): ${operation.step} failed: exit status ${local.exitCode}: running ${JSON.stringify(local.command)}:\n${local.output}`;
              this.say(`  ✗ ${operation.step} ${operation.name}: exit ${local.exitCode} after ${step.seconds.toFixed(1)} s`);
              return { completed, commandOutputs, steps, commandRuns, localRuns, failure, failedStep: step };
            }
          }
        } else if (operation.type.startsWith("command:")) {
          throw new Error(`executor: ${operation.type} is not modelled (the program has remote and local commands only)`);
        } else {
          await this.cloud.apply({ operation, before: previous, after: next, beforeGraph: before, afterGraph: after });
        }
      } catch (error) {
        step.seconds = (Date.now() - started) / 1000;
        const failure = `${operation.name} (${operation.type}): ${operation.step} failed: ${error instanceof Error ? error.message : String(error)}`;
        this.say(`  ✗ ${operation.step} ${operation.name}: ${failure.split("\n")[0]}`);
        return { completed, commandOutputs, steps, commandRuns, localRuns, failure, failedStep: step };
      }
      step.seconds = (Date.now() - started) / 1000;
      completed.add(index);
      if (step.command) this.say(`  ✓ ${operation.step} ${operation.name} (${step.command.script} on ${step.command.host}) ${step.seconds.toFixed(1)} s`);
      if (step.local) this.say(`  ✓ ${operation.step} ${operation.name} (${step.local.script}, local) ${step.seconds.toFixed(1)} s`);
    }
    return { completed, commandOutputs, steps, commandRuns, localRuns };
  }

  /**
   * One command on this machine, as @pulumi/command's local.Command runs it (v1.2.1
   * local/commandOutputs.go): `interpreter` (default `/bin/sh -c`) with the command, this
   * process's environment plus `environment`, `stdin` written and closed; PULUMI_COMMAND_STDOUT
   * and _STDERR of the last run unless `addPreviousOutputInEnv` is false.
   */
  private async runLocal(record: RegisteredResource, operation: Operation, script: CommandScript): Promise<LocalRun> {
    const inputs = record.inputs;
    const commandLine = String(inputs[script]);
    const interpreter = Array.isArray(inputs.interpreter) && inputs.interpreter.length > 0 ? inputs.interpreter.map(String) : ["/bin/sh", "-c"];
    const environment = { ...process.env, ...((inputs.environment as Record<string, string> | undefined) ?? {}) };
    if (inputs.addPreviousOutputInEnv !== false) {
      const last = this.localOutputs.get(record.urn);
      if (last) Object.assign(environment, { PULUMI_COMMAND_STDOUT: last.stdout, PULUMI_COMMAND_STDERR: last.stderr });
    }
    const started = Date.now();
    const result = await run(interpreter[0]!, [...interpreter.slice(1), commandLine], { input: typeof inputs.stdin === "string" ? inputs.stdin : "", env: environment, timeoutMs: 900_000 });
    const seconds = (Date.now() - started) / 1000;
    if (result.code === 0) this.localOutputs.set(record.urn, { stdout: result.stdout, stderr: result.stderr });
    const output = `${result.stdout}${result.stderr}`;
    this.lastOutputs.set(record.name, `${output}(exit ${result.code} in ${seconds.toFixed(1)} s)`);
    appendFileSync(this.logFile, `\n==== ${operation.step} ${record.name}: ${script} on this machine (local)\n${output}==== exit ${result.code} in ${seconds.toFixed(1)} s\n`);
    return { urn: record.urn, name: record.name, step: operation.step, script, command: commandLine, exitCode: result.code, output, stdout: result.stdout, stderr: result.stderr, seconds };
  }

  private readonly localOutputs = new Map<string, { stdout: string; stderr: string }>();

  /** One command over real SSH, as @pulumi/command's remote.Command runs it (dials retried as it does). */
  private async runCommand(record: RegisteredResource, operation: Operation, script: CommandScript): Promise<CommandRun> {
    const inputs = record.inputs;
    const connection = inputs.connection as Connection;
    let text = String(inputs[script]);
    if (/^compose_sha256_x86_64=/m.test(text)) text = withHostComposePin(text, this.composePin);
    // edge-deploy.sh names its driver in the header; the rolling deploy passes awslogs flags.
    if (/^log_driver='awslogs'$/m.test(text)) text = withLocalLoggingScript(text);
    else if (text.includes("'awslogs")) text = withLocalApiLogging(text);
    const given = typeof inputs.stdin === "string" ? inputs.stdin : undefined;
    const stdin = given?.includes("driver: awslogs") ? withLocalLogging(given) : given;
    const port = connection.port ?? 22;
    // The key the graph carries, in a file only ssh reads (never an argument, never logged).
    const keyFile = join(this.keyDir, createHash("sha256").update(connection.privateKey).digest("hex").slice(0, 16));
    writeFileSync(keyFile, connection.privateKey, { mode: 0o600 });
    // The host key check of @pulumi/command: with hostKey, that key only (FixedHostKey, and only
    // its algorithm offered, as HostKeyAlgorithms: [publicKey.Type()]); without it, any key.
    const pinned = typeof connection.hostKey === "string" && connection.hostKey.trim() !== "" ? connection.hostKey.trim() : undefined;
    const hostKeyOptions: string[] = [];
    if (pinned) {
      const [type, blob] = pinned.split(/\s+/);
      if (!type || !blob) throw new Error(`executor: connection.hostKey of ${record.name} is not an OpenSSH public key: ${pinned}`);
      const knownHosts = join(this.keyDir, `known_hosts-${createHash("sha256").update(pinned).digest("hex").slice(0, 16)}`);
      writeFileSync(knownHosts, `pinned-host-key ${type} ${blob}\n`, { mode: 0o600 });
      hostKeyOptions.push(
        "-o", "StrictHostKeyChecking=yes",
        "-o", `UserKnownHostsFile=${knownHosts}`,
        "-o", "GlobalKnownHostsFile=/dev/null",
        "-o", "HostKeyAlias=pinned-host-key",
        "-o", `HostKeyAlgorithms=${type}`,
        "-o", "UpdateHostKeys=no",
      );
    } else {
      hostKeyOptions.push("-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "GlobalKnownHostsFile=/dev/null");
    }
    const perDialTimeout = Number(connection.perDialTimeout ?? PER_DIAL_TIMEOUT);
    const dialErrorLimit = Number(connection.dialErrorLimit ?? DIAL_ERROR_LIMIT);
    const args = [
      "-F", "none",
      "-i", keyFile,
      "-o", "IdentitiesOnly=yes",
      "-o", "BatchMode=yes",
      ...hostKeyOptions,
      ...(perDialTimeout > 0 ? ["-o", `ConnectTimeout=${perDialTimeout}`] : []),
      "-o", "ConnectionAttempts=1",
      "-o", "LogLevel=ERROR",
      "-p", String(port),
      `${connection.user}@${connection.host}`,
      // One argument: ssh sends it unchanged as the exec request.
      "--", text,
    ];
    const endpoint = `${connection.host}:${port}`;
    const delays = dialErrorLimit < 0 ? [] : dialDelaysMs(dialErrorLimit);
    const started = Date.now();
    let dials = 0;
    let result: { stdout: string; stderr: string; code: number };
    let dialError: string | undefined;
    const dialLog: string[] = [];
    for (;;) {
      dials++;
      result = await run("ssh", args, { input: stdin ?? "", timeoutMs: 900_000 });
      const failed = result.code === 255 ? dialFailure(result.stderr, endpoint) : undefined;
      if (failed === undefined) break;
      dialLog.push(`dial ${dials}: ${failed} (${result.stderr.trim().split("\n").pop()})`);
      // reachedDialingErrorLimit: dials > dialErrorLimit (-1: unlimited).
      if (dialErrorLimit >= 0 && dials > dialErrorLimit) {
        dialError = `after ${dials - 1} failed attempts: ${failed}`;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, delays[dials - 1] ?? 5000));
    }
    const seconds = (Date.now() - started) / 1000;
    this.lastOutputs.set(record.name, dialError ?? `${result.stdout}${result.stderr ? `---- stderr\n${result.stderr}` : ""}(exit ${result.code} in ${seconds.toFixed(1)} s)`);
    appendFileSync(
      this.logFile,
      `\n==== ${operation.step} ${record.name}: ${script} on ${connection.host}${stdin !== undefined ? " (stdin given)" : ""}${pinned ? "" : " (no hostKey: any host key accepted)"}\n` +
        (dialLog.length > 0 ? `${dialLog.length} failed dial(s), first and last:\n  ${dialLog[0]}\n  ${dialLog[dialLog.length - 1]}\n` : "") +
        (dialError !== undefined
          ? `---- ${dialError}: nothing ran\n==== failed in ${seconds.toFixed(1)} s\n`
          : `${result.stdout}${result.stderr ? `---- stderr\n${result.stderr}` : ""}==== exit ${result.code} in ${seconds.toFixed(1)} s\n`),
    );
    return {
      urn: record.urn,
      name: record.name,
      step: operation.step,
      script,
      host: connection.host,
      exitCode: dialError !== undefined ? -1 : result.code,
      stdout: dialError !== undefined ? "" : result.stdout,
      stderr: dialError !== undefined ? "" : result.stderr,
      seconds,
      dials,
      dialError,
      pinnedHostKey: pinned,
    };
  }
}
