import * as pulumi from "@pulumi/pulumi";
import { deserializeProperties } from "@pulumi/pulumi/runtime/rpc";
import { awsLikeMocks } from "./aws-mocks";
import { ResourceGraph, unwrapSecrets, type RegisteredResource } from "./resource-graph";

export interface MockOptions {
  project?: string;
  stack?: string;
  /** the region the AWS-like outputs use; default ap-northeast-2 (Seoul) */
  region?: string;
  preview?: boolean;
  /** override or extend the AWS-like mocks (e.g. to make a call fail) */
  mocks?: Partial<pulumi.runtime.Mocks>;
}

/** What the wrapped MockMonitor exposes of the protobuf RegisterResourceRequest. */
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getObject(): unknown;
  getProtect(): boolean | undefined;
  getDependenciesList(): string[];
  getPropertydependenciesMap(): { forEach(fn: (deps: { getUrnsList(): string[] }, key: string) => void): void };
  getIgnorechangesList(): string[];
  getReplaceonchangesList(): string[];
  getAdditionalsecretoutputsList(): string[];
  getDeletebeforereplace(): boolean;
  getRetainondelete(): boolean | undefined;
  hasRetainondelete(): boolean;
}

interface RegisterResponse {
  getUrn(): string;
  getId(): string;
  getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
}

type Callback<T> = (err: unknown, response?: T) => void;

interface MonitorLike {
  registerResource(req: RegisterRequest, callback: Callback<RegisterResponse>): Promise<void>;
}

// Marked @internal in the SDK's typings, but it is what `pulumi up` itself awaits before exit.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { waitForRPCs } = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs: () => Promise<void> };

// The runtime tags every promise it makes with a stack trace, for the leak report `pulumi up`
// prints at exit; with source maps on (tsx) that is most of a mocked run's time. The mocks
// have no engine to leak into, so the promise is left as it is. Compiled code calls it
// through the module's exports, so replacing the export is enough.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const debuggable = require("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise: <T>(p: Promise<T>, ctx: unknown) => Promise<T> };
debuggable.debuggablePromise = (promise) => promise;

let activeGraph: ResourceGraph | undefined;

/**
 * Installs AWS-like Pulumi mocks and returns a fresh record of every resource registered from
 * now on. The one place in the repo that sets mocks.
 */
export function installMocks(options: MockOptions = {}): MockedProgram {
  const region = options.region ?? "ap-northeast-2";
  const graph = new ResourceGraph();
  const base = awsLikeMocks(region);
  const mocks: pulumi.runtime.Mocks = {
    newResource: options.mocks?.newResource ?? base.newResource,
    call: (args) => {
      graph.calls.push({ token: args.token, inputs: args.inputs as Record<string, unknown> });
      return (options.mocks?.call ?? base.call)(args);
    },
  };
  // setMocks also switches on the features (secrets, resource references) mocks support.
  void pulumi.runtime.setMocks(mocks, options.project ?? "trafficlab", options.stack ?? "test", options.preview ?? false);
  const monitor = pulumi.runtime.getMonitor() as unknown as MonitorLike;
  const registerResource = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) =>
    registerResource(req, (err, response) => {
      if (!err && response) graph.resources.push(recordOf(req, response));
      callback(err, response);
    });
  activeGraph = graph;
  return new MockedProgram(graph);
}

function recordOf(req: RegisterRequest, response: RegisterResponse): RegisteredResource {
  const secretPaths: string[] = [];
  const inputs = unwrapSecrets(deserializeProperties(req.getObject() as never), "", secretPaths) as Record<string, unknown>;
  const propertyDependencies: Record<string, string[]> = {};
  req.getPropertydependenciesMap().forEach((deps, key) => (propertyDependencies[key] = deps.getUrnsList()));
  return {
    urn: response.getUrn(),
    id: response.getId(),
    type: req.getType(),
    name: req.getName(),
    custom: req.getCustom(),
    parent: req.getParent() || undefined,
    inputs,
    secretPaths,
    dependencies: req.getDependenciesList(),
    propertyDependencies,
    protect: req.getProtect() ?? false,
    ignoreChanges: req.getIgnorechangesList(),
    replaceOnChanges: req.getReplaceonchangesList(),
    additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
    deleteBeforeReplace: req.getDeletebeforereplace(),
    retainOnDelete: req.hasRetainondelete() ? req.getRetainondelete() : undefined,
    outputs: response.getObject()?.toJavaScript() ?? {},
  };
}

/** A program running under the mocks: its record of resources, and a way to wait for it. */
export class MockedProgram {
  constructor(readonly graph: ResourceGraph) {}

  /** Waits until every pending registration (including ones made inside apply) has reached the mocks. */
  async settled(): Promise<ResourceGraph> {
    let count = -1;
    while (count !== this.graph.resources.length) {
      count = this.graph.resources.length;
      await waitForRPCs();
      await new Promise((resolve) => setImmediate(resolve));
    }
    return this.graph;
  }

  /** Runs `program` as a Pulumi stack (as `pulumi up` would) and returns its resolved outputs. */
  async runStack(program: () => Promise<Record<string, unknown>> | Record<string, unknown>): Promise<Record<string, unknown>> {
    const outputs = await pulumi.runtime.runInPulumiStack(async () => program());
    await this.settled();
    return outputs ?? {};
  }
}

/** The graph of the most recent `installMocks`, for code that runs a program it did not set up. */
export function currentGraph(): ResourceGraph {
  if (!activeGraph) throw new Error("installMocks() has not been called");
  return activeGraph;
}
