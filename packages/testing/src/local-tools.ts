import { accessSync, constants } from "node:fs";
import * as net from "node:net";
import { delimiter, join } from "node:path";

// sbin is often missing from a non-root PATH, and Debian installs nginx there.
const EXTRA_DIRECTORIES = ["/usr/sbin", "/usr/local/sbin", "/sbin"];

/** The path of an executable on PATH (or in sbin), or undefined. */
export function findTool(name: string): string | undefined {
  const directories = [...(process.env.PATH ?? "").split(delimiter), ...EXTRA_DIRECTORIES].filter((d) => d.startsWith("/"));
  for (const directory of directories) {
    const candidate = join(directory, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** Debian packages of the tools the tests use, for the message that says how to get one. */
const DEBIAN_PACKAGE: Record<string, string> = { flock: "util-linux", nginx: "nginx-light", promtool: "prometheus", amtool: "prometheus-alertmanager", "redis-cli": "redis-tools" };

/**
 * The path of each real tool a test needs. A missing tool skips the test with a message that
 * says so, except with CI=true, where it fails: CI installs every tool and must run them all.
 */
export function requireTools(test: { skip(): void }, ...tools: string[]): string[] {
  const found = tools.map((tool) => findTool(tool));
  const missing = tools.filter((_, i) => found[i] === undefined);
  if (missing.length === 0) return found as string[];
  const message = `${missing.join(", ")} not installed (apt-get install -y ${missing.map((tool) => DEBIAN_PACKAGE[tool] ?? tool).join(" ")})`;
  if (process.env.CI === "true") throw new Error(`${message}; CI=true forbids skipping the tests that need it.`);
  test.skip();
  throw new Error("unreachable: skip() throws");
}

/**
 * How to run cloud-init's schema check on a file: tools/install-cloud-init.sh's wrapper
 * (`cloud-init-schema FILE`), or an installed cloud-init (`cloud-init schema --config-file FILE`).
 * Missing, it skips the test with how to get it, except with CI=true, where it fails.
 */
export function cloudInitSchemaCommand(test: { skip(): void }): string[] {
  const wrapper = findTool("cloud-init-schema");
  if (wrapper) return [wrapper];
  const cloudInit = findTool("cloud-init");
  if (cloudInit) return [cloudInit, "schema", "--config-file"];
  const message = "cloud-init-schema not installed (bash tools/install-cloud-init.sh: Debian's cloud-init unpacked, run as `cloud-init schema`)";
  if (process.env.CI === "true") throw new Error(`${message}; CI=true forbids skipping the tests that need it.`);
  test.skip();
  throw new Error("unreachable: skip() throws");
}

/** A TCP port free on 127.0.0.1 right now, for a server a test starts on loopback. */
export async function freeLoopbackPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
