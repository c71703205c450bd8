import { randomBytes } from "node:crypto";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { deriveLifecycle, type Lifecycle } from "@trafficlab/plan/src/lifecycle/model";
import { qualifiedSettings } from "@trafficlab/plan/src/lifecycle/settings-change";
import { loadStackConfig } from "@trafficlab/stacks/config";
import { trafficlab } from "@trafficlab/stacks/program";
import { PROJECT_DIR } from "@trafficlab/stacks/under-mocks";
import { applyStackConfig, awsLikeState, installMocks, readStackConfigFiles, ResourceGraph, withCapturedConsole, type RegisteredResource } from "@trafficlab/testing";

/**
 * Recording the stack program under mocks whose answers point at the e2e world, and the state a
 * real `pulumi up` keeps between runs.
 *
 * Pulumi keeps the outputs of every resource it does not replace; only a new or replaced
 * resource gets new ones (a new password, a new instance with a new address). So the mocks
 * answer a resource that the state holds with its recorded outputs, and any other with fresh
 * ones. Which resources are replaced is the lifecycle model's answer, which itself depends on
 * the recording, so planUp iterates until the set of replaced resources stops growing.
 */

/** What the mocks need to know of the e2e world: where the data tier and the hosts live. */
export interface WorldAddresses {
  region: string;
  /** MariaDB, standing in for the RDS instance's `address`. */
  mysqlIp: string;
  /** Valkey, standing in for the replication group's `primaryEndpointAddress`. */
  valkeyIp: string;
  /** A new address on the run network for a new EC2 instance (its `publicIp`). */
  allocateHostIp(): string;
}

/** The stack's state: the record of each resource as last applied, by `type::name`. */
export class StackState {
  readonly records = new Map<string, RegisteredResource>();

  /** The state as the lifecycle model's "before" graph, in the order the resources were registered. */
  graph(): ResourceGraph {
    const graph = new ResourceGraph();
    graph.resources.push(...this.records.values());
    return graph;
  }

  get empty(): boolean {
    return this.records.size === 0;
  }
}

export function keyOf(resource: { type: string; name: string }): string {
  return `${resource.type}::${resource.name}`;
}

const STACK = "dev";

/** Stack settings as `pulumi config set` takes them (`apiImage`, `timeZone`, `aws:region`). */
export type Settings = Record<string, string>;

type NewResource = (args: pulumi.runtime.MockResourceArgs) => pulumi.runtime.MockResourceResult;

/**
 * Runs the dev stack's program under mocks (the way stacks/under-mocks.ts does, with our own
 * newResource) with Pulumi.yaml, Pulumi.dev.yaml and `settings`, and returns its record.
 */
export async function recordProgram(settings: Settings, newResource: NewResource): Promise<{ graph: ResourceGraph; outputs: Record<string, unknown> }> {
  const files = readStackConfigFiles(PROJECT_DIR, STACK);
  const values = { ...files.values, ...qualifiedSettings(files.project, settings) };
  const program = installMocks({ project: files.project, stack: STACK, region: values["aws:region"], mocks: { newResource } });
  try {
    const { result } = await withCapturedConsole(async () => {
      applyStackConfig({ ...files, values });
      const outputs = await program.runStack(() => trafficlab(loadStackConfig()));
      return { graph: await program.settled(), outputs };
    });
    return result;
  } finally {
    // Also after a failure, every registration the program started has reached the mocks.
    await program.settled();
  }
}

/** A real ed25519 key pair in OpenSSH format, as tls.PrivateKey returns it, so SSH works with the key the graph carries. */
function ed25519KeyPair(): { privateKeyOpenssh: string; publicKeyOpenssh: string } {
  const dir = mkdtempSync(join(tmpdir(), "tle2e-key-"));
  try {
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "", "-f", join(dir, "key")]);
    return { privateKeyOpenssh: readFileSync(join(dir, "key"), "utf8"), publicKeyOpenssh: readFileSync(join(dir, "key.pub"), "utf8").trim() + "\n" };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
function randomAlphanumeric(length: number): string {
  const bytes = randomBytes(length * 2);
  let out = "";
  for (let i = 0; out.length < length; i++) {
    const byte = bytes[i % bytes.length]!;
    if (byte < 248) out += ALPHANUMERIC[byte % 62];
  }
  return out;
}

/**
 * The outputs a provider would generate for a new resource (everything but the echoed inputs),
 * pointed at the e2e world: random values really random, addresses the run's.
 */
function freshOutputs(world: WorldAddresses, type: string, name: string, inputs: Record<string, unknown>): { id: string; state: Record<string, unknown> } {
  const base = awsLikeState(type, name, inputs, world.region);
  // The stable mock id, made unique: a replacement is a new physical resource.
  const id = `${base.id.replace(/[0-9a-f]{17}$/, "")}${randomBytes(9).toString("hex").slice(0, 17)}`;
  const state = base.state;
  switch (type) {
    case "tls:index/privateKey:PrivateKey": {
      const pair = ed25519KeyPair();
      Object.assign(state, pair, { privateKeyPem: pair.privateKeyOpenssh });
      break;
    }
    case "aws:ec2/keyPair:KeyPair":
      state.keyName = inputs.keyName ?? `${name}-${randomBytes(4).toString("hex")}`;
      break;
    case "aws:ec2/instance:Instance": {
      const ip = world.allocateHostIp();
      // The URL the stack outputs is http://<publicDns>/; the address itself stands in for the name.
      Object.assign(state, { publicIp: ip, privateIp: ip, publicDns: ip, privateDns: ip });
      break;
    }
    case "aws:rds/instance:Instance": {
      const port = Number(inputs.port ?? 3306);
      Object.assign(state, { address: world.mysqlIp, port, endpoint: `${world.mysqlIp}:${port}` });
      break;
    }
    case "aws:elasticache/replicationGroup:ReplicationGroup":
      Object.assign(state, { primaryEndpointAddress: world.valkeyIp, readerEndpointAddress: world.valkeyIp, port: Number(inputs.port ?? 6379) });
      break;
    case "random:index/randomPassword:RandomPassword":
      state.result = randomAlphanumeric(Number(inputs.length ?? 32));
      break;
    case "random:index/randomId:RandomId": {
      const bytes = randomBytes(Number(inputs.byteLength ?? 8));
      const hex = bytes.toString("hex");
      Object.assign(state, { hex, dec: BigInt(`0x${hex}`).toString(), b64Std: bytes.toString("base64"), b64Url: bytes.toString("base64url") });
      break;
    }
  }
  return { id, state };
}

/** The outputs a provider generated (not echoed inputs) of a recorded resource. */
function generatedOutputs(record: RegisteredResource): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record.outputs).filter(([key]) => !(key in record.inputs)));
}

export interface UpPlan {
  /** The state before this `up`, as a graph. */
  before: ResourceGraph;
  /** The program's record with the outputs this `up` gives each resource. */
  after: ResourceGraph;
  lifecycle: Lifecycle;
  /** Recordings it took until the replaced set settled. */
  rounds: number;
  /** The stack's outputs as this `up` would leave them (`pulumi stack output`). */
  outputs: Record<string, unknown>;
}

export interface UpOptions {
  /** `pulumi up --replace`: logical names or URNs. */
  replace?: readonly string[];
}

/**
 * What `pulumi up` with `settings` does to `state`: the program recorded with the state's outputs
 * for what it keeps and fresh ones for what is new or replaced, and the lifecycle model's steps.
 */
export async function planUp(world: WorldAddresses, state: StackState, settings: Settings, options: UpOptions = {}): Promise<UpPlan> {
  const before = state.graph();
  const fresh = new Map<string, { id: string; state: Record<string, unknown> }>();
  let replaced = new Set<string>();
  for (let round = 1; round <= 6; round++) {
    const newResource: NewResource = (args) => {
      const key = keyOf(args);
      const inputs = (args.inputs ?? {}) as Record<string, unknown>;
      const prior = state.records.get(key);
      if (prior && !replaced.has(key)) {
        // Kept: the inputs as given now, the generated outputs as the state has them.
        return { id: prior.id, state: { ...awsLikeState(args.type, args.name, inputs, world.region).state, ...generatedOutputs(prior) } };
      }
      // One fresh identity per resource and `up`, whichever round asks for it.
      if (!fresh.has(key)) fresh.set(key, freshOutputs(world, args.type, args.name, inputs));
      const generated = fresh.get(key)!;
      return { id: generated.id, state: { ...generated.state, ...inputs } };
    };
    const { graph: after, outputs } = await recordProgram(settings, newResource);
    const lifecycle = deriveLifecycle(before, after, { replace: options.replace });
    const now = new Set(lifecycle.changes.filter((c) => c.action === "replace").map((c) => keyOf(c)));
    const grown = [...now].filter((key) => !replaced.has(key));
    if (grown.length === 0) return { before, after, lifecycle, rounds: round, outputs };
    replaced = new Set([...replaced, ...now]);
  }
  throw new Error("the replaced resources did not settle in 6 recordings");
}

/** What an `up` got through: the operations (indices into lifecycle.operations) that completed. */
export interface UpProgress {
  completed: ReadonlySet<number>;
  /** stdout and stderr of each command that ran, by URN (its outputs in the state). */
  commandOutputs: ReadonlyMap<string, { stdout: string; stderr: string }>;
}

/**
 * The state after an `up`: a resource whose step completed takes its new record; a failed or
 * unreached step leaves it as it was (an unreached create leaves nothing, an unreached delete
 * leaves the old one), as Pulumi's state does.
 */
export function applyToState(state: StackState, plan: UpPlan, progress: UpProgress): void {
  const operations = plan.lifecycle.operations;
  const done = (urn: string, steps: string[]) => operations.some((op, i) => op.urn === urn && steps.includes(op.step) && progress.completed.has(i));
  const changeByUrn = new Map(plan.lifecycle.changes.map((c) => [c.urn, c]));
  const inProgram = new Set(plan.after.resources.map((r) => r.urn));
  const next = new Map<string, RegisteredResource>();
  for (const record of plan.after.resources) {
    const key = keyOf(record);
    const change = changeByUrn.get(record.urn);
    if (!change || change.action === "same" || done(record.urn, ["create", "update", "create-replacement"])) {
      const output = progress.commandOutputs.get(record.urn);
      next.set(key, output ? { ...record, outputs: { ...record.outputs, ...output } } : record);
    } else if (state.records.has(key)) {
      next.set(key, state.records.get(key)!);
    }
  }
  for (const [key, record] of state.records) {
    if (inProgram.has(record.urn)) continue;
    // Components and the stack have nothing physical to delete: they go when the program drops them.
    if (record.custom && !done(record.urn, ["delete"])) next.set(key, record);
  }
  state.records.clear();
  for (const [key, record] of next) state.records.set(key, record);
}
