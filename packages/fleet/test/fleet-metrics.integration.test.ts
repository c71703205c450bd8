// Real tools over the fleet's rendered metrics files: promtool (Debian's prometheus package) on
// the agent's prometheus.yml in agent mode and on the workspace's rule file, amtool (Debian's
// prometheus-alertmanager package) on the Alertmanager configuration the workspace gets.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { parse } from "yaml";
import { FLEET_SKIPPED_ALERTS, renderAgentConfig, renderAlertmanagerConfig, renderAlertmanagerDefinition, renderFleetAlertRules } from "@trafficlab/fleet";
import { alertRules } from "@trafficlab/observability";
import { requireTools } from "@trafficlab/testing";

const URL = "https://aps-workspaces.ap-northeast-2.amazonaws.com/workspaces/ws-0123abcd-4567/api/v1/remote_write";
const TOPIC = "arn:aws:sns:ap-northeast-2:123456789012:prod-api-alarms";

function run(tool: string, dir: string, ...args: string[]) {
  const result = spawnSync(tool, args, { cwd: dir, encoding: "utf8", timeout: 60_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe("@trafficlab/fleet metrics files under promtool and amtool", () => {
  const dir = mkdtempSync(join(tmpdir(), "fleet-metrics-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const interval of [5, 30, 300]) {
    it(`accepts the agent's prometheus.yml in agent mode (promtool check config --agent), scrape interval ${interval} s`, function () {
      const [promtool] = requireTools(this, "promtool");
      const file = `agent-${interval}.yml`;
      writeFileSync(join(dir, file), renderAgentConfig({ stack: "prod", region: "ap-northeast-2", remoteWriteUrl: URL, scrapeIntervalSeconds: interval }));
      const result = run(promtool!, dir, "check", "config", "--agent", file);
      expect(result.status, result.output).to.equal(0);
      expect(result.output).to.match(/SUCCESS/);
    });
  }

  it("catches what agent mode refuses (the check checks): the single host's config with its rule file", function () {
    const [promtool] = requireTools(this, "promtool");
    const agent = parse(renderAgentConfig({ stack: "prod", region: "ap-northeast-2", remoteWriteUrl: URL, scrapeIntervalSeconds: 30 })) as Record<string, unknown>;
    writeFileSync(join(dir, "rules.yml"), renderFleetAlertRules({ stack: "prod", scrapeIntervalSeconds: 30, cpuTargetPercent: 70 }));
    writeFileSync(join(dir, "server-mode.yml"), JSON.stringify({ ...agent, rule_files: ["rules.yml"] }));
    const result = run(promtool!, dir, "check", "config", "--agent", "server-mode.yml");
    expect(result.status).to.equal(1);
    expect(result.output).to.include("rule_files is not allowed in agent mode");
  });

  it("accepts the workspace's rule file: the single host's rules but the cache's (promtool check rules)", function () {
    const [promtool] = requireTools(this, "promtool");
    writeFileSync(join(dir, "fleet-rules.yml"), renderFleetAlertRules({ stack: "prod", scrapeIntervalSeconds: 30, cpuTargetPercent: 70 }));
    const result = run(promtool!, dir, "check", "rules", "fleet-rules.yml");
    expect(result.status, result.output).to.equal(0);
    expect(result.output).to.include(`SUCCESS: ${alertRules().length - FLEET_SKIPPED_ALERTS.length} rules found`);
  });

  it("accepts the Alertmanager configuration inside the workspace's definition (amtool check-config), routing to the SNS topic", function () {
    const [amtool] = requireTools(this, "amtool");
    const inner = (parse(renderAlertmanagerDefinition(TOPIC, "ap-northeast-2")) as { alertmanager_config: string }).alertmanager_config;
    expect(inner).to.equal(renderAlertmanagerConfig(TOPIC, "ap-northeast-2"));
    writeFileSync(join(dir, "alertmanager.yml"), inner);
    const result = run(amtool!, dir, "check-config", "alertmanager.yml");
    expect(result.status, result.output).to.equal(0);
    expect(result.output).to.match(/SUCCESS[\s\S]*1 receivers/);
  });

  it("catches a receiver amtool refuses (the check checks): an SNS receiver without a topic", function () {
    const [amtool] = requireTools(this, "amtool");
    writeFileSync(join(dir, "bad-alertmanager.yml"), renderAlertmanagerConfig(TOPIC, "ap-northeast-2").replace(/topic_arn: .*\n/, ""));
    const result = run(amtool!, dir, "check-config", "bad-alertmanager.yml");
    expect(result.status).to.not.equal(0);
  });
});
