import { join } from "node:path";
import { applyStackConfig, installMocks, readStackConfigFiles } from "@trafficlab/testing";
import { loadStackConfig } from "../config";
import { trafficlab } from "../program";

export const projectDir = join(__dirname, "..", "..");

/** The two settings Pulumi.dev.yaml leaves to the user, as a user would give them. */
export const USER_SETTINGS = {
  "trafficlab:sshAllowedCidrs": JSON.stringify(["198.51.100.7/32"]),
  "trafficlab:apiImage": "example/trafficlab-api:1.0.0",
};

/** Runs the program under the mocks with Pulumi.<stack>.yaml (plus `extra` config values). */
export async function runStack(stack: string, extra: Record<string, string> = {}) {
  const program = installMocks({ stack });
  const files = readStackConfigFiles(projectDir, stack);
  applyStackConfig({ ...files, values: { ...files.values, ...USER_SETTINGS, ...extra } });
  try {
    const outputs = await program.runStack(() => trafficlab(loadStackConfig()));
    return { outputs, graph: program.graph };
  } finally {
    // Also after a failure, so a test sees every registration the program started.
    await program.settled();
  }
}
