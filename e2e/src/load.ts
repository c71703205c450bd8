import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import { join } from "node:path";
import * as tls from "node:tls";

/**
 * Bounded load through nginx from loopback while a change runs, by two clients that never retry:
 * wrk, 16 keep-alive connections (each waits 20 ms between its requests, so at most 800
 * requests/s), and a Node client that opens a new connection for every request (agent: false),
 * 2 at a time. Both stop when told, or by themselves after `maxSeconds`; the Node client also
 * after `maxRequests`. Each reports requests, non-2xx responses and socket errors.
 */

export interface LoadReport {
  client: string;
  requests: number;
  non2xx: number;
  socketErrors: number;
  /** Socket errors by kind (connect/read/write/timeout for wrk, error codes for Node). */
  errors: Record<string, number>;
  seconds: number;
  /** Node client only: the API versions that answered (the `version` field), in order of first sight. */
  versions?: Record<string, number>;
  /** Node client only: the longest stretch from a failed request to the next answered one, in seconds. */
  longestOutageSeconds?: number;
}

export interface Load {
  stop(): Promise<LoadReport[]>;
}

/** HTTPS to nginx: the name it serves (SNI, and what the certificate must name) and the CA to trust. */
export interface HttpsTarget {
  servername: string;
  /** PEM certificates a verifying client trusts (Pebble's root). */
  ca: string;
}

export interface LoadOptions {
  /** 127.0.0.1:<port> reaches nginx on the host (its 443 with `https`). */
  port: number;
  path?: string;
  maxSeconds?: number;
  maxRequests?: number;
  /**
   * When set, every other wrk request is a POST of a small JSON body to this path: nginx does not
   * retry a POST on another upstream once sent, so a deploy must not let one reach a stopping API.
   */
  postPath?: string;
  /** Where wrk's Lua script is written. */
  workDir: string;
  /**
   * HTTPS: wrk speaks TLS (it verifies nothing), the Node client verifies each new
   * connection's certificate chain against `ca` and its name against `servername`.
   */
  https?: HttpsTarget;
}

export function startLoad(options: LoadOptions): Load {
  const wrk = startWrk(options);
  const fresh = startFreshConnections(options);
  return {
    async stop() {
      return [await wrk.stop(), await fresh.stop()];
    },
  };
}

/** wrk's summary: requests, "Non-2xx or 3xx responses", "Socket errors: connect N, read N, write N, timeout N". */
export function parseWrk(output: string, seconds: number): LoadReport {
  const requests = Number(/(\d+) requests in/.exec(output)?.[1] ?? NaN);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const errors: Record<string, number> = socket ? { connect: Number(socket[1]), read: Number(socket[2]), write: Number(socket[3]), timeout: Number(socket[4]) } : {};
  if (Number.isNaN(requests)) throw new Error(`wrk printed no summary:\n${output}`);
  return { client: "wrk -t2 -c16 (keep-alive)", requests, non2xx, socketErrors: Object.values(errors).reduce((a, b) => a + b, 0), errors, seconds };
}

function startWrk(options: LoadOptions): { stop(): Promise<LoadReport> } {
  const script = join(options.workDir, "wrk-pace.lua");
  // wrk's delay(): milliseconds a connection waits before its next request; the rate's bound.
  const post = options.postPath
    ? [
        "local count = 0",
        "function request()",
        "  count = count + 1",
        `  if count % 2 == 0 then return wrk.format("POST", ${JSON.stringify(options.postPath)}, { ["Content-Type"] = "application/json" }, '{"probe":"e2e"}') end`,
        "  return wrk.format(\"GET\")",
        "end",
      ]
    : [];
  writeFileSync(script, [...post, "function delay() return 20 end", ""].join("\n"));
  const maxSeconds = options.maxSeconds ?? 900;
  const started = Date.now();
  const scheme = options.https ? "https" : "http";
  const child = spawn("wrk", ["-t2", "-c16", `-d${maxSeconds}s`, "--timeout", "5s", "-s", script, `${scheme}://127.0.0.1:${options.port}${options.path ?? "/api/info"}`], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.on("close", () => resolve()));
  return {
    async stop() {
      // SIGINT: wrk stops and prints its summary.
      if (child.exitCode === null) child.kill("SIGINT");
      await exited;
      const report = parseWrk(output, (Date.now() - started) / 1000);
      return options.postPath ? { ...report, client: `${report.client}, GET and POST ${options.postPath} alternately` } : report;
    },
  };
}

function startFreshConnections(options: LoadOptions): { stop(): Promise<LoadReport> } {
  const maxRequests = options.maxRequests ?? 40_000;
  const deadline = Date.now() + (options.maxSeconds ?? 900) * 1000;
  const client = options.https ? `node, a new TLS connection per request verified against the ACME root for ${options.https.servername} (agent: false)` : "node, a new connection per request (agent: false)";
  const report: LoadReport = { client, requests: 0, non2xx: 0, socketErrors: 0, errors: {}, seconds: 0, versions: {}, longestOutageSeconds: 0 };
  let stopping = false;
  let failingSince: number | undefined;
  const outcome = (ok: boolean) => {
    if (!ok) failingSince ??= Date.now();
    else if (failingSince !== undefined) {
      report.longestOutageSeconds = Math.max(report.longestOutageSeconds!, (Date.now() - failingSince) / 1000);
      failingSince = undefined;
    }
  };
  let sent = 0;
  const started = Date.now();

  const once = () =>
    new Promise<void>((resolve) => {
      const target = { host: "127.0.0.1", port: options.port, path: options.path ?? "/api/info", agent: false as const, timeout: 5000 };
      const get = options.https
        ? (callback: (response: http.IncomingMessage) => void) => https.get({ ...target, servername: options.https!.servername, ca: options.https!.ca, headers: { host: options.https!.servername } }, callback)
        : (callback: (response: http.IncomingMessage) => void) => http.get(target, callback);
      const request = get((response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk) => (body += chunk));
        response.on("end", () => {
          report.requests++;
          const status = response.statusCode ?? 0;
          if (status < 200 || status > 299) report.non2xx++;
          const version = /"version":\s*"([^"]+)"/.exec(body)?.[1] ?? `HTTP ${status}`;
          report.versions![version] = (report.versions![version] ?? 0) + 1;
          outcome(status >= 200 && status <= 299);
          resolve();
        });
        response.on("error", (error: NodeJS.ErrnoException) => fail(error));
      });
      const fail = (error: NodeJS.ErrnoException) => {
        report.requests++;
        report.socketErrors++;
        const code = error.code ?? error.message;
        report.errors[code] = (report.errors[code] ?? 0) + 1;
        outcome(false);
        resolve();
      };
      request.on("timeout", () => request.destroy(Object.assign(new Error("timeout"), { code: "TIMEOUT" })));
      request.on("error", fail);
    });

  const worker = async () => {
    while (!stopping && sent < maxRequests && Date.now() < deadline) {
      sent++;
      await once();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  const workers = Promise.all([worker(), worker()]);
  return {
    async stop() {
      stopping = true;
      await workers;
      if (failingSince !== undefined) outcome(true);
      report.seconds = (Date.now() - started) / 1000;
      return report;
    },
  };
}

/** One line per client: what the scenario prints. */
export function describeLoad(reports: LoadReport[]): string {
  return reports
    .map((r) => {
      const errors = Object.entries(r.errors).filter(([, n]) => n > 0);
      const versions = r.versions ? `; versions ${Object.entries(r.versions).map(([v, n]) => `${v}:${n}`).join(" ")}` : "";
      const outage = r.longestOutageSeconds ? `; longest outage ${r.longestOutageSeconds.toFixed(1)} s` : "";
      return `    ${r.client}: ${r.requests} requests in ${r.seconds.toFixed(1)} s, ${r.non2xx} non-2xx, ${r.socketErrors} socket errors${errors.length ? ` (${errors.map(([k, n]) => `${k} ${n}`).join(", ")})` : ""}${versions}${outage}`;
    })
    .join("\n");
}

/** GET a path through nginx on loopback; undefined on a socket error. */
export function getOnce(port: number, path = "/api/info", timeoutMs = 3000): Promise<{ status: number; body: string } | undefined> {
  return getFrom("127.0.0.1", port, path, timeoutMs);
}

/** GET http://host:port/path with a new connection; undefined on a socket error or timeout. */
export function getFrom(host: string, port: number, path: string, timeoutMs = 3000): Promise<{ status: number; body: string } | undefined> {
  return new Promise((resolve) => {
    const request = http.get({ host, port, path, agent: false, timeout: timeoutMs }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk) => (body += chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
      response.on("error", () => resolve(undefined));
    });
    request.on("timeout", () => request.destroy());
    request.on("error", () => resolve(undefined));
  });
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request with its status, headers and body; rejects with the reason on a socket or TLS error. */
export function request(options: { port: number; path?: string; host?: string; https?: HttpsTarget; timeoutMs?: number }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const common = { host: "127.0.0.1", port: options.port, path: options.path ?? "/api/info", agent: false as const, timeout: options.timeoutMs ?? 5000, headers: options.host ? { host: options.host } : undefined };
    const done = (response: http.IncomingMessage) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk) => (body += chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
      response.on("error", reject);
    };
    const req = options.https
      ? https.get({ ...common, servername: options.https.servername, ca: options.https.ca, headers: { host: options.host ?? options.https.servername } }, done)
      : http.get(common, done);
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
  });
}

/** The certificate nginx presents to a new TLS connection for `servername`, verified against `ca`. */
export function servedCertificate(port: number, target: HttpsTarget, timeoutMs = 5000): Promise<tls.PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: "127.0.0.1", port, servername: target.servername, ca: target.ca, timeout: timeoutMs }, () => {
      const certificate = socket.getPeerCertificate(false);
      socket.end();
      resolve(certificate);
    });
    socket.on("timeout", () => socket.destroy(new Error("timeout")));
    socket.on("error", reject);
  });
}

/** Seconds until GET answers 200, polling every 250 ms; throws after `limitSeconds`. */
export async function secondsUntilServing(port: number, limitSeconds: number, since = Date.now()): Promise<number> {
  while (Date.now() - since < limitSeconds * 1000) {
    const answer = await getOnce(port, "/api/info", 2000);
    if (answer?.status === 200) return (Date.now() - since) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`127.0.0.1:${port} did not serve within ${limitSeconds} s`);
}
