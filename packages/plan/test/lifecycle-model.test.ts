import { expect } from "chai";
import { ResourceGraph, type RegisteredResource } from "@trafficlab/testing";
import { deriveLifecycle, differingPaths } from "../src/lifecycle/model";
import { REPLACE_RULES } from "../src/lifecycle/provider-rules";

/**
 * The lifecycle model on small hand-made graphs: Pulumi's rules one at a time, and the three
 * findings of issue 8 in the shapes the program had before they were fixed.
 */

const STACK = "urn:pulumi:dev::trafficlab::pulumi:pulumi:Stack::trafficlab-dev";
const urnOf = (type: string, name: string) => `urn:pulumi:dev::trafficlab::${type}::${name}`;

function resource(type: string, name: string, inputs: Record<string, unknown>, extra: Partial<RegisteredResource> = {}): RegisteredResource {
  return {
    urn: urnOf(type, name),
    type,
    name,
    custom: true,
    parent: STACK,
    inputs,
    secretPaths: [],
    dependencies: [],
    propertyDependencies: {},
    protect: false,
    ignoreChanges: [],
    replaceOnChanges: [],
    additionalSecretOutputs: [],
    deleteBeforeReplace: false,
    retainOnDelete: undefined,
    outputs: {},
    id: `${name}-id`,
    ...extra,
  };
}

function graphOf(...resources: RegisteredResource[]): ResourceGraph {
  const graph = new ResourceGraph();
  graph.resources.push(resource("pulumi:pulumi:Stack", "trafficlab-dev", {}, { urn: STACK, custom: false, parent: undefined }), ...resources);
  return graph;
}

const COMMAND = "command:remote:Command";
const connection = { host: "203.0.113.7", user: "ec2-user" };
/** A deploy command as the program registered it before the fix: a hash in `triggers`, a teardown on delete. */
const deployWithTrigger = (hash: string) =>
  resource(COMMAND, "dev-app-api-deploy", { connection, create: "deploy", update: "deploy", delete: "teardown", triggers: [hash] }, { replaceOnChanges: ["triggers[*]"] });

describe("the lifecycle model: Pulumi's rules", () => {
  it("diffs inputs leaf by leaf", () => {
    expect(differingPaths({ a: 1, b: { c: [1, 2] } }, { a: 1, b: { c: [1, 3] }, d: "x" })).to.deep.equal(["b.c.1", "d"]);
  });

  it("updates in place when no changed input forces a new resource", () => {
    const before = graphOf(resource("aws:rds/instance:Instance", "db", { instanceClass: "db.t3.micro", engine: "mysql" }));
    const after = graphOf(resource("aws:rds/instance:Instance", "db", { instanceClass: "db.t3.small", engine: "mysql" }));
    const [change] = deriveLifecycle(before, after).changes;
    expect(change).to.include({ action: "update", dataLoss: false });
    expect(change!.changed).to.deep.equal(["instanceClass"]);
  });

  it("replaces, create-before-delete, when the provider forces a new resource, and reads the rule's source", () => {
    const before = graphOf(resource("aws:rds/instance:Instance", "db", { engine: "mysql", username: "admin" }));
    const after = graphOf(resource("aws:rds/instance:Instance", "db", { engine: "mysql", username: "root" }));
    const { changes, operations } = deriveLifecycle(before, after);
    expect(changes[0]).to.include({ action: "replace", replaceMode: "create-before-delete", stateful: true, dataLoss: true });
    expect(changes[0]!.because[0]).to.match(/^username: forces a new resource \(tf-aws v6\.58\.0 rds\/func\.resourceInstance#L\d+\)$/);
    expect(operations.map((o) => o.step)).to.deep.equal(["create-replacement", "delete-replaced"]);
  });

  it("applies a conditional rule only when it holds: an instance type of the same CPU architecture is an update", () => {
    const of = (type: string) => graphOf(resource("aws:ec2/instance:Instance", "host", { instanceType: type }));
    expect(deriveLifecycle(of("t3.micro"), of("t3.small")).changes[0]!.action).to.equal("update");
    expect(deriveLifecycle(of("t3.micro"), of("t4g.small")).changes[0]!.action).to.equal("replace");
  });

  it("leaves out ignoreChanges, and honours replaceOnChanges and deleteBeforeReplace", () => {
    const ignoring = (ami: string) => graphOf(resource("aws:ec2/instance:Instance", "host", { ami }, { ignoreChanges: ["ami"] }));
    expect(deriveLifecycle(ignoring("ami-1"), ignoring("ami-2")).changes[0]!.action).to.equal("same");
    const replacing = (size: number, deleteBeforeReplace: boolean) =>
      graphOf(resource("aws:ec2/instance:Instance", "host", { rootBlockDevice: { volumeSize: size } }, { replaceOnChanges: ["rootBlockDevice.volumeSize"], deleteBeforeReplace }));
    const life = deriveLifecycle(replacing(10, true), replacing(20, true));
    expect(life.changes[0]).to.include({ action: "replace", replaceMode: "delete-before-replace" });
    expect(life.operations.map((o) => o.step)).to.deep.equal(["delete-replaced", "create-replacement"]);
  });

  it("takes an input read from a replaced resource as unknown, which can force the reader's replacement too", () => {
    const vpc = (cidr: string) => resource("aws:ec2/vpc:Vpc", "vpc", { cidrBlock: cidr });
    const subnet = resource("aws:ec2/subnet:Subnet", "subnet", { vpcId: "vpc-id", cidrBlock: "10.0.0.0/24" }, { dependencies: [urnOf("aws:ec2/vpc:Vpc", "vpc")], propertyDependencies: { vpcId: [urnOf("aws:ec2/vpc:Vpc", "vpc")] } });
    const { changes } = deriveLifecycle(graphOf(vpc("10.0.0.0/16"), subnet), graphOf(vpc("10.1.0.0/16"), subnet));
    const ofSubnet = changes.find((c) => c.name === "subnet")!;
    expect(ofSubnet).to.include({ action: "replace" });
    expect(ofSubnet.unknown).to.deep.equal(["vpcId"]);
  });

  it("fails a replacement or delete of what the old state protects, unless unprotected first", () => {
    const db = (engine: string, protect: boolean) => graphOf(resource("aws:rds/instance:Instance", "db", { engine, skipFinalSnapshot: true }, { protect }));
    expect(deriveLifecycle(db("mysql", true), db("postgres", true)).failures[0]).to.include("db is protected");
    expect(deriveLifecycle(db("mysql", true), db("postgres", true), { unprotected: ["db"] }).failures).to.deep.equal([]);
    // Dropping protect in the same update is enough for the engine (both old and new must protect).
    expect(deriveLifecycle(db("mysql", true), db("postgres", false)).failures).to.deep.equal([]);
    expect(deriveLifecycle(db("mysql", true), graphOf()).failures[0]).to.include("refuses to delete it");
  });

  it("leaves a retained resource in the cloud: no provider delete, no data loss, a command's delete never runs", () => {
    const db = resource("aws:rds/instance:Instance", "db", { engine: "mysql", deletionProtection: true }, { retainOnDelete: true });
    const step = resource(COMMAND, "step", { connection, create: "x", delete: "teardown" }, { retainOnDelete: true });
    const life = deriveLifecycle(graphOf(db, step), graphOf());
    expect(life.failures).to.deep.equal([]);
    expect(life.changes.every((c) => c.retained && !c.dataLoss)).to.equal(true);
    expect(life.operations.filter((o) => o.runs === "delete")).to.deep.equal([]);
  });

  it("knows what AWS refuses to delete: an RDS instance with deletion protection on", () => {
    const before = graphOf(resource("aws:rds/instance:Instance", "db", { engine: "mysql", snapshotIdentifier: undefined, deletionProtection: true, finalSnapshotIdentifier: "db-final-1" }));
    const after = graphOf(resource("aws:rds/instance:Instance", "db", { engine: "mysql", snapshotIdentifier: "snap-1", deletionProtection: true, finalSnapshotIdentifier: "db-final-1" }));
    expect(deriveLifecycle(before, after).failures[0]).to.include("deletionProtection is on");
  });

  it("reports a changed resource of a type it has no rules for, rather than guessing", () => {
    const thing = (size: number) => graphOf(resource("aws:example/unknown:Thing", "thing", { size }));
    expect(deriveLifecycle(thing(1), thing(2)).unknownTypes).to.deep.equal(["aws:example/unknown:Thing"]);
  });

  it("has a source for every rule it holds", () => {
    for (const [type, rules] of Object.entries(REPLACE_RULES)) for (const rule of rules) expect(rule.source, `${type} ${rule.property}`).to.match(/\S+ \S+/);
  });
});

describe("the lifecycle model reproduces issue 8's findings on the program's old shapes", () => {
  it("finding 2: a changed trigger replaces the deploy, so the OLD teardown runs after the new deploy", () => {
    const life = deriveLifecycle(graphOf(deployWithTrigger("hash-1")), graphOf(deployWithTrigger("hash-2")));
    expect(life.changes[0]).to.include({ action: "replace", replaceMode: "create-before-delete" });
    expect(life.operations.map((o) => `${o.step} ${o.runs}`)).to.deep.equal(["create-replacement create", "delete-replaced delete"]);
    expect(life.teardownsAfterDeploy.map((t) => t.teardown.name)).to.deep.equal(["dev-app-api-deploy"]);
  });

  it("finding 2, fixed: the hash in the script instead is an update that runs `update`, and nothing is torn down", () => {
    const deploy = (hash: string) => resource(COMMAND, "dev-app-api-deploy", { connection, create: `# env ${hash}\ndeploy`, update: `# env ${hash}\ndeploy`, delete: "teardown" });
    const life = deriveLifecycle(graphOf(deploy("hash-1")), graphOf(deploy("hash-2")));
    expect(life.changes[0]!.runs).to.deep.equal(["update"]);
    expect(life.teardownsAfterDeploy).to.deep.equal([]);
  });

  it("finding 3: a setting in a parameter group's description replaces the group", () => {
    const params = (timeZone: string) => graphOf(resource("aws:rds/parameterGroup:ParameterGroup", "dev-db-params", { family: "mysql8.4", description: `utf8mb4, time zone ${timeZone}` }));
    const [change] = deriveLifecycle(params("Asia/Seoul"), params("UTC")).changes;
    expect(change!.action).to.equal("replace");
    expect(change!.because[0]).to.match(/^description: forces a new resource/);
  });

  it("finding 6: a restore of a deletion-protected, protected database cannot finish", () => {
    const db = (snapshot: string | undefined) =>
      graphOf(resource("aws:rds/instance:Instance", "prod-db-mysql", { engine: "mysql", snapshotIdentifier: snapshot, deletionProtection: true, finalSnapshotIdentifier: "prod-db-final-snapshot" }, { protect: true }));
    const blocked = deriveLifecycle(db(undefined), db("snap-1"));
    expect(blocked.failures.join()).to.include("is protected");
    // Even unprotected in Pulumi, AWS refuses the delete while deletion protection is on.
    expect(deriveLifecycle(db(undefined), db("snap-1"), { unprotected: ["prod-db-mysql"] }).failures.join()).to.include("deletionProtection is on");
  });
});
