import { expect } from "chai";
import { findTool, freeLoopbackPort, requireTools } from "@trafficlab/testing";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { gunzipSync } from "node:zlib";
import { renderNginxConf, type NginxConfFiles, type NginxOptions } from "@trafficlab/edge-proxy";


function requireNginx(test: Mocha.Context): string {
  return requireTools(test, "nginx")[0]!;
}

/** Renders into a fresh prefix directory, with every path nginx writes kept inside it. */
function writeConfig(prefix: string, options: NginxOptions): NginxConfFiles {
  const files = renderNginxConf({
    user: null,
    pidPath: join(prefix, "nginx.pid"),
    errorLogPath: join(prefix, "error.log"),
    accessLogPath: join(prefix, "access.log"),
    includeDir: join(prefix, "conf.d"),
    tempDir: join(prefix, "temp"),
    mimeTypesPath: "/etc/nginx/mime.types",
    ...options,
  });
  mkdirSync(join(prefix, "temp"), { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(prefix, name)), { recursive: true });
    writeFileSync(join(prefix, name), content);
  }
  return files;
}


interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One request on a new client connection, so any connection reuse seen upstream is nginx's. */
function request(port: number, path: string, headers: Record<string, string> = {}, method = "GET", body?: Buffer): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

interface Seen {
  url: string;
  httpVersion: string;
  headers: http.IncomingHttpHeaders;
  remotePort: number;
}

const BIG_JSON = JSON.stringify({ items: Array.from({ length: 200 }, (_, i) => ({ id: i, name: `place-${i}` })) });

/** The API stand-in: records what reached it and over which socket. */
function startStubApi(seen: Seen[]): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer((req, res) => {
    seen.push({ url: req.url ?? "", httpVersion: req.httpVersion, headers: req.headers, remotePort: req.socket.remotePort ?? 0 });
    req.resume();
    res.setHeader("Content-Type", "application/json");
    res.end(req.url === "/big.json" ? BIG_JSON : '{"ok":true}');
  });
  // Keep idle sockets longer than the test runs, so reuse depends on nginx alone.
  server.keepAliveTimeout = 120_000;
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ server, port: (server.address() as net.AddressInfo).port })));
}

/** Waits until nginx itself answers the health location (a proxied 200 from the API does not count). */
async function waitUntilHealthy(port: number, path: string, nginx: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (nginx.exitCode !== null) throw new Error(`nginx exited with ${nginx.exitCode}: ${stderr()}`);
    try {
      const reply = await request(port, path);
      if (reply.status === 200 && reply.body.toString() === "ok\n") return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`nginx did not answer ${path} on port ${port}: ${stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The worker processes of an nginx master. */
function workersOf(master: number): number[] {
  const result = spawnSync("pgrep", ["-P", String(master)], { encoding: "utf8" });
  return result.stdout.split("\n").filter(Boolean).map(Number);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntilGone(pids: number[], stderr: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (pids.some(isAlive)) {
    if (Date.now() > deadline) throw new Error(`nginx workers ${pids.join(", ")} did not exit after the reload: ${stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => {
    // The whole group, so no worker outlives a stuck master.
    if (child.pid) process.kill(-child.pid, "SIGKILL");
  }, 5000);
  await exited;
  clearTimeout(timer);
}

describe("@trafficlab/edge-proxy with a real nginx", function () {
  const prefixes: string[] = [];
  function prefix(): string {
    const dir = mkdtempSync(join(tmpdir(), "edge-proxy-"));
    prefixes.push(dir);
    return dir;
  }
  after(() => {
    for (const dir of prefixes) rmSync(dir, { recursive: true, force: true });
  });

  it("nginx -t accepts the rendered config with defaults and with every option set", function () {
    const nginx = requireNginx(this);
    const variants: NginxOptions[] = [
      {},
      {
        upstreamHost: "127.0.0.1",
        upstreamPort: 9000,
        listenPort: 18080,
        healthPath: "/healthz",
        clientMaxBodySize: "1m",
        proxyConnectTimeout: "2s",
        proxyReadTimeout: "30s",
        proxySendTimeout: "30s",
        upstreamKeepalive: 4,
        workerProcesses: 1,
        workerConnections: 256,
        gzipMinLength: 100,
        accessLogPath: "off",
        errorLogPath: "stderr",
      },
    ];
    for (const options of variants) {
      const dir = prefix();
      // Defaults name host "api", which nginx -t must resolve: point it at loopback instead.
      writeConfig(dir, { upstreamHost: "127.0.0.1", ...options });
      const result = spawnSync(nginx, ["-t", "-p", dir, "-c", join(dir, "nginx.conf")], { encoding: "utf8" });
      expect(result.status, result.stderr).to.equal(0);
      expect(result.stderr).to.include("syntax is ok").and.include("test is successful");
    }
  });

  describe("round trip on loopback", function () {
    const seen: Seen[] = [];
    let api: http.Server | undefined;
    let nginx: ChildProcess | undefined;
    let nginxStderr = "";
    let dir = "";
    let port = 0;

    before(async function () {
      const binary = requireNginx(this);
      const stub = await startStubApi(seen);
      api = stub.server;
      port = await freeLoopbackPort();
      dir = prefix();
      writeConfig(dir, { upstreamHost: "127.0.0.1", upstreamPort: stub.port, listenPort: port, workerProcesses: 2, clientMaxBodySize: "1k" });
      nginx = spawn(binary, ["-p", dir, "-c", join(dir, "nginx.conf"), "-g", "daemon off;"], { detached: true, stdio: ["ignore", "ignore", "pipe"] });
      nginx.stderr!.on("data", (chunk: Buffer) => (nginxStderr += chunk.toString()));
      await waitUntilHealthy(port, "/nginx-health", nginx, () => nginxStderr);
    });

    after(async () => {
      await stop(nginx);
      await new Promise((resolve) => (api ? api.close(resolve) : resolve(undefined)));
    });

    beforeEach(() => {
      seen.length = 0;
    });

    it("passes Host, X-Forwarded-For, X-Forwarded-Proto and X-Real-IP over HTTP/1.1 without Connection: close", async () => {
      const reply = await request(port, "/api/places?page=1", { Host: "travel.example.test" });
      expect(reply.status).to.equal(200);
      expect(JSON.parse(reply.body.toString())).to.deep.equal({ ok: true });
      expect(seen).to.have.length(1);
      const { url, headers, httpVersion } = seen[0]!;
      expect(url).to.equal("/api/places?page=1");
      expect(httpVersion).to.equal("1.1");
      expect(headers).to.include({
        host: "travel.example.test",
        "x-real-ip": "127.0.0.1",
        "x-forwarded-for": "127.0.0.1",
        "x-forwarded-proto": "http",
      });
      expect(headers.connection).to.equal(undefined);
    });

    it("replaces a spoofed X-Real-IP and appends to a client's X-Forwarded-For", async () => {
      await request(port, "/", { "X-Real-IP": "6.6.6.6", "X-Forwarded-For": "10.1.2.3" });
      expect(seen[0]!.headers["x-real-ip"]).to.equal("127.0.0.1");
      expect(seen[0]!.headers["x-forwarded-for"]).to.equal("10.1.2.3, 127.0.0.1");
    });

    it("answers the health location itself, without touching the API", async () => {
      const reply = await request(port, "/nginx-health");
      expect(reply.status).to.equal(200);
      expect(reply.body.toString()).to.equal("ok\n");
      expect(seen).to.have.length(0);
    });

    it("hides the nginx version", async () => {
      expect((await request(port, "/nginx-health")).headers.server).to.equal("nginx");
    });

    it("gzips JSON above the minimum length and leaves short replies alone", async () => {
      const big = await request(port, "/big.json", { "Accept-Encoding": "gzip" });
      expect(Buffer.byteLength(BIG_JSON)).to.be.greaterThan(1024);
      expect(big.headers["content-encoding"]).to.equal("gzip");
      expect(big.headers.vary).to.include("Accept-Encoding");
      expect(gunzipSync(big.body).toString()).to.equal(BIG_JSON);
      expect(big.body.length).to.be.lessThan(Buffer.byteLength(BIG_JSON) / 2);
      const small = await request(port, "/small.json", { "Accept-Encoding": "gzip" });
      expect(small.headers["content-encoding"]).to.equal(undefined);
    });

    it("refuses a body over client_max_body_size with 413 before the API sees it", async () => {
      const reply = await request(port, "/upload", { "Content-Type": "application/octet-stream" }, "POST", Buffer.alloc(4096));
      expect(reply.status).to.equal(413);
      expect(seen).to.have.length(0);
    });

    it("reuses upstream connections: 20 requests on 20 client connections reach the API over at most 2 sockets (one per worker)", async () => {
      for (let i = 0; i < 20; i++) expect((await request(port, `/r/${i}`)).status).to.equal(200);
      expect(seen).to.have.length(20);
      const sockets = new Set(seen.map((s) => s.remotePort));
      expect(sockets.size).to.be.at.most(2);
    });

    it("picks up a changed config on nginx -s reload, without a restart", async () => {
      const master = nginx!.pid!;
      const oldWorkers = workersOf(master);
      expect(oldWorkers).to.have.length(2);
      writeConfig(dir, { upstreamHost: "127.0.0.1", upstreamPort: (api!.address() as net.AddressInfo).port, listenPort: port, workerProcesses: 2, healthPath: "/healthz" });
      const result = spawnSync(findTool("nginx")!, ["-p", dir, "-c", join(dir, "nginx.conf"), "-s", "reload"], { encoding: "utf8" });
      expect(result.status, result.stderr).to.equal(0);
      // Until the old workers have exited, a connection may still reach one of them.
      await waitUntilGone(oldWorkers, () => nginxStderr);
      expect(nginx!.exitCode).to.equal(null);
      expect(workersOf(master)).to.have.length(2);
      const reply = await request(port, "/healthz");
      expect(reply.body.toString()).to.equal("ok\n");
      expect(seen).to.have.length(0);
    });
  });
});
