import { expect } from "chai";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";

const root = join(__dirname, "..", "..", "..");

/** `pnpm plan <args>` from the repository root, as a user runs it; stdout only. */
async function pnpmPlan(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)("pnpm", ["plan", ...args], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

/** `pnpm plan <args>` with its exit code, whatever it is. */
async function pnpmPlanStatus(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return promisify(execFile)("pnpm", ["plan", ...args], { cwd: root, maxBuffer: 16 * 1024 * 1024 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

describe("`pnpm plan` as a command", function () {
  this.timeout(120_000);

  it("prints nothing but the JSON with --json, so `pnpm plan --json | jq` works", async () => {
    const stdout = await pnpmPlan("dev", "--json");
    expect(stdout.startsWith("{"), stdout.slice(0, 200)).to.equal(true);
    expect(JSON.parse(stdout)).to.include.keys("resources", "monthlyCostUsd", "criticalPath");
  });

  it("answers --change in JSON and in text", async () => {
    const report = JSON.parse(await pnpmPlan("prod", "--change", "dbInstanceClass=db.t4g.medium", "--json")) as { succeeds: boolean; dataLoss: string[] };
    expect(report).to.include({ succeeds: true });
    expect(report.dataLoss).to.deep.equal([]);
    const text = await pnpmPlan("dev", "--change", "timeZone=UTC");
    for (const heading of ["== Changes", "== Host commands that run, in order", "== Order of the steps", "== Verdict"]) expect(text).to.include(heading);
  });

  it("exits 2 with the usage on a wrong command line", async () => {
    const failed = await pnpmPlanStatus("dev", "--change", "timeZone");
    expect(failed.code).to.equal(2);
    expect(failed.stderr).to.include("expected KEY=VALUE").and.include("usage: pnpm plan").and.include("exit codes:");
  });

  it("exits 1 when the stack refuses the changed setting, naming it", async () => {
    const refused = await pnpmPlanStatus("dev", "--change", "environment=prod");
    expect(refused.code).to.equal(1);
    expect(refused.stderr).to.include("trafficlab:dbDeletionProtection = false is not allowed; true in a prod stack");
  });

  // One change per verdict, so CI can gate on the code: 0 OK/NO-OP/UNUSED, 3 DOWNTIME, 4 DATA LOSS, 5 FAILS.
  for (const [args, code, verdict] of [
    [["dev", "--change", "timeZone=UTC"], 0, "OK"],
    [["prod", "--change", "hostInstanceType=t3.small"], 0, "UNUSED"],
    [["dev", "--change", "hostInstanceType=t3.small"], 3, "DOWNTIME"],
    [["dev", "--change", "cacheEngine=redis"], 4, "DATA LOSS"],
    [["dev", "--change", "dbEngineVersion=8.0"], 5, "FAILS"],
    [["prod", "--change", "aws:region=eu-west-3", "--json"], 5, "FAILS"],
  ] as [string[], number, string][]) {
    it(`exits ${code} on ${verdict}: pnpm plan ${args.join(" ")}`, async () => {
      const result = await pnpmPlanStatus(...args);
      expect(result.code, result.stderr).to.equal(code);
      if (args.includes("--json")) expect(JSON.parse(result.stdout)).to.include({ verdict, exitCode: code });
      else expect(result.stdout).to.include(`=> ${verdict} (exit ${code})`);
    });
  }
});
