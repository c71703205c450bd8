import { execFile, spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { WorldAddresses } from "./recording";

/**
 * The e2e world, through the foundation's helpers (lib/*.sh): the run's network, the registry
 * mirror, the TLS data tier and the host containers. Everything here is the test's own view
 * (docker exec as root, the run's state file); the deploy itself goes through the executor's SSH.
 */

export const E2E_DIR = join(__dirname, "..");
const LIB = join(E2E_DIR, "lib");
/** The docker.io CLI, matching the engine (lib/common.sh says why). */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const DOCKER = process.env.E2E_DOCKER_CLI ?? "/usr/bin/docker";

export interface Run {
  stdout: string;
  stderr: string;
  code: number;
}

/** Runs a program to its end; `input` is written to its stdin (secrets travel only this way). */
export function run(file: string, args: readonly string[], options: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 300_000);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code: code ?? (signal ? 128 : 1) });
    });
    child.stdin.on("error", () => undefined);
    child.stdin.end(options.input ?? "");
  });
}

/** Like run, but a non-zero exit is an error that carries what the program printed. */
/**
 * Skips the calling suite when no Docker engine answers, saying how to start one; with CI=true
 * it fails instead (CI must run the tier).
 */
export async function requireEngine(test: { skip(): void }): Promise<void> {
  const engine = await run(join(E2E_DIR, "setup", "engine.sh"), ["status"]);
  if (engine.code === 0) return;
  const message = "no Docker engine answers (bash e2e/setup/install.sh && e2e/setup/engine.sh start, as root)";
  if (process.env.CI === "true") throw new Error(`${message}; CI=true forbids skipping the e2e tier.`);
  console.log(`      skipped: ${message}`);
  test.skip();
}

export async function mustRun(file: string, args: readonly string[], options: Parameters<typeof run>[2] = {}): Promise<Run> {
  const result = await run(file, args, options);
  if (result.code !== 0) throw new Error(`${file} ${args.join(" ")} exited ${result.code}\n${result.stderr.slice(-4000)}${result.stdout.slice(-2000)}`);
  return result;
}

export function docker(args: readonly string[], options: Parameters<typeof run>[2] = {}): Promise<Run> {
  return mustRun(DOCKER, args, options);
}

/** `KEY=value` lines, as every lib/ script prints them. */
export function keyValues(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split("\n")
      .map((line) => /^([A-Z0-9_]+)=(.*)$/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1]!, m[2]!]),
  );
}

/** The n-th address of an IPv4 subnet `a.b.c.d/len`. */
export function subnetAddress(subnet: string, n: number): string {
  const [a, b, c, d] = subnet.split("/")[0]!.split(".").map(Number) as [number, number, number, number];
  const value = ((a << 24) | (b << 16) | (c << 8) | d) + n;
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join(".");
}

export interface HostContainer {
  name: string;
  container: string;
  ip: string;
  /** 127.0.0.1:<port> reaches the host's port 80 (nginx), for load and probes. */
  httpPort: number;
  /** 127.0.0.1:<port> reaches the host's port 443 (nginx with a domain). */
  httpsPort: number;
  /** ssh's HostKeyAlias: the key the host presented at its start, pinned in the run's known_hosts (host.sh ssh). */
  hostKeyAlias: string;
}

/** What EC2 hands a new instance: its id, its user data, the key pair's public key. */
export interface InstanceBoot {
  instanceId: string;
  /** The instance's user data (the stack's cloud-config), "" for none. */
  userData: string;
  /** An OpenSSH public key line: ec2-user's authorized key (meta-data public-keys). */
  publicKey: string;
}

export class E2eRun implements WorldAddresses {
  readonly region = "ap-northeast-2";
  readonly hosts = new Map<string, HostContainer>();
  private nextHost = 1;
  private nextHostName = 1;
  private state: Record<string, string>;

  private constructor(readonly dir: string) {
    this.state = {};
    this.reload();
  }

  /** A new run directory and network (lib/run.sh new). */
  static async create(): Promise<E2eRun> {
    const out = keyValues((await mustRun(join(LIB, "run.sh"), ["new"])).stdout);
    return new E2eRun(out.E2E_RUN_DIR!);
  }

  private reload(): void {
    this.state = keyValues(readFileSync(join(this.dir, "state"), "utf8"));
  }

  get(key: string): string {
    this.reload();
    const value = this.state[key];
    if (value === undefined) throw new Error(`the run's state has no ${key}`);
    return value;
  }

  get id(): string {
    return this.get("RUN_ID");
  }
  get mysqlIp(): string {
    return this.get("MYSQL_IP");
  }
  get valkeyIp(): string {
    return this.get("VALKEY_IP");
  }
  get gateway(): string {
    return this.get("GATEWAY");
  }
  get mysqlContainer(): string {
    return `tle2e-${this.id}-mysql`;
  }
  get valkeyContainer(): string {
    return `tle2e-${this.id}-valkey`;
  }

  /**
   * An EC2 instance's address: fixed addresses from .16 up, below the half Docker hands out and
   * above the data tier's (.2 to .5), so the mocks can name it before the host container exists.
   */
  allocateHostIp(): string {
    return subnetAddress(this.get("SUBNET"), 15 + this.nextHost++);
  }

  lib(script: string, args: readonly string[], options: Parameters<typeof run>[2] = {}): Promise<Run> {
    return mustRun(join(LIB, script), [args[0]!, this.dir, ...args.slice(1)], { ...options, env: { ...process.env, E2E_RUN_DIR: this.dir } });
  }

  /** A file in the run directory, mode 600, for a secret a helper reads (never an argument). */
  secretFile(name: string, content: string): string {
    const dir = join(this.dir, "secrets");
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const path = join(dir, name);
    writeFileSync(path, content.endsWith("\n") ? content : `${content}\n`, { mode: 0o600 });
    return path;
  }

  async startRegistry(): Promise<void> {
    await this.lib("registry.sh", ["start"]);
  }

  /** Makes `reference` pullable on the hosts through the mirror; --with-ca bakes the run's CA in (the API image). */
  async push(image: string, reference: string, withCa: boolean): Promise<void> {
    await this.lib("registry.sh", ["push", image, reference, ...(withCa ? ["--with-ca"] : [])], { timeoutMs: 600_000 });
  }

  /**
   * A host container at `ip`, booted with a NoCloud seed as EC2 would boot the instance:
   * cloud-init applies `userData` (the stack's cloud-config: its host key) and installs
   * `publicKey` for ec2-user (the meta-data's public-keys, as EC2 serves the key pair's).
   */
  async startHost(ip: string, boot: InstanceBoot): Promise<HostContainer> {
    const name = `h${this.nextHostName++}`;
    // The user data holds the host's private key: the seed is root's only (mode 700/600).
    const seed = join(this.dir, "seeds", name);
    mkdirSync(seed, { recursive: true, mode: 0o700 });
    writeFileSync(join(seed, "user-data"), boot.userData, { mode: 0o600 });
    writeFileSync(join(seed, "meta-data"), `instance-id: ${boot.instanceId}\nlocal-hostname: ${name}\npublic-keys:\n  - ${boot.publicKey.trim()}\n`, { mode: 0o600 });
    const out = keyValues((await this.lib("host.sh", ["start", name, "--seed", seed, "--ip", ip], { timeoutMs: 240_000 })).stdout);
    if (out.HOST_IP !== ip) throw new Error(`host ${name} came up at ${out.HOST_IP}, not ${ip}`);
    const host: HostContainer = { name, container: out.HOST_CONTAINER!, ip, httpPort: Number(out.HOST_HTTP_PORT), httpsPort: Number(out.HOST_HTTPS_PORT), hostKeyAlias: out.HOST_KEY_ALIAS! };
    this.hosts.set(ip, host);
    return host;
  }

  /**
   * A per-run image built from `lines` (a Dockerfile, FROM included), labelled with the run so
   * run.sh destroy removes it; e.g. a broken variant of a cached image.
   */
  async buildImage(tag: string, lines: string[]): Promise<void> {
    const context = join(this.dir, "build", tag.replace(/[^A-Za-z0-9_.-]+/g, "-"));
    mkdirSync(context, { recursive: true });
    writeFileSync(join(context, "Dockerfile"), `${lines.join("\n")}\n`);
    await mustRun(DOCKER, ["build", "-q", "--label", `org.trafficlab.e2e.run=${this.id}`, "-t", tag, context], { env: { ...process.env, DOCKER_BUILDKIT: "0" }, timeoutMs: 300_000 });
  }

  /** Pebble, the run's ACME server (lib/pebble.sh start): its directory URL, on the run network. */
  async startPebble(): Promise<{ directory: string; managementPort: number }> {
    const out = keyValues((await this.lib("pebble.sh", ["start"], { timeoutMs: 120_000 })).stdout);
    return { directory: out.PEBBLE_DIRECTORY!, managementPort: Number(out.PEBBLE_MANAGEMENT_PORT) };
  }

  /** Pebble's DNS answers `domain` with `ip`: where its HTTP-01 validations go. */
  async pebbleDns(domain: string, ip: string): Promise<void> {
    await this.lib("pebble.sh", ["dns", domain, ip]);
  }

  /** Pebble's root and intermediate certificates (PEM), from its management endpoint: what a verifying client trusts. */
  async pebbleCertificates(): Promise<{ root: string; intermediate: string }> {
    return { root: (await this.lib("pebble.sh", ["root"])).stdout, intermediate: (await this.lib("pebble.sh", ["intermediate"])).stdout };
  }

  async stopHost(ip: string): Promise<void> {
    const host = this.hostAt(ip);
    await this.lib("host.sh", ["stop", host.name]);
    this.hosts.delete(ip);
  }

  hostAt(ip: string): HostContainer {
    const host = this.hosts.get(ip);
    if (!host) throw new Error(`no host container at ${ip} (hosts: ${[...this.hosts.keys()].join(", ") || "none"})`);
    return host;
  }

  /** A command as root inside a host container: the test's own look, not the deploy's path. */
  onHost(host: HostContainer, script: string, input?: string): Promise<Run> {
    return run(DOCKER, ["exec", "-i", host.container, "bash", "-c", script], { input, timeoutMs: 120_000 });
  }

  get knownHosts(): string {
    return join(this.dir, "ssh", "known_hosts");
  }

  async destroy(): Promise<void> {
    await mustRun(join(LIB, "run.sh"), ["destroy", this.dir], { timeoutMs: 300_000 });
  }
}

/** The image the foundation built for <name>[:<variant>]. */
export function e2eImage(name: string, variant = "current"): string {
  return `trafficlab-e2e/${name}:${variant}`;
}

export function execFileText(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => execFile(file, args, (error, stdout) => (error ? reject(error) : resolve(stdout))));
}
