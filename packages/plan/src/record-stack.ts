import { STACK_SETTINGS } from "@trafficlab/stacks/settings";
import { PROJECT_DIR, runStackUnderMocks, type StackUnderMocks } from "@trafficlab/stacks/under-mocks";
import { readStackConfigFiles } from "@trafficlab/testing";

export interface RecordedStack extends StackUnderMocks {
  /** required settings the stack file leaves unset, which the plan filled with a stand-in */
  standIns: { key: string; value: string }[];
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

/**
 * Runs the stack program under the project's AWS-like mocks with the values of
 * Pulumi.<stack>.yaml (plus `values`), as `pulumi up` would, and returns the record of every
 * resource. No cloud call, no credentials.
 */
export async function recordStack(stack: string, values: Record<string, string> = {}, projectDir = PROJECT_DIR): Promise<RecordedStack> {
  const files = readStackConfigFiles(projectDir, stack);
  const standIns: RecordedStack["standIns"] = [];
  const withStandIns = { ...values };
  for (const [key, value] of Object.entries(PLAN_STAND_INS)) {
    const fullKey = `${files.project}:${key}`;
    // Only for a setting the program still reads: a stale stand-in must not become an unknown key.
    if (key in STACK_SETTINGS && files.values[fullKey] === undefined && values[fullKey] === undefined) {
      withStandIns[fullKey] = value;
      standIns.push({ key: fullKey, value });
    }
  }
  const recorded = await runStackUnderMocks(stack, { values: withStandIns, projectDir });
  return { ...recorded, standIns };
}
