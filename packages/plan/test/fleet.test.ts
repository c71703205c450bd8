import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { ApiFleet, type FleetArgs } from "@trafficlab/fleet";
import { installMocks, type ResourceGraph } from "@trafficlab/testing";
import { ALB_TRAFFIC_ASSUMPTION, albAverageLcu, monthlyCost } from "../src/cost";
import { createTimeOf } from "../src/create-times";
import { criticalPath } from "../src/critical-path";
import { exposureOf } from "../src/exposure";
import { inventoryOf } from "../src/inventory";
import { deriveLifecycle } from "../src/lifecycle/model";
import { REPLACE_RULES } from "../src/lifecycle/provider-rules";
import { regionPrices } from "../src/prices";

const SEOUL = regionPrices("ap-northeast-2").prices;

/** The fleet as the prod stack runs it, with its data tier given by value (the plan reads the fleet's own resources). */
function fleetArgs(args: Partial<FleetArgs> = {}, secrets = { database: "Db-Password-1", cache: "Cache-Password-1" }): FleetArgs {
  return {
    vpcId: "vpc-0abc",
    publicSubnetIds: ["subnet-a", "subnet-b"],
    app: { image: "example/api:1.4.0" },
    database: {
      address: "db.abc.ap-northeast-2.rds.amazonaws.com",
      name: "trafficlab",
      username: "admin",
      password: pulumi.secret(secrets.database),
      securityGroupId: "sg-db",
      identifier: "prod-db-mysql-1234567",
      instanceClass: "db.t4g.small",
      allocatedStorageGiB: 50,
    },
    cache: {
      primaryEndpoint: "master.tokens.abc.apne2.cache.amazonaws.com",
      username: "tokens-app-1",
      password: pulumi.secret(secrets.cache),
      securityGroupId: "sg-cache",
      replicationGroupId: "tokens-group",
      nodeType: "cache.t4g.small",
      nodes: 2,
    },
    alarms: { emails: ["ops@example.com"] },
    ...args,
  };
}

async function record(args: Partial<FleetArgs> = {}, secrets?: { database: string; cache: string }): Promise<ResourceGraph> {
  const program = installMocks({ stack: "prod" });
  new ApiFleet("prod-api", fleetArgs(args, secrets));
  return program.settled();
}

describe("plan: the fleet", () => {
  let graph: ResourceGraph;
  before(async () => (graph = await record()));

  it("prices the load balancer's hours and an LCU estimate with its assumption, the minimum and the scaled-out instances, the alarms", () => {
    const cost = monthlyCost(graph.resources, SEOUL);
    const item = (name: string) => cost.lines.find((l) => l.item === name)!;
    expect(item("Application Load Balancer hours")).to.include({ quantity: 730, monthlyUsd: 16.43 }); // 730 x 0.0225
    const lcu = item("Application Load Balancer capacity units (estimate)");
    // 25,000 users x 50 requests a day: 14.5 requests/s, one new connection each: 0.58 LCU.
    expect(albAverageLcu()).to.be.closeTo(0.579, 0.001);
    expect(lcu).to.include({ quantity: 422.5, priceKey: "alb-lcu", monthlyUsd: 3.38 });
    expect(lcu.note).to.include(`${ALB_TRAFFIC_ASSUMPTION.dailyUsers} daily users`).and.include("45,000");
    expect(item("EC2 c5a.large instance hours x 1 (minSize)")).to.include({ quantity: 730, monthlyUsd: 62.78 }); // 730 x 0.086
    expect(item("EBS gp3 root volumes x 1 (minSize)")).to.include({ quantity: 10, monthlyUsd: 0.91 });
    expect(item("public IPv4 addresses x 1 (minSize)")).to.include({ monthlyUsd: 3.65 });
    const scaledOut = cost.lines.filter((l) => l.scaledOut);
    expect(scaledOut.map((l) => l.item)).to.deep.equal([
      "EC2 c5a.large instance hours x 1 more at maxSize 2, only while scaled out",
      "EBS gp3 root volumes x 1 more at maxSize 2, only while scaled out",
      "public IPv4 addresses x 1 more at maxSize 2, only while scaled out",
    ]);
    const alarms = cost.lines.filter((l) => l.priceKey === "cloudwatch-alarm");
    // 6 of the fleet, 3 of RDS, 3 per cache node x 2, and target tracking's own 2.
    expect(alarms.reduce((sum, l) => sum + l.quantity, 0)).to.equal(17);
    expect(cost.lines.filter((l) => l.priceKey === "ssm-parameter-standard").every((l) => l.monthlyUsd === 0)).to.equal(true);
    // An internet-facing ALB has a public IPv4 address in each of its 2 zones; the responses leave through it.
    expect(item("public IPv4 addresses of the load balancer x 2 (one per zone)")).to.include({ quantity: 1460, monthlyUsd: 7.3 });
    expect(item("data transfer out to the internet (estimate)")).to.include({ resource: "prod-api-alb", quantity: 389.3, monthlyUsd: 49.05 });
    expect(item("data transfer from the load balancer to instances in another zone")).to.include({ priceKey: "data-transfer-cross-az-alb", monthlyUsd: 0 });
    // The README's cost table of the fleet alone (its data tier is given by value, so no zone-crossing lines of its own).
    expect([cost.totalUsd, cost.atMaxUsd]).to.deep.equal([145.2, 212.54]);
    expect(cost.complete).to.equal(true);
    expect(cost.atMaxUsd).to.equal(Math.round((cost.totalUsd + scaledOut.reduce((sum, l) => sum + l.monthlyUsd!, 0)) * 100) / 100);
  });

  it("exposes only the load balancer: port 80 from anywhere, on an internet-facing address", () => {
    const exposure = exposureOf(graph.ingressRules(), graph.resources);
    expect(exposure).to.deep.equal([{ ports: "80", source: "0.0.0.0/0", anywhere: true, securityGroup: "prod-api-alb-sg", attachedTo: ["prod-api-alb"], publicAddress: true }]);
  });

  it("and 443 with a domain", async () => {
    const withDomain = await record({ https: { domain: "api.example.com", hostedZoneId: "Z0123456789ABC" } });
    expect(exposureOf(withDomain.ingressRules(), withDomain.resources).map((e) => e.ports)).to.deep.equal(["80", "443"]);
  });

  it("lists what decides cost and behaviour for each new type", () => {
    const settings = Object.fromEntries(inventoryOf(graph.resources).map((entry) => [entry.name, entry.settings]));
    expect(settings["prod-api-asg"]).to.include({ minSize: 1, maxSize: 2, desiredCapacity: 1, healthCheckType: "ELB", launchTemplateVersion: "1" });
    expect(settings["prod-api-lt"]).to.include({ instanceType: "c5a.large", rootVolume: "10 GB gp3 encrypted", publicIp: true, imdsTokens: "required" });
    expect(settings["prod-api-alb"]).to.include({ type: "application", internetFacing: true });
    expect(settings["prod-api-tg"]).to.include({ healthCheckPath: "/actuator/health", deregistrationDelaySeconds: 60 });
    expect(settings["prod-api-http"]).to.include({ port: 80, protocol: "HTTP", action: "forward" });
  });

  it("knows how long each new type takes, and the group's wait for the first healthy instance is the long pole", () => {
    const unknown = graph.resources.filter((r) => r.custom && !createTimeOf(r).known).map((r) => r.type);
    expect(unknown).to.deep.equal([]);
    const path = criticalPath(graph.resources);
    expect(path.chain.map((step) => step.name)).to.include("prod-api-asg");
    expect(path.chain.map((step) => step.name).indexOf("prod-api-lt")).to.be.below(path.chain.map((step) => step.name).indexOf("prod-api-asg"));
  });

  it("has provider rules for every type the fleet creates", () => {
    const types = [...new Set(graph.resources.filter((r) => r.custom && !r.type.startsWith("pulumi:")).map((r) => r.type))];
    expect(types.filter((type) => REPLACE_RULES[type] === undefined)).to.deep.equal([]);
  });

  describe("what a second `pulumi up` does", () => {
    const change = (name: string, lifecycle: ReturnType<typeof deriveLifecycle>) => lifecycle.changes.find((c) => c.name === name)!;

    it("a new image: a new launch template version, and the group refreshes every instance; nothing is replaced", async () => {
      const lifecycle = deriveLifecycle(graph, await record({ app: { image: "example/api:1.5.0" } }));
      expect(change("prod-api-lt", lifecycle)).to.include({ action: "update" });
      expect(change("prod-api-lt", lifecycle).changed).to.deep.equal(["userData"]);
      const group = change("prod-api-asg", lifecycle);
      expect(group.action).to.equal("update");
      expect(group.unknown).to.deep.equal(["launchTemplate"]);
      expect(group.effects.join("\n")).to.include("INSTANCE REFRESH");
      expect(lifecycle.changes.filter((c) => c.action !== "same" && c.action !== "update")).to.deep.equal([]);
      expect(lifecycle.unknownTypes).to.deep.equal([]);
    });

    it("with waitForRefresh, the wait runs its update script after the group's, and nothing runs on delete", async () => {
      const before = await record({ waitForRefresh: true });
      const lifecycle = deriveLifecycle(before, await record({ waitForRefresh: true, app: { image: "example/api:1.5.0" } }));
      const wait = change("prod-api-refresh-wait", lifecycle);
      expect(wait).to.include({ action: "update" });
      expect(wait.runs).to.deep.equal(["update"]);
      const steps = lifecycle.operations.map((o) => o.name);
      expect(steps.indexOf("prod-api-refresh-wait")).to.be.above(steps.indexOf("prod-api-asg"));
    });

    it("a rotated database password: the parameter's new version rolls the fleet, and no secret shows", async () => {
      const lifecycle = deriveLifecycle(graph, await record({}, { database: "Db-Password-2", cache: "Cache-Password-1" }));
      expect(change("prod-api-database-password", lifecycle)).to.include({ action: "update" });
      expect(change("prod-api-database-password", lifecycle).effects.join("\n")).to.include("running ones keep the old value until the instance refresh");
      expect(change("prod-api-cache-password", lifecycle).action).to.equal("same");
      expect(change("prod-api-lt", lifecycle)).to.include({ action: "update" });
      expect(change("prod-api-lt", lifecycle).unknown).to.deep.equal(["userData"]);
      expect(change("prod-api-asg", lifecycle).effects.join("\n")).to.include("INSTANCE REFRESH");
      expect(JSON.stringify(lifecycle)).not.to.include("Db-Password");
    });

    it("a larger group: updated in place, no refresh, the running count left to the scaling policy", async () => {
      const lifecycle = deriveLifecycle(graph, await record({ minSize: 2, maxSize: 4, desiredCapacity: 2 }));
      const group = change("prod-api-asg", lifecycle);
      expect(group.action).to.equal("update");
      expect(group.changed).to.include.members(["maxSize", "minSize", "minElbCapacity"]);
      // desiredCapacity is ignored after creation.
      expect(group.changed).not.to.include("desiredCapacity");
      expect(group.effects).to.deep.equal([]);
      expect(change("prod-api-lt", lifecycle).action).to.equal("same");
    });

    it("a domain: certificate, records and the HTTPS listener created; the HTTP listener redirects; no instance replaced", async () => {
      const lifecycle = deriveLifecycle(graph, await record({ https: { domain: "api.example.com", hostedZoneId: "Z0123456789ABC" } }));
      const created = lifecycle.changes.filter((c) => c.action === "create").map((c) => c.name);
      expect(created).to.include.members(["prod-api-certificate", "prod-api-certificate-validation", "prod-api-certificate-issued", "prod-api-https", "prod-api-alias", "prod-api-alb-sg-https"]);
      expect(change("prod-api-http", lifecycle)).to.include({ action: "update" });
      expect(change("prod-api-asg", lifecycle).action).to.equal("same");
    });

    it("a new secrets path: each parameter is replaced, deleting the old one first (explicit names)", async () => {
      const lifecycle = deriveLifecycle(graph, await record({ secretsPath: "/trafficlab/prod/api-v2" }));
      const parameter = change("prod-api-database-password", lifecycle);
      expect(parameter).to.include({ action: "replace", replaceMode: "delete-before-replace" });
      expect(change("prod-api-read-secrets", lifecycle).action).to.equal("update");
      expect(change("prod-api-asg", lifecycle).effects.join("\n")).to.include("INSTANCE REFRESH");
    });
  });
});
