import { expect } from "chai";
import { runPlanCommand, UsageError } from "../src/cli";
import type { ChangeReport } from "../src/lifecycle/report";

const report = async (...args: string[]) => JSON.parse(await runPlanCommand([...args, "--json"])) as ChangeReport;

describe("pnpm plan <stack> --change: what a settings change does to the running stack", () => {
  it("dev --change timeZone=UTC: updates only, nothing replaced, the API keeps serving", async () => {
    const plan = await report("dev", "--change", "timeZone=UTC");
    expect(plan).to.include({ stack: "dev", succeeds: true });
    expect(plan.settings).to.deep.equal({ timeZone: "UTC" });
    expect(plan.counts).to.include({ replace: 0, create: 0, delete: 0 });
    expect(plan.counts.update).to.be.above(0);
    expect(plan.dataLoss).to.deep.equal([]);
    expect(plan.teardownsAfterDeploy).to.deep.equal([]);
    expect(plan.hostCommands.map((c) => c.runs)).to.not.include("delete");
  });

  it("prod --change dbInstanceClass=db.t4g.medium: an update of the instance, deferred to the maintenance window", async () => {
    const plan = await report("prod", "--change=dbInstanceClass=db.t4g.medium");
    expect(plan.succeeds).to.equal(true);
    // and the fleet's connections alarm, whose threshold follows the class
    expect(plan.changes.map((c) => `${c.action} ${c.name}`)).to.have.members(["update prod-db-mysql", "update prod-api-database-connections"]);
    expect(plan.changes.find((c) => c.name === "prod-db-mysql")!.effects.join()).to.include("maintenance window");
  });

  it("dev --change vpcCidr=10.1.0.0/16: flags the data tier as lost and the update as failing", async () => {
    const plan = await report("dev", "--change", "vpcCidr=10.1.0.0/16");
    expect(plan.succeeds).to.equal(false);
    expect(plan.dataLoss).to.include.members(["dev-db-mysql", "dev-tokens-group"]);
    const text = await runPlanCommand(["dev", "--change", "vpcCidr=10.1.0.0/16"]);
    expect(text).to.include("DATA LOSS: dev-db-mysql").and.include("FAILS:");
  });

  it("--replace and --unprotected: the documented restore path in prod goes through and keeps the old instance", async () => {
    const plan = await report("prod", "--change", "dbRestoreFromSnapshot=prod-db-final-20261130-024022", "--unprotected", "prod-db-mysql");
    expect(plan.succeeds).to.equal(true);
    expect(plan.dataLoss).to.deep.equal([]);
    expect(plan.unprotected).to.deep.equal(["prod-db-mysql"]);
  });

  it("never prints a secret setting's value", async () => {
    const text = await runPlanCommand(["dev", "--change", "dbPassword=Not-For-The-Screen-42"]);
    expect(text).to.include("pulumi config set dbPassword (secret, not shown)");
    expect(text).not.to.include("Not-For-The-Screen-42");
    expect(JSON.stringify(await report("dev", "--change", "dbPassword=Not-For-The-Screen-42"))).not.to.include("Not-For-The-Screen-42");
  });

  it("refuses a malformed change, an unknown stack and a cost option with a change", async () => {
    for (const args of [["dev", "--change", "timeZone"], ["staging"], ["dev", "--change", "a=b", "--prices", "x.json"], ["dev", "--replace"]]) {
      let error: unknown;
      await runPlanCommand(args).catch((caught: unknown) => (error = caught));
      expect(error, args.join(" ")).to.be.instanceOf(UsageError);
    }
  });
});
