// Renders a CiModel (model.ts) as GitHub workflow files: ci.yml (the README's checks), preview.yml
// (per stack on a pull request: the `pnpm plan --change` verdicts of the changed settings and
// `pulumi preview`, both as PR comments) and deploy.yml (on a push to the default branch: build
// the API image once, push it to ECR, pin it by digest into each stack's apiImage, `pulumi up`
// stack after stack). The same code renders this repository's own .github/workflows
// (generate.ts) and a user's (`pnpm generate ci`).
import { stringify } from "yaml";
import { tagOf, uses } from "./actions";
import { CI_VARIABLES, type CiModel, type CiStack } from "./model";

type Step = Record<string, unknown>;
type Job = Record<string, unknown>;
export interface Workflow {
  name: string;
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  concurrency?: Record<string, unknown>;
  env?: Record<string, string>;
  jobs: Record<string, Job>;
}

/** Debian packages the integration tier's tools come from: the same list as .ci/run's (a test holds them equal). */
export const INTEGRATION_APT_PACKAGES = ["nginx-light", "shellcheck", "wrk", "util-linux", "ca-certificates", "openssl", "openssh-client", "python3", "prometheus", "prometheus-alertmanager", "prometheus-node-exporter", "prometheus-nginx-exporter", "prometheus-redis-exporter", "redis-server", "python3-pymysql", "python3-redis"];

/**
 * Settings the deploy job sets in the runner before `pulumi up`, never committed: the image it
 * built (by digest) and the ECR login the host pulls it with. The preview copies them from the
 * stack's last deployment (`pulumi config refresh`), so it shows only what the pull request changes.
 */
export const CI_MANAGED_SETTINGS = ["apiImage", "registryServer", "registryUsername", "registryPassword"] as const;

/**
 * The `pnpm plan --change` exit codes a stack's pull request check accepts (docs/plan.md, Exit
 * codes): 0 (OK, NO-OP, UNUSED) everywhere, 3 (DOWNTIME) on the first stack only, which is
 * deployed without a reviewer and is the one where a short outage is acceptable (dev). 1 (an error),
 * 4 (DATA LOSS), 5 (FAILS) and 6 (UNKNOWN) fail it on every stack.
 */
export function acceptedPlanExitCodes(model: CiModel, stack: CiStack): number[] {
  return model.stacks[0]?.name === stack.name ? [0, 3] : [0];
}

const v = (name: keyof typeof CI_VARIABLES) => `\${{ vars.${name} }}`;
const jobId = (prefix: string, stack: CiStack) => `${prefix}-${stack.name.replace(/[^A-Za-z0-9_-]/g, "-")}`;

function checkout(extra: Record<string, unknown> = {}): Step {
  // No token left in .git/config for later steps (the default keeps it there).
  return { name: "Check out", uses: uses("checkout"), with: { "persist-credentials": false, ...extra } };
}

function nodeAndPnpm(model: CiModel, cache: boolean, nodeVersion = model.nodeVersion): Step[] {
  return [
    { name: "Install pnpm", uses: uses("setupPnpm"), ...(model.pnpmVersion ? { with: { version: model.pnpmVersion } } : {}) },
    // Only the checks cache the pnpm store; the deploy jobs, which hold AWS credentials, install from the lockfile alone.
    { name: "Install Node.js", uses: uses("setupNode"), with: { "node-version": nodeVersion, ...(cache ? { cache: "pnpm" } : {}) } },
    { name: "Install the workspace", run: "pnpm install --frozen-lockfile" },
  ];
}

function awsCredentials(model: CiModel, role: "PREVIEW_ROLE_ARN" | "DEPLOY_ROLE_ARN", session: string): Step {
  return {
    name: `AWS credentials (OIDC, ${role === "PREVIEW_ROLE_ARN" ? "the read-only preview role" : "the deploy role"})`,
    uses: uses("awsCredentials"),
    with: { "role-to-assume": v(role), "aws-region": model.awsRegion, "role-session-name": session },
  };
}

function pulumiCli(model: CiModel): Step {
  // Without `command`, pulumi/actions only installs the CLI.
  return { name: "Install the Pulumi CLI", uses: uses("pulumi"), with: { "pulumi-version": model.pulumiVersion } };
}

/** The stack must encrypt its secrets with the ci stack's KMS key: there is no passphrase in CI. */
function secretsProviderCheck(stack: CiStack): Step {
  return {
    name: "Check the stack's secrets provider",
    env: { STACK: stack.name },
    run: [
      `if ! grep -q '^secretsprovider: awskms://' "Pulumi.$STACK.yaml"; then`,
      `  echo "::error file=Pulumi.$STACK.yaml::stack $STACK has no KMS secrets provider, and CI has no passphrase: run once pulumi stack change-secrets-provider -s $STACK \\"\\$(pulumi stack output -s ci secretsProvider)\\" and commit Pulumi.$STACK.yaml (README, Deploy from CI)"`,
      "  exit 1",
      "fi",
    ].join("\n"),
  };
}

/** The ECR login the host pulls with; the password (12 hours) goes to pulumi config on stdin, never on a command line. */
const REGISTRY_LOGIN = [
  'pulumi config set --stack "$STACK" registryServer "${ECR_REPOSITORY_URL%%/*}"',
  'pulumi config set --stack "$STACK" registryUsername AWS',
  'aws ecr get-login-password | pulumi config set --stack "$STACK" --secret registryPassword',
].join("\n");

function ciWorkflow(model: CiModel): Workflow {
  return {
    name: "ci",
    on: { pull_request: {}, push: { branches: [model.defaultBranch] } },
    permissions: { contents: "read" },
    // A newer push makes the checks of the older one moot.
    concurrency: { group: "ci-${{ github.ref }}", "cancel-in-progress": true },
    jobs: {
      checks: {
        // Short, stable job names: branch protection requires checks by name.
        name: "checks",
        "runs-on": "ubuntu-24.04",
        "timeout-minutes": 20,
        steps: [
          checkout(),
          ...nodeAndPnpm(model, true),
          { name: "Fast tier", run: "pnpm test" },
          { name: "Typecheck", run: "pnpm typecheck" },
          { name: "Lint", run: "pnpm lint" },
          { name: "Generated files are up to date", run: "pnpm generate --check" },
        ],
      },
      integration: {
        name: "integration",
        needs: "checks",
        "runs-on": "ubuntu-24.04",
        // Debian, as .ci/run: tools/install-nginx.sh and install-cloud-init.sh unpack Debian packages.
        container: "debian:bookworm",
        "timeout-minutes": 30,
        steps: [
          { name: "Debian packages", run: `apt-get update -qq\nDEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends git ${INTEGRATION_APT_PACKAGES.join(" ")}` },
          checkout(),
          { name: "nginx 1.30 and cloud-init schema", run: "bash tools/install-nginx.sh\nbash tools/install-cloud-init.sh" },
          ...nodeAndPnpm(model, true),
          { name: "Integration tier", run: "pnpm test:integration", env: { CI: "true" } },
        ],
      },
    },
  };
}

function settingsPlanJob(model: CiModel, stack: CiStack): Job {
  const accepted = acceptedPlanExitCodes(model, stack);
  const body = `\${{ runner.temp }}/plan-${stack.name}.md`;
  return {
    name: `settings: ${stack.name}`,
    "runs-on": "ubuntu-24.04",
    "timeout-minutes": 15,
    // Offline (Pulumi mocks): no AWS credentials; the token may comment.
    permissions: { contents: "read", "pull-requests": "write" },
    steps: [
      checkout({ "fetch-depth": 0 }),
      ...nodeAndPnpm(model, true),
      {
        name: `pnpm plan ${stack.name} --change ... (Pulumi.${stack.name}.yaml, base to head)`,
        id: "plan",
        env: { STACK: stack.name, BASE_SHA: "${{ github.event.pull_request.base.sha }}", BODY: body },
        run: [
          'git show "$BASE_SHA:Pulumi.$STACK.yaml" > "$RUNNER_TEMP/base.yaml" 2>/dev/null || : > "$RUNNER_TEMP/base.yaml"',
          "set +e",
          'pnpm --silent plan:pr "$STACK" --base "$RUNNER_TEMP/base.yaml" --markdown "$BODY"',
          'echo "exit-code=$?" >> "$GITHUB_OUTPUT"',
          'cat "$BODY" >> "$GITHUB_STEP_SUMMARY"',
        ].join("\n"),
      },
      {
        name: "Comment the verdict on the pull request",
        // A fork's pull request gets a read-only token: its verdict is in the job summary.
        if: "always() && steps.plan.outcome == 'success' && github.event.pull_request.head.repo.full_name == github.repository",
        uses: uses("githubScript"),
        env: { BODY: body, MARKER: `<!-- trafficlab: pnpm plan ${stack.name} -->` },
        with: {
          script: [
            "// One comment per stack, edited on each push (found by its marker).",
            "const body = `${process.env.MARKER}\\n${require('fs').readFileSync(process.env.BODY, 'utf8')}`;",
            "const { owner, repo } = context.repo;",
            "const issue_number = context.issue.number;",
            "const comments = await github.paginate(github.rest.issues.listComments, { owner, repo, issue_number });",
            "const mine = comments.find((c) => c.user.type === 'Bot' && c.body.startsWith(process.env.MARKER));",
            "if (mine) await github.rest.issues.updateComment({ owner, repo, comment_id: mine.id, body });",
            "else await github.rest.issues.createComment({ owner, repo, issue_number, body });",
          ].join("\n"),
        },
      },
      {
        name: `Gate: accept exit codes ${accepted.join(", ")} (docs/plan.md, Exit codes)`,
        env: { CODE: "${{ steps.plan.outputs.exit-code }}", ACCEPTED: accepted.join(" ") },
        run: [
          'for ok in $ACCEPTED; do [ "$CODE" = "$ok" ] && exit 0; done',
          `echo "::error::pnpm plan ${stack.name} --change exited $CODE (3 DOWNTIME, 4 DATA LOSS, 5 FAILS, 6 UNKNOWN, 1 an error): this stack accepts $ACCEPTED; see the pull request comment"`,
          "exit 1",
        ].join("\n"),
      },
    ],
  };
}

function previewJob(model: CiModel, stack: CiStack): Job {
  return {
    name: `preview: ${stack.name}`,
    // OIDC tokens and a writable token exist only for pull requests from this repository.
    if: `github.event.pull_request.head.repo.full_name == github.repository && vars.PREVIEW_ROLE_ARN != ''`,
    "runs-on": "ubuntu-24.04",
    "timeout-minutes": 30,
    permissions: { contents: "read", "id-token": "write", "pull-requests": "write" },
    // A newer push to the pull request cancels its older preview. Previews never share a group with an up:
    // on the S3 (DIY) backend a preview takes no lock, an up does (pulumi/pulumi pkg/backend/diy/backend.go).
    concurrency: { group: `preview-${stack.name}-\${{ github.event.pull_request.number }}`, "cancel-in-progress": true },
    env: { PULUMI_BACKEND_URL: `s3://${v("STATE_BUCKET")}`, STACK: stack.name, ECR_REPOSITORY_URL: v("ECR_REPOSITORY_URL") },
    steps: [
      checkout(),
      ...nodeAndPnpm(model, false, model.deployNodeVersion),
      awsCredentials(model, "PREVIEW_ROLE_ARN", `preview-${stack.name}-\${{ github.run_id }}`),
      pulumiCli(model),
      secretsProviderCheck(stack),
      {
        // `pulumi config refresh` writes the config of the stack's last update (DIY backend: GetLatestConfiguration,
        // from its history), where the deploy job's `pulumi config set apiImage` was recorded.
        name: "The deployed image and registry login (from the stack's last update)",
        run: [
          'deployed="$RUNNER_TEMP/Pulumi.$STACK.deployed.yaml"',
          "# A copy of the stack file first: the refresh replaces its config and keeps its encryption key.",
          'cp "Pulumi.$STACK.yaml" "$deployed"',
          'if pulumi config refresh --stack "$STACK" --config-file "$deployed" --force >/dev/null; then',
          `  for key in ${CI_MANAGED_SETTINGS.filter((k) => k !== "registryPassword").join(" ")}; do`,
          '    if value="$(pulumi config get --stack "$STACK" --config-file "$deployed" "$key" 2>/dev/null)"; then pulumi config set --stack "$STACK" "$key" "$value"; fi',
          "  done",
          '  if pulumi config get --stack "$STACK" --config-file "$deployed" registryPassword >/dev/null 2>&1; then',
          '    pulumi config get --stack "$STACK" --config-file "$deployed" registryPassword | pulumi config set --stack "$STACK" --secret registryPassword',
          "  fi",
          "else",
          '  echo "::warning::stack $STACK has no deployment yet: the preview runs with apiImage $ECR_REPOSITORY_URL:not-built-yet; the first deploy on merge builds and pins the real one"',
          '  pulumi config set --stack "$STACK" apiImage "$ECR_REPOSITORY_URL:not-built-yet"',
          "fi",
        ].join("\n"),
      },
      {
        name: "pulumi preview (commented on the pull request)",
        uses: uses("pulumi"),
        with: {
          command: "preview",
          "stack-name": stack.name,
          "cloud-url": `s3://${v("STATE_BUCKET")}`,
          "pulumi-version": model.pulumiVersion,
          diff: true,
          "comment-on-pr": true,
          "edit-pr-comment": true,
          "github-token": "${{ github.token }}",
        },
      },
    ],
  };
}

function previewWorkflow(model: CiModel): Workflow {
  const jobs: Record<string, Job> = {};
  for (const stack of model.stacks) {
    jobs[jobId("settings", stack)] = settingsPlanJob(model, stack);
    jobs[jobId("preview", stack)] = previewJob(model, stack);
  }
  return { name: "preview", on: { pull_request: { branches: [model.defaultBranch] } }, permissions: {}, jobs };
}

function deployJob(model: CiModel, stack: CiStack, index: number): Job {
  const first = index === 0;
  const previous = model.stacks[index - 1];
  const guard = [model.repository ? `github.repository == '${model.repository}'` : undefined, "vars.DEPLOY_ROLE_ARN != ''"].filter(Boolean).join(" && ");
  const build: Step[] = [
    { name: "Log in to ECR", id: "ecr", uses: uses("ecrLogin") },
    {
      name: "Is this commit's image already in ECR? (tags are immutable: a re-run reuses it)",
      id: "existing",
      run: [
        'repository="${ECR_REPOSITORY_URL#*/}"',
        'digest="$(aws ecr describe-images --repository-name "$repository" --image-ids "imageTag=$GITHUB_SHA" --query "imageDetails[0].imageDigest" --output text 2>/dev/null || true)"',
        'case "$digest" in sha256:*) echo "digest=$digest" >> "$GITHUB_OUTPUT" ;; esac',
      ].join("\n"),
    },
    { name: "Set up Docker Buildx", if: "steps.existing.outputs.digest == ''", uses: uses("setupBuildx") },
    {
      name: "Build and push the API image",
      id: "build",
      if: "steps.existing.outputs.digest == ''",
      uses: uses("buildPush"),
      with: {
        context: model.api.context,
        ...(model.api.dockerfile ? { file: model.api.dockerfile } : {}),
        platforms: "linux/amd64",
        push: true,
        tags: "${{ vars.ECR_REPOSITORY_URL }}:${{ github.sha }}",
        ...(Object.keys(model.api.buildArgs).length > 0 ? { "build-args": Object.entries(model.api.buildArgs).map(([k, val]) => `${k}=${val}`).join("\n") } : {}),
      },
    },
    {
      name: "The image's digest",
      id: "image",
      env: { EXISTING: "${{ steps.existing.outputs.digest }}", BUILT: "${{ steps.build.outputs.digest }}" },
      run: 'digest="${EXISTING:-$BUILT}"\ncase "$digest" in sha256:*) ;; *) echo "::error::no image digest"; exit 1 ;; esac\necho "digest=$digest" >> "$GITHUB_OUTPUT"',
    },
  ];
  const digest = first ? "${{ steps.image.outputs.digest }}" : `\${{ needs.${jobId("up", previous!)}.outputs.digest }}`;
  return {
    name: `up: ${stack.name}`,
    if: guard,
    ...(first ? {} : { needs: jobId("up", previous!) }),
    "runs-on": "ubuntu-24.04",
    "timeout-minutes": 60,
    // The environment's protection rules (required reviewers for production) hold the job until approved;
    // its name is in the OIDC subject the deploy role trusts.
    environment: { name: stack.environment, url: "${{ steps.up.outputs.url }}" },
    permissions: { contents: "read", "id-token": "write" },
    // One up per stack at a time, never cancelled halfway; the newest waiting run replaces an older waiting one.
    concurrency: { group: `pulumi-up-${stack.name}`, "cancel-in-progress": false },
    // Only the digest leaves the job (the repository URL holds the account id, which the AWS step masks).
    ...(first ? { outputs: { digest: "${{ steps.image.outputs.digest }}" } } : { outputs: { digest } }),
    env: { PULUMI_BACKEND_URL: `s3://${v("STATE_BUCKET")}`, STACK: stack.name, ECR_REPOSITORY_URL: v("ECR_REPOSITORY_URL") },
    steps: [
      checkout(),
      ...nodeAndPnpm(model, false, model.deployNodeVersion),
      awsCredentials(model, "DEPLOY_ROLE_ARN", `up-${stack.name}-\${{ github.run_id }}`),
      ...(first ? build : []),
      pulumiCli(model),
      secretsProviderCheck(stack),
      {
        name: "Pin the image by digest, and the registry login",
        env: { DIGEST: digest },
        run: `pulumi config set --stack "$STACK" apiImage "$ECR_REPOSITORY_URL@$DIGEST"\n${REGISTRY_LOGIN}`,
      },
      {
        name: "pulumi up",
        id: "up",
        uses: uses("pulumi"),
        with: {
          command: "up",
          "stack-name": stack.name,
          "cloud-url": `s3://${v("STATE_BUCKET")}`,
          "pulumi-version": model.pulumiVersion,
          diff: true,
          "comment-on-summary": true,
          message: "${{ github.sha }}: ${{ github.event.head_commit.message }}",
        },
      },
    ],
  };
}

function deployWorkflow(model: CiModel): Workflow {
  const jobs: Record<string, Job> = {};
  model.stacks.forEach((stack, index) => (jobs[jobId("up", stack)] = deployJob(model, stack, index)));
  return { name: "deploy", on: { push: { branches: [model.defaultBranch] }, workflow_dispatch: {} }, permissions: {}, jobs };
}

/** Every workflow of the model: file name under .github/workflows -> the workflow. */
export function workflowsOf(model: CiModel): Map<string, Workflow> {
  return new Map([
    ["ci.yml", ciWorkflow(model)],
    ["preview.yml", previewWorkflow(model)],
    ["deploy.yml", deployWorkflow(model)],
  ]);
}

/** The YAML of a workflow, each pinned `uses:` followed by its release tag, under a header. */
export function renderWorkflow(workflow: Workflow, header: string[]): string {
  const yaml = stringify(workflow, { lineWidth: 0 });
  const commented = yaml.replace(/^(\s*(?:- )?uses: )(\S+)$/gm, (line, _prefix: string, value: string) => {
    const tag = tagOf(value);
    return tag ? `${line} # ${tag}` : line;
  });
  return `${header.map((line) => `# ${line}`.trimEnd()).join("\n")}\n${commented}`;
}

/** The files `pnpm generate ci` writes and `pnpm generate --check` compares: path from the project root -> text. */
export function renderedWorkflowFiles(model: CiModel, header: string[]): Map<string, string> {
  return new Map([...workflowsOf(model)].map(([file, workflow]) => [`.github/workflows/${file}`, renderWorkflow(workflow, header)]));
}
