import type { RegisteredResource, ResourceGraph } from "@trafficlab/testing";
import { effectiveDependencies } from "../critical-path";
import { DEFAULT_TAGS_REACH, DELETE_REFUSALS, DISRUPTIVE_UPDATES, RECOMPUTED_ON_UPDATE, REPLACE_RULES, STATEFUL_TYPES, UPDATE_REFUSALS, type ProviderConfigRule, type ReplaceRule } from "./provider-rules";

/**
 * What `pulumi up` does to an existing stack, derived from two records of the program (before
 * and after a change) with Pulumi's rules:
 * - a resource in both is diffed input by input, minus its `ignoreChanges`; an input that reads
 *   an output of a replaced resource is unknown during the update, so it counts as changed;
 * - a changed input that matches `replaceOnChanges` or forces a new resource in its provider
 *   (provider-rules.ts) makes a replacement, create-before-delete unless `deleteBeforeReplace`;
 *   anything else is an update; `--replace` forces one;
 * - a replacement or delete fails when the resource is protected in the old state and (for a
 *   replacement) the new program still protects it; `retainOnDelete` in the old state leaves
 *   the physical resource in place;
 * - creates, updates and create-before-delete replacements run in dependency order; the old
 *   resources of those replacements and the removed resources are deleted last, in reverse
 *   dependency order, each with its OLD inputs (a command runs its old `delete`).
 * Sources: pulumi/pulumi v3.248.0 pkg/resource/deploy/step_generator.go and step_executor.go,
 * pulumi-command v1.2.1 (see provider-rules.ts).
 */

export type Action = "same" | "update" | "replace" | "create" | "delete";
export type ReplaceMode = "create-before-delete" | "delete-before-replace";
/** Which script of a `command` resource runs. */
export type CommandScript = "create" | "update" | "delete";

export interface ResourceChange {
  urn: string;
  type: string;
  name: string;
  action: Action;
  replaceMode?: ReplaceMode;
  /** Input paths that differ (values are never shown: some are secrets). */
  changed: string[];
  /** Input paths unknown during the update because they read a replaced resource's outputs. */
  unknown: string[];
  /** Input paths that differ but are in the resource's `ignoreChanges`: the running resource keeps them. */
  ignored: string[];
  /** Why a replacement: the rule and its source. */
  because: string[];
  /** What an in-place update does beyond the change itself (a stop/start, a deferral). */
  effects: string[];
  /** An RDS instance or ElastiCache group. */
  stateful: boolean;
  /** A stateful resource replaced or deleted, and not retained. */
  dataLoss: boolean;
  /** Deleted from the stack but left in the cloud (retainOnDelete). */
  retained: boolean;
  /** Why this `pulumi up` fails on this resource. */
  blocked?: string;
  /** For commands: the scripts that run, in order. */
  runs: CommandScript[];
}

export interface Operation {
  step: "create" | "update" | "create-replacement" | "delete-replaced" | "delete";
  urn: string;
  type: string;
  name: string;
  /** For commands: the script this step runs, if any. */
  runs?: CommandScript;
  /** For commands: the host it runs on (`new:` when the host is being replaced). */
  host?: string;
  /** Deletes only: left in the cloud. */
  retained?: boolean;
}

export interface LifecycleOptions {
  /** Resources `pulumi up --replace` names (URNs or logical names). */
  replace?: readonly string[];
  /** Resources unprotected first with `pulumi state unprotect` (URNs or logical names). */
  unprotected?: readonly string[];
  /** Default-provider config keys that change (`aws:region`), with what the provider does about it. */
  providerChanges?: readonly ProviderConfigChange[];
}

export interface ProviderConfigChange {
  /** `aws:region`. */
  key: string;
  rule: ProviderConfigRule;
}

/** Resources whose loss (replace or delete) moves the API's address: a single host serves at its own IP. */
const SERVING_TYPES = ["aws:ec2/instance:Instance", "aws:ec2/eip:Eip", "aws:lb/loadBalancer:LoadBalancer"];

export interface Lifecycle {
  changes: ResourceChange[];
  /** The steps in the order `pulumi up` takes them. */
  operations: Operation[];
  /** Why `pulumi up` would fail, if it would. */
  failures: string[];
  /** Resource types the model has no provider rules for (their changes are taken as updates). */
  unknownTypes: string[];
  /** A command's delete that runs after a command on the same host deployed in this update. */
  teardownsAfterDeploy: { teardown: Operation; after: Operation[] }[];
}

type Inputs = Record<string, unknown>;

/** A delete script that is @trafficlab/api-host's removeFileScript (remove-file.sh): it removes one file and an emptied directory. */
function removesOnlyAFile(script: unknown): boolean {
  return typeof script === "string" && script.includes("# Removes $target, and its directory once empty: what a file step runs when it is deleted");
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object";
}

/** The leaf paths at which two input values differ (`a.b`, `ingress.0.fromPort`). */
export function differingPaths(before: unknown, after: unknown, path = ""): string[] {
  if (isObject(before) && isObject(after) && Array.isArray(before) === Array.isArray(after)) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    return [...keys].sort().flatMap((key) => differingPaths(before[key], after[key], path ? `${path}.${key}` : key));
  }
  const same = JSON.stringify(before) === JSON.stringify(after);
  return same ? [] : [path];
}

/** `ignoreChanges` / `replaceOnChanges` syntax (`a.b`, `a[0]`, `a[*]`, `*`) as dot segments. */
function segments(pattern: string): string[] {
  return pattern.replace(/\[(\d+|\*)\]/g, ".$1").replace(/\["([^"]+)"\]/g, ".$1").split(".").filter((s) => s !== "");
}

/** Whether `path` is at or under `pattern` (a `*` segment matches any one segment; `*` alone, everything). */
function matches(pattern: string, path: string): boolean {
  const want = segments(pattern);
  const have = path.split(".");
  if (want.length === 1 && want[0] === "*") return true;
  if (want.length > have.length) return false;
  return want.every((segment, i) => segment === "*" || segment === have[i]);
}

/** A provider rule's property path applies to a changed path, array indices aside. */
function ruleCovers(rule: ReplaceRule, path: string): boolean {
  const plain = path.split(".").filter((segment) => !/^\d+$/.test(segment));
  const want = rule.property.split(".");
  return want.length <= plain.length && want.every((segment, i) => segment === plain[i]);
}

function valueAt(inputs: Inputs, property: string): unknown {
  let value: unknown = inputs;
  for (const segment of property.split(".")) {
    if (Array.isArray(value)) value = value[0];
    value = isObject(value) ? value[segment] : undefined;
  }
  return value;
}

function refersTo(resource: RegisteredResource, names: readonly string[] | undefined): boolean {
  return (names ?? []).some((n) => n === resource.urn || n === resource.name);
}

function hostOf(inputs: Inputs): string | undefined {
  const connection = inputs.connection;
  return isObject(connection) && typeof connection.host === "string" ? connection.host : undefined;
}

function isCommand(type: string): boolean {
  return type === "command:remote:Command" || type === "command:local:Command";
}

/** Custom resources in an order where each comes after what it depends on. */
function dependencyOrder(resources: readonly RegisteredResource[]): { order: RegisteredResource[]; deps: Map<string, string[]> } {
  const deps = effectiveDependencies(resources);
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const done = new Set<string>();
  const order: RegisteredResource[] = [];
  const visit = (urn: string, trail: Set<string>) => {
    if (done.has(urn) || trail.has(urn)) return;
    trail.add(urn);
    for (const dep of deps.get(urn) ?? []) visit(dep, trail);
    trail.delete(urn);
    done.add(urn);
    const resource = byUrn.get(urn);
    if (resource?.custom) order.push(resource);
  };
  for (const r of resources) if (r.custom) visit(r.urn, new Set());
  return { order, deps };
}

/** The custom resources a URN stands for: itself, or every custom resource under a component. */
function customsOf(graph: ResourceGraph, urn: string): string[] {
  const resource = graph.resources.find((r) => r.urn === urn);
  if (!resource) return [];
  if (resource.custom) return [urn];
  return graph.resources.filter((r) => r.parent === urn).flatMap((child) => customsOf(graph, child.urn));
}

export function deriveLifecycle(before: ResourceGraph, after: ResourceGraph, options: LifecycleOptions = {}): Lifecycle {
  const old = new Map(before.resources.map((r) => [r.urn, r]));
  // retainOnDelete of the OLD state decides, inherited from ancestors as the engine does.
  const retains = (r: RegisteredResource) => before.retainsOnDelete(r);
  const changes = new Map<string, ResourceChange>();
  const unknownTypes = new Set<string>();
  const failures: string[] = [];
  const replacedUrns = new Set<string>();
  // Updated in place, but with outputs the provider recomputes (a launch template's latestVersion).
  const recomputedUrns = new Set<string>();
  // For each resource: the types of the replaced resources its unknown inputs come from, transitively.
  const replacedUpstream = new Map<string, Set<string>>();
  const { order: forward } = dependencyOrder(after.resources);

  const baseChange = (r: RegisteredResource, action: Action): ResourceChange => ({
    urn: r.urn,
    type: r.type,
    name: r.name,
    action,
    changed: [],
    unknown: [],
    ignored: [],
    because: [],
    effects: [],
    stateful: STATEFUL_TYPES.includes(r.type),
    dataLoss: false,
    retained: false,
    runs: [],
  });

  for (const next of forward) {
    const previous = old.get(next.urn);
    if (!previous) {
      const change = baseChange(next, "create");
      if (isCommand(next.type)) change.runs = ["create"];
      changes.set(next.urn, change);
      continue;
    }
    const ignored = (path: string) => next.ignoreChanges.some((pattern) => matches(pattern, path));
    const differing = differingPaths(previous.inputs, next.inputs);
    const changed = differing.filter((path) => !ignored(path));
    // Inputs that read a replaced resource's outputs are unknown until it exists.
    const unknownFrom = Object.entries(next.propertyDependencies)
      .filter(([property]) => !ignored(property))
      .map(([property, urns]) => ({
        property,
        from: urns
          .flatMap((urn) => customsOf(after, urn))
          .filter((custom) => replacedUrns.has(custom) || (recomputedUrns.has(custom) && (RECOMPUTED_ON_UPDATE[after.byUrn(custom).type]?.readBy[next.type] ?? []).includes(property))),
      }))
      .filter(({ from }) => from.length > 0);
    const unknown = unknownFrom.map(({ property }) => property);
    const upstream = new Set(unknownFrom.flatMap(({ from }) => from.filter((urn) => replacedUrns.has(urn)).flatMap((urn) => [...(replacedUpstream.get(urn) ?? []), after.byUrn(urn).type])));
    replacedUpstream.set(next.urn, upstream);
    const pkg = next.type.split(":")[0]!;
    const providerChanges = (options.providerChanges ?? []).filter((p) => p.key.startsWith(`${pkg}:`));
    // Default tags reach a resource through its tagsAll, for the resources that take tags.
    const takesDefaultTags = ("tags" in next.inputs || DEFAULT_TAGS_REACH.always.includes(next.type)) && !DEFAULT_TAGS_REACH.never.includes(next.type);
    if (providerChanges.some((p) => p.rule.effect === "updates-tags") && takesDefaultTags && !ignored("tagsAll")) changed.push("tagsAll");
    const change = baseChange(next, "same");
    change.changed = changed;
    change.unknown = unknown;
    change.ignored = differing.filter(ignored);
    const touched = [...new Set([...changed, ...unknown])];
    const rules = REPLACE_RULES[next.type];
    if (rules === undefined && touched.length > 0) unknownTypes.add(next.type);
    for (const path of touched) {
      const pattern = next.replaceOnChanges.find((p) => matches(p, path));
      if (pattern) change.because.push(`${path}: replaceOnChanges ${pattern}`);
      for (const rule of rules ?? []) {
        if (!ruleCovers(rule, path)) continue;
        const isUnknown = unknown.includes(path.split(".")[0]!);
        const holds = isUnknown || !rule.when || rule.when(valueAt(previous.inputs, rule.property), valueAt(next.inputs, rule.property), { before: previous.inputs, after: next.inputs });
        if (holds) change.because.push(`${path}${isUnknown ? " (unknown until a replaced resource exists)" : ""}: forces a new resource (${rule.source}${rule.note ? `; ${rule.note}` : ""})`);
      }
    }
    for (const p of providerChanges.filter((p) => p.rule.effect === "replaces-every-resource")) change.because.push(`provider: ${p.key} changed, so the default ${pkg} provider is replaced and every resource it manages with it (${p.rule.source})`);
    if (refersTo(next, options.replace)) change.because.push("pulumi up --replace");
    change.because = [...new Set(change.because)];
    if (change.because.length > 0) {
      change.action = "replace";
      change.replaceMode = next.deleteBeforeReplace ? "delete-before-replace" : "create-before-delete";
      replacedUrns.add(next.urn);
      const protectedBefore = previous.protect && !refersTo(previous, options.unprotected);
      if (protectedBefore && next.protect) {
        change.blocked = `${next.name} is protected: Pulumi refuses to replace it, so this \`pulumi up\` fails (pulumi state unprotect '${next.urn}' first, deliberately)`;
      }
      change.retained = retains(previous);
      change.dataLoss = change.stateful && !change.retained;
      if (isCommand(next.type)) change.runs = next.deleteBeforeReplace ? (["delete", "create"] as const).filter((s) => s !== "delete" || previous.inputs.delete !== undefined) : ["create", ...(previous.inputs.delete !== undefined ? (["delete"] as const) : [])];
    } else if (touched.length > 0) {
      change.action = "update";
      for (const disruption of DISRUPTIVE_UPDATES[next.type] ?? []) {
        if (touched.some((path) => path.split(".")[0] === disruption.property) && (!disruption.when || disruption.when(next.inputs, previous.inputs))) {
          const effect = `${disruption.property}: ${disruption.effect}`;
          if (!change.effects.some((known) => known.endsWith(disruption.effect))) change.effects.push(effect);
        }
      }
      for (const refusal of UPDATE_REFUSALS[next.type] ?? []) {
        if (!touched.some((path) => path.split(".")[0] === refusal.property)) continue;
        const reason = refusal.refuses(previous.inputs, next.inputs);
        if (reason) change.blocked = `${next.name}: ${reason}, so this \`pulumi up\` fails`;
      }
      if (isCommand(next.type)) change.runs = [next.inputs.update !== undefined ? "update" : "create"];
      const recomputed = RECOMPUTED_ON_UPDATE[next.type];
      const top = touched.map((path) => path.split(".")[0]!);
      if (recomputed && top.some((property) => (recomputed.changes ? recomputed.changes.includes(property) : !(recomputed.except ?? []).includes(property)))) recomputedUrns.add(next.urn);
    }
    if (change.stateful && change.action !== "replace" && upstream.has("aws:ec2/vpc:Vpc")) {
      change.blocked = `${next.name} would have to move to the new VPC: RDS and ElastiCache do not move between VPCs in place (a subnet group holds subnets of one VPC; the instance and its security groups must share its VPC), so this \`pulumi up\` fails; moving means recreating the data tier from a snapshot`;
      change.dataLoss = true;
    }
    changes.set(next.urn, change);
  }

  const { order: backward } = dependencyOrder(before.resources);
  const present = new Set(after.resources.map((r) => r.urn));
  for (const previous of backward) {
    if (present.has(previous.urn)) continue;
    const change = baseChange(previous, "delete");
    const protectedBefore = previous.protect && !refersTo(previous, options.unprotected);
    if (protectedBefore) change.blocked = `${previous.name} is protected: Pulumi refuses to delete it, so this \`pulumi up\` fails`;
    change.retained = retains(previous);
    change.dataLoss = change.stateful && !change.retained;
    if (isCommand(previous.type) && previous.inputs.delete !== undefined && !retains(previous)) change.runs = ["delete"];
    changes.set(previous.urn, change);
  }
  // A single host's address goes with its instance (or Elastic IP): clients and DNS lose it.
  for (const change of changes.values()) {
    if (!SERVING_TYPES.includes(change.type)) continue;
    // An Elastic IP added to a running host takes the place of its public address.
    const attachedToHost = change.action === "create" && after.byUrn(change.urn).inputs.instance !== undefined;
    if (attachedToHost && change.type === "aws:ec2/eip:Eip" && [...changes.values()].some((c) => c.type === "aws:ec2/instance:Instance" && (c.action === "same" || c.action === "update"))) {
      change.effects.push("DOWNTIME: the running host's public address changes to this Elastic IP: clients and DNS on the old address lose the API");
    }
    if (change.action !== "replace" && change.action !== "delete") continue;
    const what = change.type === "aws:lb/loadBalancer:LoadBalancer" ? "load balancer (its DNS name)" : change.type === "aws:ec2/eip:Eip" ? "Elastic IP" : "host (its public address)";
    change.effects.push(
      change.action === "delete"
        ? `DOWNTIME: the API's ${what} is deleted: it stops answering there; clients and DNS must move to the new endpoint (the stack's url output)`
        : `DOWNTIME: the API's ${what} is replaced: the new one answers at a new address${change.type === "aws:ec2/instance:Instance" ? " (an Elastic IP moves to it, after a gap)" : ""} and the old is deleted; clients and DNS must follow`,
    );
  }
  // What the provider refuses to delete (old inputs), for every delete that reaches it.
  for (const change of changes.values()) {
    const previous = old.get(change.urn);
    const deletes = change.action === "delete" || change.action === "replace";
    if (!previous || !deletes || change.retained || change.blocked) continue;
    for (const refusal of DELETE_REFUSALS[previous.type] ?? []) {
      const reason = refusal(previous.inputs);
      if (reason) change.blocked = `${previous.name}: ${reason}`;
    }
  }
  for (const change of changes.values()) if (change.blocked) failures.push(change.blocked);

  // The order of the steps.
  const operations: Operation[] = [];
  const forwardHost = (r: RegisteredResource) => {
    const change = changes.get(r.urn)!;
    const host = hostOf(r.inputs);
    return host === undefined ? undefined : change.unknown.includes("connection") ? `new:${host}` : host;
  };
  for (const next of forward) {
    const change = changes.get(next.urn)!;
    const command = isCommand(next.type);
    const previous = old.get(next.urn);
    if (change.action === "create") operations.push({ step: "create", urn: next.urn, type: next.type, name: next.name, ...(command ? { runs: "create" as const, host: forwardHost(next) } : {}) });
    else if (change.action === "update") operations.push({ step: "update", urn: next.urn, type: next.type, name: next.name, ...(command ? { runs: change.runs[0], host: forwardHost(next) } : {}) });
    else if (change.action === "replace") {
      if (change.replaceMode === "delete-before-replace") {
        operations.push({
          step: "delete-replaced",
          urn: next.urn,
          type: next.type,
          name: next.name,
          retained: change.retained,
          ...(command && previous!.inputs.delete !== undefined && !change.retained ? { runs: "delete" as const, host: hostOf(previous!.inputs) } : {}),
        });
      }
      operations.push({ step: "create-replacement", urn: next.urn, type: next.type, name: next.name, ...(command ? { runs: "create" as const, host: forwardHost(next) } : {}) });
    }
  }
  for (const previous of [...backward].reverse()) {
    const change = changes.get(previous.urn);
    const replacedFirst = change?.action === "replace" && change.replaceMode === "create-before-delete";
    if (!change || (change.action !== "delete" && !replacedFirst)) continue;
    const runsDelete = isCommand(previous.type) && previous.inputs.delete !== undefined && !retains(previous);
    operations.push({
      step: change.action === "delete" ? "delete" : "delete-replaced",
      urn: previous.urn,
      type: previous.type,
      name: previous.name,
      retained: retains(previous),
      ...(runsDelete ? { runs: "delete" as const, host: hostOf(previous.inputs) } : {}),
    });
  }

  const teardownsAfterDeploy: Lifecycle["teardownsAfterDeploy"] = [];
  operations.forEach((operation, i) => {
    if (operation.runs !== "delete" || operation.host === undefined) return;
    // A file step deleted (not replaced) is a file the new rendering no longer has: what was just
    // deployed does not read it, so removing it afterwards takes nothing down.
    if (operation.step === "delete" && removesOnlyAFile(old.get(operation.urn)?.inputs.delete)) return;
    const deploys = operations.slice(0, i).filter((earlier) => earlier.runs !== undefined && earlier.runs !== "delete" && earlier.host === operation.host);
    if (deploys.length > 0) teardownsAfterDeploy.push({ teardown: operation, after: deploys });
  });

  const listed = [...changes.values()];
  return { changes: listed, operations, failures, unknownTypes: [...unknownTypes].sort(), teardownsAfterDeploy };
}
