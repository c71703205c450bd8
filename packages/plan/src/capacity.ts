/**
 * The capacity line: how many API instances the stress test's daily users need at their peak
 * hour, from a measured requests-per-second per instance, and what those instances cost. The
 * traffic model is the load tester's (@trafficlab/loadtest), so `pnpm loadtest --profile stress`
 * sends the rate this line sizes for.
 */
import { DEFAULT_TRAFFIC_MODEL, SERIES_DAU, instancesFor, peakRps } from "@trafficlab/loadtest";
import type { BillableResource } from "./cost";
import { HOURS_PER_MONTH, type PriceTable } from "./prices";

/** The series' Auto Scaling target (seed/initial-infra.md): a single host is sized with it too. */
export const SERIES_CPU_TARGET_PERCENT = 70;

export interface Capacity {
  hosting: "single" | "fleet";
  dau: number;
  requestsPerUserPerDay: number;
  peakHourFactor: number;
  /** the stress DAU's peak-hour arrival rate */
  peakRps: number;
  /** measuredRpsPerInstance; null when not given (0) */
  rpsPerInstance: number | null;
  /** the fleet's scaling target, or the series' 70 % for a single host */
  cpuTargetPercent: number;
  /** rpsPerInstance at the CPU target: what one instance is planned to carry */
  plannedRpsPerInstance: number | null;
  instanceType: string | null;
  instances: number | null;
  /** the fleet's maxSize; null for a single host */
  maxSize: number | null;
  /** USD a month of the instances' hours, on-demand (EBS, addresses and the rest are the cost table's) */
  monthlyUsd: number | null;
  /** what the reader should do or know */
  notes: string[];
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** The capacity the recorded stack needs for the stress DAU, given `rpsPerInstance` (0 or undefined: not measured). */
export function capacityOf(resources: readonly BillableResource[], prices: PriceTable, rpsPerInstance: number | undefined): Capacity {
  const template = resources.find((r) => r.type === "aws:ec2/launchTemplate:LaunchTemplate");
  const group = resources.find((r) => r.type === "aws:autoscaling/group:Group");
  const policy = resources.find((r) => r.type === "aws:autoscaling/policy:Policy" && (r.inputs.targetTrackingConfiguration as Record<string, unknown> | undefined)?.targetValue !== undefined);
  const host = resources.find((r) => r.type === "aws:ec2/instance:Instance");
  const hosting = group ? "fleet" : "single";
  const instanceType = text((hosting === "fleet" ? template : host)?.inputs.instanceType) ?? null;
  const target = Number((policy?.inputs.targetTrackingConfiguration as Record<string, unknown> | undefined)?.targetValue);
  const cpuTargetPercent = hosting === "fleet" && Number.isFinite(target) ? target : SERIES_CPU_TARGET_PERCENT;
  const maxSize = group ? Number(group.inputs.maxSize) : null;
  const model = DEFAULT_TRAFFIC_MODEL;
  const rps = peakRps(SERIES_DAU.stress, model);
  const measured = rpsPerInstance !== undefined && rpsPerInstance > 0 ? rpsPerInstance : null;
  const instances = measured === null ? null : instancesFor(rps, measured, cpuTargetPercent);
  const hourly = instanceType ? prices[`ec2:${instanceType}`]?.usd : undefined;
  const notes: string[] = [];
  if (measured === null) {
    notes.push(
      "requests per instance unknown: run pnpm loadtest --profile stress against one instance (raise --dau with --allow-rate-above-profile until p99 crosses 500 ms; the result's kneeRps), then pulumi config set measuredRpsPerInstance <that rate>",
    );
  }
  if (instances !== null && hosting === "single" && instances > 1) notes.push(`a single host cannot add instances: hosting fleet with fleetMaxSize ${instances} or more, or a larger hostInstanceType (measure it again)`);
  if (instances !== null && maxSize !== null && instances > maxSize) notes.push(`fleetMaxSize ${maxSize} is too few: the group stops at ${maxSize} while the stress peak needs ${instances}; pulumi config set fleetMaxSize ${instances}`);
  if (instances !== null && instanceType && hourly === undefined) notes.push(`no price for ec2:${instanceType} in this region: the cost is missing, not guessed`);
  return {
    hosting,
    dau: SERIES_DAU.stress,
    requestsPerUserPerDay: model.requestsPerUserPerDay,
    peakHourFactor: model.peakHourFactor,
    peakRps: Math.round(rps * 100) / 100,
    rpsPerInstance: measured,
    cpuTargetPercent,
    plannedRpsPerInstance: measured === null ? null : Math.round(measured * cpuTargetPercent) / 100,
    instanceType,
    instances,
    maxSize,
    monthlyUsd: instances === null || hourly === undefined ? null : Math.round(instances * hourly * HOURS_PER_MONTH * 100) / 100,
    notes,
  };
}

/** The capacity section of the text plan. */
export function renderCapacity(c: Capacity): string[] {
  const out = [
    `== Capacity: the stress test's DAU ${c.dau.toLocaleString("en-US")} x ${c.requestsPerUserPerDay} requests x ${c.peakHourFactor} in the peak hour / 3600 s = ${c.peakRps} requests/s (pnpm loadtest --profile stress sends it)`,
  ];
  if (c.rpsPerInstance === null || c.plannedRpsPerInstance === null || c.instances === null) {
    out.push(`  instances needed: unknown (measuredRpsPerInstance is not set)`);
  } else {
    const sizing = c.hosting === "fleet" ? "fleetCpuTargetPercent" : "the series' Auto Scaling target";
    out.push(`  per instance: ${c.rpsPerInstance} requests/s measured (measuredRpsPerInstance), ${c.plannedRpsPerInstance} at ${c.cpuTargetPercent} % CPU (${sizing})`);
    const cost = c.monthlyUsd === null ? "cost MISSING" : `USD ${c.monthlyUsd.toFixed(2)}/month of instance hours, on-demand`;
    out.push(`  instances needed: ${c.instances} x ${c.instanceType ?? "unknown type"} = ${cost}`);
  }
  for (const note of c.notes) out.push(`  - ${note}`);
  return out;
}
