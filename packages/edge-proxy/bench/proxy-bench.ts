/**
 * Loopback benchmark of the rendered nginx config against the seed's hand-written one.
 *
 *   pnpm exec tsx packages/edge-proxy/bench/proxy-bench.ts
 *
 * Targets, all on 127.0.0.1: "tuned" (renderNginxConf), "seed" (the design document's
 * default.conf: proxy_pass straight to the API, HTTP/1.0, no upstream keepalive) and
 * "direct" (the stub API itself). "tuned" is the shipped shape: `server <name>:<port> resolve`
 * in a shared zone, with a resolver asked again every second (Docker's DNS on the host); here the
 * name is the rolling deploy's alias, answered with 127.0.0.1 by a DNS server on loopback
 * (startLoopbackDns), so the bench pays for the re-resolution as production does. The stub API
 * is a Node HTTP server in two cluster worker processes answering a small JSON document. Rounds
 * alternate the targets so drift (CPU frequency, page cache, neighbours) falls on all of them
 * alike; the medians are printed.
 * The last line is `tuned/seed=<ratio> tuned/direct=<ratio>`.
 *
 * Both nginx configs run with the same worker count (`auto`, as in the official image's
 * stock nginx.conf) and access_log off. The tuned config's upstream keepalive is sized to
 * the client connections (64), because every one of them can be in flight at once.
 *
 * Each measured run also says where the CPU went, in µs per successful request: wrk (its own
 * user+system time), the nginx workers, the API processes (from /proc), and the rest of the
 * machine's busy time meanwhile (softirqs not charged to a process, and any neighbour).
 *
 * Environment overrides: BENCH_ROUNDS (5), BENCH_SECONDS (4), BENCH_WARMUP_SECONDS (1),
 * BENCH_CONNECTIONS (64), BENCH_THREADS (2), BENCH_NGINX_WORKERS (auto),
 * BENCH_UPSTREAM_KEEPALIVE (the shipped default, 64), BENCH_VARIANTS (none: candidate edits of
 * the tuned config, run as extra targets in the same rounds, see VARIANTS), BENCH_PIN (none;
 * `<client cpus>:<server cpus>`, e.g. `0:1`: wrk runs on the first CPU list, every nginx and the API
 * processes on the second, with taskset, for all targets alike).
 */
import cluster from "node:cluster";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as http from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { NGINX_DEFAULTS, renderNginxConf } from "@trafficlab/edge-proxy";
import { findTool, freeLoopbackPort, startLoopbackDns, type LoopbackDns } from "@trafficlab/testing";

const ROUNDS = numberFromEnv("BENCH_ROUNDS", 5);
const SECONDS = numberFromEnv("BENCH_SECONDS", 4);
const WARMUP_SECONDS = numberFromEnv("BENCH_WARMUP_SECONDS", 1);
const CONNECTIONS = numberFromEnv("BENCH_CONNECTIONS", 64);
const THREADS = numberFromEnv("BENCH_THREADS", 2);
const NGINX_WORKERS: "auto" | number = process.env.BENCH_NGINX_WORKERS ? numberFromEnv("BENCH_NGINX_WORKERS", 1) : "auto";
const UPSTREAM_KEEPALIVE = numberFromEnv("BENCH_UPSTREAM_KEEPALIVE", NGINX_DEFAULTS.upstreamKeepalive);
const API_PROCESSES = 2;
const PIN = parsePin(process.env.BENCH_PIN);

function parsePin(raw: string | undefined): { client: string; server: string } | null {
  if (raw === undefined || raw === "") return null;
  const match = /^([\d,-]+):([\d,-]+)$/.exec(raw);
  if (!match) throw new Error(`BENCH_PIN=${raw}: expected <client cpus>:<server cpus>, e.g. 0:1`);
  return { client: match[1]!, server: match[2]! };
}

/** The command line, run on the given CPUs when BENCH_PIN says so (taskset execs it: same pid). */
function pinned(cpus: string | undefined, command: string, args: string[]): [string, string[]] {
  return cpus === undefined ? [command, args] : ["taskset", ["-c", cpus, command, ...args]];
}

/** The name the tuned config resolves: the rolling deploy's service alias. */
const API_NAME = "trafficlab-api-live";

const API_BODY = JSON.stringify({ id: 1, name: "Gyeongbokgung", city: "Seoul", rating: 4.7 });

/**
 * Candidate changes to the tuned config, each run as one more target in the same rounds
 * (BENCH_VARIANTS=name,name): the shipped config edited by one directive, so a change is
 * measured side by side with what it changes, under the same load. Each edit must apply.
 */
const VARIANTS: Record<string, (files: Record<string, string>) => Record<string, string>> = {
  // One nginx worker instead of one per CPU.
  workers1: (f) => edit(f, "nginx.conf", /^worker_processes \S+;$/m, "worker_processes 1;"),
  // Each worker bound to its own CPU.
  affinity: (f) => edit(f, "nginx.conf", /^(worker_processes \S+;)$/m, "$1\nworker_cpu_affinity auto;"),
  // A listen socket per worker: the kernel spreads the client connections.
  reuseport: (f) => edit(f, "conf.d/default.conf", /^( {4}listen \d+ default_server);$/m, "$1 reuseport;"),
  // Client and upstream connections kept for 10,000 requests instead of nginx's 1,000.
  requests10k: (f) =>
    edit(edit(f, "nginx.conf", /^( {4}keepalive_timeout 65s;)$/m, "$1\n    keepalive_requests 10000;"), "conf.d/default.conf", /^( {4}keepalive_timeout 15s;)$/m, "$1\n    keepalive_requests 10000;"),
  // The API's answer passed on as it arrives instead of read into a buffer first.
  nobuffering: (f) => edit(f, "conf.d/default.conf", /^( {8}proxy_read_timeout \S+;)$/m, "$1\n        proxy_buffering off;"),
  // gzip filter off (the 59-byte answer is below gzip_min_length anyway).
  nogzip: (f) => edit(f, "nginx.conf", /^ {4}gzip on;$/m, "    gzip off;"),
  // Only Host and Connection set for the API (an experiment: production needs the others).
  fewheaders: (f) => edit(f, "conf.d/default.conf", /^ {8}proxy_set_header X-(Real-IP|Forwarded-For|Forwarded-Proto) .*\n/gm, ""),
  // accept_mutex on: one worker at a time takes new connections.
  acceptmutex: (f) => edit(f, "nginx.conf", /^( {4}worker_connections \d+;)$/m, "$1\n    accept_mutex on;"),
};

function edit(files: Record<string, string>, name: string, pattern: RegExp, replacement: string): Record<string, string> {
  const before = files[name]!;
  const after = before.replace(pattern, replacement);
  if (after === before) throw new Error(`variant edit ${pattern} did not apply to ${name}`);
  return { ...files, [name]: after };
}

const VARIANT_NAMES = (process.env.BENCH_VARIANTS ?? "").split(",").filter((name) => name !== "");
for (const name of VARIANT_NAMES) if (!VARIANTS[name]) throw new Error(`BENCH_VARIANTS: unknown ${name}; known: ${Object.keys(VARIANTS).join(", ")}`);

type Target = string;
const TARGETS: Target[] = ["tuned", "seed", "direct", ...VARIANT_NAMES];

/** CPU microseconds per successful request, by who spent them, in one measured run. */
interface CpuShare {
  client: number;
  proxy: number;
  api: number;
  /** Everything else busy on the machine meanwhile: interrupts and softirqs not charged to a process, neighbours. */
  other: number;
}

interface WrkResult {
  requests: number;
  seconds: number;
  failed: number;
  requestsPerSecond: number;
  p99Ms: number;
  /** CPU seconds wrk itself used (user + system), from its parent shell's cutime/cstime. */
  clientCpuSeconds: number;
}

function numberFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name}=${raw}: expected a whole number >= 1`);
  return value;
}

function runApiWorker(): void {
  const server = http.createServer((req, res) => {
    req.resume();
    res.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(API_BODY) });
    res.end(API_BODY);
  });
  server.keepAliveTimeout = 120_000;
  server.listen(Number(process.env.BENCH_API_PORT), "127.0.0.1");
}



function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  mkdirSync(join(dir, "temp"), { recursive: true });
}

/** Paths every nginx here writes, kept inside its own prefix. */
function processSettings(dir: string): string[] {
  return [
    `worker_processes ${NGINX_WORKERS};`,
    `pid ${dir}/nginx.pid;`,
    `error_log ${dir}/error.log warn;`,
  ];
}

function tempPaths(dir: string): string[] {
  return ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((kind) => `    ${kind}_temp_path ${dir}/temp/${kind};`);
}

/**
 * The seed: the official image's stock nginx.conf (its process paths moved into the
 * prefix, access_log off as in the tuned run) and the document's default.conf.
 */
function seedConfig(dir: string, listenPort: number, apiPort: number): Record<string, string> {
  const nginxConf = [
    ...processSettings(dir),
    "events {",
    "    worker_connections 1024;",
    "}",
    "http {",
    "    include /etc/nginx/mime.types;",
    "    default_type application/octet-stream;",
    "    access_log off;",
    "    sendfile on;",
    "    keepalive_timeout 65;",
    ...tempPaths(dir),
    `    include ${dir}/conf.d/*.conf;`,
    "}",
    "",
  ].join("\n");
  const defaultConf = [
    "server {",
    `    listen ${listenPort};`,
    "    server_name localhost;",
    "    location / {",
    `        proxy_pass http://127.0.0.1:${apiPort};`,
    "        proxy_set_header X-Real_IP $remote_addr;",
    "        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
    "        proxy_set_header Host $host;",
    "    }",
    "}",
    "",
  ].join("\n");
  return { "nginx.conf": nginxConf, "conf.d/default.conf": defaultConf };
}

function tunedConfig(dir: string, listenPort: number, apiPort: number, resolver: string): Record<string, string> {
  const files = renderNginxConf({
    upstreamHost: API_NAME,
    upstreamPort: apiPort,
    resolver,
    listenPort,
    workerProcesses: NGINX_WORKERS,
    upstreamKeepalive: UPSTREAM_KEEPALIVE,
    user: null,
    pidPath: `${dir}/nginx.pid`,
    errorLogPath: `${dir}/error.log`,
    accessLogPath: "off",
    includeDir: `${dir}/conf.d`,
    tempDir: `${dir}/temp`,
  });
  if (!files["conf.d/default.conf"].includes(`server ${API_NAME}:${apiPort} resolve;`)) throw new Error("the tuned config no longer resolves the API's name");
  return files;
}

async function waitForHttp(port: number, what: string, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child && child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const req = http.get({ host: "127.0.0.1", port, path: "/", agent: false }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode === 200));
      });
      req.on("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${what} did not answer 200 on port ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function parseDuration(value: string, unit: string): number {
  const factor: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };
  const f = factor[unit];
  if (f === undefined) throw new Error(`unknown wrk time unit ${unit}`);
  return Number(value) * f;
}

function parseWrk(output: string): Omit<WrkResult, "clientCpuSeconds"> {
  const total = /(\d+) requests in ([\d.]+)(us|ms|s|m)/.exec(output);
  const p99 = /^\s*99%\s+([\d.]+)(us|ms|s|m)\s*$/m.exec(output);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(output);
  if (!total || !p99 || !rps) throw new Error(`cannot parse wrk output:\n${output}`);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  const requests = Number(total[1]);
  const seconds = parseDuration(total[2]!, total[3]!) / 1000;
  return {
    requests,
    seconds,
    failed: non2xx + socketErrors,
    // Only successful replies count: a config that fails fast must not look fast.
    requestsPerSecond: (requests - non2xx) / seconds,
    p99Ms: parseDuration(p99[1]!, p99[2]!),
  };
}

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ; 100 on every Linux this runs on). */
const CLOCK_TICKS = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;

/** user+system CPU seconds of a process, from /proc (0 once it has gone). */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid) children.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return children;
}

/** The whole machine's busy CPU seconds (all but idle and iowait), from /proc/stat. */
function machineBusySeconds(): number {
  const cpu = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = cpu.slice(0, 8).reduce((sum, n) => sum + n, 0);
  return (total - cpu[3]! - cpu[4]!) / CLOCK_TICKS;
}

/**
 * Async, so the event loop stays free (a cluster primary must keep serving its workers). wrk runs
 * under a shell that prints wrk's CPU time once it has waited for it (cutime/cstime of its own
 * /proc stat), so the client's share of the machine is measured, not guessed.
 */
function runWrk(wrk: string, port: number, seconds: number): Promise<WrkResult> {
  const args = [`-t${THREADS}`, `-c${CONNECTIONS}`, `-d${seconds}s`, "--latency", "--timeout", "5s", `http://127.0.0.1:${port}/api/places/1`];
  const script = '"$0" "$@"; code=$?; echo "client-cpu-ticks $(cut -d" " -f16,17 /proc/$$/stat)"; exit $code';
  return new Promise((resolve, reject) => {
    const [command, commandArgs] = pinned(PIN?.client, wrk, args);
    const child = spawn("sh", ["-c", script, command, ...commandArgs], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) reject(new Error(`wrk ${args.join(" ")} failed (${code}): ${stderr}`));
      else {
        try {
          const ticks = /client-cpu-ticks (\d+) (\d+)/.exec(stdout);
          if (!ticks) throw new Error(`no CPU time of wrk in:\n${stdout}`);
          resolve({ ...parseWrk(stdout), clientCpuSeconds: (Number(ticks[1]) + Number(ticks[2])) / CLOCK_TICKS });
        } catch (error) {
          reject(error);
        }
      }
    });
  });
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function main(): Promise<void> {
  const wrk = findTool("wrk");
  const nginx = findTool("nginx");
  if (!wrk || !nginx) throw new Error(`needs wrk and nginx on PATH (apt-get install -y wrk nginx); found wrk=${wrk ?? "no"} nginx=${nginx ?? "no"}`);

  const root = mkdtempSync(join(tmpdir(), "proxy-bench-"));
  const nginxes: ChildProcess[] = [];
  let dns: LoopbackDns | undefined;
  const cleanup = async () => {
    const running = nginxes.filter((child) => child.exitCode === null && child.signalCode === null);
    const exits = running.map((child) => new Promise((resolve) => child.once("exit", resolve)));
    for (const child of running) child.kill("SIGTERM");
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill("SIGTERM");
    await Promise.all(exits);
    await dns?.close();
    rmSync(root, { recursive: true, force: true });
  };
  process.once("SIGINT", () => {
    void cleanup().then(() => process.exit(130));
  });

  try {
    const apiPort = await freeLoopbackPort();
    // Workers accept on the shared socket themselves: with the default round-robin the primary
    // accepts every connection, a per-connection cost that would land on the seed alone.
    cluster.schedulingPolicy = cluster.SCHED_NONE;
    const listening = Array.from({ length: API_PROCESSES }, () => {
      const worker = cluster.fork({ BENCH_API_PORT: String(apiPort) });
      return new Promise<void>((resolve, reject) => {
        worker.once("listening", () => resolve());
        worker.once("exit", (code) => reject(new Error(`API worker exited with ${code}`)));
      });
    });
    await Promise.all(listening);
    if (PIN) {
      for (const worker of Object.values(cluster.workers ?? {})) {
        const taskset = spawnSync("taskset", ["-a", "-p", "-c", PIN.server, String(worker!.process.pid)], { encoding: "utf8" });
        if (taskset.status !== 0) throw new Error(`taskset for the API: ${taskset.stderr}`);
      }
    }
    await waitForHttp(apiPort, "the stub API");

    dns = await startLoopbackDns({ [API_NAME]: ["127.0.0.1"] });
    const ports: Record<Target, number> = { direct: apiPort };
    for (const target of TARGETS) if (target !== "direct") ports[target] = await freeLoopbackPort();
    const configs: Record<Target, (dir: string) => Record<string, string>> = {
      tuned: (dir: string) => tunedConfig(dir, ports.tuned!, apiPort, dns!.resolver),
      seed: (dir: string) => seedConfig(dir, ports.seed!, apiPort),
    };
    for (const name of VARIANT_NAMES) configs[name] = (dir: string) => VARIANTS[name]!(tunedConfig(dir, ports[name]!, apiPort, dns!.resolver));
    const nginxPids: Record<Target, number> = {};
    for (const name of TARGETS.filter((target) => target !== "direct")) {
      const dir = join(root, name);
      writeFiles(dir, configs[name]!(dir));
      const check = spawnSync(nginx, ["-t", "-q", "-p", dir, "-c", join(dir, "nginx.conf")], { encoding: "utf8" });
      if (check.status !== 0) throw new Error(`nginx -t rejected the ${name} config: ${check.stderr}`);
      const child = spawn(...pinned(PIN?.server, nginx, ["-p", dir, "-c", join(dir, "nginx.conf"), "-g", "daemon off;"]), { stdio: "ignore" });
      nginxes.push(child);
      nginxPids[name] = child.pid!;
      await waitForHttp(ports[name]!, `nginx (${name})`, child);
    }

    const wrkVersion = (spawnSync(wrk, ["-v"], { encoding: "utf8" }).stdout.split("\n")[0] ?? "").trim();
    console.log(
      `wrk -t${THREADS} -c${CONNECTIONS} -d${SECONDS}s --latency; ${ROUNDS} rounds, warmup ${WARMUP_SECONDS}s; ` +
        `nginx worker_processes ${NGINX_WORKERS}; ${PIN ? `wrk on CPUs ${PIN.client}, nginx and the API on CPUs ${PIN.server}; ` : ""}tuned upstream keepalive ${UPSTREAM_KEEPALIVE}, ${API_NAME} resolved every ${NGINX_DEFAULTS.resolverValid} by ${dns.resolver}; API processes ${API_PROCESSES}`,
    );
    console.log(wrkVersion);

    const results: Record<Target, WrkResult[]> = Object.fromEntries(TARGETS.map((target) => [target, []]));
    const cpu: Record<Target, CpuShare[]> = Object.fromEntries(TARGETS.map((target) => [target, []]));
    const apiPids = Object.values(cluster.workers ?? {}).map((worker) => worker!.process.pid!);
    for (let round = 0; round < ROUNDS; round++) {
      // Rotate the order each round so no target always runs first or last.
      const order = TARGETS.map((_, i) => TARGETS[(i + round) % TARGETS.length]!);
      for (const target of order) {
        await runWrk(wrk, ports[target]!, WARMUP_SECONDS);
        const proxyPids = target === "direct" ? [] : childrenOf(nginxPids[target]!);
        const before = { proxy: sum(proxyPids.map(cpuSeconds)), api: sum(apiPids.map(cpuSeconds)), machine: machineBusySeconds() };
        const result = await runWrk(wrk, ports[target]!, SECONDS);
        const after = { proxy: sum(proxyPids.map(cpuSeconds)), api: sum(apiPids.map(cpuSeconds)), machine: machineBusySeconds() };
        results[target]!.push(result);
        const ok = result.requestsPerSecond * result.seconds;
        const perRequest = (seconds: number) => (seconds * 1e6) / ok;
        const share: CpuShare = {
          client: perRequest(result.clientCpuSeconds),
          proxy: perRequest(after.proxy - before.proxy),
          api: perRequest(after.api - before.api),
          other: 0,
        };
        share.other = Math.max(0, perRequest(after.machine - before.machine) - share.client - share.proxy - share.api);
        cpu[target]!.push(share);
        console.log(
          `round ${round + 1} ${target.padEnd(6)} ${result.requestsPerSecond.toFixed(0).padStart(7)} req/s  p99 ${result.p99Ms.toFixed(2).padStart(7)} ms  failed ${result.failed}  ` +
            `CPU µs/request: wrk ${share.client.toFixed(1)} nginx ${share.proxy.toFixed(1)} api ${share.api.toFixed(1)} other ${share.other.toFixed(1)}`,
        );
      }
    }

    const summary = Object.fromEntries(
      TARGETS.map((target) => [
        target,
        {
          rps: median(results[target]!.map((r) => r.requestsPerSecond)),
          p99: median(results[target]!.map((r) => r.p99Ms)),
          failed: results[target]!.reduce((sum, r) => sum + r.failed, 0),
        },
      ]),
    ) as Record<Target, { rps: number; p99: number; failed: number }>;
    const rps = (target: Target) => summary[target]!.rps;

    console.log("");
    console.log("| target | requests/s (median) | p99 latency ms (median) | failed requests (all rounds) |");
    console.log("|---|---:|---:|---:|");
    for (const target of TARGETS) {
      const s = summary[target]!;
      console.log(`| ${target} | ${s.rps.toFixed(0)} | ${s.p99.toFixed(2)} | ${s.failed} |`);
    }
    console.log("");
    console.log("Where the CPU goes, µs per successful request (median of the rounds; 2 cores give 2,000,000 µs a second):");
    console.log("| target | wrk | nginx | api | other | total |");
    console.log("|---|---:|---:|---:|---:|---:|");
    for (const target of TARGETS) {
      const m = (key: keyof CpuShare) => median(cpu[target]!.map((c) => c[key]));
      const total = median(cpu[target]!.map((c) => c.client + c.proxy + c.api + c.other));
      console.log(`| ${target} | ${m("client").toFixed(1)} | ${m("proxy").toFixed(1)} | ${m("api").toFixed(1)} | ${m("other").toFixed(1)} | ${total.toFixed(1)} |`);
    }
    console.log("");
    console.log(`DNS queries for ${API_NAME} during the run: ${dns.queries(API_NAME)}`);
    // Also the median of the ratios within each round, where the two ran a few seconds apart.
    const paired = (name: Target) => median(results[name]!.map((r, i) => r.requestsPerSecond / results.tuned![i]!.requestsPerSecond));
    for (const name of VARIANT_NAMES) console.log(`${name}/tuned=${(rps(name) / rps("tuned")).toFixed(2)} (median of the rounds' ratios ${paired(name).toFixed(2)})`);
    console.log(`tuned/seed=${(rps("tuned") / rps("seed")).toFixed(2)} tuned/direct=${(rps("tuned") / rps("direct")).toFixed(2)}`);
  } finally {
    await cleanup();
  }
}

if (cluster.isWorker) {
  runApiWorker();
} else {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
