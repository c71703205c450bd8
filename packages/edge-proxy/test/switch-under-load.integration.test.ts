import { expect } from "chai";
import { freeLoopbackPort, requireTools, startLoopbackDns, type LoopbackDns } from "@trafficlab/testing";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as http from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { renderNginxConf } from "@trafficlab/edge-proxy";

/**
 * The zero-downtime switch of the rolling deploy, with a real nginx and no reload: nginx's
 * upstream is `server api.test:<port> resolve` and its resolver a DNS server on loopback,
 * standing in for Docker's (127.0.0.11). The two colors are API stand-ins on 127.0.0.2 (blue)
 * and 127.0.0.3 (green), on the same port as two containers would be. Under a wrk load the name
 * moves from blue to green (what `docker network connect --alias` and the old color leaving the
 * network do), and after a drain blue shuts down gracefully, as `docker stop` makes Spring do.
 */

const NAME = "api.test";
const BLUE = "127.0.0.2";
const GREEN = "127.0.0.3";
/** The rendered default: how long nginx trusts an answer. */
const RESOLVER_VALID_MS = 1000;
/** rolling-deploy.sh's default drainSeconds: longer than the resolver validity. */
const DRAIN_MS = 3000;
const LOAD_SECONDS = 8;
const SWITCH_AFTER_MS = 2000;
const CONNECTIONS = 16;
/** Requests sent just before the switch that take longer than the drain: in flight when blue stops. */
const SLOW_REQUESTS = 4;
const SLOW_MS = DRAIN_MS + 1500;
/** What the requirement allows between the API becoming resolvable and nginx serving it. */
const BOOT_BOUND_MS = 5000;

interface Color {
  name: string;
  address: string;
  port: number;
  server: http.Server;
  /** performance.now() of every request received. */
  received: number[];
  inFlight: number;
  closing: boolean;
  /** The worst case of a stopping API: every request that still reaches it loses its connection, unanswered. */
  dropping: boolean;
}

/** An API stand-in answering its color: /slow/* after SLOW_MS, the rest after 0-3 ms so some are always in flight. */
function startColor(name: string, address: string, port: number): Promise<Color> {
  const color: Color = { name, address, port, server: http.createServer(), received: [], inFlight: 0, closing: false, dropping: false };
  let served = 0;
  color.server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
    color.received.push(performance.now());
    if (color.dropping) {
      req.socket.destroy();
      return;
    }
    color.inFlight++;
    req.resume();
    const slow = req.url?.startsWith("/slow/") ?? false;
    setTimeout(() => {
      color.inFlight--;
      res.setHeader("Content-Type", "text/plain");
      // Like Tomcat during a graceful shutdown: the last response on a connection says so.
      if (color.closing) res.setHeader("Connection", "close");
      res.end(name);
    }, slow ? SLOW_MS : served++ % 4);
  });
  // Longer than nginx's upstream keepalive_timeout (15 s): nginx, not the API, ends idle connections.
  color.server.keepAliveTimeout = 30_000;
  return new Promise((resolve, reject) => {
    color.server.once("error", reject);
    color.server.listen(port, address, () => resolve(color));
  });
}

/**
 * A graceful stop: no new connection is accepted, idle kept-alive connections are closed, the
 * requests in flight are answered. Resolves when every connection has ended (at most 15 s).
 */
async function closeGracefully(color: Color): Promise<void> {
  color.closing = true;
  const closed = new Promise<void>((resolve) => color.server.close(() => resolve()));
  color.server.closeIdleConnections();
  const timer = setTimeout(() => color.server.closeAllConnections(), 15_000);
  await closed;
  clearTimeout(timer);
}

/** Two loopback addresses listening on one port, as two containers on one network are. */
async function startColors(): Promise<[Color, Color]> {
  for (let attempt = 0; ; attempt++) {
    const port = await freeLoopbackPort();
    const started: Color[] = [];
    try {
      started.push(await startColor("blue", BLUE, port));
      started.push(await startColor("green", GREEN, port));
      return [started[0]!, started[1]!];
    } catch (error) {
      for (const color of started) color.server.close();
      if (attempt >= 5 || (error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
    }
  }
}

interface Reply {
  status: number;
  body: string;
}

function get(port: number, path: string): Promise<Reply> {
  return new Promise((resolve) => {
    const req = http.request({ host: "127.0.0.1", port, path, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", (error) => resolve({ status: 0, body: error.message }));
    });
    req.setTimeout(15_000, () => req.destroy(new Error("no answer within 15 s")));
    req.on("error", (error: NodeJS.ErrnoException) => resolve({ status: 0, body: `${error.code ?? ""} ${error.message}` }));
    req.end();
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Children of `pid` that have not exited (a zombie waiting for its parent counts as exited). */
function liveChildren(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(ppid) === pid && state !== "Z") children.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return children.sort((a, b) => a - b);
}

interface WrkResult {
  requests: number;
  non2xx: number;
  socketErrors: { connect: number; read: number; write: number; timeout: number };
  output: string;
}

/** Bounded in time (-d) and connections (-c); keep-alive, as wrk always is. */
function runWrk(wrk: string, port: number, seconds: number, connections: number): Promise<WrkResult> {
  const args = ["-t2", `-c${connections}`, `-d${seconds}s`, "--timeout", "5s", `http://127.0.0.1:${port}/api/places/1`];
  return new Promise((resolve, reject) => {
    const child = spawn(wrk, args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const killer = setTimeout(() => child.kill("SIGKILL"), (seconds + 20) * 1000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(killer);
      const total = /(\d+) requests in /.exec(output);
      if (code !== 0 || !total) return reject(new Error(`wrk ${args.join(" ")} failed (${code}):\n${output}`));
      const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output)?.slice(1).map(Number) ?? [0, 0, 0, 0];
      resolve({
        requests: Number(total[1]),
        non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0),
        socketErrors: { connect: socket[0]!, read: socket[1]!, write: socket[2]!, timeout: socket[3]! },
        output,
      });
    });
  });
}

/** A running nginx with the rendered config, every path inside its own prefix. */
interface Nginx {
  dir: string;
  port: number;
  child: ChildProcess;
  stderr(): string;
  errorLog(): string;
  /** The status code of every logged request (combined format). */
  accessStatuses(): string[];
}

async function startNginx(binary: string, dir: string, dns: LoopbackDns, apiPort: number, upstreamHosts: string[] | null = null): Promise<Nginx> {
  const port = await freeLoopbackPort();
  const files = renderNginxConf({
    upstreamHost: NAME,
    upstreamHosts,
    upstreamPort: apiPort,
    resolver: dns.resolver,
    listenPort: port,
    workerProcesses: 2,
    user: null,
    pidPath: join(dir, "nginx.pid"),
    errorLogPath: join(dir, "error.log"),
    accessLogPath: join(dir, "access.log"),
    includeDir: join(dir, "conf.d"),
    tempDir: join(dir, "temp"),
    mimeTypesPath: "/etc/nginx/mime.types",
  });
  expect(files["conf.d/default.conf"]).to.include(`resolver ${dns.resolver} valid=1s`).and.include(`server ${(upstreamHosts ?? [NAME])[0]}:${apiPort} resolve;`);
  mkdirSync(join(dir, "temp"), { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  const child = spawn(binary, ["-p", dir, "-c", join(dir, "nginx.conf"), "-g", "daemon off;"], { detached: true, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const read = (file: string) => {
    try {
      return readFileSync(join(dir, file), "utf8");
    } catch {
      return "";
    }
  };
  const nginx: Nginx = {
    dir,
    port,
    child,
    stderr: () => stderr,
    errorLog: () => read("error.log"),
    accessStatuses: () =>
      read("access.log")
        .split("\n")
        .filter(Boolean)
        .map((line) => /" (\d{3}) /.exec(line)?.[1] ?? line),
  };
  // nginx's own health location answers before the API's name resolves.
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${stderr}${nginx.errorLog()}`);
    if ((await get(port, "/nginx-health")).status === 200) return nginx;
    if (Date.now() > deadline) throw new Error(`nginx did not answer on port ${port}: ${stderr}${nginx.errorLog()}`);
    await sleep(50);
  }
}

async function stopNginx(nginx: Nginx | undefined): Promise<void> {
  const child = nginx?.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  // The whole group, so no worker outlives a stuck master.
  const timer = setTimeout(() => process.kill(-child.pid!, "SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}

describe("@trafficlab/edge-proxy switches colors by DNS, with a real nginx and no reload", function () {
  let dir = "";
  let dns: LoopbackDns | undefined;
  let nginx: Nginx | undefined;
  let colors: Color[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "edge-proxy-switch-"));
  });

  afterEach(async () => {
    await stopNginx(nginx);
    nginx = undefined;
    for (const color of colors) {
      color.server.closeAllConnections();
      await new Promise((resolve) => color.server.close(resolve));
    }
    colors = [];
    await dns?.close();
    dns = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  const switches = [
    {
      name: "the name moves from blue to green; blue stops after the drain",
      // The answer flips at once: the old color is out of nginx's upstream before it stops.
      atSwitch: [GREEN],
      whileStopping: [GREEN],
    },
    {
      name: "as rolling-deploy.sh did before issue 17 (one name; GETs, which nginx retries): green joins the name beside blue, blue stops after the drain and leaves the name when it has exited",
      // docker network connect --alias: both answer; docker stop: blue refuses new connections
      // while it still answers to the name, and nginx passes those requests to green.
      atSwitch: [BLUE, GREEN],
      whileStopping: [BLUE, GREEN],
    },
  ];
  for (const { name, atSwitch, whileStopping } of switches) it(`under wrk load, ${name}: no failed request, the same nginx processes`, async function () {
    this.timeout(60_000);
    const [binary, wrk] = requireTools(this, "nginx", "wrk");
    const [blue, green] = await startColors();
    colors = [blue, green];
    dns = await startLoopbackDns({ [NAME]: [BLUE] });
    nginx = await startNginx(binary!, dir, dns, blue.port);
    while ((await get(nginx.port, "/warm")).body !== "blue") await sleep(50);
    const master = nginx.child.pid!;
    const workers = liveChildren(master);
    expect(workers).to.have.length(2);
    expect(readFileSync(join(dir, "nginx.pid"), "utf8").trim()).to.equal(String(master));

    const start = performance.now();
    const load = runWrk(wrk!, nginx.port, LOAD_SECONDS, CONNECTIONS);
    await sleep(SWITCH_AFTER_MS);
    // Requests blue is working on when the name moves, and still when it stops.
    const slow = Array.from({ length: SLOW_REQUESTS }, (_, i) => get(nginx!.port, `/slow/${i}`));
    while (blue.inFlight < SLOW_REQUESTS) await sleep(2);
    const blueBefore = blue.received.length;
    const greenBefore = green.received.length;
    dns.set(NAME, atSwitch);
    const switchedAt = performance.now();
    await sleep(DRAIN_MS);
    const inFlightAtStop = blue.inFlight;
    const stopStarted = performance.now();
    dns.set(NAME, whileStopping);
    await closeGracefully(blue);
    const stopMs = performance.now() - stopStarted;
    // A stopped container leaves the name.
    dns.set(NAME, [GREEN]);
    const result = await load;
    const slowReplies = await Promise.all(slow);
    const elapsed = performance.now() - start;

    const lastOnBlue = Math.max(...blue.received) - switchedAt;
    const firstOnGreen = Math.min(...green.received) - switchedAt;
    const statuses = nginx.accessStatuses();
    // 499: wrk closing its connections at the end of its time, with a request on each.
    const closedByWrk = statuses.filter((status) => status === "499");
    const notOk = statuses.filter((status) => !status.startsWith("2") && status !== "499");
    const summary = [
      `wrk: ${result.requests} requests, non-2xx ${result.non2xx}, socket errors ${JSON.stringify(result.socketErrors)}`,
      `blue received ${blueBefore} before the switch and ${blue.received.length - blueBefore} after; green ${greenBefore} before and ${green.received.length - greenBefore} after`,
      `the first request reached green ${firstOnGreen.toFixed(0)} ms and the last one blue ${lastOnBlue.toFixed(0)} ms after the switch (resolver valid=${RESOLVER_VALID_MS} ms, drain ${DRAIN_MS} ms); ${inFlightAtStop} in flight on blue when it stopped, which took ${stopMs.toFixed(0)} ms`,
      `access log: ${statuses.length} requests, not 2xx: ${notOk.slice(0, 5).join(", ")}; 499 (wrk stopping): ${closedByWrk.length}`,
      `DNS queries for ${NAME}: ${dns.queries(NAME)}; run ${elapsed.toFixed(0)} ms`,
      `slow requests: ${slowReplies.map((r) => `${r.status} ${r.body}`).join("; ")}`,
      `wrk output:\n${result.output}`,
      `error.log:\n${nginx.errorLog()}`,
    ].join("\n");
    console.log(`      switch under load: ${summary.split("\n").slice(0, 5).join("\n        ")}`);

    expect(result.socketErrors, summary).to.deep.equal({ connect: 0, read: 0, write: 0, timeout: 0 });
    expect(result.non2xx, summary).to.equal(0);
    expect(result.requests, summary).to.be.greaterThan(1000);
    expect(notOk, summary).to.deep.equal([]);
    expect(closedByWrk.length, summary).to.be.at.most(CONNECTIONS);
    // Traffic followed the name: green served after the switch, blue got nothing once the drain was over.
    expect(green.received.length - greenBefore, summary).to.be.greaterThan(1000);
    expect(firstOnGreen, `${summary}\nnginx must know the new address before the old color stops`).to.be.lessThan(DRAIN_MS);
    if (!atSwitch.includes(BLUE)) expect(lastOnBlue, `${summary}\nnginx must have dropped the old address before it stops`).to.be.lessThan(DRAIN_MS);
    expect(blueBefore, summary).to.be.greaterThan(100);
    // Requests blue had when the name moved were answered by blue, not cut off.
    expect(inFlightAtStop, "slow requests were still in flight when blue began to stop").to.be.at.least(SLOW_REQUESTS);
    expect(slowReplies, summary).to.deep.equal(Array(SLOW_REQUESTS).fill({ status: 200, body: "blue" }));
    // No reload: the same master and the same workers, no new generation.
    expect(nginx.child.exitCode, summary).to.equal(null);
    expect(readFileSync(join(dir, "nginx.pid"), "utf8").trim()).to.equal(String(master));
    expect(liveChildren(master), "the workers nginx started with, and no other").to.deep.equal(workers);
    expect(nginx.errorLog()).not.to.match(/reconfiguring|signal 1 \(SIGHUP\)|gracefully shutting down/);
  });

  /** POSTs through nginx on kept-alive client connections until `stop`; counts what was not a 200. */
  function postLoad(port: number): { stop(): Promise<{ sent: number; failed: string[] }> } {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const failed: string[] = [];
    let sent = 0;
    let stopping = false;
    const once = () =>
      new Promise<void>((resolve) => {
        sent++;
        const req = http.request({ host: "127.0.0.1", port, path: "/api/orders", method: "POST", agent, headers: { "Content-Type": "application/json" } }, (res) => {
          res.resume();
          res.on("end", () => {
            if (res.statusCode !== 200) failed.push(`HTTP ${res.statusCode}`);
            resolve();
          });
        });
        req.setTimeout(10_000, () => req.destroy(new Error("timeout")));
        req.on("error", (error: NodeJS.ErrnoException) => {
          failed.push(error.code ?? error.message);
          resolve();
        });
        req.end('{"place":1}');
      });
    const worker = async () => {
      while (!stopping) await once();
    };
    const workers = Promise.all(Array.from({ length: 8 }, worker));
    return {
      async stop() {
        stopping = true;
        await workers;
        agent.destroy();
        return { sent, failed };
      },
    };
  }

  // rolling-deploy.sh with one upstream server per colour: green's name starts resolving (it
  // joins), after a drain blue's stops (it is renamed), after another drain blue stops. nginx
  // retries a POST on the other server only when nothing was sent, so what matters is that no
  // request reaches blue once it stops; blue here drops every request it gets from then on.
  it("one upstream name per colour: with blue's name gone before it stops, no POST reaches it, none fails", async function () {
    this.timeout(60_000);
    const [binary] = requireTools(this, "nginx");
    const [blue, green] = await startColors();
    colors = [blue, green];
    dns = await startLoopbackDns({ "blue.test": [BLUE], "green.test": "nxdomain" });
    nginx = await startNginx(binary!, dir, dns, blue.port, ["blue.test", "green.test"]);
    while ((await get(nginx.port, "/warm")).body !== "blue") await sleep(50);
    const load = postLoad(nginx.port);
    await sleep(1000);
    dns.set("green.test", [GREEN]);
    await sleep(DRAIN_MS);
    dns.set("blue.test", "nxdomain");
    await sleep(DRAIN_MS);
    const blueAtStop = blue.received.length;
    blue.dropping = true;
    const closing = closeGracefully(blue);
    await sleep(1500);
    const result = await load.stop();
    await closing;
    const summary = `POSTs ${result.sent}, failed ${result.failed.length} (${[...new Set(result.failed)].join(", ")}); blue got ${blueAtStop} before its stop and ${blue.received.length - blueAtStop} after; green ${green.received.length}\nerror.log:\n${nginx.errorLog().slice(-2000)}`;
    console.log(`      per-colour names, POSTs: ${summary.split("\n")[0]}`);
    expect(result.failed, summary).to.deep.equal([]);
    expect(blue.received.length - blueAtStop, summary).to.equal(0);
    expect(blueAtStop, summary).to.be.greaterThan(100);
    expect(green.received.length, summary).to.be.greaterThan(100);
  });

  it("one name for both colours (before issue 17): POSTs that reach the stopping colour fail, nginx does not retry them", async function () {
    this.timeout(60_000);
    const [binary] = requireTools(this, "nginx");
    const [blue, green] = await startColors();
    colors = [blue, green];
    dns = await startLoopbackDns({ [NAME]: [BLUE] });
    nginx = await startNginx(binary!, dir, dns, blue.port);
    while ((await get(nginx.port, "/warm")).body !== "blue") await sleep(50);
    const load = postLoad(nginx.port);
    await sleep(1000);
    dns.set(NAME, [BLUE, GREEN]);
    await sleep(DRAIN_MS);
    // docker stop while blue still answers to the name: it leaves the name only when it exits.
    blue.dropping = true;
    await sleep(1500);
    dns.set(NAME, [GREEN]);
    await sleep(1500);
    const result = await load.stop();
    const summary = `POSTs ${result.sent}, failed ${result.failed.length} (${[...new Set(result.failed)].join(", ")})`;
    console.log(`      one name, POSTs: ${summary}`);
    expect(result.failed.length, summary).to.be.greaterThan(0);
    expect(result.failed.every((failure) => failure === "HTTP 502"), summary).to.equal(true);
  });

  it("boots before the API: serves within 5 s of the name resolving, without a restart or reload", async function () {
    this.timeout(60_000);
    const [binary] = requireTools(this, "nginx");
    const [blue, green] = await startColors();
    colors = [blue, green];
    // As Docker's DNS answers for an alias no running container has yet.
    dns = await startLoopbackDns({ [NAME]: "nxdomain" });
    nginx = await startNginx(binary!, dir, dns, blue.port);
    const master = nginx.child.pid!;
    const workers = liveChildren(master);
    // Long enough for nginx to have asked, been told no, and cached that answer.
    await sleep(2500);
    const before = await get(nginx.port, "/api/places/1");
    expect(before.status, "no API yet: nginx answers 502 itself").to.equal(502);
    expect(dns.queries(NAME), "nginx asked for the name while it did not exist").to.be.at.least(1);

    // The API is healthy and joins the network under the name.
    dns.set(NAME, [BLUE]);
    const resolvableAt = performance.now();
    let servedAfter = Number.POSITIVE_INFINITY;
    let attempts = 0;
    while (performance.now() - resolvableAt < 15_000) {
      attempts++;
      const reply = await get(nginx.port, "/api/places/1");
      if (reply.status === 200 && reply.body === "blue") {
        servedAfter = performance.now() - resolvableAt;
        break;
      }
      await sleep(20);
    }
    console.log(`      boot order: nginx served ${(servedAfter / 1000).toFixed(2)} s after the name resolved (${attempts} requests, ${dns.queries(NAME)} DNS queries)`);
    expect(servedAfter, nginx.errorLog()).to.be.at.most(BOOT_BOUND_MS);
    expect(nginx.child.exitCode).to.equal(null);
    expect(liveChildren(master)).to.deep.equal(workers);
  });

  it("boots after the API: serves at once", async function () {
    this.timeout(30_000);
    const [binary] = requireTools(this, "nginx");
    const [blue, green] = await startColors();
    colors = [blue, green];
    dns = await startLoopbackDns({ [NAME]: [BLUE] });
    const startedAt = performance.now();
    nginx = await startNginx(binary!, dir, dns, blue.port);
    let reply = await get(nginx.port, "/api/places/1");
    while (reply.status !== 200 && performance.now() - startedAt < 15_000) {
      await sleep(20);
      reply = await get(nginx.port, "/api/places/1");
    }
    const servedAfter = performance.now() - startedAt;
    console.log(`      boot order: nginx started after the API served ${(servedAfter / 1000).toFixed(2)} s after its start`);
    expect(reply).to.deep.equal({ status: 200, body: "blue" });
    expect(servedAfter).to.be.at.most(BOOT_BOUND_MS);
  });
});
