import { createTimeOf } from "./create-times";

/** What the critical path reads of a registered resource (a RegisteredResource from @trafficlab/testing fits). */
export interface GraphResource {
  urn: string;
  type: string;
  name: string;
  /** false for component resources, which take no time of their own */
  custom: boolean;
  parent: string | undefined;
  /** URNs it waits for: explicit dependsOn plus every Output it consumes */
  dependencies: readonly string[];
}

export interface CriticalStep {
  type: string;
  name: string;
  seconds: number;
}

export interface CriticalPath {
  /** seconds from the first create to the last, if everything off the chain runs in parallel */
  seconds: number;
  /** the longest chain, first resource first */
  chain: CriticalStep[];
}

/**
 * The custom resources each resource really waits for. A component takes no time, so a
 * dependency on one stands for every custom resource under it (as the engine waits for its
 * children); a custom parent is waited for like a dependency, a component parent is not.
 */
export function effectiveDependencies(resources: readonly GraphResource[]): Map<string, string[]> {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const children = new Map<string, GraphResource[]>();
  for (const r of resources) if (r.parent) children.set(r.parent, [...(children.get(r.parent) ?? []), r]);
  const customsUnder = (urn: string, seen = new Set<string>()): string[] => {
    if (seen.has(urn)) return [];
    seen.add(urn);
    return (children.get(urn) ?? []).flatMap((child) => (child.custom ? [child.urn, ...customsUnder(child.urn, seen)] : customsUnder(child.urn, seen)));
  };
  const expand = (urn: string): string[] => {
    const target = byUrn.get(urn);
    if (!target) return []; // e.g. a provider the record does not hold: created before anything else
    return target.custom ? [urn] : customsUnder(urn);
  };
  const result = new Map<string, string[]>();
  for (const r of resources) {
    if (!r.custom) continue;
    const direct = [...r.dependencies, ...(r.parent && byUrn.get(r.parent)?.custom ? [r.parent] : [])];
    result.set(r.urn, [...new Set(direct.flatMap(expand))].filter((urn) => urn !== r.urn));
  }
  return result;
}

/**
 * The longest chain of creates through the dependency graph, each resource weighted by
 * `secondsOf` (default: the create-time table). Ties go to the resource registered first,
 * so the answer is the same every run. Throws on a dependency cycle.
 */
export function criticalPath(resources: readonly GraphResource[], secondsOf: (r: GraphResource) => number = (r) => createTimeOf(r).seconds): CriticalPath {
  const deps = effectiveDependencies(resources);
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const finish = new Map<string, { at: number; via: string | undefined }>();
  const visiting = new Set<string>();
  const index = new Map(resources.map((r, i) => [r.urn, i]));
  const order = (urn: string) => index.get(urn) ?? Number.MAX_SAFE_INTEGER;

  const finishOf = (urn: string, trail: string[]): number => {
    const known = finish.get(urn);
    if (known) return known.at;
    if (visiting.has(urn)) {
      const cycle = [...trail.slice(trail.indexOf(urn)), urn].map((u) => byUrn.get(u)?.name ?? u);
      throw new Error(`dependency cycle: ${cycle.join(" -> ")}`);
    }
    visiting.add(urn);
    let start = 0;
    let via: string | undefined;
    for (const dep of deps.get(urn) ?? []) {
      const at = finishOf(dep, [...trail, urn]);
      if (via === undefined || at > start || (at === start && order(dep) < order(via))) {
        start = at;
        via = dep;
      }
    }
    visiting.delete(urn);
    const at = start + secondsOf(byUrn.get(urn)!);
    finish.set(urn, { at, via });
    return at;
  };
  let last: string | undefined;
  let longest = 0;
  for (const r of resources) {
    if (!r.custom) continue;
    const at = finishOf(r.urn, []);
    if (last === undefined || at > longest) {
      last = r.urn;
      longest = at;
    }
  }

  const chain: CriticalStep[] = [];
  for (let urn = last; urn !== undefined; urn = finish.get(urn)!.via) {
    const r = byUrn.get(urn)!;
    chain.unshift({ type: r.type, name: r.name, seconds: secondsOf(r) });
  }
  return { seconds: longest, chain };
}
