import type {
  EnforcementLevel,
  Policies,
  PolicyPackConfig,
  PolicyResource,
  PolicyResourceOptions,
  ResourceValidation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy/policy";
import type { Environment } from "./environment";
import { NO_SECRETS_IN_PLAIN_INPUTS, trafficlabPolicies } from "./policies";

/**
 * What the runner reads of a registered resource. `RegisteredResource` of @trafficlab/testing
 * (a `graph.resources` entry) has all of it; the type is structural so this package needs the
 * test kit only in its own tests.
 */
export interface RecordedResource {
  urn: string;
  type: string;
  name: string;
  parent?: string | undefined;
  /** inputs with secrets unwrapped, as the policy runtime passes them */
  inputs: Record<string, unknown>;
  /** dotted paths of the inputs that were sent as secrets */
  secretPaths: string[];
  protect: boolean;
  ignoreChanges?: string[];
  additionalSecretOutputs?: string[];
  deleteBeforeReplace?: boolean;
  dependencies?: string[];
  propertyDependencies?: Record<string, string[]>;
  /** the provider's answer; stack policies see these, as after a real deployment */
  outputs?: Record<string, unknown>;
}

export interface RunPoliciesOptions {
  /** the stack's `trafficlab:environment`, given to every policy whose config schema declares `environment` */
  environment: Environment;
  /** default: trafficlabPolicies */
  policies?: Policies;
  /** per-policy config, as in a `--policy-pack-config` file: a level, or properties with an optional `enforcementLevel` */
  config?: PolicyPackConfig;
  /** the level of policies that set none, like PolicyPackArgs.enforcementLevel; default "advisory", as @pulumi/policy */
  defaultEnforcementLevel?: EnforcementLevel;
  /**
   * Policies that see only the inputs that were not sent as secrets. The real runtime unwraps
   * secrets without saying which they were; here we know, so the secret-looking-value scan
   * judges only what would be stored and shown in plain text. Default: that one policy.
   */
  plainInputsOnly?: string[];
  stackTags?: Record<string, string>;
}

/** One reported violation, with the level it was reported at ("remediate" reports as "mandatory"). */
export interface Violation {
  policyName: string;
  enforcementLevel: "advisory" | "mandatory";
  /** what the policy passed to reportViolation (the CLI prints the description, then this) */
  message: string;
  description: string;
  urn: string | undefined;
  resourceType: string | undefined;
  resourceName: string | undefined;
}

class NotApplicableError extends Error {}

function throwNotApplicable(reason?: string): never {
  throw new NotApplicableError(reason ?? "Policy does not apply");
}

const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";

/** Outputs as the runtime shows them to policies: secrets unwrapped, undefined dropped. */
function plainCopy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plainCopy);
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (SECRET_SIG_KEY in record) return plainCopy(record.value);
    return Object.fromEntries(Object.entries(record).filter(([, item]) => item !== undefined).map(([key, item]) => [key, plainCopy(item)]));
  }
  return value;
}

/** A copy of `inputs` without the values at `paths` (dotted, array indexes as numbers). */
function withoutPaths(inputs: Record<string, unknown>, paths: string[]): Record<string, unknown> {
  const copy = plainCopy(inputs) as Record<string, unknown>;
  for (const path of paths) {
    if (path === "") return {};
    const keys = path.split(".");
    let parent: unknown = copy;
    for (const key of keys.slice(0, -1)) parent = parent !== null && typeof parent === "object" ? (parent as Record<string, unknown>)[key] : undefined;
    if (parent !== null && typeof parent === "object") delete (parent as Record<string, unknown>)[keys[keys.length - 1]!];
  }
  return copy;
}

/** @pulumi/policy's isTypeOf: the class's type token, else its isInstance. */
function isTypeOf(type: string, resourceClass: unknown): boolean {
  const token = (resourceClass as { __pulumiType?: unknown }).__pulumiType;
  if (typeof token === "string") return token === type;
  const isInstance = (resourceClass as { isInstance?: unknown }).isInstance;
  return typeof isInstance === "function" && isInstance({ __pulumiType: type }) === true;
}

function optionsOf(resource: RecordedResource): PolicyResourceOptions {
  const opts: PolicyResourceOptions = {
    protect: resource.protect,
    ignoreChanges: resource.ignoreChanges ?? [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: resource.additionalSecretOutputs ?? [],
  };
  if (resource.deleteBeforeReplace) opts.deleteBeforeReplace = true;
  if (resource.parent) opts.parent = resource.parent;
  return opts;
}

function levelOf(policy: ResourceValidationPolicy | StackValidationPolicy, options: RunPoliciesOptions): EnforcementLevel {
  const configured = options.config?.[policy.name];
  const fromConfig = typeof configured === "string" ? configured : configured?.enforcementLevel;
  return fromConfig ?? policy.enforcementLevel ?? options.defaultEnforcementLevel ?? "advisory";
}

/** getConfig(): schema defaults (the engine fills them in), the environment, then the given config. */
function configOf(policy: ResourceValidationPolicy | StackValidationPolicy, options: RunPoliciesOptions): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(policy.configSchema?.properties ?? {})) {
    if (typeof schema === "object" && schema.default !== undefined) config[key] = schema.default;
  }
  if (policy.configSchema?.properties.environment) config.environment = options.environment;
  const given = options.config?.[policy.name];
  if (given !== undefined && typeof given === "object") {
    for (const [key, value] of Object.entries(given)) if (key !== "enforcementLevel") config[key] = value;
  }
  return config;
}

function isResourcePolicy(policy: ResourceValidationPolicy | StackValidationPolicy): policy is ResourceValidationPolicy {
  return !("validateStack" in policy);
}

/**
 * Runs policies over recorded resources the way the Pulumi policy runtime does during a
 * deployment: each resource's inputs through every resource policy (`analyze`), then every
 * stack policy over all resources with their outputs (`analyzeStack`). Pure: no engine, no
 * gRPC, no PolicyPack; the same policy objects `pulumi preview --policy-pack` serves.
 */
export async function runPolicies(resources: readonly RecordedResource[], options: RunPoliciesOptions): Promise<Violation[]> {
  const policies = options.policies ?? trafficlabPolicies;
  const plainOnly = new Set(options.plainInputsOnly ?? [NO_SECRETS_IN_PLAIN_INPUTS]);
  const stackTags: ReadonlyMap<string, string> = new Map(Object.entries(options.stackTags ?? {}));
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const violations: Violation[] = [];

  const active = policies
    .map((policy) => ({ policy, level: levelOf(policy, options) }))
    .filter(({ level }) => level !== "disabled")
    .map(({ policy, level }) => ({ policy, level: (level === "remediate" ? "mandatory" : level) as Violation["enforcementLevel"] }));

  const reporter = (policy: ResourceValidationPolicy | StackValidationPolicy, level: Violation["enforcementLevel"], fixedUrn?: string) =>
    (message: string, urn?: string) => {
      // Like the runtime: a resource policy's violation is always about the resource being validated.
      const about = fixedUrn ?? urn;
      const resource = about === undefined ? undefined : byUrn.get(about);
      violations.push({
        policyName: policy.name,
        enforcementLevel: level,
        message,
        description: policy.description,
        urn: about,
        resourceType: resource?.type,
        resourceName: resource?.name,
      });
    };

  const runGuarded = async (policy: ResourceValidationPolicy | StackValidationPolicy, urn: string | undefined, check: () => unknown) => {
    try {
      await check();
    } catch (error) {
      if (error instanceof NotApplicableError) return;
      // Error's `cause` option is ES2022 lib; assigned, it compiles under a consumer's ES2020 tsconfig too.
      throw Object.assign(new Error(`policy ${policy.name} failed on ${urn ?? "the stack"}: ${error instanceof Error ? error.message : String(error)}`), { cause: error });
    }
  };

  for (const resource of resources) {
    for (const { policy, level } of active) {
      if (!isResourcePolicy(policy) || !policy.validateResource) continue;
      const validations: ResourceValidation[] = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
      const config = configOf(policy, options);
      for (const validation of validations) {
        // A fresh copy per call, so a policy that mutates its props cannot affect the next one.
        // (The runtime also wraps props in a proxy that throws on preview-time unknowns; a
        // recorded graph holds resolved values only, so there is nothing for it to catch.)
        const props = plainOnly.has(policy.name) ? withoutPaths(resource.inputs, resource.secretPaths) : (plainCopy(resource.inputs) as Record<string, unknown>);
        const args: ResourceValidationArgs = {
          type: resource.type,
          props,
          urn: resource.urn,
          name: resource.name,
          opts: optionsOf(resource),
          stackTags,
          isType: (resourceClass) => isTypeOf(resource.type, resourceClass),
          asType: ((resourceClass: unknown) => (isTypeOf(resource.type, resourceClass) ? props : undefined)) as ResourceValidationArgs["asType"],
          getConfig: <T extends object>() => ({ ...config }) as T,
          notApplicable: throwNotApplicable,
        };
        await runGuarded(policy, resource.urn, () => validation(args, reporter(policy, level, resource.urn)));
      }
    }
  }

  const stackPolicies = active.filter((entry): entry is { policy: StackValidationPolicy; level: Violation["enforcementLevel"] } => !isResourcePolicy(entry.policy));
  if (stackPolicies.length > 0) {
    const policyResources = stackResources(resources);
    for (const { policy, level } of stackPolicies) {
      const config = configOf(policy, options);
      const args: StackValidationArgs = {
        resources: policyResources,
        stackTags,
        getConfig: <T extends object>() => ({ ...config }) as T,
        notApplicable: throwNotApplicable,
      };
      await runGuarded(policy, undefined, () => policy.validateStack(args, reporter(policy, level)));
    }
  }
  return violations;
}

/** The resources as `analyzeStack` sees them: outputs, with parents and dependencies linked. */
function stackResources(resources: readonly RecordedResource[]): PolicyResource[] {
  const linked = new Map<string, PolicyResource>();
  for (const resource of resources) {
    const props = plainCopy(resource.outputs ?? resource.inputs) as Record<string, unknown>;
    linked.set(resource.urn, {
      type: resource.type,
      props,
      urn: resource.urn,
      name: resource.name,
      opts: optionsOf(resource),
      dependencies: [],
      propertyDependencies: {},
      isType: (resourceClass) => isTypeOf(resource.type, resourceClass),
      asType: ((resourceClass: unknown) => (isTypeOf(resource.type, resourceClass) ? props : undefined)) as PolicyResource["asType"],
    });
  }
  const find = (urns: string[] | undefined) => (urns ?? []).map((urn) => linked.get(urn)).filter((r): r is PolicyResource => r !== undefined);
  for (const resource of resources) {
    const target = linked.get(resource.urn)!;
    if (resource.parent && linked.has(resource.parent)) target.parent = linked.get(resource.parent);
    target.dependencies = find(resource.dependencies);
    target.propertyDependencies = Object.fromEntries(Object.entries(resource.propertyDependencies ?? {}).map(([key, urns]) => [key, find(urns)]));
  }
  return [...linked.values()];
}

/** The mandatory violations only: what would stop `pulumi up`. */
export function mandatoryViolations(violations: readonly Violation[]): Violation[] {
  return violations.filter((v) => v.enforcementLevel === "mandatory");
}
