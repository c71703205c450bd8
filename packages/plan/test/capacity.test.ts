import { expect } from "chai";
import { instancesFor, peakRps, SERIES_DAU } from "@trafficlab/loadtest";
import { capacityOf, renderCapacity } from "../src/capacity";
import { runPlanCommand } from "../src/cli";
import { loadPrices, regionPrices } from "../src/prices";
import { recordStack } from "../src/record-stack";
import { buildPlan, renderPlan, type Plan } from "../src/report";

const SEOUL = regionPrices("ap-northeast-2").prices;

const fleet = (maxSize: number, targetValue = 70) => [
  { type: "aws:ec2/launchTemplate:LaunchTemplate", name: "prod-api-template", inputs: { instanceType: "c5a.large" } },
  { type: "aws:autoscaling/group:Group", name: "prod-api-group", inputs: { minSize: 1, maxSize } },
  { type: "aws:autoscaling/policy:Policy", name: "prod-api-cpu", inputs: { targetTrackingConfiguration: { targetValue } } },
];

describe("pnpm plan capacity: instances for the stress DAU's peak hour", () => {
  it("shares the load tester's traffic model: 45,000 x 50 x 0.1 / 3600 = 62.5 requests/s", () => {
    expect(peakRps(SERIES_DAU.stress)).to.equal(62.5);
    expect(capacityOf(fleet(2), SEOUL, 0)).to.include({ peakRps: 62.5, dau: 45_000, requestsPerUserPerDay: 50, peakHourFactor: 0.1 });
  });

  it("a fleet measured at 40 requests/s an instance, kept at 70 % CPU (28/s each): 3 x c5a.large, USD 188.34 a month, and fleetMaxSize 2 is too few", () => {
    const c = capacityOf(fleet(2), SEOUL, 40);
    expect(c).to.include({ hosting: "fleet", rpsPerInstance: 40, cpuTargetPercent: 70, plannedRpsPerInstance: 28, instanceType: "c5a.large", instances: 3, maxSize: 2 });
    // 3 x USD 0.086/h x 730 h
    expect(c.monthlyUsd).to.equal(188.34);
    expect(c.notes.join()).to.include("fleetMaxSize 2 is too few").and.to.include("pulumi config set fleetMaxSize 3");
    expect(renderCapacity(c).join("\n")).to.include("instances needed: 3 x c5a.large = USD 188.34/month");
  });

  it("the fleet's own CPU target sizes it: at 50 % the same 40/s needs 4", () => {
    expect(capacityOf(fleet(4, 50), SEOUL, 40)).to.include({ instances: 4, cpuTargetPercent: 50, plannedRpsPerInstance: 20 });
    expect(capacityOf(fleet(4, 50), SEOUL, 40).notes).to.deep.equal([]);
  });

  it("exactly enough is enough: 1.8/s at 3/s an instance kept at 60 % is 1 instance, though 1.8 / (3 x 0.6) is a hair above 1 in floating point", () => {
    expect(1.8 / (3 * (60 / 100))).to.be.above(1);
    expect(instancesFor(1.8, 3, 60)).to.equal(1);
    expect(instancesFor(1.81, 3, 60)).to.equal(2);
  });

  it("a single host at 20 requests/s needs 5: it says a single host cannot add them", () => {
    const host = [{ type: "aws:ec2/instance:Instance", name: "dev-api-host", inputs: { instanceType: "t3.micro" } }];
    const c = capacityOf(host, SEOUL, 20);
    expect(c).to.include({ hosting: "single", instances: 5, instanceType: "t3.micro", cpuTargetPercent: 70, maxSize: null });
    expect(c.monthlyUsd).to.equal(Math.round(5 * 0.013 * 730 * 100) / 100);
    expect(c.notes.join()).to.include("a single host cannot add instances");
  });

  it("the prod stack's recorded fleet (c5a.large, 70 % target, fleetMaxSize 2) at 40 requests/s an instance: 3 instances, USD 188.34, raise fleetMaxSize", async () => {
    const recorded = await recordStack("prod", { "trafficlab:measuredRpsPerInstance": "40" });
    const plan = buildPlan({ ...recorded, prices: loadPrices(recorded.region, []), rpsPerInstance: 40 });
    expect(plan.capacity).to.include({ hosting: "fleet", instanceType: "c5a.large", cpuTargetPercent: 70, maxSize: 2, instances: 3, monthlyUsd: 188.34 });
    expect(renderPlan(plan)).to.include("instances needed: 3 x c5a.large = USD 188.34/month of instance hours, on-demand");
  });

  it("pnpm plan dev --json: not measured by default, so instances and cost are null and the note says how to measure", async () => {
    const plan = JSON.parse(await runPlanCommand(["dev", "--json"])) as Plan;
    expect(plan.capacity).to.include({ hosting: "single", rpsPerInstance: null, instances: null, monthlyUsd: null, instanceType: "t3.micro", peakRps: 62.5 });
    expect(plan.capacity.notes.join()).to.include("pnpm loadtest --profile stress").and.to.include("pulumi config set measuredRpsPerInstance");
  });
});
