import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { requireTools } from "@trafficlab/testing";
import { ROOT } from "../src/generate";

interface Workflow {
  jobs: Record<string, { steps: { name?: string; run?: string; env?: Record<string, string> }[] }>;
}

const run = (command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}) =>
  spawnSync(command, args, { cwd: options.cwd ?? ROOT, env: { ...process.env, ...options.env }, input: options.input, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });

function workflowFiles(dir: string): Map<string, Workflow> {
  const folder = join(dir, ".github", "workflows");
  return new Map(readdirSync(folder).map((file) => [file, parse(readFileSync(join(folder, file), "utf8")) as Workflow]));
}

/** A user's project: this one's stack files, and the stacks/package.json the Pulumi CLI version is read from. */
function userProject(): string {
  const dir = mkdtempSync(join(tmpdir(), "ci-user-"));
  for (const file of ["Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.prod.yaml"]) cpSync(join(ROOT, file), join(dir, file));
  mkdirSync(join(dir, "stacks"));
  cpSync(join(ROOT, "stacks", "package.json"), join(dir, "stacks", "package.json"));
  return dir;
}

describe("CI workflows with real tools: shellcheck on every run: script, the gate in bash, pnpm generate ci and pnpm plan:pr as commands", function () {
  this.timeout(600_000);
  let project: string;
  before(() => (project = userProject()));
  after(() => rmSync(project, { recursive: true, force: true }));

  it("pnpm generate ci writes a user's workflows and its flags; bad flags exit 2 naming the flag and value, writing nothing", () => {
    const bad = run("pnpm", ["--silent", "generate", "ci", "--out", project, "--repo", "not-a-repo", "--branch", "main line"]);
    expect(bad.status, bad.stderr).to.equal(2);
    expect(bad.stderr).to.include('--repo "not-a-repo" is not allowed; expected owner/name');
    expect(bad.stderr).to.include('--branch "main line" is not allowed: a branch pattern has no spaces');
    expect(existsSync(join(project, ".github"))).to.equal(false);

    const good = run("pnpm", ["--silent", "generate", "ci", "--out", project, "--repo", "acme/shop", "--stacks", "dev,prod=production"]);
    expect(good.status, good.stderr).to.equal(0);
    expect([...workflowFiles(project).keys()].sort()).to.deep.equal(["ci.yml", "deploy.yml", "preview.yml"]);
    expect(parse(readFileSync(join(project, ".github", "ci-workflows.yaml"), "utf8"))).to.deep.equal({ repo: "acme/shop", stacks: "dev,prod=production" });
    // A second run keeps the recorded flags and changes only the one given.
    expect(run("pnpm", ["--silent", "generate", "ci", "--out", project, "--region", "eu-west-1"]).status).to.equal(0);
    expect(parse(readFileSync(join(project, ".github", "ci-workflows.yaml"), "utf8"))).to.deep.equal({ repo: "acme/shop", stacks: "dev,prod=production", region: "eu-west-1" });
  });

  it("shellcheck finds nothing in any run: script (expressions replaced by a value, as the runner does before bash sees it)", function () {
    const [shellcheck] = requireTools(this, "shellcheck");
    const scripts = [...workflowFiles(ROOT), ...workflowFiles(project)].flatMap(([file, workflow]) =>
      Object.entries(workflow.jobs).flatMap(([job, { steps }]) => steps.filter((s) => s.run).map((s) => ({ where: `${file} ${job} ${s.name}`, script: s.run! }))),
    );
    expect(scripts.length).to.be.greaterThan(20);
    for (const { where, script } of scripts) {
      const text = `#!/usr/bin/env bash\nset -eo pipefail\n${script.replace(/\$\{\{[^}]*\}\}/g, "expr")}\n`;
      const result = run(shellcheck!, ["--shell=bash", "-"], { input: text });
      expect(result.status, `${where}:\n${result.stdout}`).to.equal(0);
    }
  });

  it("the settings gate, run in bash: dev passes OK and DOWNTIME; prod passes only OK; errors, DATA LOSS, FAILS and UNKNOWN fail both", () => {
    const preview = workflowFiles(ROOT).get("preview.yml")!;
    const gate = (stack: string) => preview.jobs[`settings-${stack}`]!.steps.find((s) => s.name?.startsWith("Gate"))!;
    const passes = (stack: string, code: number) => run("bash", ["-eo", "pipefail", "-c", gate(stack).run!], { env: { CODE: String(code), ACCEPTED: gate(stack).env!.ACCEPTED } }).status === 0;
    expect([0, 1, 2, 3, 4, 5, 6].filter((code) => passes("dev", code))).to.deep.equal([0, 3]);
    expect([0, 1, 2, 3, 4, 5, 6].filter((code) => passes("prod", code))).to.deep.equal([0]);
  });

  it("pnpm plan:pr runs pnpm plan --change against the base's stack file, writes the comment, exits with the verdict and puts the stack file back", () => {
    const stackFile = join(ROOT, "Pulumi.dev.yaml");
    const head = readFileSync(stackFile, "utf8");
    const dir = mkdtempSync(join(tmpdir(), "plan-pr-"));
    try {
      // The pull request sets timeZone back to Asia/Seoul from UTC: two updates, nothing replaced.
      writeFileSync(join(dir, "ok.yaml"), head.replace("trafficlab:timeZone: Asia/Seoul", "trafficlab:timeZone: UTC"));
      const ok = run("pnpm", ["--silent", "plan:pr", "dev", "--base", join(dir, "ok.yaml"), "--markdown", join(dir, "ok.md")]);
      expect(ok.status, ok.stderr).to.equal(0);
      const okComment = readFileSync(join(dir, "ok.md"), "utf8");
      expect(okComment).to.match(/^### `pnpm plan dev --change timeZone=Asia\/Seoul`: OK, NO-OP or UNUSED \(exit 0\)/);
      expect(okComment).to.include("| `timeZone` | `UTC` | `Asia/Seoul` |");
      expect(readFileSync(stackFile, "utf8")).to.equal(head);

      // The pull request moves the VPC: the data tier cannot follow, FAILS (5).
      writeFileSync(join(dir, "fails.yaml"), head.replace("trafficlab:vpcCidr: 10.0.0.0/16", "trafficlab:vpcCidr: 10.1.0.0/16"));
      const fails = run("pnpm", ["--silent", "plan:pr", "dev", "--base", join(dir, "fails.yaml"), "--markdown", join(dir, "fails.md")]);
      expect(fails.status, fails.stderr).to.equal(5);
      expect(readFileSync(join(dir, "fails.md"), "utf8")).to.match(/^### `pnpm plan dev --change vpcCidr=10\.0\.0\.0\/16`: FAILS \(exit 5\)/);
      expect(readFileSync(stackFile, "utf8")).to.equal(head);

      // No setting changed: exit 0, and the comment says so.
      writeFileSync(join(dir, "same.yaml"), head);
      const same = run("pnpm", ["--silent", "plan:pr", "dev", "--base", join(dir, "same.yaml"), "--markdown", join(dir, "same.md")]);
      expect(same.status).to.equal(0);
      expect(readFileSync(join(dir, "same.md"), "utf8")).to.include("no setting of Pulumi.dev.yaml changes");
    } finally {
      writeFileSync(stackFile, head);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
