import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as net from "node:net";
import { dirname, join } from "node:path";

/**
 * A Verdaccio registry on 127.0.0.1 for the duration of a test: its own storage and users in
 * `directory`, no uplink (it answers for what was published to it and nothing else), so a
 * consumer's `.npmrc` points only the `@trafficlab` scope at it and takes @pulumi/* and the rest
 * from the usual registry.
 */
export class LocalRegistry {
  private constructor(
    readonly url: string,
    readonly logFile: string,
    private readonly process: ChildProcess,
  ) {}

  /** `//127.0.0.1:<port>/`: the key npm and pnpm file this registry's token under. */
  get authKey(): string {
    return this.url.replace(/^https?:/, "");
  }

  static async start(directory: string, timeoutMs = 30_000): Promise<LocalRegistry> {
    const port = await freeLoopbackPort();
    mkdirSync(directory, { recursive: true });
    const config = join(directory, "verdaccio.yaml");
    writeFileSync(
      config,
      [
        `storage: ${join(directory, "storage")}`,
        "auth:",
        "  htpasswd:",
        `    file: ${join(directory, "htpasswd")}`,
        "uplinks: {}",
        "packages:",
        '  "**":',
        "    access: $all",
        "    publish: $authenticated",
        "web:",
        "  enable: false",
        "log: { type: stdout, format: pretty, level: warn }",
        "",
      ].join("\n"),
    );
    const packageDir = dirname(require.resolve("verdaccio/package.json"));
    const bin = (JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as { bin: string }).bin;
    const logFile = join(directory, "verdaccio.log");
    const log = createWriteStream(logFile);
    const child = spawn(process.execPath, [join(packageDir, bin), "--config", config, "--listen", `127.0.0.1:${port}`], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    // However this process ends (a failed hook, process.exit on a signal), the registry goes with it.
    process.once("exit", () => child.kill("SIGKILL"));
    const registry = new LocalRegistry(`http://127.0.0.1:${port}/`, logFile, child);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) break;
      if (await registry.answers()) return registry;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await registry.stop();
    throw new Error(`Verdaccio did not answer on ${registry.url} within ${timeoutMs} ms:\n${readFileSync(logFile, "utf8")}`);
  }

  private async answers(): Promise<boolean> {
    try {
      return (await fetch(new URL("-/ping", this.url))).ok;
    } catch {
      return false;
    }
  }

  /** Registers a user, as `npm adduser` does, and returns its token for publishing. */
  async addUser(name: string, password: string): Promise<string> {
    const response = await fetch(new URL(`-/user/org.couchdb.user:${encodeURIComponent(name)}`, this.url), {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name, password }),
    });
    const body = (await response.json()) as { token?: string; error?: string };
    if (!response.ok || !body.token) throw new Error(`adding user ${name} failed: ${response.status} ${JSON.stringify(body)}`);
    return body.token;
  }

  /** The registry's document for a package (every version's manifest and tarball URL). */
  async packument(name: string): Promise<Packument> {
    const response = await fetch(new URL(name.replace("/", "%2f"), this.url));
    if (!response.ok) throw new Error(`GET ${name} from ${this.url}: ${response.status}`);
    return (await response.json()) as Packument;
  }

  async download(tarballUrl: string): Promise<Buffer> {
    const response = await fetch(tarballUrl);
    if (!response.ok) throw new Error(`GET ${tarballUrl}: ${response.status}`);
    return Buffer.from(await response.arrayBuffer());
  }

  async stop(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    const exited = new Promise((resolve) => this.process.once("exit", resolve));
    this.process.kill("SIGTERM");
    const timer = setTimeout(() => this.process.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  }
}

export interface PackageManifest {
  name: string;
  version: string;
  main?: string;
  types?: string;
  exports?: unknown;
  files?: string[];
  private?: boolean;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  dist?: { tarball: string };
}

export interface Packument {
  name: string;
  "dist-tags": Record<string, string>;
  versions: Record<string, PackageManifest>;
}

async function freeLoopbackPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
