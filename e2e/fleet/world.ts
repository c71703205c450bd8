import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DOCKER, E2E_DIR, e2eImage, mustRun, run, sleep, subnetAddress, type Run } from "../src/world";

/**
 * The fleet scenarios' world on the Docker engine, separate from the day2 tier's runs: its own
 * network `tlfleet-<id>`, containers `tlfleet-<id>-*` and the label `org.trafficlab.e2e.fleet=<id>`
 * (never the day2 tier's label, so neither tier's cleanup removes the other's), built from the
 * same cached images (e2e/images): the registry mirror (alias `registry`, the name the host
 * image's dockerd mirrors Docker Hub through), MariaDB and Valkey with TLS from a per-run CA,
 * instance containers of the host image (cloud-init, Docker-in-Docker), and the load balancer
 * (e2e/fleet/images/haproxy).
 */

export const FLEET_DIR = __dirname;
export const FLEET_LABEL = "org.trafficlab.e2e.fleet";
const INSTANCE_FILES = join(FLEET_DIR, "instance");

export interface Instance {
  name: string;
  container: string;
  ip: string;
  instanceId: string;
  launchedAt: number;
}

/** Where the API reaches the data tier, and its passwords (the data tier is started with the stack's secrets). */
export interface DataTierSecrets {
  databaseName: string;
  databaseUser: string;
  databasePassword: string;
  cacheUser: string;
  cachePassword: string;
}

/** `docker run --privileged`, or on an engine whose own capability set lacks one (this CI's VMs), the same powers one by one (lib/host.sh's privilege_flags). */
function privilegeFlags(): string[] {
  const mode = process.env.E2E_HOST_PRIVILEGED ?? "auto";
  let privileged = mode === "1";
  if (mode === "auto") {
    const bounding = BigInt(`0x${/^CapBnd:\s*([0-9a-f]+)$/m.exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? "0"}`);
    const last = BigInt(readFileSync("/proc/sys/kernel/cap_last_cap", "utf8").trim());
    privileged = bounding === (1n << (last + 1n)) - 1n;
  }
  return privileged
    ? ["--privileged"]
    : ["--cap-add", "ALL", "--cap-drop", "SYS_RESOURCE", "--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined", "--security-opt", "systempaths=unconfined", "--device-cgroup-rule", "a *:* rwm"];
}


export class FleetWorld {
  readonly region = "ap-northeast-2";
  readonly instances = new Map<string, Instance>();
  registryPort = 0;
  private constructor(
    readonly id: string,
    readonly dir: string,
    readonly network: string,
    readonly subnet: string,
  ) {}

  get prefix(): string {
    return `tlfleet-${this.id}`;
  }
  get registryIp(): string {
    return subnetAddress(this.subnet, 2);
  }
  get mysqlIp(): string {
    return subnetAddress(this.subnet, 3);
  }
  get valkeyIp(): string {
    return subnetAddress(this.subnet, 4);
  }
  get balancerIp(): string {
    return subnetAddress(this.subnet, 5);
  }
  get caFile(): string {
    return join(this.dir, "certs", "ca.pem");
  }

  docker(args: readonly string[], options: Parameters<typeof run>[2] = {}): Promise<Run> {
    return mustRun(DOCKER, args, options);
  }

  /** A run directory (mode 700) and the run's network: Docker picks a free subnet, then it is recreated with it explicitly (fixed addresses need a configured subnet), the top half left to Docker. */
  static async create(): Promise<FleetWorld> {
    const stamp = new Date().toISOString().replace(/[^0-9]/g, "").slice(4, 14);
    const id = `f${stamp}${randomBytes(2).toString("hex")}`;
    const dir = join(process.env.E2E_FLEET_RUNS_DIR ?? "/tmp/trafficlab-e2e-fleet-runs", id);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const network = `tlfleet-${id}`;
    const label = `${FLEET_LABEL}=${id}`;
    await mustRun(DOCKER, ["network", "create", "--label", label, network]);
    const subnet = (await mustRun(DOCKER, ["network", "inspect", "--format", "{{(index .IPAM.Config 0).Subnet}}", network])).stdout.trim();
    await mustRun(DOCKER, ["network", "rm", network]);
    const prefix = Number(subnet.split("/")[1]);
    if (!(prefix <= 24)) throw new Error(`docker chose ${subnet}; the fleet run needs at least a /24`);
    await mustRun(DOCKER, ["network", "create", "--label", label, "--subnet", subnet, "--ip-range", `${subnetAddress(subnet, 2 ** (31 - prefix))}/${prefix + 1}`, network]);
    return new FleetWorld(id, dir, network, subnet);
  }

  /** The run's test CA and the server certificates of MariaDB and Valkey (P-256, 2 days), named for their fixed addresses (what the API dials). */
  async makeCertificates(): Promise<void> {
    const dir = join(this.dir, "certs");
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const openssl = (args: string[]) => mustRun("openssl", args);
    await openssl(["req", "-x509", "-new", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-sha256", "-days", "2", "-subj", `/O=trafficlab e2e fleet/CN=trafficlab e2e fleet test CA ${this.id}`, "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-keyout", join(dir, "ca-key.pem"), "-out", this.caFile]);
    for (const [server, ip] of [["mysql", this.mysqlIp], ["valkey", this.valkeyIp]] as const) {
      const out = join(dir, server);
      mkdirSync(out, { recursive: true, mode: 0o700 });
      writeFileSync(join(out, "ext.cnf"), `subjectAltName=DNS:${server},DNS:localhost,IP:${ip},IP:127.0.0.1\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n`);
      await openssl(["req", "-new", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-subj", `/O=trafficlab e2e fleet/CN=${server}`, "-keyout", join(out, "server-key.pem"), "-out", join(out, "server.csr")]);
      await openssl(["x509", "-req", "-in", join(out, "server.csr"), "-CA", this.caFile, "-CAkey", join(dir, "ca-key.pem"), "-CAcreateserial", "-days", "2", "-sha256", "-out", join(out, "server-cert.pem"), "-extfile", join(out, "ext.cnf")]);
      writeFileSync(join(out, "ca.pem"), readFileSync(this.caFile));
    }
  }

  /** The registry, alias `registry` on the run network: the Docker Hub mirror every instance's dockerd pulls through. */
  async startRegistry(): Promise<void> {
    const name = `${this.prefix}-registry`;
    await this.docker(["run", "--detach", "--name", name, "--label", `${FLEET_LABEL}=${this.id}`, "--network", this.network, "--ip", this.registryIp, "--network-alias", "registry", "--publish", "127.0.0.1::5000", e2eImage("registry")]);
    const port = (await this.docker(["port", name, "5000/tcp"])).stdout.trim().split("\n")[0]!.split(":").pop()!;
    this.registryPort = Number(port);
    const deadline = Date.now() + 30_000;
    while ((await run("curl", ["-fsS", "-o", "/dev/null", `http://127.0.0.1:${this.registryPort}/`])).code !== 0) {
      if (Date.now() > deadline) throw new Error(`the registry did not answer on 127.0.0.1:${this.registryPort}`);
      await sleep(300);
    }
  }

  /**
   * Makes `reference` pullable through the mirror (Docker Hub's path: `nginx:1.28.0-alpine` is
   * library/nginx). `withCa` first adds the run's CA to the image's system trust store in a thin
   * per-run layer (what the API needs to verify MariaDB and Valkey), as lib/registry.sh does.
   */
  async push(image: string, reference: string, withCa: boolean): Promise<void> {
    const at = reference.lastIndexOf(":");
    let repository = reference.slice(0, at);
    const tag = reference.slice(at + 1);
    if (!repository.includes("/")) repository = `library/${repository}`;
    let source = image;
    if (withCa) {
      const context = join(this.dir, "build", reference.replace(/[^A-Za-z0-9_.-]+/g, "-"));
      mkdirSync(context, { recursive: true });
      writeFileSync(join(context, "trafficlab-e2e-run-ca.crt"), readFileSync(this.caFile));
      const user = (await this.docker(["image", "inspect", "--format", "{{.Config.User}}", image])).stdout.trim() || "root";
      writeFileSync(
        join(context, "Dockerfile"),
        [`FROM ${image}`, "USER root", "COPY trafficlab-e2e-run-ca.crt /usr/local/share/ca-certificates/trafficlab-e2e-run-ca.crt", "RUN update-ca-certificates >/dev/null", `USER ${user}`, ""].join("\n"),
      );
      source = `trafficlab-e2e-fleet-run/${this.id}:${reference.replace(/[^A-Za-z0-9_.-]+/g, "-")}`;
      await this.docker(["build", "-q", "--label", `${FLEET_LABEL}=${this.id}`, "-t", source, context], { env: { ...process.env, DOCKER_BUILDKIT: "0" }, timeoutMs: 300_000 });
    }
    const destination = `127.0.0.1:${this.registryPort}/${repository}:${tag}`;
    await this.docker(["tag", source, destination]);
    await this.docker(["push", destination], { timeoutMs: 600_000 });
    await this.docker(["rmi", destination]);
  }

  /** A file of the run directory, mode 600 (a secret a container reads from a mounted file, never an argument). */
  secretFile(name: string, content: string): string {
    const dir = join(this.dir, "secrets");
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const path = join(dir, name);
    writeFileSync(path, `${content}\n`, { mode: 0o600 });
    return path;
  }

  /** MariaDB (RDS MySQL) and Valkey (ElastiCache, an RBAC user), TLS only, at their fixed addresses, with the stack's own secrets. */
  async startDataTier(secrets: DataTierSecrets): Promise<void> {
    const label = `${FLEET_LABEL}=${this.id}`;
    const certs = join(this.dir, "certs");
    const mysqlPassword = this.secretFile("mysql-password", secrets.databasePassword);
    const cachePassword = this.secretFile("cache-password", secrets.cachePassword);
    await this.docker([
      "run", "--detach", "--name", `${this.prefix}-mysql`, "--label", label, "--network", this.network, "--ip", this.mysqlIp, "--network-alias", "mysql",
      "--env", `MYSQL_DATABASE=${secrets.databaseName}`, "--env", `MYSQL_USER=${secrets.databaseUser}`, "--env", "MYSQL_PASSWORD_FILE=/run/secrets/mysql-password",
      "--volume", `${mysqlPassword}:/run/secrets/mysql-password:ro`, "--volume", `${join(certs, "mysql")}:/etc/trafficlab-e2e/tls:ro`, e2eImage("mysql"),
    ]);
    await this.docker([
      "run", "--detach", "--name", `${this.prefix}-valkey`, "--label", label, "--network", this.network, "--ip", this.valkeyIp, "--network-alias", "valkey",
      "--env", `VALKEY_APP_USER=${secrets.cacheUser}`, "--env", "VALKEY_APP_PASSWORD_FILE=/run/secrets/cache-password",
      "--volume", `${cachePassword}:/run/secrets/cache-password:ro`, "--volume", `${join(certs, "valkey")}:/etc/trafficlab-e2e/tls:ro`, e2eImage("valkey"),
    ]);
    for (const name of [`${this.prefix}-valkey`, `${this.prefix}-mysql`]) {
      const deadline = Date.now() + 120_000;
      for (;;) {
        const status = (await run(DOCKER, ["inspect", "--format", "{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}", name])).stdout.trim();
        if (status === "healthy") break;
        if (["exited", "dead", ""].includes(status) || Date.now() > deadline) {
          const logs = await run(DOCKER, ["logs", "--tail", "30", name]);
          throw new Error(`${name}: ${status || "missing"}\n${logs.stdout}${logs.stderr}`);
        }
        await sleep(500);
      }
    }
  }

  /**
   * Launches an instance the way EC2 does from the launch template: a new host container whose
   * cloud-init finds the user data (`userData`: the bytes EC2 serves, here gzipped) and its
   * instance-id in a NoCloud seed. Mounted next to it, the test's side of the AMI (e2e/fleet/instance):
   * cloud-init's module lists, the systemctl that runs the boot unit, the AWS CLI stand-in, the
   * unit's drop-in, and `parameters` (name -> value) as the Parameter Store the instance role reads.
   */
  async launchInstance(name: string, userData: Uint8Array, parameters: Record<string, string>): Promise<Instance> {
    const instanceId = `i-${randomBytes(9).toString("hex").slice(0, 17)}`;
    const root = join(this.dir, "instances", name);
    const seed = join(root, "seed");
    mkdirSync(seed, { recursive: true, mode: 0o700 });
    writeFileSync(join(seed, "user-data"), userData, { mode: 0o600 });
    writeFileSync(join(seed, "meta-data"), `instance-id: ${instanceId}\nlocal-hostname: ${name}\n`, { mode: 0o600 });
    const store = join(root, "parameter-store");
    mkdirSync(store, { recursive: true, mode: 0o700 });
    chmodSync(store, 0o700);
    for (const [parameter, value] of Object.entries(parameters)) {
      const file = join(store, this.region, parameter);
      mkdirSync(join(file, ".."), { recursive: true, mode: 0o700 });
      writeFileSync(file, value, { mode: 0o600 });
    }
    // Bind mounts keep the file's mode: the two programs must be executable whatever the checkout did.
    for (const program of ["systemctl", "aws"]) chmodSync(join(INSTANCE_FILES, program), 0o755);
    const container = `${this.prefix}-${name}`;
    const volume = `${container}-docker`;
    const label = `${FLEET_LABEL}=${this.id}`;
    await this.docker(["volume", "create", "--label", label, volume]);
    const launchedAt = Date.now();
    await this.docker([
      "run", "--detach", "--name", container, "--hostname", name, "--label", label, ...privilegeFlags(), "--network", this.network,
      "--tmpfs", "/run", "--tmpfs", "/tmp", "--volume", `${volume}:/var/lib/docker`, "--stop-timeout", "60",
      "--volume", `${seed}:/var/lib/cloud/seed/nocloud:ro`,
      "--volume", `${join(INSTANCE_FILES, "95-tlfleet-modules.cfg")}:/etc/cloud/cloud.cfg.d/95-tlfleet-modules.cfg:ro`,
      "--volume", `${join(INSTANCE_FILES, "systemctl")}:/usr/local/sbin/systemctl:ro`,
      "--volume", `${join(INSTANCE_FILES, "aws")}:/usr/local/libexec/tlfleet/aws:ro`,
      "--volume", `${join(INSTANCE_FILES, "trafficlab-boot.service.d.conf")}:/etc/systemd/system/trafficlab-boot.service.d/90-tlfleet.conf:ro`,
      "--volume", `${store}:/var/lib/tlfleet/parameter-store:ro`,
      e2eImage("host"),
    ]);
    const ip = (await this.docker(["inspect", "--format", `{{(index .NetworkSettings.Networks "${this.network}").IPAddress}}`, container])).stdout.trim();
    const instance: Instance = { name, container, ip, instanceId, launchedAt };
    this.instances.set(name, instance);
    return instance;
  }

  /** As root inside an instance: the test's own look (an instance of the fleet has no SSH). */
  on(instance: Instance, script: string, input?: string): Promise<Run> {
    return run(DOCKER, ["exec", "-i", instance.container, "bash", "-c", script], { input, timeoutMs: 120_000 });
  }

  /** Terminates an instance: a clean shutdown (dockerd stops its containers, nginx and the API finish what they serve), then the container and its volume go. */
  async terminate(instance: Instance): Promise<void> {
    await run(DOCKER, ["stop", "--time", "60", instance.container], { timeoutMs: 90_000 });
    await run(DOCKER, ["rm", "-f", "-v", instance.container]);
    await run(DOCKER, ["volume", "rm", "-f", `${instance.container}-docker`]);
    this.instances.delete(instance.name);
  }

  /** Removes every container, volume, network and per-run image with the run's label, then the run directory (E2E_KEEP_RUN=1 keeps both). */
  async destroy(): Promise<void> {
    const filter = `label=${FLEET_LABEL}=${this.id}`;
    const ids = async (args: string[]) => (await run(DOCKER, [...args, "--filter", filter])).stdout.split("\n").map((s) => s.trim()).filter(Boolean);
    const containers = await ids(["ps", "-aq"]);
    if (containers.length) await run(DOCKER, ["rm", "-f", "-v", ...containers], { timeoutMs: 180_000 });
    const volumes = await ids(["volume", "ls", "-q"]);
    if (volumes.length) await run(DOCKER, ["volume", "rm", "-f", ...volumes]);
    const networks = await ids(["network", "ls", "-q"]);
    if (networks.length) await run(DOCKER, ["network", "rm", ...networks]);
    const images = [...new Set(await ids(["images", "-q"]))];
    if (images.length) await run(DOCKER, ["rmi", "-f", ...images]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The Compose plugin the host image carries (/etc/trafficlab-e2e/compose-plugin.env): the install script's one substitution. */
export async function hostComposePin(): Promise<{ version: string; sha256: string }> {
  const out = (await mustRun(DOCKER, ["run", "--rm", "--entrypoint", "cat", e2eImage("host"), "/etc/trafficlab-e2e/compose-plugin.env"])).stdout;
  const value = (key: string) => new RegExp(`^${key}=(.*)$`, "m").exec(out)?.[1] ?? "";
  return { version: value("COMPOSE_PLUGIN_VERSION"), sha256: value("COMPOSE_PLUGIN_SHA256") };
}

/** e2e/images/build.sh for `names`: builds what is missing, reuses the rest. */
export async function buildImages(names: string[]): Promise<string> {
  return (await mustRun(join(E2E_DIR, "images", "build.sh"), names, { timeoutMs: 1_800_000 })).stdout.trim();
}
