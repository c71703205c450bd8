import { expect } from "chai";
import { findTool, freeLoopbackPort, requireTools, startLoopbackDns, type LoopbackDns } from "@trafficlab/testing";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import * as net from "node:net";
import * as tls from "node:tls";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { gunzipSync } from "node:zlib";
import { renderAcmeScripts, renderNginxConf, type NginxConfFiles, type NginxOptions } from "@trafficlab/edge-proxy";


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

/** The API's name, as nginx asks the DNS server for it. */
const API_NAME = "api.test";

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

/** Waits until a request reaches the API through nginx: the API's name is resolved. */
async function waitUntilProxied(port: number, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await request(port, "/ready").catch(() => undefined))?.status !== 200) {
    if (Date.now() > deadline) throw new Error(`nginx did not reach the API within 10 s: ${stderr()}`);
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

  it("nginx -t accepts the rendered config: defaults (the API's name unresolved), every option set, no resolver, HTTPS", function () {
    const nginx = requireNginx(this);
    const variants: Array<{ options: NginxOptions; has: string }> = [
      // The shipped shape: `server api:8080 resolve` with Docker's DNS, which does not exist
      // here. nginx -t, and nginx itself, start without resolving the name.
      { options: {}, has: "    server api:8080 resolve;" },
      {
        options: {
          upstreamHost: "trafficlab-api-live",
          upstreamPort: 9000,
          listenPort: 18080,
          tlsListenPort: 18443,
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
          resolver: "127.0.0.1:5353",
          resolverValid: "2s",
          tls: { domain: "api.example.com", hstsMaxAgeSeconds: 0, certificateCacheSeconds: 5 },
        },
        has: "resolver 127.0.0.1:5353 valid=2s ipv6=off;",
      },
      // Without a resolver the name is resolved once, at start: it must resolve then.
      { options: { upstreamHost: "127.0.0.1", resolver: null }, has: "    server 127.0.0.1:8080;" },
      { options: { tls: { domain: "api.example.com" } }, has: "ssl_certificate_cache max=4 valid=60s;" },
    ];
    for (const { options, has } of variants) {
      const dir = prefix();
      const files = writeConfig(dir, options);
      expect(files["conf.d/default.conf"]).to.include(has);
      const result = spawnSync(nginx, ["-t", "-p", dir, "-c", join(dir, "nginx.conf")], { encoding: "utf8" });
      expect(result.status, `${result.stderr}\n${files["conf.d/default.conf"]}`).to.equal(0);
      expect(result.stderr).to.include("syntax is ok").and.include("test is successful");
    }
  });

  describe("round trip on loopback", function () {
    const seen: Seen[] = [];
    let api: http.Server | undefined;
    let dns: LoopbackDns | undefined;
    let nginx: ChildProcess | undefined;
    let nginxStderr = "";
    let dir = "";
    let port = 0;

    before(async function () {
      const binary = requireNginx(this);
      const stub = await startStubApi(seen);
      api = stub.server;
      // As shipped: nginx resolves the API's name (Docker's DNS there, one on loopback here).
      dns = await startLoopbackDns({ [API_NAME]: ["127.0.0.1"] });
      port = await freeLoopbackPort();
      dir = prefix();
      writeConfig(dir, { upstreamHost: API_NAME, upstreamPort: stub.port, resolver: dns.resolver, listenPort: port, workerProcesses: 2, clientMaxBodySize: "1k" });
      nginx = spawn(binary, ["-p", dir, "-c", join(dir, "nginx.conf"), "-g", "daemon off;"], { detached: true, stdio: ["ignore", "ignore", "pipe"] });
      nginx.stderr!.on("data", (chunk: Buffer) => (nginxStderr += chunk.toString()));
      await waitUntilHealthy(port, "/nginx-health", nginx, () => nginxStderr);
      await waitUntilProxied(port, () => nginxStderr);
    });

    after(async () => {
      await stop(nginx);
      api?.closeAllConnections();
      await new Promise((resolve) => (api ? api.close(resolve) : resolve(undefined)));
      await dns?.close();
    });

    beforeEach(() => {
      seen.length = 0;
    });

    it("reaches the API through its name, resolved by the DNS server nginx is given", async () => {
      expect((await request(port, "/by-name")).status).to.equal(200);
      expect(seen.map((s) => s.url)).to.deep.equal(["/by-name"]);
      expect(dns!.queries(API_NAME)).to.be.at.least(1);
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
      writeConfig(dir, { upstreamHost: API_NAME, upstreamPort: (api!.address() as net.AddressInfo).port, resolver: dns!.resolver, listenPort: port, workerProcesses: 2, healthPath: "/healthz" });
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

  describe("HTTPS for a domain, with the certificate the ACME install script puts in place", function () {
    const DOMAIN = "api.test";
    /** ssl_certificate_cache valid= for this test; the shipped default is 60 s. */
    const CACHE_SECONDS = 3;
    const seen: Seen[] = [];
    let api: http.Server | undefined;
    let dns: LoopbackDns | undefined;
    let nginx: ChildProcess | undefined;
    let nginxStderr = "";
    let dir = "";
    let httpPort = 0;
    let httpsPort = 0;
    let opensslBinary = "";
    let shell = "";
    let ca: Buffer = Buffer.alloc(0);
    let master = 0;
    let workers: number[] = [];
    /** What nginx did before any certificate was there. */
    const beforeInstall = { nginxTest: "", handshake: "", challenge: undefined as Reply | undefined, health: undefined as Reply | undefined };
    let firstInstall = "";
    /** The effective group of nginx's workers: install.sh gives it the key, as it gives the nginx image's group 101. */
    let workerGroup = "";

    const certs = () => join(dir, "certs");
    const tlsRoot = () => join(dir, "tls");
    const webroot = () => join(dir, "webroot");

    function openssl(args: string[]): void {
      const result = spawnSync(opensslBinary, args, { cwd: certs(), encoding: "utf8" });
      if (result.status !== 0) throw new Error(`openssl ${args.join(" ")}: ${result.stderr}`);
    }

    /** A leaf certificate for DOMAIN signed by the test CA, as lego saves one; returns its SHA-256 fingerprint. */
    function issue(name: string): string {
      openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${DOMAIN}`]);
      openssl(["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2", "-out", `${name}.crt`, "-extfile", "leaf.ext"]);
      return new X509Certificate(readFileSync(join(certs(), `${name}.crt`))).fingerprint256;
    }

    /** renderAcmeScripts' install.sh, with /tls moved into the test directory, run as lego's hook runs it. */
    function install(name: string, keyGroup: string): string {
      const script = renderAcmeScripts()["install.sh"].replaceAll("/tls", tlsRoot());
      writeFileSync(join(dir, "install.sh"), script);
      const result = spawnSync(shell, [join(dir, "install.sh")], {
        encoding: "utf8",
        env: { PATH: process.env.PATH, ACME_DOMAIN: DOMAIN, ACME_KEY_GROUP: keyGroup, LEGO_CERT_PATH: join(certs(), `${name}.crt`), LEGO_CERT_KEY_PATH: join(certs(), `${name}.key`) },
      });
      if (result.status !== 0) throw new Error(`install.sh failed (${result.status}): ${result.stdout}${result.stderr}`);
      return result.stdout;
    }

    /** One HTTPS request on a new connection, verified against the test CA for DOMAIN. */
    function secureRequest(path: string, agent: https.Agent | false = false): Promise<Reply & { fingerprint: string; reused: boolean }> {
      return new Promise((resolve, reject) => {
        const req = https.request({ host: "127.0.0.1", port: httpsPort, servername: DOMAIN, ca, path, agent, headers: { Host: DOMAIN } }, (res) => {
          const fingerprint = (res.socket as tls.TLSSocket).getPeerCertificate().fingerprint256;
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), fingerprint, reused: req.reusedSocket }));
          res.on("error", reject);
        });
        req.on("error", reject);
        req.end();
      });
    }

    /** A TLS handshake limited to the given versions; the negotiated protocol and ALPN, or the error code. */
    function handshake(minVersion: tls.SecureVersion, maxVersion: tls.SecureVersion): Promise<string> {
      return new Promise((resolve) => {
        // SECLEVEL=0: this client offers TLS 1.1 itself, so a refusal can only come from nginx.
        const socket = tls.connect({ host: "127.0.0.1", port: httpsPort, servername: DOMAIN, ca, minVersion, maxVersion, ciphers: "DEFAULT:@SECLEVEL=0", ALPNProtocols: ["h2", "http/1.1"] }, () => {
          resolve(`${socket.getProtocol()} ${socket.alpnProtocol}`);
          socket.end();
        });
        socket.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      });
    }

    before(async function () {
      this.timeout(30_000);
      const [binary, openssl_, sh] = requireTools(this, "nginx", "openssl", "sh");
      opensslBinary = openssl_!;
      shell = sh!;
      dir = prefix();
      // nginx's workers run as nobody under root: they read the certificate (through a
      // variable, at the handshake) and the webroot, so the directories must let them in.
      chmodSync(dir, 0o755);
      for (const directory of [certs(), tlsRoot(), join(webroot(), ".well-known", "acme-challenge")]) mkdirSync(directory, { recursive: true, mode: 0o755 });
      writeFileSync(join(certs(), "leaf.ext"), `subjectAltName=DNS:${DOMAIN}\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n`);
      openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=trafficlab test CA"]);
      ca = readFileSync(join(certs(), "ca.pem"));
      writeFileSync(join(webroot(), ".well-known", "acme-challenge", "token-123"), "token-123.thumbprint");

      const stub = await startStubApi(seen);
      api = stub.server;
      dns = await startLoopbackDns({ [API_NAME]: ["127.0.0.1"] });
      httpPort = await freeLoopbackPort();
      httpsPort = await freeLoopbackPort();
      const files = writeConfig(dir, {
        upstreamHost: API_NAME,
        upstreamPort: stub.port,
        resolver: dns.resolver,
        listenPort: httpPort,
        tlsListenPort: httpsPort,
        workerProcesses: 2,
        tls: { domain: DOMAIN, certificateDir: join(tlsRoot(), "live"), acmeWebroot: webroot(), certificateCacheSeconds: CACHE_SECONDS },
      });
      expect(files["conf.d/default.conf"]).to.include(`ssl_certificate_cache max=4 valid=${CACHE_SECONDS}s;`);
      // As on a new host: nginx starts before lego has any certificate (it must, to serve the challenge).
      const test = spawnSync(binary!, ["-t", "-p", dir, "-c", join(dir, "nginx.conf")], { encoding: "utf8" });
      beforeInstall.nginxTest = `${test.status} ${test.stderr}`;
      nginx = spawn(binary!, ["-p", dir, "-c", join(dir, "nginx.conf"), "-g", "daemon off;"], { detached: true, stdio: ["ignore", "ignore", "pipe"] });
      nginx.stderr!.on("data", (chunk: Buffer) => (nginxStderr += chunk.toString()));
      await waitUntilHealthy(httpPort, "/nginx-health", nginx, () => nginxStderr);
      master = nginx.pid!;
      workers = workersOf(master);
      beforeInstall.health = await request(httpPort, "/nginx-health");
      beforeInstall.challenge = await request(httpPort, "/.well-known/acme-challenge/token-123");
      beforeInstall.handshake = await handshake("TLSv1.2", "TLSv1.3");

      workerGroup = /^Gid:\s+\d+\s+(\d+)/m.exec(readFileSync(`/proc/${workers[0]}/status`, "utf8"))![1]!;
      issue("first");
      firstInstall = install("first", workerGroup);
    });

    after(async () => {
      await stop(nginx);
      api?.closeAllConnections();
      await new Promise((resolve) => (api ? api.close(resolve) : resolve(undefined)));
      await dns?.close();
    });

    beforeEach(() => {
      seen.length = 0;
    });

    it("nginx -t passes and nginx starts before any certificate exists: HTTP and the ACME challenge work, HTTPS handshakes fail", () => {
      expect(beforeInstall.nginxTest).to.match(/^0 /).and.include("test is successful");
      expect(beforeInstall.health?.status).to.equal(200);
      expect(beforeInstall.challenge?.status).to.equal(200);
      expect(beforeInstall.challenge?.body.toString()).to.equal("token-123.thumbprint");
      // nginx has no certificate to offer: the handshake fails (an internal_error alert), nginx lives on.
      expect(beforeInstall.handshake).to.equal("ERR_SSL_TLSV1_ALERT_INTERNAL_ERROR");
      expect(readFileSync(join(dir, "error.log"), "utf8")).to.include("cannot load certificate");
      expect(firstInstall).to.match(/^acme: installed a certificate for api\.test \(\d{14}-\d+\)$/m);
    });

    it("serves HTTPS at once after install.sh: verified with the CA for api.test, proxied to the API, with HSTS", async () => {
      const reply = await secureRequest("/api/places?page=1");
      expect(reply.status).to.equal(200);
      expect(JSON.parse(reply.body.toString())).to.deep.equal({ ok: true });
      expect(reply.headers["strict-transport-security"]).to.equal("max-age=63072000");
      expect(seen).to.have.length(1);
      expect(seen[0]!.url).to.equal("/api/places?page=1");
      expect(seen[0]!.headers).to.include({ host: DOMAIN, "x-forwarded-proto": "https", "x-real-ip": "127.0.0.1" });
      // HSTS on nginx's own answers too (`always`).
      expect((await secureRequest("/nginx-health")).headers["strict-transport-security"]).to.equal("max-age=63072000");
      // install.sh's layout: live is a symlink to a version directory, the key readable by the workers' group only.
      const live = readlinkSync(join(tlsRoot(), "live"));
      expect(live).to.match(/^\d{14}-\d+$/);
      expect(readdirSync(join(tlsRoot(), live)).sort()).to.deep.equal(["fullchain.pem", "privkey.pem"]);
      const key = statSync(join(tlsRoot(), live, "privkey.pem"));
      expect([key.mode & 0o777, String(key.gid)]).to.deep.equal([0o640, workerGroup]);
    });

    it("redirects HTTP with 301 to https://api.test/ with the path and query, without touching the API", async () => {
      const reply = await request(httpPort, "/api/places?page=2&q=seoul", { Host: "203.0.113.10" });
      expect(reply.status).to.equal(301);
      expect(reply.headers.location).to.equal(`https://${DOMAIN}/api/places?page=2&q=seoul`);
      expect(reply.headers["strict-transport-security"], "HSTS only over HTTPS").to.equal(undefined);
      expect(seen).to.have.length(0);
    });

    it("serves /.well-known/acme-challenge/ from the webroot over HTTP, as text/plain, and 404 for a missing token", async () => {
      const reply = await request(httpPort, "/.well-known/acme-challenge/token-123");
      expect(reply.status).to.equal(200);
      expect(reply.headers["content-type"]).to.equal("text/plain");
      expect(reply.body.toString()).to.equal("token-123.thumbprint");
      expect((await request(httpPort, "/.well-known/acme-challenge/unknown")).status).to.equal(404);
      expect(seen).to.have.length(0);
    });

    it("negotiates TLS 1.3 and TLS 1.2 with HTTP/2, and refuses TLS 1.1 with a protocol_version alert", async () => {
      expect(await handshake("TLSv1.3", "TLSv1.3")).to.equal("TLSv1.3 h2");
      expect(await handshake("TLSv1.2", "TLSv1.2")).to.equal("TLSv1.2 h2");
      expect(await handshake("TLSv1.1", "TLSv1.1")).to.equal("ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION");
      expect(await handshake("TLSv1", "TLSv1")).to.equal("ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION");
    });

    it("serves a renewed certificate (a new version directory, the live symlink moved) within the cache validity, without a reload", async function () {
      this.timeout(30_000);
      const first = (await secureRequest("/before")).fingerprint;
      // A client connection kept alive across the renewal: a reload would close it when idle.
      const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        expect((await secureRequest("/kept-alive/1", agent)).status).to.equal(200);
        const oldVersion = readlinkSync(join(tlsRoot(), "live"));
        // install.sh names a version by the second (lego never renews twice in one): start in the next.
        await new Promise((resolve) => setTimeout(resolve, 1050 - (Date.now() % 1000)));
        const renewed = issue("renewed");
        expect(renewed).not.to.equal(first);
        install("renewed", workerGroup);
        const installedAt = performance.now();
        const newVersion = readlinkSync(join(tlsRoot(), "live"));
        expect(newVersion).not.to.equal(oldVersion);
        expect(readdirSync(tlsRoot()).filter((entry) => /^\d{14}-\d+$/.test(entry)).sort(), "the live version and the one before it").to.deep.equal([oldVersion, newVersion]);

        let servedOld = 0;
        let servedAfter = Number.POSITIVE_INFINITY;
        while (performance.now() - installedAt < (CACHE_SECONDS + 10) * 1000) {
          const reply = await secureRequest("/poll");
          expect(reply.status).to.equal(200);
          if (reply.fingerprint === renewed) {
            servedAfter = performance.now() - installedAt;
            break;
          }
          expect(reply.fingerprint).to.equal(first);
          servedOld++;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        console.log(`      renewal: the new certificate was served ${(servedAfter / 1000).toFixed(2)} s after install.sh (cache validity ${CACHE_SECONDS} s; ${servedOld} handshakes still got the old one)`);
        expect(servedAfter, "the new certificate within the cache validity").to.be.at.most(CACHE_SECONDS * 1000 + 1000);
        const kept = await secureRequest("/kept-alive/2", agent);
        expect(kept.status).to.equal(200);
        expect(kept.reused, "the connection opened before the renewal still serves").to.equal(true);
        expect(kept.fingerprint, "a connection keeps the certificate it was opened with").to.equal(first);
      } finally {
        agent.destroy();
      }
      expect(nginx!.exitCode).to.equal(null);
      expect(workersOf(master), "the same workers: no reload").to.deep.equal(workers);
      expect(readFileSync(join(dir, "nginx.pid"), "utf8").trim()).to.equal(String(master));
    });
  });
});
