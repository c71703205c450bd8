import { recordStack, type RecordedStack } from "../record-stack";
import { deriveLifecycle, type Lifecycle } from "./model";

/** A change a user makes between two `pulumi up`s: settings, `--replace` targets, `pulumi state unprotect`. */
export interface SettingsChange {
  /** `key=value` as `pulumi config set` takes them; a key without a namespace is the project's. */
  set?: Readonly<Record<string, string>>;
  /** Logical names or URNs for `pulumi up --replace`. */
  replace?: readonly string[];
  /** Logical names or URNs unprotected first with `pulumi state unprotect`. */
  unprotected?: readonly string[];
}

export interface ChangePlan {
  stack: string;
  change: SettingsChange;
  before: RecordedStack;
  after: RecordedStack;
  lifecycle: Lifecycle;
}

/** `timeZone=UTC` -> `trafficlab:timeZone`, `aws:region=...` stays as it is. */
export function qualifiedSettings(project: string, set: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(set).map(([key, value]) => [key.includes(":") ? key : `${project}:${key}`, value]));
}

/**
 * What `pulumi up -s <stack>` would do to the stack as its files describe it, after the change:
 * both programs recorded offline under mocks, then compared with Pulumi's rules.
 * `before` may be given to reuse one recording for several changes.
 */
export async function planSettingsChange(stack: string, change: SettingsChange, before?: RecordedStack): Promise<ChangePlan> {
  const base = before ?? (await recordStack(stack));
  const project = base.graph.resources.find((r) => r.type === "pulumi:pulumi:Stack")?.urn.split("::")[1] ?? "trafficlab";
  const after = await recordStack(stack, qualifiedSettings(project, change.set ?? {}));
  const lifecycle = deriveLifecycle(base.graph, after.graph, { replace: change.replace, unprotected: change.unprotected });
  return { stack, change, before: base, after, lifecycle };
}
