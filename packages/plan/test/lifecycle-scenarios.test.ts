import { expect } from "chai";
import { recordStack, type RecordedStack } from "../src/record-stack";
import { planSettingsChange, type ChangePlan, type SettingsChange } from "../src/lifecycle/settings-change";
import type { Lifecycle, ResourceChange } from "../src/lifecycle/model";
import { buildChangeReport, renderChangeReport } from "../src/lifecycle/report";

/**
 * The second `pulumi up`: each routine change a user makes to a running stack, recorded under
 * mocks before and after and compared with Pulumi's rules (src/lifecycle). None may run a
 * teardown after a deploy or replace a database or cache the user did not ask to replace.
 */

const stacks: Record<string, RecordedStack> = {};
async function plan(stack: "dev" | "prod", change: SettingsChange): Promise<ChangePlan> {
  stacks[stack] ??= await recordStack(stack);
  return planSettingsChange(stack, change, stacks[stack]);
}

function named(lifecycle: Lifecycle, name: string): ResourceChange {
  const found = lifecycle.changes.find((c) => c.name === name);
  if (!found) throw new Error(`no resource ${name} in the plan`);
  return found;
}

/** name -> action, for the resources that change. */
function actions(lifecycle: Lifecycle): Record<string, string> {
  return Object.fromEntries(lifecycle.changes.filter((c) => c.action !== "same").map((c) => [c.name, c.action === "replace" ? `replace (${c.replaceMode})` : c.action]));
}

/** What every routine change must keep: the API serving, the data in place, the update succeeding. */
function expectSafe(lifecycle: Lifecycle): void {
  expect(lifecycle.teardownsAfterDeploy.map((t) => t.teardown.name), "a teardown runs after a deploy").to.deep.equal([]);
  expect(lifecycle.changes.filter((c) => c.stateful && c.action !== "same" && c.action !== "update").map((c) => c.name), "a database or cache is replaced").to.deep.equal([]);
  expect(lifecycle.failures).to.deep.equal([]);
  expect(lifecycle.unknownTypes).to.deep.equal([]);
}

describe("the second `pulumi up`: what each routine change does to a running stack", () => {
  it("the same program again changes nothing", async () => {
    const { lifecycle } = await plan("dev", {});
    expect(actions(lifecycle)).to.deep.equal({});
    expect(lifecycle.operations).to.deep.equal([]);
  });

  it("a database password rotation (the generated one) changes the password in place and redeploys the API with it", async () => {
    const { lifecycle } = await plan("dev", { replace: ["dev-db-password"] });
    expectSafe(lifecycle);
    expect(actions(lifecycle)).to.deep.equal({ "dev-db-password": "replace (create-before-delete)", "dev-db-mysql": "update", "dev-app-api-deploy": "update" });
    expect(named(lifecycle, "dev-app-api-deploy").runs).to.deep.equal(["update"]);
    expect(named(lifecycle, "dev-app-api-deploy").unknown).to.deep.equal(["stdin"]);
  });

  it("a database password set in config does the same", async () => {
    const { lifecycle } = await plan("dev", { set: { dbPassword: "A-new-Passw0rd-for-dev" } });
    expectSafe(lifecycle);
    expect(actions(lifecycle)).to.deep.equal({ "dev-db-mysql": "update", "dev-app-api-deploy": "update", "dev-db-password": "delete" });
  });

  it("a cache credentials rotation adds the new user beside the old, redeploys, and removes the old user last", async () => {
    const { lifecycle } = await plan("dev", { replace: ["dev-tokens-credentials"] });
    expectSafe(lifecycle);
    expect(actions(lifecycle)).to.deep.equal({
      "dev-tokens-credentials": "replace (create-before-delete)",
      "dev-tokens-password": "replace (create-before-delete)",
      "dev-tokens-app-user": "replace (create-before-delete)",
      "dev-tokens-app-user-in-group": "replace (create-before-delete)",
      "dev-app-api-deploy": "update",
    });
    const steps = lifecycle.operations.map((o) => `${o.step} ${o.name}`);
    const deploy = steps.indexOf("update dev-app-api-deploy");
    expect(steps.indexOf("create-replacement dev-tokens-app-user-in-group")).to.be.below(deploy);
    // Only after the API runs on the new credentials do the old ones stop working.
    expect(steps.indexOf("delete-replaced dev-tokens-app-user-in-group")).to.be.above(deploy);
    expect(steps.indexOf("delete-replaced dev-tokens-app-user")).to.be.above(steps.indexOf("delete-replaced dev-tokens-app-user-in-group"));
  });

  it("a cache credentials rotation works in prod too: the credentials are not protected", async () => {
    const { lifecycle } = await plan("prod", { replace: ["prod-tokens-credentials"] });
    expectSafe(lifecycle);
    expect(named(lifecycle, "prod-tokens-app-user").action).to.equal("replace");
    expect(named(lifecycle, "prod-tokens-group").action).to.equal("same");
  });

  it("timeZone updates MySQL's parameter and redeploys the API, leaving nginx alone", async () => {
    const { lifecycle } = await plan("dev", { set: { timeZone: "UTC" } });
    expectSafe(lifecycle);
    // nginx runs in UTC whatever the setting: a time zone change must not recreate the edge.
    expect(actions(lifecycle)).to.deep.equal({ "dev-db-params": "update", "dev-app-api-deploy": "update" });
    expect(named(lifecycle, "dev-app-api-deploy").runs).to.deep.equal(["update"]);
  });

  it("a new API image pulls it and redeploys the API, nothing else", async () => {
    const { lifecycle } = await plan("dev", { set: { apiImage: "example/trafficlab-api:plan-2" } });
    expectSafe(lifecycle);
    // The local host key check runs before any host step of ApiHost does (it sends nothing to the host).
    expect(actions(lifecycle)).to.deep.equal({ "dev-api-host-key-check": "update", "dev-api-pull-images": "update", "dev-app-api-deploy": "update" });
  });

  it("a new nginx image pulls it and rolls a new nginx colour behind the edge front: compose.yaml and the front stay", async () => {
    const changePlan = await plan("dev", { set: { nginxImage: "nginx:1.30.0-alpine" } });
    const { lifecycle } = changePlan;
    expectSafe(lifecycle);
    expect(actions(lifecycle)).to.deep.equal({ "dev-api-host-key-check": "update", "dev-api-pull-images": "update", "dev-app-edge-deploy": "update" });
    // No compose change, so no recreated container: the blue/green switch resets no connection (e2e scenario e).
    expect(named(lifecycle, "dev-app-edge-deploy").effects).to.deep.equal([]);
    expect(named(lifecycle, "dev-api-pull-images").effects).to.deep.equal([]);
    expect(renderChangeReport(buildChangeReport(changePlan))).to.match(/== Verdict\n {2}OK/);
  });

  it("a new API image interrupts nothing: the blue/green deploy is not a compose change", async () => {
    const changePlan = await plan("dev", { set: { apiImage: "example/trafficlab-api:plan-3" } });
    expect(changePlan.lifecycle.changes.flatMap((c) => c.effects)).to.deep.equal([]);
    expect(renderChangeReport(buildChangeReport(changePlan))).to.include("OK: succeeds");
  });

  it("a larger database class is an update, applied now in dev (a reboot) and in the maintenance window in prod", async () => {
    const dev = (await plan("dev", { set: { dbInstanceClass: "db.t3.small" } })).lifecycle;
    expectSafe(dev);
    // A single host has the same connections alarm, following the class's max_connections.
    expect(actions(dev)).to.deep.equal({ "dev-db-mysql": "update", "dev-api-database-connections": "update" });
    expect(named(dev, "dev-db-mysql").effects.join()).to.include("DOWNTIME: applied now: the Single-AZ instance reboots");
    const prod = (await plan("prod", { set: { dbInstanceClass: "db.t4g.medium" } })).lifecycle;
    expectSafe(prod);
    // So does the fleet's.
    expect(actions(prod)).to.deep.equal({ "prod-db-mysql": "update", "prod-api-database-connections": "update" });
    expect(named(prod, "prod-db-mysql").effects.join()).to.include("deferred to the maintenance window");
  });

  it("a larger cache node is an update", async () => {
    const { lifecycle } = await plan("dev", { set: { cacheNodeType: "cache.t4g.small" } });
    expectSafe(lifecycle);
    expect(actions(lifecycle)).to.deep.equal({ "dev-tokens-group": "update" });
  });

  it("another SSH CIDR adds one security-group rule and touches nothing else", async () => {
    const { lifecycle } = await plan("dev", { set: { sshAllowedCidrs: JSON.stringify(["192.0.2.10/32", "198.51.100.0/24"]) } });
    expectSafe(lifecycle);
    expect(actions(lifecycle)).to.deep.equal({ "dev-api-sg-ssh-198-51-100-0-24": "create" });
  });

  it("a host instance type of the same CPU architecture stops and starts the host; the deploy steps stay", async () => {
    const { lifecycle } = await plan("dev", { set: { hostInstanceType: "t3.small" } });
    expectSafe(lifecycle);
    expect(actions(lifecycle)).to.deep.equal({ "dev-api-instance": "update" });
    expect(named(lifecycle, "dev-api-instance").effects.join()).to.include("stops the instance");
  });

  it("a host of another CPU architecture is a new host: every step runs again there as an update, no teardown", async () => {
    // prod on a single host (hosting: single), with its Elastic IP.
    stacks["prod-single"] ??= await recordStack("prod", { "trafficlab:hosting": "single" });
    const { lifecycle } = await planSettingsChange("prod", { set: { hosting: "single", hostInstanceType: "c7g.2xlarge" } }, stacks["prod-single"]);
    expectSafe(lifecycle);
    expect(named(lifecycle, "prod-api-instance").action).to.equal("replace");
    // The Elastic IP moves to the new instance; every host step names the instance, so all re-run.
    expect(named(lifecycle, "prod-api-eip").action).to.equal("update");
    const steps = lifecycle.changes.filter((c) => c.type === "command:remote:Command");
    expect(steps.length).to.be.above(5);
    for (const step of steps) expect(step.action, step.name).to.equal("update");
  });

  it("a restore in dev replaces the database from the snapshot (asked for) and points the API at it", async () => {
    const { lifecycle } = await plan("dev", { set: { dbRestoreFromSnapshot: "dev-db-final-20261130-024022" } });
    expect(lifecycle.teardownsAfterDeploy).to.deep.equal([]);
    expect(lifecycle.failures).to.deep.equal([]);
    const database = named(lifecycle, "dev-db-mysql");
    expect(database.action).to.equal("replace");
    expect(database.because.join()).to.include("snapshotIdentifier");
    expect(database.dataLoss, "dev keeps no data: the old instance is deleted").to.equal(true);
    expect(named(lifecycle, "dev-app-api-deploy").action).to.equal("update");
  });

  it("a restore in prod fails while the database is protected, and completes by the README's path, keeping the old instance", async () => {
    const blocked = (await plan("prod", { set: { dbRestoreFromSnapshot: "prod-db-final-20261130-024022" } })).lifecycle;
    expect(blocked.failures.join()).to.include("prod-db-mysql is protected");
    // README, Restore: `pulumi state unprotect` on the instance, then `pulumi up`.
    const restored = (await plan("prod", { set: { dbRestoreFromSnapshot: "prod-db-final-20261130-024022" }, unprotected: ["prod-db-mysql"] })).lifecycle;
    expect(restored.failures).to.deep.equal([]);
    expect(restored.teardownsAfterDeploy).to.deep.equal([]);
    const database = named(restored, "prod-db-mysql");
    expect(database).to.include({ action: "replace", replaceMode: "create-before-delete", retained: true, dataLoss: false });
    // The fleet gets the new endpoint through a new launch template version: an instance refresh.
    expect(named(restored, "prod-api-lt").action).to.equal("update");
    expect(named(restored, "prod-api-asg").effects.join()).to.include("INSTANCE REFRESH");
  });

  it("prod with protectData: routine changes pass, and the stack refuses to drop the protection", async () => {
    const { lifecycle } = await plan("prod", { set: { cacheNodeType: "cache.t4g.medium", timeZone: "UTC", apiImage: "example/trafficlab-api:plan-2" } });
    expectSafe(lifecycle);
    expect(actions(lifecycle)).to.include({ "prod-tokens-group": "update", "prod-db-params": "update", "prod-api-lt": "update", "prod-api-asg": "update" });
    let refused: unknown;
    await plan("prod", { set: { protectData: "false" } }).catch((error: unknown) => (refused = error));
    expect(String(refused)).to.include("trafficlab:protectData = false is not allowed");
  });

  it("prod's fleet: a new image is a new launch template version, rolled out by an instance refresh, nothing replaced", async () => {
    const { lifecycle } = await plan("prod", { set: { apiImage: "example/trafficlab-api:plan-2" } });
    expectSafe(lifecycle);
    expect(actions(lifecycle)).to.deep.equal({ "prod-api-lt": "update", "prod-api-asg": "update", "prod-api-refresh-wait": "update" });
    expect(named(lifecycle, "prod-api-asg").effects.join()).to.include("INSTANCE REFRESH");
  });

  it("prod's fleet: a larger maximum only changes the group (and its at-maximum alarm), and starts no refresh", async () => {
    const { lifecycle } = await plan("prod", { set: { fleetMaxSize: "4" } });
    expectSafe(lifecycle);
    expect(actions(lifecycle)).to.deep.equal({ "prod-api-asg": "update", "prod-api-at-max-capacity": "update" });
    expect(named(lifecycle, "prod-api-asg").effects.join()).not.to.include("INSTANCE REFRESH");
  });

  it("moving dev to a fleet creates the fleet first and removes the host last, keeping the data tier", async () => {
    const { lifecycle } = await plan("dev", { set: { hosting: "fleet" } });
    expect(lifecycle.failures).to.deep.equal([]);
    expect(lifecycle.changes.filter((c) => c.stateful).map((c) => `${c.name} ${c.action}`)).to.have.members(["dev-db-mysql same", "dev-tokens-group same"]);
    expect(named(lifecycle, "dev-api-asg").action).to.equal("create");
    expect(lifecycle.changes.find((c) => c.type === "aws:ec2/instance:Instance")?.action).to.equal("delete");
    const steps = lifecycle.operations.map((o) => `${o.step} ${o.name}`);
    expect(steps.indexOf("create dev-api-asg")).to.be.below(steps.indexOf("delete dev-api-instance"));
  });

  it("a new VPC CIDR cannot move the database and cache: the plan says the update fails and the data would be lost", async () => {
    const { lifecycle } = await plan("dev", { set: { vpcCidr: "10.1.0.0/16" } });
    expect(named(lifecycle, "dev-network-vpc").action).to.equal("replace");
    for (const name of ["dev-db-mysql", "dev-tokens-group"]) {
      expect(named(lifecycle, name).dataLoss, name).to.equal(true);
      expect(named(lifecycle, name).blocked, name).to.include("new VPC");
    }
  });
});
