import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A directory where the host scripts run for real, with PATH limited to stub commands (that log
 * their argv and emulate state) plus the few real tools the scripts rely on. Nothing outside the
 * directory is touched, and a Docker or systemctl on this machine is never reached.
 */
export interface Sandbox {
  root: string;
  bin: string;
  state: string;
  /** Runs `bash -c script` in the sandbox. */
  run(script: string, options?: { env?: Record<string, string>; input?: string }): Promise<RunResult>;
  /** Every stub call so far, one `name arg1 arg2 ...` line each. */
  calls(): string[];
  cleanup(): void;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Real tools the scripts may run; linked into the sandbox's PATH when present. */
const REAL_TOOLS = [
  "bash", "sh", "env", "cat", "sed", "awk", "grep", "head", "tr", "mktemp", "install", "sha256sum",
  "rm", "mv", "cp", "chmod", "touch", "tee", "sleep", "flock", "dirname", "basename", "mkdir", "ls", "pwd", "date",
];

// Tool look-up and the skip-or-fail rule live in the test kit; the sandbox links the real ones in.
export { findTool, requireTools } from "@trafficlab/testing";
import { findTool } from "@trafficlab/testing";

/** A stub command: logs `name argv` to the call log, then runs `body` (bash). */
export function stub(name: string, body = ""): [string, string] {
  return [name, `#!/usr/bin/env bash\nset -euo pipefail\nprintf '%s\\n' "${name} $*" >> "$SANDBOX_LOG"\n${body}\n`];
}

export function createSandbox(stubs: Array<[string, string]>): Sandbox {
  const root = mkdtempSync(join(tmpdir(), "api-host-sandbox-"));
  const bin = join(root, "bin");
  const state = join(root, "state");
  const temp = join(root, "tmp");
  for (const directory of [bin, state, temp]) mkdirSync(directory);
  const log = join(state, "calls.log");
  writeFileSync(log, "");
  for (const tool of REAL_TOOLS) {
    const path = findTool(tool);
    if (path) symlinkSync(path, join(bin, tool));
  }
  for (const [name, body] of stubs) writeExecutable(join(bin, name), body);
  const bash = findTool("bash") ?? "/bin/bash";

  return {
    root,
    bin,
    state,
    run(script, options = {}) {
      return new Promise((resolve, reject) => {
        const child = spawn(bash, ["-c", script], {
          cwd: root,
          env: { PATH: bin, HOME: root, TMPDIR: temp, LANG: "C", SANDBOX_LOG: log, SANDBOX_BIN: bin, SANDBOX_STATE: state, ...options.env },
          stdio: ["pipe", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code, stdout, stderr }));
        child.stdin.end(options.input ?? "");
      });
    },
    calls() {
      return readFileSync(log, "utf8").split("\n").filter((line) => line.length > 0);
    },
    cleanup() {
      if (existsSync(root)) rmSync(root, { recursive: true, force: true });
    },
  };
}

export function writeExecutable(path: string, content: string): void {
  writeFileSync(path, content);
  chmodSync(path, 0o755);
}
