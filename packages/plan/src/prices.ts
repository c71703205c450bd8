import { existsSync, readFileSync } from "node:fs";

/**
 * On-demand prices the plan multiplies by. Each entry keeps where it came from, so a reader can
 * check it and a stack can override it (`prices.<stack>.json` at the repository root, or `--prices FILE`).
 *
 * Keys name what AWS bills:
 *   ec2:<instance type>                     per hour, Linux, shared tenancy
 *   ebs:<volume type>                       per GB-month
 *   public-ipv4                             per hour, per address (in use or idle)
 *   nat-gateway                             per hour (per GB processed is `nat-gateway-gb`, not estimated)
 *   rds:<engine>:<instance class>           per hour, Single-AZ (Multi-AZ is billed as 2 instances)
 *   rds-storage:<storage type>              per GB-month, Single-AZ
 *   rds-extended-support                    per vCPU-hour
 *   elasticache:<engine>:<node type>        per node-hour
 *   secretsmanager-secret                   per secret-month
 *   alb                                     per hour
 *   alb-lcu                                 per LCU-hour (estimated from a traffic assumption, see cost.ts)
 *   cloudwatch-alarm                        per standard-resolution alarm-month
 *   sns-email                               per e-mail notification
 *   cloudwatch-logs-ingest                  per GB of log events ingested (Standard class)
 *   cloudwatch-logs-storage                 per GB-month of log events stored
 *   ssm-parameter-standard                  per Parameter Store Standard parameter-month (SecureString included)
 *   acm-public-certificate                  per public ACM certificate-month
 *   data-transfer-out                       per GB out to the internet (first 10 TB a month; inbound is free)
 *   data-transfer-cross-az                  per GB between Availability Zones, billed at the instance
 *   data-transfer-cross-az-alb              per GB from an ALB to a target in another zone
 *   amp-ingest                              per 10 million metric samples ingested (Amazon Managed Service for Prometheus, first 2 billion a month)
 *   amp-storage                             per GB-month of metric samples stored
 *   amp-query                               per billion query samples processed (rule evaluations, dashboards)
 *   kms-key                                 per customer managed KMS key-month
 *   s3-storage:standard                     per GB-month of S3 Standard
 *   s3-requests:put                         per 1,000 PUT, COPY, POST or LIST requests
 *   s3-requests:get                         per 1,000 GET and other requests
 *   ecr-storage                             per GB-month of private ECR images
 */
export type PriceUnit = "hour" | "GB-month" | "vCPU-hour" | "month" | "GB" | "LCU-hour" | "notification" | "10M samples" | "billion samples" | "1000 requests";

export interface Price {
  usd: number;
  unit: PriceUnit;
  /** what is billed, in words */
  item: string;
  /** where the figure comes from: "PL" = AWS Price List offer file, "bill" = a real invoice */
  source: string;
  /** when the source was read (YYYY-MM or YYYY-MM-DD) */
  date: string;
  confidence: "high" | "medium-high" | "medium" | "low" | "override";
}

export type PriceTable = Record<string, Price>;

export interface RegionPrices {
  region: string;
  /** false when the repo has no prices for this region: every cost line is then missing unless overridden */
  known: boolean;
  prices: PriceTable;
  /** files the overrides came from, in the order applied */
  overrideSources: string[];
}

/** Hours in the month AWS's own calculators use (365 * 24 / 12). */
export const HOURS_PER_MONTH = 730;

/** The project's price research of 2026-11-24 (Price List offer files, invoices); each entry names its own source. */
const RESEARCH = "trafficlab price research 2026-11-24";

const price = (usd: number, unit: PriceUnit, item: string, source: string, date: string, confidence: Price["confidence"]): Price => ({
  usd,
  unit,
  item,
  source: `${source} (${RESEARCH})`,
  date,
  confidence,
});

/** ap-northeast-2 (Seoul), USD, on-demand. */
const SEOUL: PriceTable = {
  "ec2:t2.micro": price(0.0144, "hour", "EC2 t2.micro", "ec2instances.info data", "2024-04", "medium"),
  "ec2:t3.micro": price(0.013, "hour", "EC2 t3.micro", "ec2instances.info 2024; PL", "2026-10", "high"),
  "ec2:t3.small": price(0.026, "hour", "EC2 t3.small", "ec2instances.info 2024; PL", "2026-10", "high"),
  "ec2:t4g.micro": price(0.0104, "hour", "EC2 t4g.micro (arm64)", "ec2instances.info 2024; PL", "2026-10", "high"),
  "ec2:t4g.small": price(0.0208, "hour", "EC2 t4g.small (arm64)", "PL", "2026", "high"),
  "ec2:c5a.2xlarge": price(0.344, "hour", "EC2 c5a.2xlarge", "ec2instances.info", "2024-04", "medium"),
  // The fleet's sizes. AWS prices the sizes of a family linearly (2x per size step): these are
  // derived from the Seoul prices above (fleet research 2026-11-30).
  "ec2:c5a.large": price(0.086, "hour", "EC2 c5a.large", "derived: c5a.2xlarge 0.344 / 4 (linear within a family)", "2026-11", "medium"),
  "ec2:c5a.xlarge": price(0.172, "hour", "EC2 c5a.xlarge", "derived: c5a.2xlarge 0.344 / 2 (linear within a family)", "2026-11", "medium"),
  "ec2:t3.medium": price(0.052, "hour", "EC2 t3.medium", "derived: 2 x t3.small 0.026 (PL; linear within a family)", "2026-11", "medium-high"),
  "ec2:t4g.medium": price(0.0416, "hour", "EC2 t4g.medium (arm64)", "derived: 2 x t4g.small 0.0208 (PL; linear within a family)", "2026-11", "medium-high"),
  "ebs:gp2": price(0.114, "GB-month", "EBS gp2", "PL 2026-10; bill 2026-01", "2026-10", "high"),
  "ebs:gp3": price(0.0912, "GB-month", "EBS gp3 (3000 IOPS, 125 MB/s included)", "PL; bill line item", "2026", "high"),
  "public-ipv4": price(0.005, "hour", "public IPv4 address, in use or idle (charged since 2024-02-01)", "PL; AWS networking blog", "2026", "high"),
  "nat-gateway": price(0.059, "hour", "NAT gateway", "PL; bills", "2026", "high"),
  "nat-gateway-gb": price(0.059, "GB", "NAT gateway data processed", "PL; bills", "2026", "high"),
  "rds:mysql:db.t3.micro": price(0.026, "hour", "RDS MySQL Single-AZ db.t3.micro", "ec2instances.info 2021; bill 2026-08", "2026-08", "high"),
  "rds:mysql:db.t4g.micro": price(0.025, "hour", "RDS MySQL Single-AZ db.t4g.micro", "bill 2026-04; PL 2026-10", "2026-10", "high"),
  "rds:mysql:db.t3.small": price(0.052, "hour", "RDS MySQL Single-AZ db.t3.small", "ec2instances.info", "2021", "medium"),
  "rds:mysql:db.t4g.small": price(0.051, "hour", "RDS MySQL Single-AZ db.t4g.small", "PL (PostgreSQL, same price as MySQL)", "2026", "medium"),
  "rds-storage:gp2": price(0.131, "GB-month", "RDS storage gp2", "bills 2026; PL 2026-10", "2026-10", "high"),
  "rds-storage:gp3": price(0.131, "GB-month", "RDS storage gp3", "bills 2026; PL 2026-10", "2026-10", "high"),
  "rds-backup": price(0.095, "GB-month", "RDS backup storage beyond 100 % of DB storage", "PL", "2026", "high"),
  "rds-extended-support": price(0.12, "vCPU-hour", "RDS MySQL 8.0 Extended Support, years 1-2 (billed since 2026-08-01)", "bills", "2026-08", "high"),
  "elasticache:redis:cache.t2.micro": price(0.026, "hour", "ElastiCache cache.t2.micro, Redis OSS", "ec2instances.info 2022; the design document", "2022", "medium-high"),
  "elasticache:redis:cache.t3.micro": price(0.025, "hour", "ElastiCache cache.t3.micro, Redis OSS", "ec2instances.info", "2022", "medium"),
  "elasticache:valkey:cache.t3.micro": price(0.02, "hour", "ElastiCache cache.t3.micro, Valkey", "ec2instances.info 2022, Valkey derived (-20 %)", "2022", "medium"),
  "elasticache:redis:cache.t4g.micro": price(0.024, "hour", "ElastiCache cache.t4g.micro, Redis OSS", "PL", "2026-10", "high"),
  "elasticache:valkey:cache.t4g.micro": price(0.0192, "hour", "ElastiCache cache.t4g.micro, Valkey", "measured SKU", "2026-08", "high"),
  "elasticache:redis:cache.t4g.small": price(0.047, "hour", "ElastiCache cache.t4g.small, Redis OSS", "ec2instances.info", "2022", "medium"),
  "elasticache:valkey:cache.t4g.small": price(0.0376, "hour", "ElastiCache cache.t4g.small, Valkey", "ec2instances.info 2022, Valkey derived (-20 %)", "2022", "medium"),
  "memorydb:redis:db.t4g.small": price(0.07, "hour", "MemoryDB db.t4g.small, Redis OSS", "PL 2026-10; the design document", "2026-10", "high"),
  "memorydb:valkey:db.t4g.small": price(0.049, "hour", "MemoryDB db.t4g.small, Valkey", "PL", "2026-10", "high"),
  // Data transfer: AWSDataTransfer offer, usage types APN2-DataTransfer-Out-Bytes (first 10 TB a
  // month; the next 40 TB 0.122) and APN2-DataTransfer-Regional-Bytes, as quoted from the Price
  // List by a public Seoul cost catalogue read 2026-12; AWS global network FAQ for the rules.
  "data-transfer-out": price(0.126, "GB", "data transfer out to the internet, first 10 TB a month (100 GB a month free per account, all services and Regions)", "PL AWSDataTransfer APN2-DataTransfer-Out-Bytes, via a public Seoul cost catalogue", "2026-12", "medium-high"),
  "data-transfer-cross-az": price(0.01, "GB", "data transfer between Availability Zones, per GB in each direction at the EC2 instance (ElastiCache bills none at the node)", "PL AWSDataTransfer APN2-DataTransfer-Regional-Bytes; AWS ElastiCache pricing", "2026-12", "medium-high"),
  "data-transfer-cross-az-alb": price(0, "GB", "Application Load Balancer to targets in another zone: cross-zone load balancing, always on, bills no inter-AZ data", "Elastic Load Balancing user guide, cross-zone load balancing", "2026-12", "medium"),
  "alb": price(0.0225, "hour", "Application Load Balancer", "PL 2026; bill 2026-04", "2026-04", "high"),
  "alb-lcu": price(0.008, "LCU-hour", "Application Load Balancer capacity units", "PL 2026; bill 2026-04", "2026-04", "high"),
  "secretsmanager-secret": price(0.4, "month", "Secrets Manager secret (plus USD 0.05 per 10,000 API calls, not estimated)", "PL", "2026-10", "high"),
  "ssm-parameter-standard": price(0, "month", "Parameter Store Standard parameter, SecureString under aws/ssm (no charge; standard throughput free)", "AWS SSM user guide, Managing parameter tiers", "2026-11", "high"),
  "acm-public-certificate": price(0, "month", "ACM public certificate (no charge)", "AWS Certificate Manager pricing", "2026-11", "high"),
  "cloudwatch-alarm": price(0.1, "month", "CloudWatch standard-resolution metric alarm (first 10 a month free, any account)", "AWS CloudWatch pricing (free-tier table; paid rate per c3x.dev)", "2026-11", "medium"),
  // Seoul's own rate not confirmed: Tokyo's published Standard-class rates (USD 0.76/GB ingested,
  // 0.033/GB-month stored), read in public cost write-ups 2024-2026; 5 GB a month free in every account.
  "cloudwatch-logs-ingest": price(0.76, "GB", "CloudWatch Logs Standard ingestion (first 5 GB a month free with storage, any account)", "AWS CloudWatch pricing, ap-northeast-1 rate via public cost articles; assumed for Seoul", "2026-12", "medium"),
  "cloudwatch-logs-storage": price(0.033, "GB-month", "CloudWatch Logs storage (archived, compressed)", "AWS CloudWatch pricing, ap-northeast-1 rate via public cost articles; assumed for Seoul", "2026-12", "medium"),
  // Amazon Managed Service for Prometheus: the published us-east-1 rates (medium, as the Tokyo-for-Seoul log rates above: a published rate of another Region) (ingestion's first tier,
  // up to 2 billion samples a month; the next 250 billion at 0.35), assumed for Seoul, whose own
  // rate (and the service's presence there) is to be confirmed in the Price List (AmazonPrometheus
  // offer) before relying on it. Free tier: 40 M samples, 10 GB stored, 200 B samples queried a month.
  "amp-ingest": price(0.9, "10M samples", "Amazon Managed Service for Prometheus, metric samples ingested, first 2 billion a month", "aws.amazon.com/prometheus/pricing us-east-1 rate, assumed for Seoul", "2026-12", "medium"),
  "amp-storage": price(0.03, "GB-month", "Amazon Managed Service for Prometheus, metric samples and metadata stored (150 days kept by default)", "aws.amazon.com/prometheus/pricing us-east-1 rate, assumed for Seoul", "2026-12", "medium"),
  "amp-query": price(0.1, "billion samples", "Amazon Managed Service for Prometheus, query samples processed (rules, dashboards)", "aws.amazon.com/prometheus/pricing us-east-1 rate, assumed for Seoul", "2026-12", "medium"),
  "sns-email": price(0.00002, "notification", "SNS e-mail notification (USD 2.00 per 100,000; first 1,000 a month free)", "AWS SNS pricing (factualminds 2026-06 summary)", "2026-06", "medium"),
  // The ci stack (packages/ci).
  "kms-key": price(1, "month", "KMS customer managed key (each automatic rotation adds USD 1 a month, for the first two; requests USD 0.03 per 10,000 beyond 20,000 free)", "AWS KMS pricing, same in every commercial Region", "2026-12", "high"),
  "s3-storage:standard": price(0.025, "GB-month", "S3 Standard storage, first 50 TB a month", "AWS S3 pricing, Asia Pacific (Seoul)", "2026-12", "medium"),
  "s3-requests:put": price(0.0045, "1000 requests", "S3 Standard PUT, COPY, POST, LIST requests", "AWS S3 pricing, Asia Pacific (Seoul)", "2026-12", "medium"),
  "s3-requests:get": price(0.00035, "1000 requests", "S3 Standard GET, SELECT and other requests", "AWS S3 pricing, Asia Pacific (Seoul)", "2026-12", "medium"),
  "ecr-storage": price(0.1, "GB-month", "ECR private repository storage (500 MB a month free for 12 months on new accounts; transfer within the Region free)", "AWS ECR pricing, same in every Region", "2026-12", "high"),
};

/** The regions the repo has researched prices for. */
export const REGION_PRICES: Readonly<Record<string, PriceTable>> = { "ap-northeast-2": SEOUL };

const KEY_PATTERNS = [
  /^ec2:[a-z0-9-]+\.[a-z0-9]+$/,
  /^ebs:(gp2|gp3|io1|io2|st1|sc1|standard)$/,
  /^public-ipv4$/,
  /^nat-gateway(-gb)?$/,
  /^rds:[a-z-]+:db\.[a-z0-9-]+\.[a-z0-9]+$/,
  /^rds-storage:(gp2|gp3|io1|io2|standard)$/,
  /^rds-backup$/,
  /^rds-extended-support$/,
  /^elasticache:(redis|valkey|memcached):cache\.[a-z0-9-]+\.[a-z0-9]+$/,
  /^memorydb:(redis|valkey):db\.[a-z0-9-]+\.[a-z0-9]+$/,
  /^alb(-lcu)?$/,
  /^secretsmanager-secret$/,
  /^ssm-parameter-(standard|advanced)$/,
  /^acm-public-certificate$/,
  /^cloudwatch-alarm$/,
  /^sns-email$/,
  /^cloudwatch-logs-(ingest|storage)$/,
  /^data-transfer-(out|cross-az|cross-az-alb)$/,
  /^amp-(ingest|storage|query)$/,
  /^kms-key$/,
  /^s3-storage:(standard)$/,
  /^s3-requests:(put|get)$/,
  /^ecr-storage$/,
];

const UNIT_OF_KEY: [RegExp, PriceUnit][] = [
  [/^(ebs|rds-storage|s3-storage):|^rds-backup$|^cloudwatch-logs-storage$|^amp-storage$|^ecr-storage$/, "GB-month"],
  [/^amp-ingest$/, "10M samples"],
  [/^amp-query$/, "billion samples"],
  [/^s3-requests:/, "1000 requests"],
  [/^rds-extended-support$/, "vCPU-hour"],
  [/^secretsmanager-secret$|^ssm-parameter-|^acm-public-certificate$|^cloudwatch-alarm$|^kms-key$/, "month"],
  [/^sns-email$/, "notification"],
  [/^nat-gateway-gb$|^data-transfer-|^cloudwatch-logs-ingest$/, "GB"],
  [/^alb-lcu$/, "LCU-hour"],
  [/./, "hour"],
];

/** The unit a price key is billed in (an override may not change it). */
export function unitOfPriceKey(key: string): PriceUnit {
  return UNIT_OF_KEY.find(([pattern]) => pattern.test(key))![1];
}

/**
 * One override: a bare number (USD) or `{ usd, source?, date?, item? }`. A file of overrides is
 * a JSON object of these keyed by price key, optionally under `"prices"`, with an optional
 * `"region"` the file is meant for (checked, so a Tokyo file is not applied to Seoul).
 */
export type PriceOverride = number | { usd: number; source?: string; date?: string; item?: string };

export class PriceOverrideError extends Error {
  constructor(file: string, problems: string[]) {
    super(`Invalid price overrides in ${file}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "PriceOverrideError";
  }
}

/** Applies overrides to a copy of `base`; every key and value is checked and all problems reported at once. */
export function applyPriceOverrides(base: RegionPrices, overrides: unknown, file: string): RegionPrices {
  const problems: string[] = [];
  if (overrides === null || typeof overrides !== "object" || Array.isArray(overrides)) {
    throw new PriceOverrideError(file, [`expected a JSON object of price key -> USD, got ${JSON.stringify(overrides)}`]);
  }
  const record = overrides as Record<string, unknown>;
  const region = record.region;
  if (region !== undefined && region !== base.region) problems.push(`"region" = ${JSON.stringify(region)}, but the stack's region is ${base.region}`);
  const entries = (record.prices !== undefined ? record.prices : Object.fromEntries(Object.entries(record).filter(([key]) => key !== "region"))) as Record<string, unknown>;
  const prices: PriceTable = { ...base.prices };
  for (const [key, value] of Object.entries(entries ?? {})) {
    if (!KEY_PATTERNS.some((pattern) => pattern.test(key))) {
      problems.push(`${key} is not a price key; expected one like ec2:t3.micro, ebs:gp3, rds:mysql:db.t3.micro, elasticache:valkey:cache.t4g.micro, public-ipv4, nat-gateway`);
      continue;
    }
    const spec = typeof value === "number" ? { usd: value } : (value as Record<string, unknown> | null);
    const usd = spec?.usd;
    if (typeof usd !== "number" || !Number.isFinite(usd) || usd < 0) {
      problems.push(`${key} = ${JSON.stringify(value)}; expected a non-negative number of USD or { "usd": number, "source": "...", "date": "..." }`);
      continue;
    }
    const unit = unitOfPriceKey(key);
    prices[key] = {
      usd,
      unit,
      item: typeof spec?.item === "string" ? spec.item : (base.prices[key]?.item ?? key),
      source: typeof spec?.source === "string" ? `${spec.source} (override in ${file})` : `override in ${file}`,
      date: typeof spec?.date === "string" ? spec.date : "unknown",
      confidence: "override",
    };
  }
  if (problems.length > 0) throw new PriceOverrideError(file, problems);
  return { ...base, prices, overrideSources: [...base.overrideSources, file] };
}

/** The repo's prices for a region: empty (known = false) where none were researched; the plan says so instead of guessing. */
export function regionPrices(region: string): RegionPrices {
  const table = REGION_PRICES[region];
  return { region, known: table !== undefined, prices: { ...(table ?? {}) }, overrideSources: [] };
}

/** Region prices with the overrides of each existing file applied in order (later files win). */
export function loadPrices(region: string, overrideFiles: string[]): RegionPrices {
  let prices = regionPrices(region);
  for (const file of overrideFiles) {
    if (!existsSync(file)) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, "utf8"));
    } catch (error) {
      throw new PriceOverrideError(file, [`not valid JSON: ${(error as Error).message}`]);
    }
    prices = applyPriceOverrides(prices, parsed, file);
  }
  return prices;
}
