import { instanceClassVcpus } from "@trafficlab/database";
import { HOURS_PER_MONTH, unitOfPriceKey, type PriceTable, type PriceUnit } from "./prices";

/** What cost reads of a registered resource (a RegisteredResource from @trafficlab/testing fits). */
export interface BillableResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  /** the id the mocks gave it, to match an Elastic IP to its instance */
  id?: string;
}

export interface CostLine {
  /** the resource billed */
  resource: string;
  type: string;
  /** what is billed, e.g. "EC2 t3.micro instance hours" */
  item: string;
  priceKey: string;
  quantity: number;
  unit: PriceUnit;
  /** undefined when the price table has no such key */
  unitPriceUsd: number | undefined;
  /** quantity x unit price, rounded to cents; undefined when the price is missing */
  monthlyUsd: number | undefined;
  missing: boolean;
  /** free-tier eligibility, noted and never subtracted */
  freeTier?: string;
  /** assumptions and exclusions of this line */
  note?: string;
  source?: string;
  date?: string;
}

export interface CostOptions {
  /** default 730 */
  hoursPerMonth?: number;
  /** named in the note of a missing line */
  region?: string;
}

export interface CostEstimate {
  lines: CostLine[];
  /** sum of the lines that have a price, in cents-rounded USD */
  totalUsd: number;
  /** false when any line's price is missing: the total is then a lower bound */
  complete: boolean;
  missing: CostLine[];
}

const FREE_TIER_ACCOUNTS = "accounts created before 2025-07-15, first 12 months only";

/** Rounded to cents, as a bill shows it. */
function cents(usd: number): number {
  return Math.round(usd * 100) / 100;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function count(value: unknown, fallback: number): number {
  const n = typeof value === "string" ? Number(value) : value;
  return typeof n === "number" && Number.isFinite(n) ? n : fallback;
}

/**
 * The on-demand monthly cost of what the resources would create: one line per billable item.
 * A price the table lacks becomes a missing line (never zero), and the estimate is then marked
 * incomplete. Free tier is noted per line, never subtracted. Data transfer, NAT data processing,
 * API calls and snapshots beyond the free allowance are not estimated.
 */
export function monthlyCost(resources: readonly BillableResource[], prices: PriceTable, options: CostOptions = {}): CostEstimate {
  const hours = options.hoursPerMonth ?? HOURS_PER_MONTH;
  const lines: CostLine[] = [];
  const line: AddLine = (resource, item, priceKey, quantity, extra = {}) => {
    const price = prices[priceKey];
    const reasons = [
      extra.note,
      price === undefined ? `no price for ${priceKey}${options.region ? ` in ${options.region}` : ""}: add it to the stack's price overrides` : undefined,
      quantity === undefined ? "quantity unknown" : undefined,
    ].filter(Boolean);
    const monthlyUsd = price === undefined || quantity === undefined ? undefined : cents(quantity * price.usd);
    lines.push({
      resource: resource.name,
      type: resource.type,
      item,
      priceKey,
      quantity: quantity ?? 0,
      unit: price?.unit ?? unitOfPriceKey(priceKey),
      unitPriceUsd: price?.usd,
      monthlyUsd,
      missing: monthlyUsd === undefined,
      ...(extra.freeTier ? { freeTier: extra.freeTier } : {}),
      ...(reasons.length > 0 ? { note: reasons.join("; ") } : {}),
      ...(price ? { source: price.source, date: price.date } : {}),
    });
  };

  // An Elastic IP associated with an instance replaces the instance's auto-assigned address.
  const instancesWithEip = new Set(resources.filter((r) => r.type === "aws:ec2/eip:Eip").map((r) => text(r.inputs.instance)).filter(Boolean));

  for (const r of resources) {
    switch (r.type) {
      case "aws:ec2/instance:Instance": {
        const instanceType = text(r.inputs.instanceType) ?? "unknown";
        line(r, `EC2 ${instanceType} instance hours`, `ec2:${instanceType}`, hours, {
          freeTier: ["t2.micro", "t3.micro"].includes(instanceType) ? `750 h/month of t2.micro or t3.micro (whichever the region offers) on ${FREE_TIER_ACCOUNTS}` : undefined,
        });
        const root = (r.inputs.rootBlockDevice ?? {}) as Record<string, unknown>;
        const size = count(root.volumeSize, NaN);
        const volumeType = text(root.volumeType) ?? "gp3";
        line(r, `EBS ${volumeType} root volume`, `ebs:${volumeType}`, Number.isNaN(size) ? 8 : size, {
          freeTier: ["gp2", "gp3"].includes(volumeType) ? `30 GB of EBS on ${FREE_TIER_ACCOUNTS}` : undefined,
          note: [
            Number.isNaN(size) ? "volumeSize not set: the AMI's 8 GB assumed" : undefined,
            root.volumeType === undefined ? "volumeType not set: gp3 (the Amazon Linux 2023 AMI's) assumed" : undefined,
          ]
            .filter(Boolean)
            .join("; ") || undefined,
        });
        const hasEip = r.id !== undefined && instancesWithEip.has(r.id);
        if (r.inputs.associatePublicIpAddress === true && !hasEip) {
          line(r, "public IPv4 address (auto-assigned)", "public-ipv4", hours, { freeTier: `750 h/month of public IPv4 on ${FREE_TIER_ACCOUNTS}` });
        }
        break;
      }
      case "aws:ec2/eip:Eip":
        line(r, "public IPv4 address (Elastic IP)", "public-ipv4", hours, { freeTier: `750 h/month of public IPv4 in total on ${FREE_TIER_ACCOUNTS}` });
        break;
      case "aws:ec2/natGateway:NatGateway":
        line(r, "NAT gateway hours", "nat-gateway", hours, { note: "plus data processed per GB, not estimated" });
        break;
      case "aws:lb/loadBalancer:LoadBalancer":
        if ((text(r.inputs.loadBalancerType) ?? "application") === "application") line(r, "Application Load Balancer hours", "alb", hours, { note: "plus LCU-hours, not estimated" });
        else line(r, `${String(r.inputs.loadBalancerType)} load balancer hours`, `${String(r.inputs.loadBalancerType)}-lb`, hours);
        break;
      case "aws:rds/instance:Instance":
        rdsLines(r, hours, line);
        break;
      case "aws:elasticache/replicationGroup:ReplicationGroup":
      case "aws:elasticache/cluster:Cluster": {
        const engine = text(r.inputs.engine) ?? "redis";
        const nodeType = text(r.inputs.nodeType) ?? "unknown";
        const nodes =
          r.type === "aws:elasticache/cluster:Cluster"
            ? count(r.inputs.numCacheNodes, 1)
            : r.inputs.numNodeGroups !== undefined
              ? count(r.inputs.numNodeGroups, 1) * (1 + count(r.inputs.replicasPerNodeGroup, 0))
              : count(r.inputs.numCacheClusters, 1);
        line(r, `ElastiCache ${engine} ${nodeType} node hours${nodes > 1 ? ` x ${nodes} nodes` : ""}`, `elasticache:${engine}:${nodeType}`, hours * nodes, {
          freeTier: ["cache.t2.micro", "cache.t3.micro"].includes(nodeType) ? `750 h/month of cache.t2.micro or cache.t3.micro on ${FREE_TIER_ACCOUNTS}` : undefined,
        });
        break;
      }
    }
  }

  const priced = lines.filter((l) => l.monthlyUsd !== undefined);
  const missing = lines.filter((l) => l.missing);
  return { lines, totalUsd: cents(priced.reduce((sum, l) => sum + l.monthlyUsd!, 0)), complete: missing.length === 0, missing };
}

type AddLine = (resource: BillableResource, item: string, priceKey: string, quantity: number | undefined, extra?: { freeTier?: string | undefined; note?: string | undefined }) => void;

function rdsLines(r: BillableResource, hours: number, line: AddLine): void {
  const engine = text(r.inputs.engine) ?? "unknown";
  const instanceClass = text(r.inputs.instanceClass) ?? "unknown";
  const multiAz = r.inputs.multiAz === true;
  const copies = multiAz ? 2 : 1;
  const storageGb = count(r.inputs.allocatedStorage, 0);
  const storageType = text(r.inputs.storageType) ?? "gp3";
  const microFreeTier = /^db\.(t2|t3|t4g)\.micro$/.test(instanceClass) && !multiAz;
  line(r, `RDS ${engine} ${instanceClass} ${multiAz ? "Multi-AZ (primary + standby)" : "Single-AZ"} instance hours`, `rds:${engine}:${instanceClass}`, hours * copies, {
    freeTier: microFreeTier ? `750 h/month of Single-AZ db.t2/t3/t4g.micro on ${FREE_TIER_ACCOUNTS}` : undefined,
    note: multiAz ? "Multi-AZ estimated as 2x Single-AZ (AWS prices it at about 2x)" : undefined,
  });
  line(r, `RDS ${storageType} storage${multiAz ? " x 2 (Multi-AZ)" : ""}`, `rds-storage:${storageType}`, storageGb * copies, {
    freeTier: microFreeTier ? `20 GB of RDS storage and 20 GB of backups on ${FREE_TIER_ACCOUNTS}` : undefined,
    note: [
      r.inputs.storageType === undefined ? "storageType not set: gp3 (the RDS default) assumed" : undefined,
      "backups up to 100 % of the storage are free; beyond, not estimated",
    ]
      .filter(Boolean)
      .join("; "),
  });
  if (r.inputs.manageMasterUserPassword === true) {
    line(r, "Secrets Manager secret (RDS-managed master password)", "secretsmanager-secret", 1, { note: "plus USD 0.05 per 10,000 API calls, not estimated" });
  }
  const version = text(r.inputs.engineVersion) ?? "";
  if (engine === "mysql" && (version === "8.0" || version.startsWith("8.0."))) {
    let vcpus: number | undefined;
    try {
      vcpus = instanceClassVcpus(instanceClass);
    } catch {
      vcpus = undefined;
    }
    line(r, `RDS MySQL 8.0 Extended Support, ${vcpus ?? "?"} vCPU${multiAz ? " x 2 (the standby is billed too)" : ""}`, "rds-extended-support", vcpus === undefined ? undefined : vcpus * hours * copies, {
      note: vcpus === undefined ? `vCPUs of ${instanceClass} unknown` : undefined,
    });
  }
}
