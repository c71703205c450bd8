import { STACK_SETTINGS, type SettingSpec } from "@trafficlab/stacks/settings";

export interface UnusedSetting {
  /** the key as the stack file has it, e.g. trafficlab:hostInstanceType */
  key: string;
  /** the component types its `becomes` declares, none of which the stack creates */
  configures: string[];
}

/**
 * The settings a stack file sets that the program, as recorded, never hands to a component: each
 * setting's `becomes` (stacks/settings.ts) names the components it configures, and a stack that
 * creates none of them (a fleet has no ApiHost, a single host no ApiFleet) ignores it. A setting
 * with no `becomes`, or one that `becomes` a check of the stack's own (a label starting with @, not a Pulumi type
 * token: the single host's alarm routing), is read by the stack itself and is never reported.
 */
export function unusedSettings(project: string, stackFileKeys: readonly string[], componentTypes: ReadonlySet<string>): UnusedSetting[] {
  const unused: UnusedSetting[] = [];
  for (const key of stackFileKeys) {
    if (!key.startsWith(`${project}:`)) continue;
    const spec = (STACK_SETTINGS as Record<string, SettingSpec>)[key.slice(project.length + 1)];
    const configures = [...new Set((spec?.becomes ?? []).map((target) => target.component))];
    if (configures.some((type) => type.startsWith("@"))) continue;
    if (configures.length > 0 && !configures.some((type) => componentTypes.has(type))) unused.push({ key, configures });
  }
  return unused;
}
