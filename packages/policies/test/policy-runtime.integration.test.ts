/* eslint-disable @typescript-eslint/no-require-imports -- the engine side of the analyzer protocol is untyped generated code */
import { expect } from "chai";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";

const packDir = join(__dirname, "..");
// gRPC and protobuf as the SDK's generated analyzer client uses them (its own dependencies).
const fromPulumi = (id: string) => require.resolve(id, { paths: [dirname(require.resolve("@pulumi/pulumi/package.json"))] });

interface Message {
  [method: string]: (...args: unknown[]) => unknown;
}
type Constructor = new () => Message;
const grpc = require(fromPulumi("@grpc/grpc-js")) as { credentials: { createInsecure(): unknown } };
const analyzerRpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb") as { AnalyzerClient: new (address: string, credentials: unknown) => Record<string, (request: unknown, callback: (err: Error | null, response: Message) => void) => void> & { close(): void } };
const analyzer = require("@pulumi/pulumi/proto/analyzer_pb") as Record<string, Constructor> & { EnforcementLevel: Record<string, number> };
const { Struct } = require(fromPulumi("google-protobuf/google/protobuf/struct_pb")) as { Struct: { fromJavaScript(value: unknown): unknown } };
const { Empty } = require(fromPulumi("google-protobuf/google/protobuf/empty_pb")) as { Empty: Constructor };

const LEVELS = Object.fromEntries(Object.entries(analyzer.EnforcementLevel).map(([name, value]) => [value, name.toLowerCase()]));

/**
 * `pulumi preview --policy-pack packages/policies` starts the pack as
 * `node @pulumi/pulumi/cmd/run-policy-pack <engine> <pack dir>` in the pack directory: ts-node 7,
 * type-checked, compiles src/index.ts, which must construct the PolicyPack, whose gRPC server
 * prints its port. This starts that exact process and talks to it as the engine would.
 */
describe("the pack under Pulumi's policy runtime (cmd/run-policy-pack + ts-node 7)", function () {
  this.timeout(120_000);
  let pack: ChildProcessWithoutNullStreams | undefined;
  let client: ReturnType<typeof connect>;
  let stderr = "";

  function connect(port: string) {
    const raw = new analyzerRpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const call = (method: string, request: unknown) =>
      new Promise<Message>((resolve, reject) => raw[method]!(request, (err, response) => (err ? reject(err) : resolve(response))));
    return { call, close: () => raw.close() };
  }

  before(async () => {
    const runPolicyPack = require.resolve("@pulumi/pulumi/cmd/run-policy-pack");
    // A fresh ts-node cache: a cached compile could hide a type error.
    pack = spawn(process.execPath, [runPolicyPack, "127.0.0.1:0", "."], { cwd: packDir, env: { ...process.env, TS_NODE_CACHE: "false" } });
    pack.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const port = await new Promise<string>((resolve, reject) => {
      createInterface({ input: pack!.stdout }).on("line", (line) => {
        if (/^\d+$/.test(line.trim())) resolve(line.trim());
      });
      pack!.on("exit", (code) => reject(new Error(`the policy runtime exited (${code}) before serving:\n${stderr}`)));
    });
    client = connect(port);
  });

  after(() => {
    client?.close();
    pack?.kill();
  });

  function request(type: string, name: string, stack: string, properties: Record<string, unknown>, protect = false) {
    const options = new analyzer.AnalyzerResourceOptions!();
    options.setProtect!(protect);
    const req = new analyzer.AnalyzeRequest!();
    req.setType!(type);
    req.setName!(name);
    req.setUrn!(`urn:pulumi:${stack}::trafficlab::${type}::${name}`);
    req.setProperties!(Struct.fromJavaScript(properties));
    req.setOptions!(options);
    return req;
  }

  async function analyze(req: unknown): Promise<string[]> {
    const response = await client.call("analyze", req);
    return (response.getDiagnosticsList!() as Message[]).map((d) => `${LEVELS[d.getEnforcementlevel!() as number]} ${d.getPolicyname!()}: ${d.getMessage!()}`);
  }

  it("serves the trafficlab pack with every policy at its level", async () => {
    const info = await client.call("getAnalyzerInfo", new Empty());
    expect(info.getName!()).to.equal("trafficlab");
    expect(info.getVersion!()).to.equal("0.1.0");
    const policies = (info.getPoliciesList!() as Message[]).map((p) => `${p.getName!()}=${LEVELS[p.getEnforcementlevel!() as number]}`);
    expect(policies).to.include.members(["no-public-database=mandatory", "imdsv2-required=mandatory", "prod-rds-multi-az=advisory", "host-public-ip-without-eip=advisory"]);
    expect(policies).to.include("github-oidc-trust-narrow=mandatory");
    expect(policies).to.have.length(24);
  });

  it("blocks a public, unencrypted database, and applies the production rules to a stack named prod", async () => {
    const db = { instanceClass: "db.t3.micro", publiclyAccessible: true, storageEncrypted: false, deletionProtection: false, backupRetentionPeriod: 7, finalSnapshotIdentifier: "x", multiAz: true };
    const dev = await analyze(request("aws:rds/instance:Instance", "db", "dev", db, true));
    expect(dev.map((d) => d.split(":")[0])).to.deep.equal(["mandatory no-public-database", "mandatory rds-encrypted-at-rest"]);
    expect(dev[0]).to.include('RDS instance "db" has publiclyAccessible: true');
    const prod = await analyze(request("aws:rds/instance:Instance", "db", "prod", db, true));
    expect(prod.map((d) => d.split(":")[0])).to.deep.equal(["mandatory no-public-database", "mandatory rds-encrypted-at-rest", "mandatory prod-rds-deletion-protection"]);
  });

  it("takes the environment from the policy config (--policy-pack-config) over the stack name", async () => {
    const config = new analyzer.PolicyConfig!();
    config.setEnforcementlevel!(analyzer.EnforcementLevel.MANDATORY);
    config.setProperties!(Struct.fromJavaScript({ environment: "prod" }));
    const configure = new analyzer.ConfigureAnalyzerRequest!();
    (configure.getPolicyconfigMap!() as { set(key: string, value: unknown): void }).set("prod-rds-backup-retention", config);
    await client.call("configure", configure);
    const found = await analyze(request("aws:rds/instance:Instance", "db", "live", { instanceClass: "db.t3.micro", storageEncrypted: true, backupRetentionPeriod: 1 }));
    expect(found).to.have.length(1);
    expect(found[0]).to.match(/^mandatory prod-rds-backup-retention: .*backupRetentionPeriod: 1 in a production stack/s);
  });
});
