/**
 * Runs `work` with console output captured rather than printed (Pulumi's runtime logs there
 * under mocks, e.g. a component's pulumi.log.warn), and returns what it wrote, one string a
 * call, with the result. Restores the console afterwards, also on failure.
 */
export async function withCapturedConsole<T>(work: () => Promise<T> | T): Promise<{ result: T; lines: string[] }> {
  const lines: string[] = [];
  const original = { log: console.log, info: console.info, warn: console.warn, error: console.error };
  const capture = (...args: unknown[]) => void lines.push(args.map(String).join(" "));
  Object.assign(console, { log: capture, info: capture, warn: capture, error: capture });
  try {
    return { result: await work(), lines };
  } catch (error) {
    if (error instanceof Error && lines.length > 0) error.message += `\nLogged meanwhile:\n${lines.join("\n")}`;
    throw error;
  } finally {
    Object.assign(console, original);
  }
}
