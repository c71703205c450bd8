import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { deriveLifecycle } from "@trafficlab/plan/src/lifecycle/model";
import { ResourceGraph, type RegisteredResource } from "@trafficlab/testing";
import { CloudStandIns } from "./cloud";
import { Executor, type ComposePin, type ExecuteHooks, type Execution } from "./executor";
import { applyToState, planUp, StackState, type Settings, type UpPlan } from "./recording";
import type { E2eRun } from "./world";

/** What one `up` (or `destroy`) did. */
export interface UpReport {
  label: string;
  plan: UpPlan;
  execution: Execution;
  seconds: number;
}

/** `pulumi up` failed: the report says how far it got. */
export class UpFailed extends Error {
  constructor(readonly report: UpReport) {
    super(`pulumi up (${report.label}) failed:\n${report.execution.failure}`);
    this.name = "UpFailed";
  }
}

/**
 * The dev stack in the e2e world: its settings (`pulumi config set`), its state, and `up` /
 * `destroy`, each recorded, planned by the lifecycle model and carried out by the executor.
 */
export class E2eStack {
  readonly state = new StackState();
  /** `pulumi stack output`: the outputs of the last `up` that succeeded. */
  outputs: Record<string, unknown> = {};
  readonly cloud: CloudStandIns;
  readonly executor: Executor;

  constructor(
    readonly world: E2eRun,
    public settings: Settings,
    composePin: ComposePin,
    private readonly say: (line: string) => void,
  ) {
    const cloudLog = join(world.dir, "cloud.log");
    this.cloud = new CloudStandIns(
      world,
      (line) => {
        say(`  ${line}`);
        appendFileSync(cloudLog, `${line}\n`);
      },
      (line) => appendFileSync(cloudLog, `${line}\n`),
    );
    this.executor = new Executor(world, this.cloud, composePin, say);
  }

  /** What `pulumi up` would do now with these changes, without doing it. */
  preview(set: Settings = {}, replace: readonly string[] = []): Promise<UpPlan> {
    return planUp(this.world, this.state, { ...this.settings, ...set }, { replace });
  }

  /**
   * `pulumi config set` for each of `set`, then `pulumi up [--replace ...]`. A failed `up` throws
   * UpFailed after the state took what was done, as Pulumi's does; the settings stay set.
   */
  async up(label: string, change: { set?: Settings; replace?: readonly string[] } = {}, hooks?: ExecuteHooks): Promise<UpReport> {
    this.settings = { ...this.settings, ...change.set };
    const plan = await planUp(this.world, this.state, this.settings, { replace: change.replace });
    return this.carryOut(label, plan, hooks);
  }

  /** `pulumi destroy`: every resource deleted, in reverse dependency order. */
  async destroy(hooks?: ExecuteHooks): Promise<UpReport> {
    const before = this.state.graph();
    const after = new ResourceGraph();
    return this.carryOut("destroy", { before, after, lifecycle: deriveLifecycle(before, after), rounds: 0, outputs: {} }, hooks);
  }

  private async carryOut(label: string, plan: UpPlan, hooks?: ExecuteHooks): Promise<UpReport> {
    if (plan.lifecycle.failures.length > 0) throw new Error(`pulumi up (${label}) would fail before any step:\n${plan.lifecycle.failures.join("\n")}`);
    const started = Date.now();
    this.say(`${label}: ${plan.lifecycle.operations.length} step(s)`);
    const execution = await this.executor.execute(plan, label, hooks);
    applyToState(this.state, plan, execution);
    const report = { label, plan, execution, seconds: (Date.now() - started) / 1000 };
    if (execution.failure) throw new UpFailed(report);
    this.outputs = plan.outputs;
    this.say(`${label}: done in ${report.seconds.toFixed(1)} s`);
    return report;
  }

  /** The state's record of a resource, by logical name. */
  resource(name: string): RegisteredResource {
    const found = [...this.state.records.values()].filter((r) => r.name === name);
    if (found.length !== 1) throw new Error(`the state has ${found.length} resources named ${name}`);
    return found[0]!;
  }

  /** The secrets the deploy carries, as the state holds them now. */
  secrets(): { databasePassword: string; cacheUser: string; cachePassword: string } {
    return {
      databasePassword: String(this.resource("dev-db-password").outputs.result),
      cacheUser: String(this.resource("dev-tokens-app-user").inputs.userName),
      cachePassword: String(this.resource("dev-tokens-password").outputs.result),
    };
  }

  /** The EC2 instance's address now. */
  hostIp(): string {
    return String(this.resource("dev-api-instance").outputs.publicIp);
  }
}
