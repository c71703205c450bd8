import { strict as assert } from "node:assert";
import type { MockedProgram } from "./install-mocks";

/**
 * Asserts that `build` throws before registering anything: the error message contains every
 * fragment (the setting, the value, what is allowed) and the mocks saw no resource at all.
 */
export async function expectRejected(program: MockedProgram, build: () => unknown, ...fragments: string[]): Promise<Error> {
  let thrown: unknown;
  try {
    await build();
  } catch (error) {
    thrown = error;
  }
  assert.ok(thrown instanceof Error, "expected the arguments to be rejected, but nothing was thrown");
  for (const fragment of fragments) {
    assert.ok(thrown.message.includes(fragment), `error message lacks ${JSON.stringify(fragment)}:\n${thrown.message}`);
  }
  const graph = await program.settled();
  assert.deepEqual(graph.inventory(), [], "resources were registered although the arguments were rejected");
  return thrown;
}
