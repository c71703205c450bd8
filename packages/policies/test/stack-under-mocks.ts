import { existsSync } from "node:fs";
import { join } from "node:path";
import type { ResourceGraph } from "@trafficlab/testing";

export const projectDir = join(__dirname, "..", "..", "..");

interface StackRun {
  outputs: Record<string, unknown>;
  graph: ResourceGraph;
}

/**
 * Runs the trafficlab program under the mocks with Pulumi.<stack>.yaml, exactly as the stacks'
 * own tests do (stacks/test/dev-stack.ts). Loaded at run time rather than imported: stacks/ is
 * not a composite project, so `tsc --build` of this package must not pull its sources in.
 */
export async function runTrafficlabStack(stack: "dev" | "prod" | "ci", values: Record<string, string> = {}): Promise<StackRun> {
  const stackFile = join(projectDir, `Pulumi.${stack}.yaml`);
  if (!existsSync(stackFile)) throw new Error(`${stackFile} does not exist; the policy tests run every stack the repository defines`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { runStack } = require(join(projectDir, "stacks", "test", "dev-stack")) as { runStack: (stack: string, extra?: Record<string, string>) => Promise<StackRun> };
  return runStack(stack, values);
}
