import { expect } from "chai";
import { freeLoopbackPort, requireTools } from "@trafficlab/testing";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { renderNginxConf, renderUpstreamServer, withUpstreamInclude } from "@trafficlab/edge-proxy";


/**
 * The zero-downtime switch of the rolling deploy, with a real nginx on loopback: two API
 * stand-ins (blue, green), clients sending requests without pause, and mid-stream the upstream
 * file is replaced and nginx gets SIGHUP (what `nginx -s reload` sends). No request may fail.
 */


function requireNginx(test: Mocha.Context): string {
  return requireTools(test, "nginx")[0]!;
}

const TOTAL_REQUESTS = 2000;
/** Requests that must start after the old workers are gone, to show only green answers then. */
const AFTER_SWITCH = 300;
/** Hard cap, so a reload that never finishes ends the load anyway. */
const MAX_REQUESTS = 8000;
const SWITCH_AT = 600;
const KEEPALIVE_CLIENTS = 8;
const FRESH_CONNECTION_CLIENTS = 2;
const SLOW_REQUESTS = 4;
const SLOW_MS = 400;

interface Color {
  name: string;
  server: http.Server;
  port: number;
  /** /slow/* requests received and not yet answered. */
  slowInFlight: number;
  /** Every path it received. */
  seen: Set<string>;
}

/** An API stand-in answering its color; /slow/* answers after SLOW_MS, others after 0-3 ms so some are always in flight. */
function startColor(name: string): Promise<Color> {
  const color: Color = { name, server: http.createServer(), port: 0, slowInFlight: 0, seen: new Set() };
  let served = 0;
  color.server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
    const slow = req.url?.startsWith("/slow/") ?? false;
    if (slow) color.slowInFlight++;
    color.seen.add(req.url ?? "");
    req.resume();
    setTimeout(() => {
      if (slow) color.slowInFlight--;
      res.setHeader("Content-Type", "text/plain");
      res.end(name);
    }, slow ? SLOW_MS : served++ % 4);
  });
  color.server.keepAliveTimeout = 120_000;
  return new Promise((resolve) =>
    color.server.listen(0, "127.0.0.1", () => {
      color.port = (color.server.address() as net.AddressInfo).port;
      resolve(color);
    }),
  );
}


interface Outcome {
  path: string;
  /** performance.now() when the request was sent. */
  startedAt: number;
  status?: number;
  body?: string;
  error?: string;
  /** Sent on a kept-alive connection that an earlier request used. */
  reused?: boolean;
  /** Any part of a response arrived. */
  responded?: boolean;
  /** The first attempt, when this outcome is its retry. */
  retryOf?: Outcome;
}

function get(port: number, path: string, agent: http.Agent | false): Promise<Outcome> {
  const startedAt = performance.now();
  return new Promise((resolve) => {
    const req = http.request({ host: "127.0.0.1", port, path, agent }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ path, startedAt, status: res.statusCode, body, reused: req.reusedSocket, responded: true }));
      res.on("error", (error) => resolve({ path, startedAt, error: error.message, reused: req.reusedSocket, responded: true }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error("no answer within 10 s")));
    req.on("error", (error: NodeJS.ErrnoException) => resolve({ path, startedAt, error: `${error.code ?? ""} ${error.message}`, reused: req.reusedSocket, responded: false }));
    req.end();
  });
}

/**
 * What browsers, curl and Go's client do (RFC 9112 9.3.1): a GET on a kept-alive connection
 * that the server closed before any byte of a response may be sent again on a new connection.
 * The race it covers: an old worker closes its idle keepalive connections when it shuts down,
 * just as the client writes its next request on one.
 */
async function getWithRetry(port: number, path: string, agent: http.Agent | false): Promise<Outcome> {
  const first = await get(port, path, agent);
  if (!first.error || !first.reused || first.responded) return first;
  return { ...(await get(port, `${path}?retry=1`, agent)), retryOf: first };
}

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
  return children;
}

function writeAtomically(path: string, content: string): void {
  writeFileSync(`${path}.tmp`, content);
  renameSync(`${path}.tmp`, path);
}

function run(binary: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("@trafficlab/edge-proxy reload under load with a real nginx", function () {
  let nginx: ChildProcess | undefined;
  let nginxStderr = "";
  let dir = "";
  const colors: Color[] = [];

  after(async () => {
    if (nginx && nginx.exitCode === null && nginx.signalCode === null) {
      const exited = new Promise((resolve) => nginx!.once("exit", resolve));
      nginx.kill("SIGTERM");
      // The whole group, so no worker outlives a stuck master.
      const timer = setTimeout(() => process.kill(-nginx!.pid!, "SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }
    for (const color of colors) {
      color.server.closeAllConnections();
      await new Promise((resolve) => color.server.close(resolve));
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("switches the upstream file from blue to green and reloads mid-stream without one failed request", async function () {
    this.timeout(20_000);
    const binary = requireNginx(this);
    const [blue, green] = [await startColor("blue"), await startColor("green")];
    colors.push(blue!, green!);
    dir = mkdtempSync(join(tmpdir(), "edge-proxy-reload-"));
    const upstreamFile = join(dir, "upstream.conf");
    const port = await freeLoopbackPort();
    const files = withUpstreamInclude(
      renderNginxConf({
        user: null,
        pidPath: join(dir, "nginx.pid"),
        errorLogPath: join(dir, "error.log"),
        accessLogPath: join(dir, "access.log"),
        includeDir: join(dir, "conf.d"),
        tempDir: join(dir, "temp"),
        mimeTypesPath: "/etc/nginx/mime.types",
        listenPort: port,
        workerProcesses: 2,
      }),
      upstreamFile,
    );
    mkdirSync(join(dir, "temp"), { recursive: true });
    for (const [name, content] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), content);
    }
    writeFileSync(upstreamFile, renderUpstreamServer("127.0.0.1", blue!.port));
    const config = join(dir, "nginx.conf");

    nginx = spawn(binary, ["-p", dir, "-c", config, "-g", "daemon off;"], { detached: true, stdio: ["ignore", "ignore", "pipe"] });
    nginx.stderr!.on("data", (chunk: Buffer) => (nginxStderr += chunk.toString()));
    const master = nginx.pid!;
    for (let ready = false; !ready; ) {
      if (nginx.exitCode !== null) throw new Error(`nginx exited with ${nginx.exitCode}: ${nginxStderr}`);
      const reply = await get(port, "/nginx-health", false);
      ready = reply.status === 200;
      if (!ready) await sleep(50);
    }

    const outcomes: Outcome[] = [];
    let switchDoneAt = Number.POSITIVE_INFINITY;
    let startedAfterSwitch = 0;
    let started = 0;
    const done = () => (started >= TOTAL_REQUESTS && startedAfterSwitch >= AFTER_SWITCH) || started >= MAX_REQUESTS;
    const fresh: Outcome[] = [];
    const client = async (agent: http.Agent | false) => {
      while (!done()) {
        started++;
        if (performance.now() > switchDoneAt) startedAfterSwitch++;
        const outcome = await getWithRetry(port, `/api/places/${started}`, agent);
        outcomes.push(outcome);
        if (agent === false) fresh.push(outcome);
      }
    };

    let slow: Promise<Outcome[]> = Promise.resolve([]);
    let reloadOutput = "";
    const switchToGreen = async () => {
      while (outcomes.length < SWITCH_AT) await sleep(5);
      // Requests that are still on blue when the reload comes: the old workers must finish them.
      slow = Promise.all(Array.from({ length: SLOW_REQUESTS }, (_, i) => get(port, `/slow/${i}`, false)));
      while (blue!.slowInFlight < SLOW_REQUESTS) await sleep(2);
      writeAtomically(upstreamFile, renderUpstreamServer("127.0.0.1", green!.port));
      const test = await run(binary, ["-t", "-p", dir, "-c", config]);
      reloadOutput = test.output;
      if (test.code !== 0) throw new Error(`nginx -t refused the green upstream: ${test.output}`);
      const oldWorkers = liveChildren(master);
      process.kill(master, "SIGHUP");
      // Done when every worker of the old generation has exited; later requests can only meet new ones.
      while (oldWorkers.some((pid) => liveChildren(master).includes(pid))) await sleep(5);
      switchDoneAt = performance.now();
    };

    const agents = Array.from({ length: KEEPALIVE_CLIENTS }, () => new http.Agent({ keepAlive: true, maxSockets: 1 }));
    try {
      await Promise.all([
        switchToGreen(),
        ...agents.map((agent) => client(agent)),
        ...Array.from({ length: FRESH_CONNECTION_CLIENTS }, () => client(false)),
      ]);
    } finally {
      for (const agent of agents) agent.destroy();
    }
    const slowOutcomes = await slow;

    const failed = [...outcomes, ...slowOutcomes].filter((o) => o.status !== 200);
    const retried = outcomes.filter((o) => o.retryOf).map((o) => o.retryOf!);
    // Proof that a retried first attempt was never read by nginx, so sending it again is safe.
    const accessLog = readFileSync(join(dir, "access.log"), "utf8");
    const readByNginx = retried.filter((o) => accessLog.includes(`"GET ${o.path} HTTP/1.1"`) || blue!.seen.has(o.path) || green!.seen.has(o.path));
    const body = (o: Outcome) => o.body;
    const afterSwitch = outcomes.filter((o) => o.startedAt > switchDoneAt);
    const count = (color: string) => outcomes.filter((o) => o.body === color).length;
    const summary = [
      `${outcomes.length} requests: ${failed.length} failed (${failed.slice(0, 5).map((o) => o.error ?? `${o.status} ${o.body}`).join("; ")}),`,
      `${count("blue")} blue, ${count("green")} green, ${afterSwitch.length} after the old workers left,`,
      `${retried.length} sent again after a kept-alive connection closed before any response (${retried.map((o) => o.error).join("; ")})`,
      `nginx -t: ${reloadOutput}`,
      `nginx stderr: ${nginxStderr}`,
      `error.log: ${existsSync(join(dir, "error.log")) ? readFileSync(join(dir, "error.log"), "utf8") : ""}`,
    ].join("\n");

    expect(failed, summary).to.deep.equal([]);
    expect(readByNginx, summary).to.deep.equal([]);
    expect(retried.filter((o) => o.startedAt > switchDoneAt), "connection closes come only from the old workers shutting down").to.deep.equal([]);
    expect(fresh.length, "clients on new connections ran too").to.be.greaterThan(0);
    expect(outcomes.length, summary).to.be.at.least(TOTAL_REQUESTS);
    expect(outcomes.some((o) => o.body === "blue"), summary).to.equal(true);
    expect(outcomes.some((o) => o.body === "green"), summary).to.equal(true);
    expect(slowOutcomes.map(body), "requests in flight at the reload finish on blue").to.deep.equal(Array(SLOW_REQUESTS).fill("blue"));
    expect(afterSwitch.length, summary).to.be.at.least(AFTER_SWITCH);
    expect([...new Set(afterSwitch.map(body))], summary).to.deep.equal(["green"]);
    expect(nginx.exitCode, "the master survives the reload").to.equal(null);
    expect(liveChildren(master)).to.have.length(2);
  });
});
