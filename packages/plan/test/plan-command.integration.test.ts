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

  it("exits 1 with the usage on a wrong command line", async () => {
    const failed = await pnpmPlan("dev", "--change", "timeZone").then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed?.code).to.equal(1);
    expect(failed?.stderr).to.include("expected KEY=VALUE").and.include("usage: pnpm plan");
  });
});
