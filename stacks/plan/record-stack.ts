import { applyStackConfig, installMocks, readStackConfigFiles, type ResourceGraph } from "@trafficlab/testing";
import { loadStackConfig, stackConfigSchema } from "../config";
import { trafficlab } from "../program";

export interface RecordedStack {
  stack: string;
  region: string;
  graph: ResourceGraph;
  outputs: Record<string, unknown>;
  /** config keys whose `secure:` value the plan replaced with a placeholder */
  placeholders: string[];
  /** required settings the stack file leaves unset, which the plan filled with a stand-in */
  standIns: { key: string; value: string }[];
  /** what the program logged (pulumi.log warnings, e.g. a cost warning) */
  log: string[];
}

/**
 * Stand-ins for the settings that have no default because each user must choose them (who may
 * SSH in, which image to run). Neither changes what is created or what it costs, so the plan
 * can run on a fresh clone; each use is reported. 192.0.2.0/24 is a documentation range (RFC 5737).
 */
export const PLAN_STAND_INS: Readonly<Record<string, string>> = {
  sshAllowedCidrs: JSON.stringify(["192.0.2.10/32"]),
  apiImage: "example/trafficlab-api:plan",
};

const DEFAULT_REGION = "ap-northeast-2";

/**
 * Runs the stack program under the project's AWS-like mocks with the values of
 * Pulumi.<stack>.yaml, as `pulumi up` would, and returns the record of every resource.
 * No cloud call, no credentials. What the program logs is captured, not printed, so a
 * caller printing JSON keeps stdout clean.
 */
export async function recordStack(projectDir: string, stack: string): Promise<RecordedStack> {
  const config = readStackConfigFiles(projectDir, stack);
  const standIns: RecordedStack["standIns"] = [];
  for (const [key, value] of Object.entries(PLAN_STAND_INS)) {
    const fullKey = `${config.project}:${key}`;
    // Only for a setting the program still reads: a stale stand-in must not become an unknown key.
    if (key in stackConfigSchema.shape && config.values[fullKey] === undefined) {
      config.values[fullKey] = value;
      standIns.push({ key: fullKey, value });
    }
  }
  const region = config.values["aws:region"] ?? DEFAULT_REGION;
  const log: string[] = [];
  const original = { log: console.log, info: console.info, warn: console.warn, error: console.error };
  const capture = (...args: unknown[]) => void log.push(args.map(String).join(" "));
  Object.assign(console, { log: capture, info: capture, warn: capture, error: capture });
  try {
    const program = installMocks({ project: config.project, stack, region });
    applyStackConfig(config);
    const outputs = await program.runStack(() => trafficlab(loadStackConfig()));
    const graph = await program.settled();
    return { stack, region, graph, outputs, placeholders: config.placeholders, standIns, log };
  } catch (error) {
    if (log.length > 0) (error as Error).message += `\nThe program logged:\n${log.join("\n")}`;
    throw error;
  } finally {
    Object.assign(console, original);
  }
}
