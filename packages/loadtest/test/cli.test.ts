import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../src/cli";
import type { LoadResult } from "../src/run";
import { startLoopback, type Loopback } from "./loopback";

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), tty: false });
  return { code, stdout, stderr };
}

describe("pnpm loadtest: exit codes, --json, usage errors", () => {
  let dir: string;
  let ok: Loopback;
  let failing: Loopback;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "loadtest-cli-"));
    [ok, failing] = await Promise.all([startLoopback(), startLoopback({ status: 503 })]);
  });
  after(async () => {
    await Promise.all([ok.close(), failing.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  // 10 requests/s (DAU 7,200 x 50 x 0.1 / 3600) for 0.3 s: 3 requests
  const small = ["--profile", "load", "--dau", "7200", "--duration", "300ms"];
  // PASS or FAIL by the errors alone: on a loaded machine loopback latency itself can pass 500 ms
  const errorsDecide = ["--p99-ms", "10000"];

  it("PASS exits 0 and --json holds the result, its series and the verdict", async () => {
    const json = join(dir, "pass.json");
    const { code, stdout } = await cli("--target", ok.url, ...small, ...errorsDecide, "--json", json);
    expect(code).to.equal(0);
    const result = JSON.parse(readFileSync(json, "utf8")) as LoadResult;
    for (const key of ["requests", "errors", "errorRate", "p50Ms", "p95Ms", "p99Ms", "maxMs", "achievedRps", "targetRps", "verdict", "series"]) expect(result).to.have.property(key);
    expect(result).to.include({ requests: 3, errors: 0, errorRate: 0, verdict: "PASS", targetRps: 10, profile: "load", dau: 7200 });
    expect(result.thresholds).to.deep.equal({ p99Ms: 10_000, maxErrorRate: 0.001 });
    expect(result.series[0]).to.include({ second: 0, targetRps: 3, responses: 3, errors: 0 });
    expect(stdout).to.include("DAU 7,200 x 50 requests x 0.1 in the peak hour / 3600 s = 10.0 requests/s at peak");
    expect(stdout).to.match(/verdict: PASS/);
    // every request went to a route of the default mix, {user} replaced
    expect(ok.requests.every((r) => /^\/api\//.test(r.path) && !r.path.includes("{user}") && !r.body.includes("{user}"))).to.equal(true);
  });

  it("FAIL exits 1: a server answering 503 breaks the 0.1 % error rate; --report writes a self-contained SVG", async () => {
    const svg = join(dir, "fail.svg");
    const json = join(dir, "fail.json");
    const { code, stdout } = await cli("--target", failing.url, ...small, "--report", svg, "--json", json);
    expect(code).to.equal(1);
    // the defaults: the series' 500 ms and 0.1 %
    expect(JSON.parse(readFileSync(json, "utf8")).thresholds).to.deep.equal({ p99Ms: 500, maxErrorRate: 0.001 });
    expect(stdout).to.include("verdict: FAIL").and.to.include("http 503 3");
    const picture = readFileSync(svg, "utf8");
    expect(picture).to.match(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(picture).to.include(">FAIL</tspan>").and.to.include("<polyline");
    expect(picture).to.not.match(/<script|href=|@import|url\(/);
  });

  it("--p99-ms and --max-error-rate are the limits: the same errors PASS with --max-error-rate 1", async () => {
    const json = join(dir, "lenient.json");
    const { code } = await cli("--target", failing.url, ...small, "--max-error-rate", "1", "--p99-ms", "20000", "--json", json);
    expect(code).to.equal(0);
    expect(JSON.parse(readFileSync(json, "utf8")).thresholds).to.deep.equal({ p99Ms: 20_000, maxErrorRate: 1 });
  });

  it("--report .html: the SVG inside a page with the table; --json - prints the JSON alone on stdout", async () => {
    const html = join(dir, "report.html");
    const { code, stdout, stderr } = await cli("--target", ok.url, ...small, ...errorsDecide, "--json", "-", "--report", html);
    expect(code).to.equal(0);
    expect(JSON.parse(stdout)).to.include({ verdict: "PASS" });
    expect(stderr).to.include("verdict: PASS");
    expect(readFileSync(html, "utf8")).to.match(/^<!doctype html>/).and.to.include("<svg").and.to.include("<th>route</th>");
  });

  it("--mix FILE replaces the request mix; --max-requests bounds the run", async () => {
    const mix = join(dir, "mix.json");
    writeFileSync(mix, JSON.stringify([{ name: "echo", method: "POST", path: "/api/echo", weight: 1, body: '{"u":{user}}' }]));
    const before = ok.requests.length;
    const json = join(dir, "mix-result.json");
    const { code } = await cli("--target", ok.url, ...small, ...errorsDecide, "--mix", mix, "--max-requests", "2", "--json", json);
    expect(code).to.equal(0);
    const sent = ok.requests.slice(before);
    expect(sent).to.have.length(2);
    expect(sent.every((r) => r.method === "POST" && r.path === "/api/echo" && /^\{"u":\d+\}$/.test(r.body))).to.equal(true);
    expect(JSON.parse(readFileSync(json, "utf8")).warnings.join()).to.include("--max-requests 2 cut the schedule of 3 requests short");
  });

  it("--dry-run prints the schedule and sends nothing; --help exits 0 with every profile's rate", async () => {
    const before = ok.requests.length;
    const dry = await cli("--target", ok.url, "--profile", "stress", "--dry-run");
    expect(dry.code).to.equal(0);
    expect(dry.stdout).to.include("DAU 45,000 x 50 requests x 0.1 in the peak hour / 3600 s = 62.5 requests/s at peak; 0.0 -> 62.5/s over 7m30s, then 62.5/s for 2m30s (10m)");
    expect(ok.requests.length).to.equal(before);
    const help = await cli("--help");
    expect(help.code).to.equal(0);
    expect(help.stdout).to.match(/load +DAU 25,000 +34\.7 req\/s/).and.to.match(/stress +DAU 45,000 +62\.5 req\/s/);
  });

  for (const [argv, message] of [
    [["--profile", "load"], "--target is required"],
    [["--target", "ftp://203.0.113.10", "--profile", "load"], "--target ftp://203.0.113.10: the scheme ftp is refused; allowed: http or https"],
    [["--target", "not a url", "--profile", "load"], "--target not a url: not a URL"],
    [["--target", "http://127.0.0.1:9"], "--profile is required; allowed: smoke, load, soak, stress"],
    [["--target", "http://127.0.0.1:9", "--profile", "spike"], "--profile spike: unknown; allowed: smoke, load, soak, stress"],
    [["--target", "http://127.0.0.1:9", "--profile", "load", "--dau", "0"], "--dau 0: allowed: a whole number of daily users, at least 1"],
    [["--target", "http://127.0.0.1:9", "--profile", "load", "--dau", "lots"], "--dau lots: not a number"],
    [["--target", "http://127.0.0.1:9", "--profile", "smoke", "--dau", "100"], "--dau 100: the smoke profile's rate is fixed"],
    [["--target", "http://127.0.0.1:9", "--profile", "load", "--dau", "50000"], "--dau 50000: the load profile would send up to 69.4 requests/s, above the 34.7/s of its own DAU 25000"],
    [["--target", "http://127.0.0.1:9", "--profile", "stress", "--peak-hour-factor", "0.2"], "--peak-hour-factor 0.2: the stress profile would send up to 125.0 requests/s"],
    [["--target", "http://127.0.0.1:9", "--profile", "load", "--peak-hour-factor", "0.01"], "--peak-hour-factor 0.01: allowed: the share of a day's requests in its busiest hour, from 1/24"],
    [["--target", "http://127.0.0.1:9", "--profile", "load", "--duration", "2d"], "--duration 2d: not a duration"],
    [["--target", "http://127.0.0.1:9", "--profile", "load", "--duration", "25h"], "--duration 90000s: allowed: more than 0 s, at most 24 h"],
    [["--target", "http://127.0.0.1:9", "--profile", "load", "--max-requests", "1.5"], "--max-requests 1.5: allowed: a whole number, at least 1"],
    [["--target", "http://127.0.0.1:9", "--profile", "load", "--max-error-rate", "5"], "--max-error-rate 5: allowed: a fraction from 0 to 1"],
    [["--target", "http://127.0.0.1:9", "--profile", "load", "--report", "out.png"], "--report out.png: allowed: a file name ending in .html or .svg"],
    [["--target", "http://127.0.0.1:9", "--profile", "load", "--mix", "/nonexistent/mix.json"], "--mix /nonexistent/mix.json: cannot be read (ENOENT)"],
    [["--target", "http://127.0.0.1:9", "--profile", "load", "--rate", "100"], "Unknown option '--rate'"],
  ] as const) {
    it(`usage error, exit 2, nothing sent: ${argv.join(" ")}`, async () => {
      const { code, stderr, stdout } = await cli(...argv);
      expect(code).to.equal(2);
      expect(stderr).to.include(message);
      expect(stdout).to.equal("");
    });
  }

  it("a rate above the profile's own runs with --allow-rate-above-profile", async () => {
    const { code, stdout } = await cli("--target", ok.url, "--profile", "load", "--dau", "50000", "--duration", "50ms", "--allow-rate-above-profile", "--dry-run");
    expect(code).to.equal(0);
    expect(stdout).to.include("69.4 requests/s at peak");
  });
});
