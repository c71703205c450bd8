import { createHash } from "node:crypto";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import * as net from "node:net";
import { join } from "node:path";
import { DOCKER, e2eImage, mustRun, run } from "../src/world";
import { FLEET_DIR, FLEET_LABEL, type FleetWorld, type Instance } from "./world";

/**
 * The Application Load Balancer and its target group, stood in for by HAProxy (Debian's 2.6,
 * e2e/fleet/images/haproxy) on the run network, its listener published on 127.0.0.1:
 * - the listener forwards HTTP to the targets' port 80 (nginx), round robin, request by request;
 * - the health check: GET <health path> through nginx, 200 expected, every `intervalSeconds`,
 *   healthy after `healthyThreshold` passes in a row, unhealthy after `unhealthyThreshold`
 *   failures (the target group's 15 s, 2 up, 3 down, scaled down in time only);
 * - a target registered later (the Auto Scaling group registers a launched instance at once)
 *   starts unhealthy, as a target's `initial` state, and gets traffic only once it passed its
 *   checks; HAProxy's own default would count a new server as up until its first failed check,
 *   so it is added with weight 0, its health forced down, then given its weight;
 * - deregistration: `drain` (no new requests, in-flight ones finish) until no request is in
 *   flight or the deregistration delay is over, then the target is removed.
 * The ALB's idle timeout (60 s) is HAProxy's client and keep-alive timeout.
 */

export interface TargetGroupCheck {
  path: string;
  intervalSeconds: number;
  timeoutSeconds: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
}

export interface TargetState {
  name: string;
  /** HAProxy's status: UP, DOWN, DRAIN, MAINT, `UP 1/3` (going down), `DOWN 1/2` (going up). */
  status: string;
  /** L7OK, L4CON, L7STS, ... of the last check. */
  checkStatus: string;
  /** Requests in flight on it now. */
  inFlight: number;
  /** Requests it answered in all. */
  requests: number;
}

const IMAGE_DIR = join(FLEET_DIR, "images", "haproxy");
const IMAGE_REPOSITORY = "trafficlab-e2e-fleet/haproxy";

/** Builds the balancer's image FROM the e2e base image unless the same recipe (its files and the base image) is already built; returns its tag. */
export async function buildBalancerImage(): Promise<{ tag: string; built: boolean; seconds: number }> {
  const started = Date.now();
  const base = (await mustRun(DOCKER, ["image", "inspect", "--format", "{{.Id}}", e2eImage("base")])).stdout.trim();
  const hash = createHash("sha256");
  hash.update(`base=${base}\n`);
  for (const file of readdirSync(IMAGE_DIR).sort()) hash.update(`${file}\n`).update(readFileSync(join(IMAGE_DIR, file)));
  const tag = `${IMAGE_REPOSITORY}:${hash.digest("hex").slice(0, 12)}`;
  if ((await run(DOCKER, ["image", "inspect", tag])).code === 0) return { tag, built: false, seconds: (Date.now() - started) / 1000 };
  // Mirror hosts the machine knows from /etc/hosts, as images/build.sh passes them on.
  const addHosts = readFileSync("/etc/hosts", "utf8")
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter(([address, name]) => address && name && !address.startsWith("#") && !address.startsWith("127.") && !address.includes(":") && name.includes("."))
    .flatMap(([address, name]) => ["--add-host", `${name}:${address}`]);
  await mustRun(DOCKER, ["build", "--force-rm", ...addHosts, "--build-arg", `BASE_IMAGE=${e2eImage("base")}`, "--label", "org.trafficlab.e2e.image=fleet-haproxy", "-t", tag, IMAGE_DIR], {
    env: { ...process.env, DOCKER_BUILDKIT: "0" },
    timeoutMs: 600_000,
  });
  // One version of the image stays cached, as images/build.sh keeps one per recipe.
  const tags = (await run(DOCKER, ["images", "--format", "{{.Repository}}:{{.Tag}}", IMAGE_REPOSITORY])).stdout.split("\n").map((t) => t.trim());
  for (const old of tags.filter((t) => t && t !== tag)) await run(DOCKER, ["rmi", old]);
  return { tag, built: true, seconds: (Date.now() - started) / 1000 };
}

export class Balancer {
  private constructor(
    readonly container: string,
    /** 127.0.0.1:<port>: the load balancer's listener (its DNS name, for the clients). */
    readonly port: number,
    private readonly adminPort: number,
    readonly check: TargetGroupCheck,
  ) {}

  /** Starts the balancer with `targets` registered (each must pass its checks before it gets traffic). */
  static async start(world: FleetWorld, image: string, check: TargetGroupCheck, targets: Instance[]): Promise<Balancer> {
    const config = join(world.dir, "haproxy.cfg");
    writeFileSync(config, renderConfig(check));
    const container = `${world.prefix}-alb`;
    await mustRun(DOCKER, [
      "run", "--detach", "--name", container, "--label", `${FLEET_LABEL}=${world.id}`, "--network", world.network, "--ip", world.balancerIp,
      "--publish", "127.0.0.1::80", "--publish", "127.0.0.1::9999", "--volume", `${config}:/usr/local/etc/haproxy/haproxy.cfg:ro`, image,
    ]);
    const portOf = async (port: string) => Number((await mustRun(DOCKER, ["port", container, port])).stdout.trim().split("\n")[0]!.split(":").pop());
    const balancer = new Balancer(container, await portOf("80/tcp"), await portOf("9999/tcp"), check);
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        // Docker's proxy accepts on the published port before HAProxy listens, then closes: empty.
        if (/^Name: HAProxy/m.test(await balancer.command("show info"))) break;
        throw new Error("an empty answer");
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`the balancer's runtime API did not answer: ${String(error)}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    for (const target of targets) await balancer.register(target);
    return balancer;
  }

  /** One command on HAProxy's runtime API (the stats socket, admin level, on the published port). */
  command(line: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(this.adminPort, "127.0.0.1", () => socket.end(`${line}\n`));
      let out = "";
      socket.setEncoding("utf8");
      socket.setTimeout(5000, () => socket.destroy(new Error(`runtime API: no answer to ${line}`)));
      socket.on("data", (chunk) => (out += chunk));
      socket.on("end", () => resolve(out.trim()));
      socket.on("error", reject);
    });
  }

  private async must(line: string, expected?: RegExp): Promise<string> {
    const out = await this.command(line);
    if (expected ? !expected.test(out) : out !== "") throw new Error(`runtime API: ${line}: ${out}`);
    return out;
  }

  /** Registers an instance (port 80): unhealthy until `healthyThreshold` checks in a row pass. */
  async register(target: Instance): Promise<void> {
    const c = this.check;
    const timing = `inter ${c.intervalSeconds}s fastinter ${c.intervalSeconds}s downinter ${c.intervalSeconds}s rise ${c.healthyThreshold} fall ${c.unhealthyThreshold}`;
    await this.must(`add server tg/${target.name} ${target.ip}:80 weight 0 check ${timing}`, /New server registered/);
    await this.must(`enable health tg/${target.name}`);
    await this.must(`enable server tg/${target.name}`);
    await this.must(`set server tg/${target.name} health down`);
    await this.must(`set server tg/${target.name} weight 1`);
  }

  /** Starts deregistering a target: no new requests go to it; those in flight finish. */
  async drain(target: Instance): Promise<void> {
    await this.must(`set server tg/${target.name} state drain`);
  }

  /** Puts a drained target back in rotation (it stays UP: its health checks never stopped). */
  async ready(target: Instance): Promise<void> {
    await this.must(`set server tg/${target.name} state ready`);
  }

  /** Removes a (drained) target. */
  async deregister(target: Instance): Promise<void> {
    await this.must(`set server tg/${target.name} state maint`);
    await this.must(`del server tg/${target.name}`, /Server deleted/);
  }

  async targets(): Promise<TargetState[]> {
    const csv = await this.command("show stat -1 4 -1");
    const [header, ...rows] = csv.replace(/^# /, "").split("\n");
    const columns = header!.split(",");
    const at = (row: string[], column: string) => row[columns.indexOf(column)] ?? "";
    return rows
      .map((line) => line.split(","))
      .filter((row) => at(row, "pxname") === "tg")
      .map((row) => ({ name: at(row, "svname"), status: at(row, "status"), checkStatus: at(row, "check_status"), inFlight: Number(at(row, "scur")), requests: Number(at(row, "hrsp_2xx")) + Number(at(row, "hrsp_5xx")) }));
  }

  async target(name: string): Promise<TargetState> {
    const state = (await this.targets()).find((t) => t.name === name);
    if (!state) throw new Error(`the balancer has no target ${name}`);
    return state;
  }

  /** Seconds until the balancer counts `target` healthy (UP after passing checks), polling every 200 ms; throws after `limitSeconds`. */
  async untilHealthy(target: Instance, limitSeconds: number, since = Date.now()): Promise<number> {
    for (;;) {
      const state = await this.target(target.name);
      if (state.status === "UP" && state.checkStatus === "L7OK") return (Date.now() - since) / 1000;
      if (Date.now() - since > limitSeconds * 1000) throw new Error(`${target.name} not healthy on the balancer within ${limitSeconds} s: ${JSON.stringify(state)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** The balancer's log (one line per request and per state change). */
  async log(): Promise<string> {
    const out = await run(DOCKER, ["logs", this.container]);
    return out.stdout + out.stderr;
  }
}

/** haproxy.cfg: one listener, one target group, its health check. Targets are added at run time. */
export function renderConfig(check: TargetGroupCheck): string {
  return `# The fleet scenarios' load balancer (e2e/fleet/balancer.ts): the ALB's listener and target group.
global
  log stdout format raw local0 notice
  stats socket ipv4@0.0.0.0:9999 level admin
  maxconn 4096

defaults
  mode http
  log global
  option dontlognull
  timeout connect 5s
  # The ALB's idle timeout (60 s), below nginx's keepalive_timeout (65 s).
  timeout client 60s
  timeout server 60s
  timeout http-keep-alive 60s
  timeout check ${check.timeoutSeconds}s

frontend listener
  bind :80
  default_backend tg

backend tg
  balance roundrobin
  option httpchk
  http-check send meth GET uri ${check.path} ver HTTP/1.1 hdr Host alb-health-check
  http-check expect status 200
`;
}
