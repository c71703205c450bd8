import { join } from "node:path";
import { applyStackConfig, installMocks, readStackConfigFiles, withCapturedConsole, type ResourceGraph } from "@trafficlab/testing";
import { SECRET_KEYS, loadStackConfig } from "./config";
import { trafficlab } from "./program";

/** The repository root: Pulumi.yaml and the Pulumi.<stack>.yaml files. */
export const PROJECT_DIR = join(__dirname, "..");

const DEFAULT_REGION = "ap-northeast-2";

export interface StackUnderMocks {
  stack: string;
  region: string;
  graph: ResourceGraph;
  outputs: Record<string, unknown>;
  /** config keys whose `secure:` value was replaced by a placeholder (mocks cannot decrypt) */
  placeholders: string[];
  /** what the program logged (pulumi.log, console) */
  log: string[];
}

export interface RunOptions {
  /**
   * Config values on top of Pulumi.yaml and Pulumi.<stack>.yaml, as `pulumi config set` would
   * (`project:key` -> string); the secret settings (dbPassword, ...) as `pulumi config set --secret`.
   */
  values?: Record<string, string>;
  /** Keys of `values` set without --secret, as a user who forgot it would (`project:key`). */
  plainText?: string[];
  /** Where Pulumi.yaml lives. Default: this repository. */
  projectDir?: string;
}

/**
 * Runs the stack program offline under the project's AWS-like mocks with the config
 * `pulumi up -s <stack>` would use (Pulumi.yaml defaults, then Pulumi.<stack>.yaml, then
 * `values`), and returns the record of every registration. No cloud call. What the program
 * logs is captured, not printed, so tests and `pnpm plan --json` keep their output clean;
 * on failure it is appended to the error.
 */
export async function runStackUnderMocks(stack: string, options: RunOptions = {}): Promise<StackUnderMocks> {
  const files = readStackConfigFiles(options.projectDir ?? PROJECT_DIR, stack);
  const values = { ...files.values, ...options.values };
  const region = values["aws:region"] ?? DEFAULT_REGION;
  const secretKeys = SECRET_KEYS.map((key) => `${files.project}:${key}`).filter((key) => key in (options.values ?? {}) && !(options.plainText ?? []).includes(key));
  const program = installMocks({ project: files.project, stack, region });
  try {
    const { result, lines } = await withCapturedConsole(async () => {
      applyStackConfig({ values, secretKeys: [...files.secretKeys, ...secretKeys] });
      // Validated before the Stack resource exists: thrown inside it, the error also rejects
      // promises of the Stack's that nobody awaits, and Node prints a crash dump of it.
      const config = loadStackConfig();
      const outputs = await program.runStack(() => trafficlab(config));
      return { outputs, graph: await program.settled() };
    });
    return { stack, region, ...result, placeholders: files.placeholders, log: lines };
  } finally {
    // Also after a failure, every registration the program started has reached the mocks.
    await program.settled();
  }
}
