import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requireTools } from "@trafficlab/testing";
import { ALERT_RULES_FILE, renderAlertRules, renderPrometheusConfig, type ObservabilityArgs } from "../src";

const UNIT_TESTS = join(__dirname, "promtool", "alert-rules.test.yml");

/** A directory as the Prometheus service mounts it: prometheus.yml, the rule file, and the rule tests. */
function renderedDirectory(args: ObservabilityArgs = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "obs-promtool-"));
  writeFileSync(join(dir, "prometheus.yml"), renderPrometheusConfig(args));
  writeFileSync(join(dir, ALERT_RULES_FILE), renderAlertRules(args));
  copyFileSync(UNIT_TESTS, join(dir, "alert-rules.test.yml"));
  return dir;
}

function promtool(tool: string, dir: string, ...args: string[]) {
  const result = spawnSync(tool, args, { cwd: dir, encoding: "utf8", timeout: 60_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe("@trafficlab/observability with promtool (Debian's prometheus package)", () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it("accepts the rendered prometheus.yml, with its rule file, and the rule file alone", function () {
    const [tool] = requireTools(this, "promtool");
    const dir = renderedDirectory({ scrapeIntervalSeconds: 30, stack: "prod" });
    dirs.push(dir);
    const config = promtool(tool!, dir, "check", "config", "prometheus.yml");
    expect(config.status, config.output).to.equal(0);
    expect(config.output).to.match(/SUCCESS: 1 rule files found/);
    const rules = promtool(tool!, dir, "check", "rules", ALERT_RULES_FILE);
    expect(rules.status, rules.output).to.equal(0);
    expect(rules.output).to.match(/SUCCESS: 8 rules found/);
  });

  it("fires each alert on its synthetic series and stays silent on the others (promtool test rules)", function () {
    const [tool] = requireTools(this, "promtool");
    const dir = renderedDirectory();
    dirs.push(dir);
    const result = promtool(tool!, dir, "test", "rules", "alert-rules.test.yml");
    expect(result.status, result.output).to.equal(0);
    expect(result.output).to.match(/SUCCESS/);
  });

  it("follows the settings: with a 2 s p99 target the slow route no longer fires, and the tests say so", function () {
    const [tool] = requireTools(this, "promtool");
    const dir = renderedDirectory({ p99TargetMs: 2000 });
    dirs.push(dir);
    const result = promtool(tool!, dir, "test", "rules", "alert-rules.test.yml");
    expect(result.status).to.equal(1);
    expect(result.output).to.match(/alertname: ApiRouteP99Slow, time: 10m/);
    expect(result.output).to.not.match(/alertname: (?!ApiRouteP99Slow)/);
  });
});
