import { editDistance } from "./closest";

/**
 * Why an EC2 instance type (or an RDS class, `db.`, or an ElastiCache node type, `cache.`) is
 * refused by a component's allow-list, and the few allowed ones nearest to it: a reason and
 * three or four names instead of the whole list.
 */
export interface AllowList {
  /** `""` for EC2, `db.` for RDS, `cache.` for ElastiCache. */
  prefix: "" | "db." | "cache.";
  /** The allowed types, in the component's order. */
  allowed: readonly string[];
  /** The component's default, offered first when the type says too little to find its neighbours. */
  default?: string;
  /** Who takes the type, in messages: "the API host", "an RDS for MySQL instance", ... */
  what: string;
  /** What the list is, said of a family it does not hold: "not in <why>". */
  why: string;
  /** Family letters the component never offers, each with its reason (e.g. memory-optimised for the API host). */
  refusedClasses?: Readonly<Record<string, string>>;
  /** Families refused as a previous generation, with what to say of them. */
  previousGenerations?: { families: readonly string[]; reason: string };
}

const SIZE_ORDER = ["nano", "micro", "small", "medium", "large", "xlarge", "2xlarge", "3xlarge", "4xlarge", "6xlarge", "8xlarge", "9xlarge", "12xlarge", "16xlarge", "18xlarge", "24xlarge", "32xlarge", "48xlarge", "metal"];

/** `c7gn.2xlarge` -> class c, generation 7, attributes gn, size 2xlarge. */
export function parseInstanceType(type: string): { family: string; kind: string; generation: number; attributes: string; size: string } | undefined {
  const match = /^([a-z]+?)(\d+)([a-z-]*)\.([a-z0-9-]+)$/.exec(type);
  if (!match) return undefined;
  return { family: `${match[1]}${match[2]}${match[3]}`, kind: match[1]!, generation: Number(match[2]), attributes: match[3]!, size: match[4]! };
}

/** AWS's instance categories, by the family's letters (EC2 instance type naming conventions). */
const CATEGORY: Readonly<Record<string, string>> = {
  t: "burstable",
  m: "general purpose",
  a: "general purpose (first Graviton)",
  mac: "macOS",
  c: "compute optimised",
  r: "memory optimised",
  x: "memory optimised",
  z: "memory optimised",
  u: "memory optimised (high memory)",
  i: "storage optimised",
  im: "storage optimised",
  is: "storage optimised",
  d: "storage optimised",
  h: "storage optimised",
  p: "accelerated (GPU)",
  g: "accelerated (GPU)",
  gr: "accelerated (GPU)",
  vt: "accelerated (video)",
  f: "accelerated (FPGA)",
  inf: "accelerated (Inferentia)",
  trn: "accelerated (Trainium)",
  dl: "accelerated (deep learning)",
  hpc: "high-performance computing",
};

/** An unknown size ranks with the smallest: its nearest are the cheapest. */
function sizeRank(size: string): number {
  return Math.max(0, SIZE_ORDER.indexOf(size));
}

const isArm = (attributes: string) => attributes.includes("g");

/** Up to `count` allowed types nearest `type`: its own family's sizes first, then the same size in the families most like it. */
export function nearestAllowed(type: string, list: AllowList, count = 4): string[] {
  const wanted = parseInstanceType(type.slice(list.prefix.length));
  if (!wanted) return list.allowed.slice(0, count);
  const scored = list.allowed.map((candidate) => {
    const c = parseInstanceType(candidate.slice(list.prefix.length))!;
    const score =
      (c.family === wanted.family ? 0 : 1000) +
      (c.kind === wanted.kind ? 0 : CATEGORY[c.kind] !== undefined && CATEGORY[c.kind] === CATEGORY[wanted.kind] ? 50 : 100) +
      Math.abs(sizeRank(c.size) - sizeRank(wanted.size)) * 10 +
      (isArm(c.attributes) === isArm(wanted.attributes) ? 0 : 5) +
      Math.min(Math.abs(c.generation - wanted.generation), 4);
    return { candidate, score };
  });
  return scored
    .sort((a, b) => a.score - b.score)
    .slice(0, count)
    .map((entry) => entry.candidate);
}

/** What a refusal says: the rule the type broke, then the nearest allowed types. Starts with "Allowed:" for a malformed one. */
export function explainRefusedType(type: string, list: AllowList): string {
  const nearest = `nearest allowed: ${nearestAllowed(type, list).join(", ")}`;
  const bare = type.startsWith(list.prefix) ? type.slice(list.prefix.length) : undefined;
  const parsed = bare === undefined ? undefined : parseInstanceType(bare);
  if (!parsed) {
    const form = `${list.prefix}<family>.<size>, e.g. ${list.allowed[0]}`;
    // An EC2 type where an RDS class or a node type is wanted: t3.micro for db.t3.micro.
    const prefixed = `${list.prefix}${type}`;
    if (list.prefix && list.allowed.includes(prefixed)) return `${type} is an EC2 type; ${list.what} takes ${form}: did you mean ${prefixed}?`;
    if (list.allowed.includes(type.toLowerCase())) return `types are written in lower case: did you mean ${type.toLowerCase()}?`;
    const alike = [...list.allowed].sort((a, b) => editDistance(type, a) - editDistance(type, b)).slice(0, 4);
    return `Allowed: a type of the form ${form}; nearest allowed: ${alike.join(", ")}.`;
  }
  if (!SIZE_ORDER.includes(parsed.size) && !/^\d+xlarge$/.test(parsed.size)) {
    const offered = [...new Set([...(list.default ? [list.default] : []), ...nearestAllowed(type, list)])].slice(0, 4);
    return `${parsed.size} is not an instance size (${SIZE_ORDER.slice(0, 8).join(", ")}, ...); nearest allowed: ${offered.join(", ")}.`;
  }
  const families = [...new Set(list.allowed.map((t) => parseInstanceType(t.slice(list.prefix.length))!.family))];
  if (families.includes(parsed.family)) {
    const sizes = list.allowed.filter((t) => parseInstanceType(t.slice(list.prefix.length))!.family === parsed.family).map((t) => t.split(".").pop());
    return `${list.prefix}${parsed.family} is offered for ${list.what} in ${sizes.join(", ")} only; ${nearest}.`;
  }
  if (list.previousGenerations?.families.includes(parsed.family)) return `${list.prefix}${parsed.family} is a previous generation: ${list.previousGenerations.reason}; ${nearest}.`;
  const refused = list.refusedClasses?.[parsed.kind];
  if (refused) return `${refused}; ${nearest}.`;
  const category = CATEGORY[parsed.kind];
  const newest = Math.max(...families.filter((f) => parseInstanceType(`${f}.x`)!.kind === parsed.kind).map((f) => parseInstanceType(`${f}.x`)!.generation));
  const older = Number.isFinite(newest) && parsed.generation < newest - 2 ? ", an older generation" : "";
  return `${list.prefix}${parsed.family}${category ? ` (${category}${older})` : ""} is not in ${list.why}; ${nearest}.`;
}
