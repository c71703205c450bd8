import { join } from "node:path";
import { GITHUB_DEPLOY_ROLES_TYPE } from "@trafficlab/ci";
import { FLEET_TYPE } from "@trafficlab/fleet";
import { readStackConfigFiles } from "@trafficlab/testing";
import { STACK_SETTINGS, type SettingSpec } from "@trafficlab/stacks/settings";
import { PROJECT_DIR } from "@trafficlab/stacks/under-mocks";
import { loadPrices } from "../prices";
import { recordStack, type RecordedStack } from "../record-stack";
import { buildPlan } from "../report";
import { deriveLifecycle, type Lifecycle, type ProviderConfigChange } from "./model";
import { AWS_PROVIDER_CONFIG_RULES } from "./provider-rules";

/** A change a user makes between two `pulumi up`s: settings, `--replace` targets, `pulumi state unprotect`. */
export interface SettingsChange {
  /** `key=value` as `pulumi config set` takes them; a key without a namespace is the project's. */
  set?: Readonly<Record<string, string>>;
  /** Logical names or URNs for `pulumi up --replace`. */
  replace?: readonly string[];
  /** Logical names or URNs unprotected first with `pulumi state unprotect`. */
  unprotected?: readonly string[];
}

/** A changed setting that nothing in the stack reads in its hosting mode. */
export interface UnusedSetting {
  key: string;
  hosting: "single" | "fleet" | "ci";
}

export interface ChangePlan {
  stack: string;
  change: SettingsChange;
  before: RecordedStack;
  after: RecordedStack;
  lifecycle: Lifecycle;
  /** Default-provider keys that change, and what that does. */
  providerChanges: ProviderConfigChange[];
  /** Changed settings read by no component of the stack as it is after the change. */
  unused: UnusedSetting[];
  /** USD per month, before and after, from the cost model (cost.ts); `complete` false: a lower bound. */
  monthlyCost: { beforeUsd: number; afterUsd: number; beforeComplete: boolean; afterComplete: boolean };
}

/** `timeZone=UTC` -> `trafficlab:timeZone`, `aws:region=...` stays as it is. */
export function qualifiedSettings(project: string, set: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(set).map(([key, value]) => [key.includes(":") ? key : `${project}:${key}`, value]));
}

/** The `aws:` keys whose value differs between the stack's files and the change, with the provider's rule. */
function providerConfigChanges(stack: string, qualified: Readonly<Record<string, string>>): ProviderConfigChange[] {
  const files = readStackConfigFiles(PROJECT_DIR, stack).values;
  return Object.entries(qualified)
    .filter(([key, value]) => key.startsWith("aws:") && files[key] !== value)
    // A key the provider does not read is left to the stack's own check, which refuses it by name
    // (every key it reads has a rule: lifecycle-setting-rules.test.ts).
    .flatMap(([key]) => {
      const rule = AWS_PROVIDER_CONFIG_RULES[key.slice("aws:".length)];
      return rule ? [{ key, rule }] : [];
    });
}

/** Which hosting the recorded program runs: the fleet component, the CI roles, or neither. */
function hostingOf(recorded: RecordedStack): "single" | "fleet" | "ci" {
  if (recorded.graph.resources.some((r) => r.type === GITHUB_DEPLOY_ROLES_TYPE)) return "ci";
  return recorded.graph.resources.some((r) => r.type === FLEET_TYPE) ? "fleet" : "single";
}

/**
 * A setting is unused when every component argument it becomes (settings.ts `becomes`) belongs to
 * a component the program does not create, before or after: hostInstanceType under a fleet.
 */
function unusedSettings(project: string, qualified: Readonly<Record<string, string>>, before: RecordedStack, after: RecordedStack): UnusedSetting[] {
  const present = new Set([...before.graph.resources, ...after.graph.resources].map((r) => r.type));
  return Object.keys(qualified)
    .filter((key) => key.startsWith(`${project}:`))
    .map((key) => key.slice(project.length + 1))
    .filter((key) => {
      const becomes = (STACK_SETTINGS as Record<string, SettingSpec>)[key]?.becomes;
      return becomes !== undefined && becomes.every((target) => !present.has(target.component));
    })
    .map((key) => ({ key, hosting: hostingOf(after) }));
}

function monthlyCostOf(stack: string, recorded: RecordedStack): { usd: number; complete: boolean } {
  const plan = buildPlan({ ...recorded, prices: loadPrices(recorded.region, [join(PROJECT_DIR, `prices.${stack}.json`)]) });
  return { usd: plan.monthlyCostUsd, complete: plan.costComplete };
}

/**
 * What `pulumi up -s <stack>` would do to the stack as its files describe it, after the change:
 * both programs recorded offline under mocks, then compared with Pulumi's rules.
 * `before` may be given to reuse one recording for several changes.
 */
export async function planSettingsChange(stack: string, change: SettingsChange, before?: RecordedStack): Promise<ChangePlan> {
  const base = before ?? (await recordStack(stack));
  const project = base.graph.resources.find((r) => r.type === "pulumi:pulumi:Stack")?.urn.split("::")[1] ?? "trafficlab";
  const qualified = qualifiedSettings(project, change.set ?? {});
  const providerChanges = providerConfigChanges(stack, qualified);
  const after = await recordStack(stack, qualified);
  const lifecycle = deriveLifecycle(base.graph, after.graph, { replace: change.replace, unprotected: change.unprotected, providerChanges });
  const [costBefore, costAfter] = [monthlyCostOf(stack, base), monthlyCostOf(stack, after)];
  return {
    stack,
    change,
    before: base,
    after,
    lifecycle,
    providerChanges,
    unused: unusedSettings(project, qualified, base, after),
    monthlyCost: { beforeUsd: costBefore.usd, afterUsd: costAfter.usd, beforeComplete: costBefore.complete, afterComplete: costAfter.complete },
  };
}
