import { expect } from "chai";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RegisteredResource } from "@trafficlab/testing";
import { recordStack, type RecordedStack } from "../src/record-stack";
import { regionPrices } from "../src/prices";
import { buildPlan, type Plan } from "../src/report";
import { runPlanCommand } from "../src/cli";
import { clearTextHttp } from "../src/exposure";
import { DEV_TRAFFIC, SERIES_TRAFFIC } from "../src/cost";

const DATA_TIER = ["aws:rds/instance:Instance", "aws:elasticache/replicationGroup:ReplicationGroup"];

/** What `pnpm plan <args>` prints (the command itself runs in the integration tier). */
const runPlan = (...args: string[]) => runPlanCommand(args);

function cents(usd: number): number {
  return Math.round(usd * 100) / 100;
}

describe("plan: the dev stack", () => {
  let plan: Plan;
  let recorded: RecordedStack;

  before(async () => {
    plan = JSON.parse(await runPlan("dev", "--json")) as Plan;
    recorded = await recordStack("dev");
  });

  it("prints one JSON object with the inventory, exposure, cost, critical path and notes", () => {
    expect(plan).to.include.keys("resources", "exposure", "monthlyCostUsd", "costLines", "criticalPath", "notes");
    expect(plan.monthlyCostUsd).to.be.a("number");
    expect(plan.criticalPath.seconds).to.be.a("number").above(0);
    expect(plan.criticalPath.chain).to.be.an("array").with.length.above(0);
    expect(plan.resources.map((r) => `${r.type} ${r.name}`).sort()).to.deep.equal(
      recorded.graph.resources.filter((r) => r.type !== "pulumi:pulumi:Stack" && !r.type.startsWith("pulumi:providers:")).map((r) => `${r.type} ${r.name}`).sort(),
    );
  });

  it("prices what the inventory holds: one line per billable setting, and a total that is the sum of the lines", () => {
    const ofType = (type: string) => plan.resources.filter((r) => r.type === type);
    const linesOf = (prefix: string) => plan.costLines.filter((l) => l.priceKey.startsWith(prefix));
    expect(linesOf("ec2:").map((l) => l.priceKey)).to.deep.equal(ofType("aws:ec2/instance:Instance").map((r) => `ec2:${r.settings.instanceType}`));
    expect(linesOf("rds:").map((l) => l.priceKey)).to.deep.equal(ofType("aws:rds/instance:Instance").map((r) => `rds:mysql:${r.settings.instanceClass}`));
    expect(linesOf("elasticache:").map((l) => l.priceKey)).to.deep.equal(
      ofType("aws:elasticache/replicationGroup:ReplicationGroup").map((r) => `elasticache:${String(r.settings.engine).split(" ")[0]}:${r.settings.nodeType}`),
    );
    for (const line of linesOf("ebs:")) {
      const instance = plan.resources.find((r) => r.name === line.resource)!;
      expect(instance.settings.rootVolume).to.match(new RegExp(`^${line.quantity} GB ${line.priceKey.slice(4)}`));
    }
    for (const line of plan.costLines) expect(line.monthlyUsd, line.item).to.equal(cents(line.quantity * line.unitPriceUsd!));
    expect(plan.monthlyCostUsd).to.equal(cents(plan.costLines.reduce((sum, l) => sum + l.monthlyUsd!, 0)));
  });

  it("costs at most USD 55 a month on-demand, with every price known, its traffic billed and no NAT gateway", () => {
    expect(plan.resources.some((r) => r.type === "aws:ec2/natGateway:NatGateway")).to.equal(false);
    expect(plan.costLines.some((l) => l.priceKey.startsWith("nat-gateway"))).to.equal(false);
    expect(plan.costComplete).to.equal(true);
    const lines = plan.costLines.map((l) => `${l.item} ${l.monthlyUsd}`).join("; ");
    expect(plan.monthlyCostUsd, lines).to.be.at.most(55);
    // A dev stack is priced with its team's traffic, and says so.
    expect(plan.traffic).to.deep.equal(DEV_TRAFFIC);
    expect(plan.costLines.filter((l) => l.priceKey.startsWith("data-transfer")).map((l) => `${l.resource} ${l.priceKey}`)).to.deep.equal([
      "dev-api-instance data-transfer-out",
      "dev-tokens-group data-transfer-cross-az",
      "dev-db-mysql data-transfer-cross-az",
    ]);
    expect(plan.notes.map((n) => n.kind)).to.include.members(["traffic", "taxes"]);
    expect(plan.notes.find((n) => n.kind === "taxes")!.message).to.include("VAT");
  });

  it("keeps Docker install, file copies and image pull off the data tier: they wait for neither RDS nor ElastiCache", () => {
    const graph = recorded.graph;
    const hostSteps = graph.ofType("command:remote:Command").filter((c) => /install-docker$|-file-|pull-images$/.test(c.name));
    expect(hostSteps.map((c) => c.name).join(" ")).to.match(/install-docker/).and.match(/-file-/).and.match(/pull-images/);
    for (const dataTier of DATA_TIER.map((type) => graph.one(type))) {
      for (const step of hostSteps) expect(graph.waitsFor(step, dataTier), `${step.name} waits for ${dataTier.name}`).to.equal(false);
    }
    // ...while the steps that need the endpoints do wait for both.
    for (const step of graph.ofType("command:remote:Command").filter((c) => /api-deploy$|compose-up$/.test(c.name))) {
      for (const dataTier of DATA_TIER.map((type) => graph.one(type))) expect(graph.waitsFor(step, dataTier), `${step.name} waits for ${dataTier.name}`).to.equal(true);
    }
  });

  it("has the slowest data-tier resource on the critical path, with no host step before it and only steps needing its endpoint after it", () => {
    const graph = recorded.graph;
    const chain = plan.criticalPath.chain;
    const at = chain.findIndex((step) => DATA_TIER.includes(step.type));
    expect(at, JSON.stringify(chain)).to.be.at.least(0);
    const dataTier = graph.named(chain[at]!.name);
    const isHostStep = (r: RegisteredResource) => r.type === "command:remote:Command" || r.type === "aws:ec2/instance:Instance";
    for (const step of chain.slice(0, at)) expect(isHostStep(graph.named(step.name)), `${step.name} before ${dataTier.name}`).to.equal(false);
    for (const step of chain.slice(at + 1)) expect(graph.waitsFor(graph.named(step.name), dataTier), `${step.name} after ${dataTier.name}`).to.equal(true);
    expect(plan.criticalPath.seconds).to.equal(chain.reduce((sum, step) => sum + step.seconds, 0));
  });

  it("lists every port open to the internet, and SSH only from named addresses", () => {
    expect(plan.exposure.length).to.be.above(0);
    for (const entry of plan.exposure.filter((e) => e.anywhere)) expect(["80", "443"]).to.include(entry.ports);
    for (const entry of plan.exposure.filter((e) => e.ports === "22")) expect(entry.anywhere).to.equal(false);
  });

  it("applies a --prices file and says so", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "plan-")), "prices.json");
    writeFileSync(file, JSON.stringify({ "ebs:gp3": { usd: 0.1, source: "test", date: "2026-11" } }));
    const overridden = JSON.parse(await runPlan("dev", "--json", "--prices", file)) as Plan;
    const root = overridden.costLines.find((l) => l.priceKey === "ebs:gp3")!;
    expect(root.monthlyUsd).to.equal(cents(root.quantity * 0.1));
    expect(overridden.notes).to.deep.include({ kind: "price-override", message: `prices overridden from ${file}` });
  });

  it("prices nothing and says so when the region has no prices in the repo", () => {
    const elsewhere = buildPlan({ ...recorded, region: "eu-west-1", prices: regionPrices("eu-west-1") });
    expect(elsewhere.costLines.length).to.equal(plan.costLines.length);
    expect(elsewhere.costLines.every((l) => l.missing && l.monthlyUsd === undefined)).to.equal(true);
    expect(elsewhere.costComplete).to.equal(false);
    expect(elsewhere.notes.map((n) => n.kind)).to.include("region");
  });

  it("prints the same plan as text, section by section", async () => {
    const text = await runPlan("dev");
    for (const heading of ["== Inventory", "== Exposure", "== Monthly cost", "== Deploy critical path", "== Notes"]) expect(text).to.include(heading);
    expect(text).to.match(new RegExp(`total\\s+${plan.monthlyCostUsd.toFixed(2).replace(".", "\\.")}`));
  });

  it("says the API is served in clear text without a domain, and not with one", async () => {
    const text = await runPlan("dev");
    expect(text).to.include("CLEAR TEXT: dev-api-sg serves HTTP only: requests, logins and refresh tokens cross the internet unencrypted");
    const secured = await recordStack("dev", { "trafficlab:domain": "api.example.com", "trafficlab:acmeEmail": "ops@example.com" });
    const exposure = buildPlan({ ...secured, prices: regionPrices(secured.region) }).exposure;
    expect(exposure.filter((e) => e.anywhere).map((e) => e.ports).sort()).to.deep.equal(["443", "443", "80", "80"]);
    expect(clearTextHttp(exposure)).to.deep.equal([]);
  });
});

describe("plan: settings that do nothing in the stack's hosting mode", () => {
  it("prod (a fleet) names the single host's settings its file sets, in text and JSON", async () => {
    const prod = JSON.parse(await runPlan("prod", "--json")) as Plan;
    expect(prod.unusedSettings).to.deep.equal([
      { key: "trafficlab:hostInstanceType", configures: ["trafficlab:api-host:ApiHost"] },
      { key: "trafficlab:hostElasticIp", configures: ["trafficlab:api-host:ApiHost"] },
    ]);
    // sshAllowedCidrs goes to the host only too, but Pulumi.prod.yaml does not set it: the plan's stand-in is not the user's.
    expect(prod.unusedSettings.map((u) => u.key)).not.to.include("trafficlab:sshAllowedCidrs");
    expect(prod.traffic).to.deep.equal(SERIES_TRAFFIC);
    const text = await runPlan("prod");
    expect(text).to.include("[unused-setting] trafficlab:hostInstanceType is set in Pulumi.prod.yaml but does nothing with hosting fleet: it configures only trafficlab:api-host:ApiHost");
  });

  it("prices nginx's log group: ingestion from the traffic assumption and storage for dev's 7 days, and stays under USD 55", async () => {
    const text = await runPlan("dev");
    expect(text).to.match(/CloudWatch Logs ingestion \(estimate\) +dev-api-logs-nginx +0\.09 GB +0\.76 +0\.07/);
    expect(text).to.match(/CloudWatch Logs storage, 7 days kept \(estimate\) +dev-api-logs-nginx/);
    const total = Number(/^ +total +([0-9.]+)$/m.exec(text)?.[1]);
    expect(total).to.be.above(0).and.at.most(55);
  });

  it("a single host names the fleet's settings, and what only the fleet reads (hostedZoneId), not the alarms both read; dev as committed has none", async () => {
    const dev = JSON.parse(await runPlan("dev", "--json")) as Plan;
    expect(dev.unusedSettings).to.deep.equal([]);
    const values = { "trafficlab:fleetMaxSize": "4", "trafficlab:hostedZoneId": "Z0123456789ABC", "trafficlab:alarmEmails": "ops@example.com", "trafficlab:timeZone": "UTC" };
    const single = await recordStack("dev", values);
    const plan = buildPlan({ ...single, prices: regionPrices(single.region) });
    expect(plan.unusedSettings.map((u) => u.key).sort()).to.deep.equal(["trafficlab:fleetMaxSize", "trafficlab:hostedZoneId"]);
    expect(plan.unusedSettings.every((u) => u.configures.join() === "trafficlab:fleet:ApiFleet")).to.equal(true);
  });

  it("a fleet made from the dev file names the host's settings dev sets, and nothing a fleet reads", async () => {
    const fleet = await recordStack("dev", { "trafficlab:hosting": "fleet" });
    const plan = buildPlan({ ...fleet, prices: regionPrices(fleet.region) });
    expect(plan.unusedSettings.map((u) => u.key)).to.deep.equal(["trafficlab:hostInstanceType", "trafficlab:hostOs"]);
  });
});
