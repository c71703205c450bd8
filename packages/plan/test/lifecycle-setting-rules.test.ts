import { expect } from "chai";
import { AWS_PROVIDER_SETTINGS } from "@trafficlab/stacks/config";
import { SECRET_SETTINGS, STACK_SETTINGS } from "@trafficlab/stacks/settings";
import { recordStack, type RecordedStack } from "../src/record-stack";
import { planSettingsChange } from "../src/lifecycle/settings-change";
import { buildChangeReport, renderChangeReport, VERDICT_EXIT_CODES } from "../src/lifecycle/report";
import { USAGE, runPlan } from "../src/cli";
import { AWS_PROVIDER_CONFIG_RULES } from "../src/lifecycle/provider-rules";
import { PROVIDER_KEY_CASES, SECRET_RULES, SETTING_RULES } from "../src/lifecycle/setting-rules";

/**
 * Every setting's verdict, held to the rule table (src/lifecycle/setting-rules.ts): a setting
 * without a rule fails here; what the report says for the cases the issue names. Every case of
 * the table runs through the real plan in lifecycle-setting-rules.integration.test.ts.
 */
const recorded: Partial<Record<string, RecordedStack>> = {};
async function before(stack: string): Promise<RecordedStack> {
  return (recorded[stack] ??= await recordStack(stack));
}

describe("--change verdicts: the rule table covers every setting", () => {
  it("has a rule for every setting of stacks/settings.ts, every secret and nothing else", () => {
    expect(Object.keys(SETTING_RULES).sort()).to.deep.equal(Object.keys(STACK_SETTINGS).sort());
    expect(Object.keys(SECRET_RULES).sort()).to.deep.equal(Object.keys(SECRET_SETTINGS).sort());
  });

  it("has a provider rule for every aws: key the provider reads (@pulumi/aws config/vars)", () => {
    expect(Object.keys(AWS_PROVIDER_CONFIG_RULES).sort()).to.deep.equal([...AWS_PROVIDER_SETTINGS].sort());
    // Only region replaces the provider (pulumi-aws ForcesProviderReplace); the sweep below runs the three that matter here.
    expect(Object.entries(AWS_PROVIDER_CONFIG_RULES).filter(([, rule]) => rule.effect === "replaces-every-resource").map(([key]) => key)).to.deep.equal(["region"]);
    for (const key of Object.keys(PROVIDER_KEY_CASES)) expect(AWS_PROVIDER_CONFIG_RULES, key).to.have.property(key.slice("aws:".length));
  });

  it("gives each rule what it does, its source and a case per hosting mode that sets the key", () => {
    for (const [key, rule] of Object.entries({ ...SETTING_RULES, ...SECRET_RULES })) {
      expect(rule.does, key).to.have.length.above(10);
      expect(rule.source, key).to.have.length.above(5);
      for (const mode of ["single", "fleet"] as const) {
        expect(rule[mode], `${key} ${mode}`).to.have.length.above(0);
        for (const c of rule[mode]) expect(c.set, `${key} ${mode}`).to.have.property(key);
      }
      for (const c of rule.ci ?? []) expect(c.set, `${key} ci`).to.have.property(key);
    }
    // The ci stack's own settings say what they do to it.
    for (const key of Object.keys(STACK_SETTINGS).filter((k) => STACK_SETTINGS[k as keyof typeof STACK_SETTINGS].description.startsWith("ci:"))) {
      expect(SETTING_RULES[key]!.ci, `${key} ci`).to.have.length.above(0);
    }
    for (const rule of Object.values(AWS_PROVIDER_CONFIG_RULES)) expect(rule.source).to.have.length.above(5);
  });
});

describe("--change verdicts: what the report says", () => {
  it("aws:region in dev: every AWS resource is replaced through the provider, the data tier is lost, the cost follows the new Region", async () => {
    const plan = await planSettingsChange("dev", { set: { "aws:region": "eu-west-3" } }, await before("dev"));
    const report = buildChangeReport(plan);
    expect(report.verdict).to.equal("DATA LOSS");
    expect(report.exitCode).to.equal(4);
    const awsResources = plan.lifecycle.changes.filter((c) => c.type.startsWith("aws:"));
    expect(awsResources.length).to.be.above(20);
    for (const c of awsResources) {
      expect(c.action, c.name).to.equal("replace");
      expect(c.because.join(), c.name).to.include("provider: aws:region changed").and.include("step_generator.go providerChanged");
    }
    expect(report.dataLoss).to.include.members(["dev-db-mysql", "dev-tokens-group"]);
    expect(report.providerChanges.map((p) => p.key)).to.deep.equal(["aws:region"]);
    // The repository has Seoul prices only: the new Region's cost is a lower bound, not a guess.
    expect(report.monthlyCost.beforeComplete).to.equal(true);
    expect(report.monthlyCost.afterComplete).to.equal(false);
    expect(renderChangeReport(report)).to.include("== Provider configuration").and.include("=> DATA LOSS (exit 4)");
  });

  it("aws:region in prod fails: its data tier is protected", async () => {
    const report = buildChangeReport(await planSettingsChange("prod", { set: { "aws:region": "eu-west-3" } }, await before("prod")));
    expect(report.verdict).to.equal("FAILS");
    expect(report.failures.join("\n")).to.include("prod-db-mysql is protected");
  });

  it("aws:defaultTags updates tagged resources in place and starts no instance refresh", async () => {
    const plan = await planSettingsChange("prod", { set: { "aws:defaultTags": JSON.stringify({ tags: { team: "api" } }) } }, await before("prod"));
    const changed = plan.lifecycle.changes.filter((c) => c.action !== "same");
    expect(changed.every((c) => c.action === "update" && c.changed.includes("tagsAll")), changed.map((c) => `${c.name}:${c.action}`).join()).to.equal(true);
    expect(changed.map((c) => c.name)).to.include("prod-db-mysql").and.include("prod-api-lt");
    // An Auto Scaling group has no tags_all: default tags never reach it.
    expect(changed.map((c) => c.type)).not.to.include("aws:autoscaling/group:Group");
    expect(changed.flatMap((c) => c.effects).join()).not.to.include("INSTANCE REFRESH");
  });

  it("dbEngineVersion 8.4 -> 8.0 fails with RDS's rule and its source", async () => {
    const report = buildChangeReport(await planSettingsChange("dev", { set: { dbEngineVersion: "8.0" } }, await before("dev")));
    expect(report.verdict).to.equal("FAILS");
    expect(report.exitCode).to.equal(5);
    expect(report.failures.join()).to.include("RDS refuses to downgrade MySQL 8.4 to 8.0").and.include("rds/func.resourceInstanceUpdate");
  });

  it("dbEngineVersion upgrades: the database allows a major upgrade, and prod's waits for the maintenance window", async () => {
    const base = await before("prod");
    const upgraded = await recordStack("prod", { "trafficlab:dbEngineVersion": "8.0" });
    expect(upgraded.graph.one("aws:rds/instance:Instance").inputs.allowMajorVersionUpgrade).to.equal(true);
    const minor = await planSettingsChange("prod", { set: { dbEngineVersion: "8.4.6" } }, base);
    const effects = minor.lifecycle.changes.find((c) => c.name === "prod-db-mysql")!.effects.join("\n");
    expect(effects).to.include("deferred to the maintenance window").and.include("DOWNTIME: an engine upgrade takes the database offline");
  });

  it("a major MySQL upgrade and redis -> valkey go through in prod: the parameter groups follow the engine and are never protected", async () => {
    for (const [from, to, group] of [
      [{ "trafficlab:dbEngineVersion": "8.0" }, { dbEngineVersion: "8.4" }, "prod-db-params"],
      [{ "trafficlab:cacheEngine": "redis" }, { cacheEngine: "valkey" }, "prod-tokens-params"],
    ] as const) {
      const plan = await planSettingsChange("prod", { set: to }, await recordStack("prod", from));
      expect(plan.lifecycle.failures, JSON.stringify(to)).to.deep.equal([]);
      const params = plan.lifecycle.changes.find((c) => c.name === group)!;
      expect([params.action, params.replaceMode, params.retained]).to.deep.equal(["replace", "create-before-delete", true]);
      expect(plan.after.graph.resources.find((r) => r.name === group.replace("-params", "-mysql") || r.name === group.replace("-params", "-group"))?.protect).to.equal(true);
    }
  });

  it("leaves a mistyped aws: key to the stack, which refuses it by name", async () => {
    const error = await planSettingsChange("dev", { set: { "aws:regoin": "eu-west-3" } }, await before("dev")).then(
      () => undefined,
      (caught: unknown) => caught as Error,
    );
    expect(error?.message).to.include("aws:regoin is not a setting of the AWS provider, which would ignore it; did you mean aws:region?");
  });

  it("never prints the AWS provider's secret keys: credentials change no resource", async () => {
    const report = buildChangeReport(await planSettingsChange("dev", { set: { "aws:secretKey": "plan-not-a-real-secret-key", "aws:accessKey": "AKIAPLANEXAMPLE" } }, await before("dev")));
    expect(report.verdict).to.equal("NO-OP");
    const printed = `${renderChangeReport(report)}\n${JSON.stringify(report)}`;
    expect(printed).not.to.include("plan-not-a-real-secret-key");
    expect(printed).not.to.include("AKIAPLANEXAMPLE");
  });

  it("a setting unused in the hosting mode says so instead of OK", async () => {
    const report = buildChangeReport(await planSettingsChange("prod", { set: { hostInstanceType: "t3.small" } }, await before("prod")));
    expect(report.verdict).to.equal("UNUSED");
    expect(renderChangeReport(report)).to.include("UNUSED: hostInstanceType: no effect: unused when hosting=fleet").and.not.include("OK:");
    const dev = buildChangeReport(await planSettingsChange("dev", { set: { fleetMinSize: "2" } }, await before("dev")));
    expect(dev.unused).to.deep.equal([{ key: "fleetMinSize", note: "no effect: unused when hosting=single" }]);
  });

  it("shows the monthly cost before and after, in text and JSON", async () => {
    const report = buildChangeReport(await planSettingsChange("dev", { set: { dbMultiAz: "true" } }, await before("dev")));
    expect(report.monthlyCost.afterUsd).to.be.above(report.monthlyCost.beforeUsd);
    expect(report.monthlyCost.deltaUsd).to.equal(Math.round((report.monthlyCost.afterUsd - report.monthlyCost.beforeUsd) * 100) / 100);
    expect(renderChangeReport(report)).to.match(/== Monthly cost[^\n]*\n {2}before USD \d+\.\d\d, after USD \d+\.\d\d: \+\d+\.\d\d/);
    expect(JSON.parse(JSON.stringify(report)).monthlyCost).to.include.keys("beforeUsd", "afterUsd", "deltaUsd");
  });

  it("gives pnpm plan the verdict's exit code, and the usage lists the codes", async () => {
    expect(await runPlan(["dev", "--change", "dbEngineVersion=8.0"])).to.include({ exitCode: 5 });
    expect(await runPlan(["prod", "--change", "fleetMinSize=2", "--json"]).then((r) => [r.exitCode, (JSON.parse(r.text) as { verdict: string }).verdict])).to.deep.equal([0, "OK"]);
    expect(VERDICT_EXIT_CODES).to.deep.equal({ OK: 0, "NO-OP": 0, UNUSED: 0, DOWNTIME: 3, "DATA LOSS": 4, FAILS: 5, UNKNOWN: 6 });
    expect(USAGE).to.include("1 error").and.include("2 wrong command line").and.include("3 DOWNTIME, 4 DATA LOSS, 5 FAILS, 6 UNKNOWN");
  });
});
