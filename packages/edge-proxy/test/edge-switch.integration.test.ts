import { expect } from "chai";
import { freeLoopbackPort, requireTools } from "@trafficlab/testing";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import * as http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderEdgeFrontConf, renderNginxConf } from "@trafficlab/edge-proxy";

/**
 * The single host's edge with real nginx, on loopback: the front (a `stream` proxy,
 * renderEdgeFrontConf) on a TCP port, two HTTP nginx colours (renderNginxConf with
 * frontSocketDir) listening on UNIX sockets in their own directories, `live` a symlink to the one
 * that serves, an API stand-in behind them. The switch is what edge-deploy.sh does: start the new
 * colour, move `live` with one rename, put the draining flag in the old colour's directory, wait,
 * SIGQUIT the old colour (docker stop with the image's STOPSIGNAL).
 */

const LOAD_SECONDS = 9;
const SWITCH_AFTER_MS = 3000;
const DRAIN_MS = 3000;

/** Where a stream module built as a module is, when nginx has one (Debian's; the official image has it built in). */
function streamModuleConfig(nginx: string, dir: string): string {
  const version = spawnSync(nginx, ["-V"], { encoding: "utf8" });
  const text = `${version.stdout}${version.stderr}`;
  const file = join(dir, "modules.conf");
  if (!/--with-stream=dynamic/.test(text)) {
    writeFileSync(file, "");
    return file;
  }
  const candidates = [
    join(process.env.NGINX_PREFIX ?? "/opt/trafficlab-nginx", "usr/lib/nginx/modules/ngx_stream_module.so"),
    `${/--modules-path=(\S+)/.exec(text)?.[1] ?? "/usr/lib/nginx/modules"}/ngx_stream_module.so`,
  ];
  const found = candidates.find((path) => existsSync(path));
  if (!found) throw new Error(`nginx builds stream as a module, and ngx_stream_module.so is in none of ${candidates.join(", ")}: run tools/install-nginx.sh`);
  writeFileSync(file, `load_module ${found};\n`);
  return file;
}

interface Seen {
  method: string;
  body: string;
  realIp: string | undefined;
  forwardedFor: string | undefined;
}

function startApi(): Promise<{ port: number; seen: Seen[]; close(): void }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      seen.push({ method: req.method ?? "", body, realIp: req.headers["x-real-ip"] as string | undefined, forwardedFor: req.headers["x-forwarded-for"] as string | undefined });
      res.setHeader("Content-Type", "application/json");
      res.end(JSON.stringify({ method: req.method, body }));
    });
  });
  server.keepAliveTimeout = 30_000;
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ port: (server.address() as { port: number }).port, seen, close: () => server.close() })));
}

interface Edge {
  dir: string;
  port: number;
  start(colour: "blue" | "green"): void;
  /** Moves `live` to the colour, with one rename (no moment without it). */
  switchTo(colour: "blue" | "green"): void;
  drain(colour: "blue" | "green"): void;
  quit(colour: "blue" | "green"): void;
  accessLog(colour: "blue" | "green"): string;
  stop(): void;
}

async function startEdge(nginx: string, apiPort: number): Promise<Edge> {
  const dir = mkdtempSync(join(tmpdir(), "edge-switch-"));
  // Workers of a root master without a user directive run as nobody: they must reach the sockets.
  chmodSync(dir, 0o755);
  const sockets = join(dir, "edge");
  mkdirSync(sockets);
  const port = await freeLoopbackPort();
  const run = (args: string[]) => {
    const result = spawnSync(nginx, args, { encoding: "utf8" });
    if (result.status !== 0) throw new Error(`nginx ${args.join(" ")} failed: ${result.stderr}`);
    return result;
  };
  const front = renderEdgeFrontConf({ httpPort: port, httpsPort: null, socketDir: sockets, moduleConfigs: streamModuleConfig(nginx, dir), user: null, pidPath: join(dir, "front.pid"), errorLogPath: join(dir, "front.error.log") });
  writeFileSync(join(dir, "front.conf"), front);
  const colourDir = (colour: string) => join(dir, colour);
  const started: string[] = [];
  for (const colour of ["blue", "green"]) {
    const d = colourDir(colour);
    mkdirSync(join(d, "conf.d"), { recursive: true });
    mkdirSync(join(d, "temp"));
    mkdirSync(join(sockets, colour));
    const files = renderNginxConf({
      upstreamHost: "127.0.0.1",
      upstreamPort: apiPort,
      resolver: null,
      listenPort: await freeLoopbackPort(),
      workerProcesses: 2,
      user: null,
      pidPath: join(d, "nginx.pid"),
      errorLogPath: join(d, "error.log"),
      accessLogPath: join(d, "access.log"),
      includeDir: join(d, "conf.d"),
      tempDir: join(d, "temp"),
      frontSocketDir: join(sockets, colour),
    });
    writeFileSync(join(d, "nginx.conf"), files["nginx.conf"]);
    writeFileSync(join(d, "conf.d", "default.conf"), files["conf.d/default.conf"]);
    run(["-t", "-q", "-c", join(d, "nginx.conf")]);
  }
  run(["-t", "-q", "-c", join(dir, "front.conf")]);
  const pidOf = (file: string) => Number(readFileSync(file, "utf8").trim());
  const edge: Edge = {
    dir,
    port,
    start(colour) {
      run(["-c", join(colourDir(colour), "nginx.conf")]);
      started.push(join(colourDir(colour), "nginx.pid"));
    },
    switchTo(colour) {
      symlinkSync(colour, join(sockets, ".live.new"));
      renameSync(join(sockets, ".live.new"), join(sockets, "live"));
    },
    drain(colour) {
      writeFileSync(join(sockets, colour, "draining"), "");
    },
    quit(colour) {
      process.kill(pidOf(join(colourDir(colour), "nginx.pid")), "SIGQUIT");
    },
    accessLog: (colour) => (existsSync(join(colourDir(colour), "access.log")) ? readFileSync(join(colourDir(colour), "access.log"), "utf8") : ""),
    stop() {
      for (const pidFile of [...started, join(dir, "front.pid")]) {
        try {
          process.kill(pidOf(pidFile), "SIGTERM");
        } catch {
          // gone already
        }
      }
    },
  };
  run(["-c", join(dir, "front.conf")]);
  return edge;
}

interface Wrk {
  requests: number;
  non2xx: number;
  socketErrors: number;
  output: string;
}

/** wrk as the e2e runs it: 16 keep-alive connections, each pausing 20 ms, GET and POST alternately. */
function runWrk(wrk: string, dir: string, port: number): Promise<Wrk> {
  const script = join(dir, "pace.lua");
  writeFileSync(
    script,
    [
      "local count = 0",
      "function request()",
      "  count = count + 1",
      '  if count % 2 == 0 then return wrk.format("POST", "/api/echo", { ["Content-Type"] = "application/json" }, \'{"probe":"switch"}\') end',
      '  return wrk.format("GET")',
      "end",
      "function delay() return 20 end",
      "",
    ].join("\n"),
  );
  return new Promise((resolve, reject) => {
    const child = spawn(wrk, ["-t2", "-c16", `-d${LOAD_SECONDS}s`, "--timeout", "5s", "-s", script, `http://127.0.0.1:${port}/api/info`], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", reject);
    child.on("close", () => {
      const requests = /(\d+) requests in /.exec(output);
      if (!requests) return reject(new Error(`wrk printed no summary:\n${output}`));
      const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output)?.slice(1).map(Number) ?? [0, 0, 0, 0];
      resolve({ requests: Number(requests[1]), non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0), socketErrors: socket.reduce((a, b) => a + b, 0), output });
    });
  });
}

function request(port: number, options: { method?: string; body?: string; localAddress?: string; agent?: http.Agent } = {}): Promise<{ status: number; connection: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path: "/api/echo", method: options.method ?? "GET", localAddress: options.localAddress, agent: options.agent ?? false }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body }));
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("@trafficlab/edge-proxy edge front and blue/green colours with a real nginx", function () {
  this.timeout(60_000);
  let nginx: string;
  let wrk: string;
  let api: Awaited<ReturnType<typeof startApi>> | undefined;
  let edge: Edge | undefined;

  beforeEach(async function () {
    [nginx, wrk] = requireTools(this, "nginx", "wrk") as [string, string];
    api = await startApi();
    edge = await startEdge(nginx, api.port);
    edge.start("blue");
    edge.switchTo("blue");
  });

  afterEach(() => {
    edge?.stop();
    api?.close();
    if (edge) rmSync(edge.dir, { recursive: true, force: true });
    edge = undefined;
  });

  it("nginx -t accepts the front with HTTPS passed on, and a colour serving TLS on its socket", () => {
    const dir = mkdtempSync(join(tmpdir(), "edge-front-t-"));
    try {
      writeFileSync(join(dir, "front.conf"), renderEdgeFrontConf({ socketDir: dir, moduleConfigs: streamModuleConfig(nginx, dir), user: null, pidPath: join(dir, "front.pid"), errorLogPath: join(dir, "error.log"), httpPort: 18080, httpsPort: 18443 }));
      const front = spawnSync(nginx, ["-t", "-c", join(dir, "front.conf")], { encoding: "utf8" });
      expect(front.status, front.stderr).to.equal(0);
      const files = renderNginxConf({
        user: null,
        pidPath: join(dir, "nginx.pid"),
        errorLogPath: join(dir, "error.log"),
        accessLogPath: join(dir, "access.log"),
        includeDir: join(dir, "conf.d"),
        tempDir: dir,
        frontSocketDir: dir,
        tls: { domain: "api.test", certificateDir: join(dir, "tls"), acmeWebroot: join(dir, "webroot") },
      });
      mkdirSync(join(dir, "conf.d"));
      writeFileSync(join(dir, "nginx.conf"), files["nginx.conf"]);
      writeFileSync(join(dir, "conf.d", "default.conf"), files["conf.d/default.conf"]);
      const colour = spawnSync(nginx, ["-t", "-c", join(dir, "nginx.conf")], { encoding: "utf8" });
      expect(colour.status, colour.stderr).to.equal(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("gives the colour the client's address through the front (PROXY protocol): the API and the access log see it, not the front's", async () => {
    const answer = await request(edge!.port, { localAddress: "127.0.0.7" });
    expect(answer.status).to.equal(200);
    expect(api!.seen.at(-1)).to.deep.include({ realIp: "127.0.0.7", forwardedFor: "127.0.0.7" });
    expect(edge!.accessLog("blue")).to.match(/^127\.0\.0\.7 - - \[/m);
  });

  it("while draining, answers GET and POST through @draining: the method and body kept, and Connection: close", async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    expect((await request(edge!.port, { agent })).connection).to.equal("keep-alive");
    edge!.drain("blue");
    const post = await request(edge!.port, { method: "POST", body: '{"a":1}', agent });
    agent.destroy();
    expect(post.status).to.equal(200);
    expect(post.connection).to.equal("close");
    expect(JSON.parse(post.body)).to.deep.equal({ method: "POST", body: '{"a":1}' });
    expect(api!.seen.at(-1)).to.deep.include({ method: "POST", body: '{"a":1}', realIp: "127.0.0.1" });
  });

  it("switches colours under keep-alive GET + POST load with 0 errors when the old one drains first (and measures the same switch without the drain beside it)", async function () {
    const switchUnder = async (from: "blue" | "green", to: "blue" | "green", drain: boolean): Promise<Wrk> => {
      const load = runWrk(wrk, edge!.dir, edge!.port);
      await sleep(SWITCH_AFTER_MS);
      edge!.start(to);
      edge!.switchTo(to);
      if (drain) {
        edge!.drain(from);
        await sleep(DRAIN_MS);
      }
      edge!.quit(from);
      return load;
    };
    const drained = await switchUnder("blue", "green", true);
    // Back to blue the other way: green quits at once, as a plain graceful stop would.
    const abrupt = await switchUnder("green", "blue", false);
    console.log(
      `      drain then quit: wrk ${drained.requests} requests, ${drained.non2xx} non-2xx, ${drained.socketErrors} socket errors; quit without the drain: wrk ${abrupt.requests} requests, ${abrupt.non2xx} non-2xx, ${abrupt.socketErrors} socket errors`,
    );
    expect(drained.requests).to.be.greaterThan(1000);
    expect(drained.non2xx, drained.output).to.equal(0);
    expect(drained.socketErrors, drained.output).to.equal(0);
    // Why the drain is there: a graceful quit alone closes every idle keep-alive connection, and a client
    // that just wrote on one sees an error. That is a race (12-13 errors on a quiet machine, 0 seen
    // under heavy load), so it is printed above as the comparison, not asserted.
    expect(abrupt.requests).to.be.greaterThan(1000);
    expect(abrupt.non2xx).to.equal(0);
  });
});
