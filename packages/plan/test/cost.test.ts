import { expect } from "chai";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXTENDED_SUPPORT_USD_PER_VCPU_HOUR } from "@trafficlab/database";
import { DEV_TRAFFIC, SERIES_TRAFFIC, monthlyCost, monthlyGb, trafficOf, type BillableResource } from "../src/cost";
import { PriceOverrideError, REGION_PRICES, applyPriceOverrides, loadPrices, regionPrices } from "../src/prices";

const SEOUL = regionPrices("ap-northeast-2").prices;

/** The dev stack's shape, by hand: t3.micro host, db.t3.micro MySQL 8.4, one Valkey t4g.micro node. */
const SMALL: BillableResource[] = [
  { type: "aws:ec2/securityGroup:SecurityGroup", name: "api-sg", inputs: {} },
  {
    type: "aws:ec2/instance:Instance",
    name: "api-instance",
    id: "i-1",
    inputs: { instanceType: "t3.micro", associatePublicIpAddress: true, rootBlockDevice: { volumeSize: 20, volumeType: "gp3" } },
  },
  {
    type: "aws:rds/instance:Instance",
    name: "db-mysql",
    inputs: { engine: "mysql", engineVersion: "8.4", instanceClass: "db.t3.micro", allocatedStorage: 20, storageType: "gp3", multiAz: false, manageMasterUserPassword: true },
  },
  {
    type: "aws:elasticache/replicationGroup:ReplicationGroup",
    name: "tokens-group",
    inputs: { engine: "valkey", nodeType: "cache.t4g.micro", numCacheClusters: 1 },
  },
];

/** Part 4 by hand: t2.micro with Amazon Linux 2's 8 GB gp2 root, db.t3.micro MySQL 8.0 on 20 GB gp2, one cache.t2.micro Redis OSS node. */
const DOC_STACK: BillableResource[] = [
  { type: "aws:ec2/instance:Instance", name: "doc-host", inputs: { instanceType: "t2.micro", associatePublicIpAddress: true, rootBlockDevice: { volumeSize: 8, volumeType: "gp2" } } },
  { type: "aws:rds/instance:Instance", name: "doc-db", inputs: { engine: "mysql", engineVersion: "8.0.40", instanceClass: "db.t3.micro", allocatedStorage: 20, storageType: "gp2" } },
  { type: "aws:elasticache/replicationGroup:ReplicationGroup", name: "doc-cache", inputs: { engine: "redis", nodeType: "cache.t2.micro", numCacheClusters: 1 } },
];

function byItem(lines: { item: string; monthlyUsd: number | undefined }[]): Record<string, number | undefined> {
  return Object.fromEntries(lines.map((l) => [l.item, l.monthlyUsd]));
}

describe("plan: monthly cost", () => {
  it("prices a small graph as computed by hand (730 h, cents)", () => {
    const cost = monthlyCost(SMALL, SEOUL);
    expect(byItem(cost.lines)).to.deep.equal({
      "EC2 t3.micro instance hours": 9.49, // 730 x 0.013
      "EBS gp3 root volume": 1.82, // 20 x 0.0912 = 1.824
      "public IPv4 address (auto-assigned)": 3.65, // 730 x 0.005
      "RDS mysql db.t3.micro Single-AZ instance hours": 18.98, // 730 x 0.026
      "RDS gp3 storage": 2.62, // 20 x 0.131
      "Secrets Manager secret (RDS-managed master password)": 0.4,
      "ElastiCache valkey cache.t4g.micro node hours": 14.02, // 730 x 0.0192 = 14.016
      // The series' traffic (the default): 25,000 x 50 requests x 10 KiB x 730/24 days = 389.3 GB.
      "data transfer out to the internet (estimate)": 49.05, // 389.3 x 0.126
      // 4 KiB each to the database and the cache: 155.7 GB, half of it across zones (the primary's zone is AWS's choice of 2).
      "data transfer between the API and the database in another zone (estimate)": 0.78, // 77.9 x 0.01
      "data transfer between the API and the cache in another zone (estimate)": 0.78,
    });
    expect(cost.totalUsd).to.equal(101.59); // 50.98 of resources + 50.61 of traffic
    expect(cost.complete).to.equal(true);
    expect(cost.lines.find((l) => l.item === "EBS gp3 root volume")).to.include({ quantity: 20, unit: "GB-month", unitPriceUsd: 0.0912 });
  });

  it("bills Multi-AZ twice, Extended Support for 8.0 per vCPU, every Elastic IP and NAT gateway, and each cache node", () => {
    const cost = monthlyCost(
      [
        { type: "aws:ec2/instance:Instance", name: "api", id: "i-9", inputs: { instanceType: "t4g.small", associatePublicIpAddress: true, rootBlockDevice: { volumeSize: 30, volumeType: "gp3" } } },
        { type: "aws:ec2/eip:Eip", name: "api-eip", inputs: { domain: "vpc", instance: "i-9" } },
        { type: "aws:ec2/eip:Eip", name: "nat-eip", inputs: { domain: "vpc" } },
        { type: "aws:ec2/natGateway:NatGateway", name: "nat", inputs: { connectivityType: "public" } },
        {
          type: "aws:rds/instance:Instance",
          name: "db",
          inputs: { engine: "mysql", engineVersion: "8.0.40", instanceClass: "db.t3.small", allocatedStorage: 100, storageType: "gp2", multiAz: true },
        },
        { type: "aws:elasticache/replicationGroup:ReplicationGroup", name: "cache", inputs: { engine: "redis", nodeType: "cache.t4g.small", numCacheClusters: 2 } },
      ],
      SEOUL,
    );
    expect(byItem(cost.lines)).to.deep.equal({
      "EC2 t4g.small instance hours": 15.18, // 730 x 0.0208 = 15.184
      "EBS gp3 root volume": 2.74, // 30 x 0.0912 = 2.736
      // no auto-assigned address line: the Elastic IP replaces it
      "public IPv4 address (Elastic IP)": 3.65, // twice: host and NAT, same item
      "NAT gateway hours": 43.07, // 730 x 0.059
      "RDS mysql db.t3.small Multi-AZ (primary + standby) instance hours": 75.92, // 2 x 730 x 0.052
      "RDS gp2 storage x 2 (Multi-AZ)": 26.2, // 2 x 100 x 0.131
      "RDS MySQL 8.0 Extended Support, 2 vCPU x 2 (the standby is billed too)": 350.4, // 2 vCPU x 2 x 730 x 0.12
      "ElastiCache redis cache.t4g.small node hours x 2 nodes": 68.62, // 2 x 730 x 0.047
      "data transfer out to the internet (estimate)": 49.05, // from the host, whose address is the Elastic IP
      "data transfer between the API and the database in another zone (estimate)": 0.78,
      "data transfer between the API and the cache in another zone (estimate)": 0.78,
    });
    expect(cost.lines.filter((l) => l.priceKey === "public-ipv4")).to.have.length(2);
    expect(cost.lines.some((l) => l.priceKey === "secretsmanager-secret")).to.equal(false); // a password was given
    expect(cost.totalUsd).to.equal(640.04); // 15.18 + 2.74 + 3.65 + 3.65 + 43.07 + 75.92 + 26.20 + 350.40 + 68.62, and 50.61 of traffic
  });

  it("prices the design document's stack as it would bill today: MySQL 8.0 on Extended Support dominates", () => {
    const cost = monthlyCost(DOC_STACK, SEOUL);
    // 175.20 = 2 vCPU x 730 x 0.12; then the series' traffic: 49.05 out, 0.78 and 0.78 across zones.
    expect(cost.lines.map((l) => l.monthlyUsd)).to.deep.equal([10.51, 0.91, 3.65, 18.98, 2.62, 175.2, 18.98, 49.05, 0.78, 0.78]);
    expect(cost.totalUsd).to.equal(281.46);
    // Its resources alone, as the README's comparison lists them.
    expect(monthlyCost(DOC_STACK, SEOUL, { traffic: { ...SERIES_TRAFFIC, dailyUsers: 0 } }).totalUsd).to.equal(230.85);
  });

  it("charges no Extended Support on 8.4", () => {
    expect(monthlyCost(SMALL, SEOUL).lines.some((l) => l.priceKey === "rds-extended-support")).to.equal(false);
  });

  it("reports a missing price as a missing line, never as zero, and marks the total incomplete", () => {
    const cost = monthlyCost(
      [...SMALL, { type: "aws:ec2/instance:Instance", name: "big", inputs: { instanceType: "m7i.large", rootBlockDevice: { volumeSize: 8, volumeType: "gp3" } } }],
      SEOUL,
      { region: "ap-northeast-2" },
    );
    const line = cost.lines.find((l) => l.priceKey === "ec2:m7i.large")!;
    expect(line).to.include({ missing: true, monthlyUsd: undefined, unitPriceUsd: undefined, quantity: 730 });
    expect(line.note).to.include("no price for ec2:m7i.large in ap-northeast-2");
    expect(cost.missing).to.deep.equal([line]);
    expect(cost.complete).to.equal(false);
    expect(cost.totalUsd).to.equal(102.32); // the small graph 101.59 + big's 8 GB root volume 0.73; nothing for the instance
  });

  it("prices nothing in a region the repo has no prices for, rather than guessing", () => {
    const tokyo = regionPrices("ap-northeast-1");
    expect(tokyo.known).to.equal(false);
    const cost = monthlyCost(SMALL, tokyo.prices, { region: "ap-northeast-1" });
    expect(cost.lines).to.have.length(10);
    expect(cost.lines.every((l) => l.missing && l.monthlyUsd === undefined)).to.equal(true);
    expect(cost.complete).to.equal(false);
    expect(cost.totalUsd).to.equal(0);
  });

  it("notes free-tier eligibility per line and never subtracts it", () => {
    const cost = monthlyCost(
      [
        { type: "aws:ec2/instance:Instance", name: "doc-host", inputs: { instanceType: "t2.micro", rootBlockDevice: { volumeSize: 8, volumeType: "gp2" } } },
        { type: "aws:rds/instance:Instance", name: "doc-db", inputs: { engine: "mysql", engineVersion: "8.4", instanceClass: "db.t3.micro", allocatedStorage: 20, multiAz: false } },
        { type: "aws:rds/instance:Instance", name: "ha-db", inputs: { engine: "mysql", engineVersion: "8.4", instanceClass: "db.t3.micro", allocatedStorage: 20, multiAz: true } },
        { type: "aws:elasticache/replicationGroup:ReplicationGroup", name: "doc-cache", inputs: { engine: "redis", nodeType: "cache.t2.micro", numCacheClusters: 1 } },
      ],
      SEOUL,
    );
    const host = cost.lines.find((l) => l.item === "EC2 t2.micro instance hours")!;
    expect(host.monthlyUsd).to.equal(10.51); // 730 x 0.0144 = 10.512, charged in full
    expect(host.freeTier).to.include("accounts created before 2025-07-15");
    expect(cost.lines.find((l) => l.resource === "doc-db" && l.priceKey.startsWith("rds:"))!.freeTier).to.include("Single-AZ");
    expect(cost.lines.find((l) => l.resource === "ha-db" && l.priceKey.startsWith("rds:"))!.freeTier).to.equal(undefined);
    expect(cost.lines.find((l) => l.resource === "doc-cache")).to.include({ monthlyUsd: 18.98 }); // the document's USD 0.026/h
    expect(cost.lines.find((l) => l.resource === "doc-cache")!.freeTier).to.include("cache.t2.micro");
    expect(cost.lines.find((l) => l.resource === "doc-db" && l.priceKey === "rds-storage:gp3")!.note).to.include("storageType not set");
  });
});

describe("plan: usage-billed cost (public addresses, data transfer)", () => {
  const subnets: BillableResource[] = [
    { type: "aws:ec2/subnet:Subnet", name: "public-0", id: "subnet-a", inputs: { availabilityZone: "ap-northeast-2a", mapPublicIpOnLaunch: true } },
    { type: "aws:ec2/subnet:Subnet", name: "public-1", id: "subnet-b", inputs: { availabilityZone: "ap-northeast-2b", mapPublicIpOnLaunch: true } },
    { type: "aws:ec2/subnet:Subnet", name: "public-2", id: "subnet-c", inputs: { availabilityZone: "ap-northeast-2c", mapPublicIpOnLaunch: true } },
  ];
  const host = (inputs: Record<string, unknown> = {}): BillableResource => ({
    type: "aws:ec2/instance:Instance",
    name: "host",
    id: "i-1",
    inputs: { instanceType: "t3.micro", associatePublicIpAddress: true, subnetId: "subnet-a", rootBlockDevice: { volumeSize: 10, volumeType: "gp3" }, ...inputs },
  });
  const db = (inputs: Record<string, unknown> = {}): BillableResource => ({
    type: "aws:rds/instance:Instance",
    name: "db",
    inputs: { engine: "mysql", engineVersion: "8.4", instanceClass: "db.t3.micro", allocatedStorage: 20, ...inputs },
  });
  const line = (cost: ReturnType<typeof monthlyCost>, prefix: string) => cost.lines.filter((l) => l.item.startsWith(prefix));

  it("computes GB a month from the traffic: requests x bytes x 730/24 days, in 10^9 bytes", () => {
    expect(monthlyGb(SERIES_TRAFFIC, 10 * 1024)).to.be.closeTo((25000 * 50 * 10240 * (730 / 24)) / 1e9, 1e-9);
    expect(monthlyGb(SERIES_TRAFFIC, 10 * 1024)).to.be.closeTo(389.3, 0.05);
    expect(trafficOf("prod")).to.equal(SERIES_TRAFFIC);
    expect(trafficOf("dev")).to.equal(DEV_TRAFFIC);
    expect(trafficOf(undefined)).to.equal(DEV_TRAFFIC);
  });

  it("bills data out from the public host, the first 100 GB free noted and not subtracted; nothing when nothing is public", () => {
    const cost = monthlyCost([...subnets, host(), db()], SEOUL, { traffic: DEV_TRAFFIC });
    const out = line(cost, "data transfer out")[0]!;
    // 10 x 1,000 requests x 10 KiB x 730/24 days = 3.1 GB at 0.126
    expect(out).to.include({ resource: "host", priceKey: "data-transfer-out", quantity: 3.1, unit: "GB", unitPriceUsd: 0.126, monthlyUsd: 0.39 });
    expect(out.freeTier).to.include("100 GB/month").and.include("every account");
    expect(out.note).to.include("10 daily users x 1000 requests of 10 KB");
    const privateOnly = monthlyCost([...subnets, db()], SEOUL);
    expect(line(privateOnly, "data transfer")).to.deep.equal([]);
  });

  it("bills zone-crossing traffic to the data tier: expected (zones - 1) / zones when AWS places it, all or nothing when pinned", () => {
    const unpinned = line(monthlyCost([...subnets, host(), db()], SEOUL), "data transfer between the API and the database")[0]!;
    // 155.7 GB a month to the database, 2 of the 3 zones away from the host
    expect(unpinned).to.include({ priceKey: "data-transfer-cross-az", quantity: 103.8, unitPriceUsd: 0.01, monthlyUsd: 1.04 });
    expect(unpinned.note).to.include("any of 3 zones").and.include("Multi-AZ replication to the standby is not billed");
    expect(line(monthlyCost([...subnets, host(), db({ availabilityZone: "ap-northeast-2a" })], SEOUL), "data transfer between")).to.deep.equal([]);
    const across = line(monthlyCost([...subnets, host(), db({ availabilityZone: "ap-northeast-2b" })], SEOUL), "data transfer between")[0]!;
    expect(across).to.include({ quantity: 155.7, monthlyUsd: 1.56 });
    expect(across.note).to.include("pinned to ap-northeast-2b, the instance is in ap-northeast-2a");
  });

  it("bills an internet-facing ALB's public IPv4 address in each of its zones, and its data out; not an internal one's", () => {
    const alb = (inputs: Record<string, unknown>): BillableResource => ({ type: "aws:lb/loadBalancer:LoadBalancer", name: "alb", inputs: { loadBalancerType: "application", subnets: ["subnet-a", "subnet-b", "subnet-c"], ...inputs } });
    const cost = monthlyCost([...subnets, alb({})], SEOUL);
    expect(line(cost, "public IPv4 addresses of the load balancer")[0]).to.include({ priceKey: "public-ipv4", quantity: 3 * 730, monthlyUsd: 10.95 }); // 3 x 730 x 0.005
    expect(line(cost, "data transfer out")[0]).to.include({ resource: "alb", quantity: 389.3, monthlyUsd: 49.05 });
    const internal = monthlyCost([...subnets, alb({ internal: true })], SEOUL);
    expect(line(internal, "public IPv4")).to.deep.equal([]);
    expect(line(internal, "data transfer out")).to.deep.equal([]);
  });
});

describe("plan: price table", () => {
  it("keeps a source, a date and a confidence for every Seoul price", () => {
    for (const [key, price] of Object.entries(REGION_PRICES["ap-northeast-2"]!)) {
      expect(price.source, key).to.match(/\S/);
      expect(price.date, key).to.match(/^\d{4}(-\d{2})?(-\d{2})?$/);
      expect(["high", "medium-high", "medium"], key).to.include(price.confidence);
    }
  });

  it("agrees with @trafficlab/database on the Extended Support rate", () => {
    expect(REGION_PRICES["ap-northeast-2"]!["rds-extended-support"]!.usd).to.equal(EXTENDED_SUPPORT_USD_PER_VCPU_HOUR);
  });

  it("lets a stack override or add a price, keeping where it came from", () => {
    const overridden = applyPriceOverrides(regionPrices("ap-northeast-2"), { "ec2:m7i.large": { usd: 0.1232, source: "PL", date: "2026-11" }, "ec2:t3.micro": 0.0135 }, "prices.prod.json");
    expect(overridden.prices["ec2:m7i.large"]).to.deep.include({ usd: 0.1232, unit: "hour", date: "2026-11", confidence: "override" });
    expect(overridden.prices["ec2:m7i.large"]!.source).to.equal("PL (override in prices.prod.json)");
    expect(overridden.prices["ec2:t3.micro"]!.usd).to.equal(0.0135);
    expect(overridden.overrideSources).to.deep.equal(["prices.prod.json"]);
    expect(monthlyCost(SMALL, overridden.prices).lines[0]!.monthlyUsd).to.equal(9.86); // 730 x 0.0135 = 9.855
  });

  it("accepts every key of its own table as an override key", () => {
    const keys = Object.keys(REGION_PRICES["ap-northeast-2"]!);
    expect(() => applyPriceOverrides(regionPrices("ap-northeast-2"), Object.fromEntries(keys.map((k) => [k, 1])), "all.json")).not.to.throw();
  });

  it("refuses a mistyped key, a bad value and a file meant for another region, all at once", () => {
    expect(() => applyPriceOverrides(regionPrices("ap-northeast-2"), { region: "us-east-1", "ec2:t3micro": 1, "ebs:gp3": "cheap" }, "bad.json"))
      .to.throw(PriceOverrideError)
      .with.property("message")
      .that.includes('"region" = "us-east-1", but the stack\'s region is ap-northeast-2')
      .and.includes("ec2:t3micro is not a price key")
      .and.includes('ebs:gp3 = "cheap"; expected a non-negative number');
  });

  it("reads override files in order, skips absent ones, and fills a region without prices", () => {
    const dir = mkdtempSync(join(tmpdir(), "plan-prices-"));
    const first = join(dir, "prices.tokyo.json");
    const second = join(dir, "extra.json");
    writeFileSync(first, JSON.stringify({ region: "ap-northeast-1", prices: { "ec2:t3.micro": { usd: 0.0136, source: "PL", date: "2026-11" } } }));
    writeFileSync(second, JSON.stringify({ "ec2:t3.micro": 0.014 }));
    const prices = loadPrices("ap-northeast-1", [join(dir, "absent.json"), first, second]);
    expect(prices.known).to.equal(false);
    expect(prices.prices["ec2:t3.micro"]!.usd).to.equal(0.014);
    expect(prices.overrideSources).to.deep.equal([first, second]);
  });
});
