// The plan as a library: the lifecycle model and the recording it runs on (the e2e tier's
// executor carries out what they derive).
export { deriveLifecycle, differingPaths, type Action, type CommandScript, type Lifecycle, type LifecycleOptions, type Operation, type ReplaceMode, type ResourceChange } from "./lifecycle/model";
export { planSettingsChange, qualifiedSettings, type ChangePlan, type SettingsChange } from "./lifecycle/settings-change";
export { REPLACE_RULES, RECOMPUTED_ON_UPDATE, DISRUPTIVE_UPDATES, DELETE_REFUSALS, STATEFUL_TYPES, type ReplaceRule, type DisruptiveUpdate, type RecomputedOnUpdate } from "./lifecycle/provider-rules";
export { recordStack, PLAN_STAND_INS, type RecordedStack } from "./record-stack";
export { runPlanCommand } from "./cli";
export type { Plan } from "./report";
