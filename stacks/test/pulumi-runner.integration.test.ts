import { expect } from "chai";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { USER_SETTINGS } from "./dev-stack";

const run = promisify(execFile);
const fixture = join(__dirname, "fixtures", "run-like-pulumi-up.js");

/**
 * `pulumi up` does not use tsx: the SDK's cmd/run compiles the program with its vendored
 * ts-node 7, type-checked, with stacks/tsconfig.json. This runs that exact code path (the
 * engine replaced by our mocks), so a module that does not resolve or a type error that only
 * that compiler sees fails here rather than on a user's first deploy.
 */
describe("stacks under Pulumi's own Node.js runner (cmd/run + ts-node 7)", function () {
  this.timeout(180_000);

  it("compiles and runs the dev stack: every package resolves and type-checks", async () => {
    const { stdout } = await run(process.execPath, [fixture, "dev", JSON.stringify(USER_SETTINGS)], {
      // A fresh ts-node cache: a cached compile could hide a type error.
      env: { ...process.env, TS_NODE_CACHE: "false" },
      maxBuffer: 16 * 1024 * 1024,
    });
    const result = JSON.parse(stdout.trim().split("\n").pop()!);
    expect(result.cwd).to.equal(join(__dirname, ".."));
    expect(result.tsnode).to.match(/vendor\/ts-node@7/);
    expect(result.typescript).to.match(/^5\./);
    expect(result.compiledWithTsNode).to.equal(true);
    expect(result.outputs.url).to.match(/^http:\/\/ec2-.*\.ap-northeast-2\.compute\.amazonaws\.com\/$/);
    expect(result.resources).to.include("trafficlab:database:Database dev-db");
    expect(result.resources).to.include("aws:elasticache/replicationGroup:ReplicationGroup dev-tokens-group");
  });

  it("compiles and runs the prod stack as a fleet", async () => {
    const { stdout } = await run(process.execPath, [fixture, "prod", JSON.stringify(USER_SETTINGS)], { env: { ...process.env, TS_NODE_CACHE: "false" }, maxBuffer: 16 * 1024 * 1024 });
    const result = JSON.parse(stdout.trim().split("\n").pop()!);
    expect(result.compiledWithTsNode).to.equal(true);
    expect(result.outputs.hosting).to.equal("fleet");
    expect(result.outputs.url).to.match(/^http:\/\/prod-api-alb-/);
    for (const resource of ["trafficlab:fleet:ApiFleet prod-api", "aws:autoscaling/group:Group prod-api-asg", "aws:lb/loadBalancer:LoadBalancer prod-api-alb", "aws:ec2/launchTemplate:LaunchTemplate prod-api-lt"]) {
      expect(result.resources).to.include(resource);
    }
    expect(result.resources.filter((r: string) => r.startsWith("aws:ec2/instance:Instance"))).to.deep.equal([]);
  });
});
