// The rendered Prometheus configuration and alert rules against real processes on loopback: the
// e2e tier's stand-in API (e2e/images/api/app.py, Micrometer's metric names), nginx with
// stub_status and its exporter, redis-server over TLS with the monitoring ACL user and its
// exporter, the node exporter, and Debian's prometheus. Bounded: about a minute, every process
// stopped in after(), even when a test fails.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { randomBytes } from "node:crypto";
import { expect } from "chai";
import { findTool, freeLoopbackPort, requireTools } from "@trafficlab/testing";
import { MONITORING_ACCESS_STRING } from "@trafficlab/token-cache";
import { ALERT_RULES_FILE, alertRules, dashboardQueries, renderAlertRules, renderPrometheusConfig, renderRedisExporterEnv, withGrafanaVariables, type PanelQuery } from "../src";

const APP = resolve(__dirname, "../../../e2e/images/api/app.py");
const SCRAPE_SECONDS = 5; // the settings' minimum: the shortest a real deployment could use
const P99_FOR = "10s"; // ApiRouteP99Slow waits 5m in production; seconds here, so the test can watch it fire
const FAST_PHASE_MS = 20_000; // longer than the short `for` plus two evaluations: an alert had time to fire
const SLOW_PHASE_LIMIT_MS = 45_000;
const MONITOR_USER = "monitor";

/**
 * Dashboard queries that return their series on loopback but no number: the mean time to acquire
 * a database connection is rate(sum) / rate(count), and without a MySQL that answers the pool
 * acquires nothing, so it is 0 / 0 (NaN), exactly as the real API's pool would report. The rule
 * is by metric, not by panel, and the test holds how many queries it covers.
 */
const NAN_WITHOUT_MYSQL = (query: PanelQuery) => query.expr.includes("hikaricp_connections_acquire_seconds_sum");
const NAN_WITHOUT_MYSQL_COUNT = 2;

/** A python3 that has pymysql and redis (the stand-in imports both): Debian's, else the one on PATH. */
function requirePython(test: { skip(): void }): string {
  const candidates = ["/usr/bin/python3", findTool("python3")].filter((c): c is string => c !== undefined);
  const found = candidates.find((python) => spawnSync(python, ["-c", "import pymysql, redis"], { timeout: 10_000 }).status === 0);
  if (found) return found;
  const message = "no python3 with pymysql and redis (apt-get install -y python3 python3-pymysql python3-redis)";
  if (process.env.CI === "true") throw new Error(`${message}; CI=true forbids skipping the tests that need it.`);
  test.skip();
  throw new Error("unreachable: skip() throws");
}

interface Running {
  name: string;
  child: ChildProcess;
  output: () => string;
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

interface PromResponse<T> {
  status: string;
  data: T;
}

describe("@trafficlab/observability on a real Prometheus, scraping the stand-in API and the exporters on loopback", function () {
  this.timeout(110_000);
  const dir = mkdtempSync(join(tmpdir(), "obs-live-"));
  const running: Running[] = [];
  const port: Record<string, number> = {};
  let prometheusUrl = "";
  let traffic: { stop: () => Promise<number> } | undefined;
  /** One command as the monitoring user, over TLS; the password in redis-cli's environment, never an argument. */
  let asMonitor: (...command: string[]) => string = () => {
    throw new Error("before() did not start the cache");
  };

  function start(name: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}): Running {
    // Its own process group, so after() stops it with whatever it forked (nginx's worker).
    const child = spawn(command, args, { cwd: dir, detached: true, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
    let output = "";
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8000));
    child.stdout!.on("data", keep);
    child.stderr!.on("data", keep);
    const entry = { name, child, output: () => output };
    running.push(entry);
    return entry;
  }

  async function waitFor(entry: Running, url: string): Promise<void> {
    const deadline = Date.now() + 15_000;
    while (!(await answers(url))) {
      if (entry.child.exitCode !== null) throw new Error(`${entry.name} exited with ${entry.child.exitCode}: ${entry.output()}`);
      if (Date.now() > deadline) throw new Error(`${entry.name} did not answer ${url} within 15 s: ${entry.output()}`);
      await sleep(200);
    }
  }

  async function prom<T>(path: string): Promise<T> {
    const response = await fetch(`${prometheusUrl}${path}`, { signal: AbortSignal.timeout(5000) });
    const body = (await response.json()) as PromResponse<T>;
    expect(body.status, `${path}: ${JSON.stringify(body)}`).to.equal("success");
    return body.data;
  }

  type Sample = { metric: Record<string, string>; value: [number, string] };
  const query = (expr: string) => prom<{ result: Sample[] }>(`/api/v1/query?query=${encodeURIComponent(expr)}`).then((data) => data.result);
  type Alert = { labels: Record<string, string>; state: string };
  const p99Alerts = () => prom<{ alerts: Alert[] }>("/api/v1/alerts").then((data) => data.alerts.filter((alert) => alert.labels.alertname === "ApiRouteP99Slow"));

  /** Bounded load: `workers` loops, each one request at a time, over the given paths in turn, until stopped. */
  function load(base: string, paths: string[], workers: number, pauseMs: number): { stop: () => Promise<number> } {
    let stopping = false;
    let sent = 0;
    const loops = Array.from({ length: workers }, async (_, worker) => {
      for (let i = worker; !stopping; i++) {
        const path = paths[i % paths.length]!;
        const post = path === "/api/echo";
        try {
          const response = await fetch(`${base}${path}`, { method: post ? "POST" : "GET", body: post ? "{}" : undefined, signal: AbortSignal.timeout(5000) });
          await response.arrayBuffer();
        } catch {
          // a refused or cut request is still traffic the stand-in measured (or not); the assertions are on Prometheus
        }
        sent++;
        await sleep(pauseMs);
      }
    });
    return {
      stop: async () => {
        stopping = true;
        await Promise.all(loops);
        return sent;
      },
    };
  }

  before(async function () {
    this.timeout(60_000);
    const [nginx, prometheus, redisServer, redisCliPath, openssl, nodeExporter, nginxExporter, redisExporter] = requireTools(
      this,
      "nginx",
      "prometheus",
      "redis-server",
      "redis-cli",
      "openssl",
      "prometheus-node-exporter",
      "prometheus-nginx-exporter",
      "prometheus-redis-exporter",
    );
    const python = requirePython(this);
    for (const name of ["api", "dbClosed", "proxy", "stubStatus", "nginxExporter", "redis", "redisExporter", "nodeExporter", "prometheus"]) port[name] = await freeLoopbackPort();

    // A CA and a server certificate for 127.0.0.1, as the cache's TLS listener has one.
    const ssl = (...args: string[]) => {
      const result = spawnSync(openssl!, args, { cwd: dir, encoding: "utf8", timeout: 20_000 });
      if (result.status !== 0) throw new Error(`openssl ${args.join(" ")}: ${result.stderr}`);
    };
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    ssl("req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.crt", "-subj", "/CN=obs-live test CA", "-days", "1");
    ssl("req", ...ec, "-keyout", "redis.key", "-out", "redis.csr", "-subj", "/CN=127.0.0.1");
    writeFileSync(join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1\n");
    ssl("x509", "-req", "-in", "redis.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "redis.crt", "-days", "1", "-extfile", "san.ext");

    // The cache: TLS only, no default user, and the monitoring user the design gives the exporter.
    const password = randomBytes(18).toString("hex");
    writeFileSync(
      join(dir, "redis.conf"),
      [
        "bind 127.0.0.1",
        "port 0",
        `tls-port ${port.redis}`,
        `tls-cert-file ${join(dir, "redis.crt")}`,
        `tls-key-file ${join(dir, "redis.key")}`,
        `tls-ca-cert-file ${join(dir, "ca.crt")}`,
        "tls-auth-clients no",
        `dir ${dir}`,
        'save ""',
        "appendonly no",
        "user default off",
        // TokenCache's own access string for the user, so the test covers what ElastiCache is given.
        `user ${MONITOR_USER} ${MONITORING_ACCESS_STRING} >${password}`,
        "",
      ].join("\n"),
      { mode: 0o600 },
    );
    const cache = { host: "127.0.0.1", port: port.redis };
    asMonitor = (...command: string[]) => {
      const result = spawnSync(redisCliPath!, ["--tls", "--cacert", join(dir, "ca.crt"), "-h", cache.host, "-p", String(cache.port), "--user", MONITOR_USER, ...command], {
        encoding: "utf8",
        timeout: 10_000,
        env: { ...process.env, REDISCLI_AUTH: password },
      });
      return `${result.stdout}${result.stderr}`.trim();
    };
    // What the host's compose hands the exporter as its env file: the same variables, here as the process's environment.
    const redisExporterEnv = Object.fromEntries(
      renderRedisExporterEnv({ ...cache, user: MONITOR_USER }, password)
        .trim()
        .split("\n")
        .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
    );

    mkdirSync(join(dir, "nginx", "tmp"), { recursive: true });
    writeFileSync(
      join(dir, "nginx", "nginx.conf"),
      `worker_processes 1;
pid ${join(dir, "nginx", "nginx.pid")};
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${join(dir, "nginx", "tmp")};
  proxy_temp_path ${join(dir, "nginx", "tmp")};
  fastcgi_temp_path ${join(dir, "nginx", "tmp")};
  uwsgi_temp_path ${join(dir, "nginx", "tmp")};
  scgi_temp_path ${join(dir, "nginx", "tmp")};
  upstream api { server 127.0.0.1:${port.api}; keepalive 8; }
  server {
    listen 127.0.0.1:${port.proxy};
    location / { proxy_pass http://api; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
  # The unpublished status listener the nginx exporter reads.
  server { listen 127.0.0.1:${port.stubStatus}; location = /stub_status { stub_status; } }
}
`,
    );

    // The production jobs, pointed at loopback; the short `for` only for the alert under test.
    const settings = { scrapeIntervalSeconds: SCRAPE_SECONDS, stack: "ci" };
    const at = (name: string) => [`127.0.0.1:${port[name]}`];
    writeFileSync(
      join(dir, "prometheus.yml"),
      renderPrometheusConfig(settings, { staticTargets: { api: at("api"), node: at("nodeExporter"), nginx: at("nginxExporter"), cache: at("redisExporter"), prometheus: at("prometheus") } }),
    );
    writeFileSync(join(dir, ALERT_RULES_FILE), renderAlertRules(settings, { for: { ApiRouteP99Slow: P99_FOR } }));

    const api = start("stand-in API", python, [APP], {
      SERVER_ADDRESS: "127.0.0.1",
      SERVER_PORT: String(port.api),
      API_VERSION: "metrics-live",
      PYTHONUNBUFFERED: "1",
      // What @trafficlab/api-host's MICROMETER_ENVIRONMENT gives the API: like Spring Boot, the stand-in serves only health without it.
      MANAGEMENT_ENDPOINTS_WEB_EXPOSURE_INCLUDE: "health,prometheus",
      // No MySQL and no cache for it: the metrics endpoint must answer without them.
      SPRING_DATASOURCE_URL: `jdbc:mysql://127.0.0.1:${port.dbClosed}/trafficlab?sslMode=DISABLED`,
      SPRING_DATA_REDIS_HOST: "127.0.0.1",
      SPRING_DATA_REDIS_PORT: String(port.dbClosed),
    });
    const web = start("nginx", nginx!, ["-p", join(dir, "nginx"), "-c", join(dir, "nginx", "nginx.conf"), "-e", join(dir, "nginx", "error.log"), "-g", "daemon off;"]);
    const redis = start("redis-server", redisServer!, [join(dir, "redis.conf")]);
    const redisExp = start("redis exporter", redisExporter!, [`-tls-ca-cert-file=${join(dir, "ca.crt")}`, `-web.listen-address=127.0.0.1:${port.redisExporter}`], redisExporterEnv);
    const node = start("node exporter", nodeExporter!, [`--web.listen-address=127.0.0.1:${port.nodeExporter}`]);
    const prometheusProcess = start("prometheus", prometheus!, [
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(dir, "tsdb")}`,
      `--web.listen-address=127.0.0.1:${port.prometheus}`,
    ]);
    prometheusUrl = `http://127.0.0.1:${port.prometheus}`;
    await waitFor(api, `http://127.0.0.1:${port.api}/actuator/prometheus`);
    await waitFor(web, `http://127.0.0.1:${port.stubStatus}/stub_status`);
    // Only now: bookworm's nginx exporter (0.11) exits when stub_status does not answer at its start.
    const nginxExp = start("nginx exporter", nginxExporter!, [`-nginx.scrape-uri=http://127.0.0.1:${port.stubStatus}/stub_status`, `-web.listen-address=127.0.0.1:${port.nginxExporter}`]);
    await waitFor(nginxExp, `http://127.0.0.1:${port.nginxExporter}/metrics`);
    await waitFor(redisExp, `http://127.0.0.1:${port.redisExporter}/metrics`);
    await waitFor(node, `http://127.0.0.1:${port.nodeExporter}/metrics`);
    await waitFor(prometheusProcess, `${prometheusUrl}/-/ready`);
    if (redis.child.exitCode !== null) throw new Error(`redis-server exited: ${redis.output()}`);
  });

  after(async () => {
    await traffic?.stop();
    await Promise.all(
      running.map(async ({ child }) => {
        if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
        const exited = new Promise((done) => child.once("exit", done));
        try {
          process.kill(-child.pid, "SIGTERM");
        } catch {
          return; // already gone
        }
        const timer = setTimeout(() => {
          try {
            process.kill(-child.pid!, "SIGKILL");
          } catch {
            // gone meanwhile
          }
        }, 5000);
        await exited;
        clearTimeout(timer);
      }),
    );
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers /actuator/prometheus while its data tier is down; the redis exporter reads INFO over TLS as the monitoring user", async () => {
    const health = await fetch(`http://127.0.0.1:${port.api}/actuator/health`);
    expect(health.status).to.equal(503);
    const scrape = await fetch(`http://127.0.0.1:${port.api}/actuator/prometheus`);
    expect(scrape.status).to.equal(200);
    expect(scrape.headers.get("content-type")).to.match(/^text\/plain; version=0\.0\.4/);
    const text = await scrape.text();
    expect(text).to.match(/^# TYPE http_server_requests_seconds histogram$/m);
    expect(text).to.match(/^hikaricp_connections_pending\{pool="HikariPool-1"\} 0\.0$/m);
    const exporter = await (await fetch(`http://127.0.0.1:${port.redisExporter}/metrics`)).text();
    // The exporter logged in over TLS as the monitoring user: INFO's numbers are there.
    expect(exporter).to.match(/^redis_up 1$/m);
    expect(exporter).to.match(/^redis_memory_used_bytes \d+/m);
  });

  it("gives the monitoring user PING and INFO, and refuses it keys, writes, configuration and ACLs", () => {
    expect(asMonitor("PING")).to.equal("PONG");
    expect(asMonitor("INFO", "memory")).to.match(/^used_memory:\d+/m);
    for (const command of [["GET", "refresh:1"], ["SET", "refresh:1", "x"], ["KEYS", "*"], ["SCAN", "0"], ["CONFIG", "GET", "maxmemory"], ["ACL", "LIST"], ["FLUSHALL"], ["SUBSCRIBE", "events"]]) {
      expect(asMonitor(...command), command.join(" ")).to.match(/NOPERM/);
    }
  });

  it("has every scrape target up (Prometheus' /api/v1/targets)", async () => {
    type Target = { labels: { job: string }; health: string; lastError: string };
    const deadline = Date.now() + 20_000;
    let targets: Target[] = [];
    while (Date.now() < deadline) {
      targets = (await prom<{ activeTargets: Target[] }>("/api/v1/targets")).activeTargets;
      if (targets.length === 5 && targets.every((target) => target.health === "up")) break;
      await sleep(500);
    }
    expect(targets.map((target) => `${target.labels.job}: ${target.health} ${target.lastError}`).sort()).to.deep.equal(
      ["api: up ", "cache: up ", "nginx: up ", "node: up ", "prometheus: up "],
    );
    process.stdout.write(`      targets up: ${targets.length} of ${targets.length}\n`);
  });

  it("keeps ApiRouteP99Slow silent through a fast-only phase, with the p99 it evaluates below the target", async () => {
    const proxy = `http://127.0.0.1:${port.proxy}`;
    // Routes that need no database answer 2xx/404; /api/places and /api/plans/{owner} answer a
    // real 503 (no MySQL), which the 5xx panels need in order to have a series at all.
    traffic = load(proxy, ["/api/info", "/", "/api/slow?ms=20", "/api/echo", "/api/info", "/api/places", "/api/plans/7", "/no-such-route"], 3, 30);
    const seen: string[] = [];
    const until = Date.now() + FAST_PHASE_MS;
    while (Date.now() < until) {
      for (const alert of await p99Alerts()) seen.push(`${alert.labels.uri} ${alert.state}`);
      await sleep(1000);
    }
    expect(seen, "ApiRouteP99Slow pending or firing on fast traffic").to.deep.equal([]);
    const p99 = await query(alertExpr());
    expect(p99.length, "the p99 rule had routes to evaluate").to.be.greaterThan(0);
    for (const sample of p99) expect(Number(sample.value[1]), sample.metric.uri).to.be.below(0.5);
  });

  it("returns at least one series for every dashboard query (and a number, but where MySQL is needed)", async () => {
    const queries = dashboardQueries({ scrapeIntervalSeconds: SCRAPE_SECONDS });
    const empty: string[] = [];
    const noNumber: string[] = [];
    for (const panelQuery of queries) {
      const result = await query(withGrafanaVariables(panelQuery.expr, SCRAPE_SECONDS));
      const name = `${panelQuery.dashboard} / ${panelQuery.panel} ${panelQuery.refId}`;
      if (result.length === 0) empty.push(name);
      else if (!NAN_WITHOUT_MYSQL(panelQuery) && !result.some((sample) => Number.isFinite(Number(sample.value[1])))) noNumber.push(name);
    }
    expect(empty, "queries without a series").to.deep.equal([]);
    expect(noNumber, "queries whose every value is NaN").to.deep.equal([]);
    expect(queries.filter(NAN_WITHOUT_MYSQL)).to.have.length(NAN_WITHOUT_MYSQL_COUNT);
    process.stdout.write(`      dashboard queries with series: ${queries.length - empty.length} of ${queries.length} (${queries.length - NAN_WITHOUT_MYSQL_COUNT} with a number)\n`);
  });

  it(`fires ApiRouteP99Slow for /api/slow once requests take 800 ms (for ${P99_FOR})`, async () => {
    const slow = load(`http://127.0.0.1:${port.api}`, ["/api/slow?ms=800"], 3, 0);
    const started = Date.now();
    let firing: Alert[] = [];
    try {
      while (Date.now() - started < SLOW_PHASE_LIMIT_MS) {
        firing = (await p99Alerts()).filter((alert) => alert.state === "firing");
        if (firing.length > 0) break;
        await sleep(500);
      }
    } finally {
      await slow.stop();
    }
    expect(firing.map((alert) => alert.labels.uri)).to.deep.equal(["/api/slow"]);
    expect(firing[0]!.labels).to.include({ severity: "page" });
    process.stdout.write(`      ApiRouteP99Slow firing ${((Date.now() - started) / 1000).toFixed(1)} s after the slow requests began\n`);
  });
});

/** The rule's own expression, without its threshold: the p99 per route it compares. */
function alertExpr(): string {
  const rule = alertRules({ scrapeIntervalSeconds: SCRAPE_SECONDS }).find((candidate) => candidate.alert === "ApiRouteP99Slow")!;
  return rule.expr.replace(/ > [\d.]+$/, "");
}
