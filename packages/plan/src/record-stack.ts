import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { STACK_SETTINGS } from "@trafficlab/stacks/settings";
import { PROJECT_DIR, runStackUnderMocks, type StackUnderMocks } from "@trafficlab/stacks/under-mocks";
import { readStackConfigFiles } from "@trafficlab/testing";

export interface RecordedStack extends StackUnderMocks {
  /** required settings the stack file leaves unset, which the plan filled with a stand-in */
  standIns: { key: string; value: string }[];
  /** the Pulumi project's name, the prefix of its config keys */
  project: string;
  /** the keys Pulumi.<stack>.yaml itself sets (not Pulumi.yaml's defaults), and the ones `values` adds */
  stackFileKeys: string[];
  /** the stack's `environment` setting: what traffic its usage-billed cost lines assume */
  environment: string | undefined;
}

/**
 * Stand-ins for the settings each user must choose (who may SSH in, which image to run, which
 * repository the CI roles trust): Pulumi.yaml gives them an empty default so the CLI requires
 * them of no stack, and stacks/config.ts requires each where its hosting reads it. None changes
 * what is created or what it costs, so the plan can run on a fresh clone; each use is reported.
 * 192.0.2.0/24 is a documentation range (RFC 5737).
 */
export const PLAN_STAND_INS: Readonly<Record<string, string>> = {
  sshAllowedCidrs: JSON.stringify(["192.0.2.10/32"]),
  apiImage: "example/trafficlab-api:plan",
  githubRepository: "example-org/trafficlab",
};

/** The hosting modes that read each stand-in's setting: a fleet opens no SSH, the ci stack runs no API and only it trusts a repository. */
const STAND_IN_HOSTING: Readonly<Record<string, readonly string[]>> = { sshAllowedCidrs: ["single"], apiImage: ["single", "fleet"], githubRepository: ["ci"] };

/**
 * Runs the stack program under the project's AWS-like mocks with the values of
 * Pulumi.<stack>.yaml (plus `values`), as `pulumi up` would, and returns the record of every
 * resource. No cloud call, no credentials.
 */
export async function recordStack(stack: string, values: Record<string, string> = {}, projectDir = PROJECT_DIR): Promise<RecordedStack> {
  const files = readStackConfigFiles(projectDir, stack);
  const standIns: RecordedStack["standIns"] = [];
  const withStandIns = { ...values };
  const hosting = values[`${files.project}:hosting`] ?? files.values[`${files.project}:hosting`];
  for (const [key, value] of Object.entries(PLAN_STAND_INS)) {
    const fullKey = `${files.project}:${key}`;
    if (!(STAND_IN_HOSTING[key] ?? []).includes(hosting ?? "single")) continue;
    // Only for a setting the program still reads: a stale stand-in must not become an unknown key.
    // An empty list or string is Pulumi.yaml's default of these: still the user's to give.
    const unset = (value: string | undefined) => value === undefined || value === "[]" || value === "";
    if (key in STACK_SETTINGS && unset(files.values[fullKey]) && unset(values[fullKey])) {
      withStandIns[fullKey] = value;
      standIns.push({ key: fullKey, value });
    }
  }
  const recorded = await runStackUnderMocks(stack, { values: withStandIns, projectDir });
  const stackFile = readStackFileKeys(projectDir, stack, files.project);
  return {
    ...recorded,
    standIns,
    project: files.project,
    stackFileKeys: [...new Set([...stackFile, ...Object.keys(values)])],
    environment: values[`${files.project}:environment`] ?? files.values[`${files.project}:environment`],
  };
}

/** The config keys Pulumi.<stack>.yaml sets, fully qualified (what the user chose for this stack). */
function readStackFileKeys(projectDir: string, stack: string, project: string): string[] {
  const file = (parse(readFileSync(join(projectDir, `Pulumi.${stack}.yaml`), "utf8")) ?? {}) as { config?: Record<string, unknown> };
  return Object.keys(file.config ?? {}).map((key) => (key.includes(":") ? key : `${project}:${key}`));
}
