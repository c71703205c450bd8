import { expect } from "chai";
import {
  ApiImageRepository,
  CHANGE_ACTIONS,
  CREATE_ACTIONS,
  GithubDeployRoles,
  StateBackend,
  branchPatternProblem,
  deployPermissions,
  environmentProblem,
  imageLifecyclePolicy,
  previewPermissions,
  repositoryProblem,
  stackRoleBoundary,
  type GithubDeployRolesArgs,
  type PolicyDocument,
  type PolicyStatement,
} from "@trafficlab/ci";
import { InvalidArgumentError } from "@trafficlab/validation";
import { MOCK_ACCOUNT_ID, installMocks, resolveOutput } from "@trafficlab/testing";

const ROLE = "aws:iam/role:Role";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const POLICY = "aws:iam/policy:Policy";
const OIDC = "aws:iam/openIdConnectProvider:OpenIdConnectProvider";
const PROVIDER_ARN = `arn:aws:iam::${MOCK_ACCOUNT_ID}:oidc-provider/token.actions.githubusercontent.com`;
const STATE = { bucketArn: "arn:aws:s3:::ci-state-abc1234", keyArn: `arn:aws:kms:ap-northeast-2:${MOCK_ACCOUNT_ID}:key/k-1` };
const SCOPE = { accountId: MOCK_ACCOUNT_ID, region: "ap-northeast-2", project: "trafficlab", stacks: ["dev", "prod"] };
const BOUNDARY_ARN = `arn:aws:iam::${MOCK_ACCOUNT_ID}:policy/ci-github-stack-role-boundary`;
const EXTRAS = { roleBoundaryArn: BOUNDARY_ARN };
const ARGS: GithubDeployRolesArgs = { repository: "octo-org/trafficlab", stacks: ["dev", "prod"], stateBucketArn: STATE.bucketArn, stateKeyArn: STATE.keyArn, imageRepositoryArn: "arn:aws:ecr:ap-northeast-2:123456789012:repository/trafficlab/api" };

async function build(args: Partial<GithubDeployRolesArgs> = {}) {
  const program = installMocks();
  const roles = new GithubDeployRoles("ci-github", { ...ARGS, ...args });
  const graph = await program.settled();
  const policyOf = (suffix: string) => JSON.parse(String(graph.one(ROLE_POLICY, suffix).inputs.policy)) as PolicyDocument;
  const trustOf = (suffix: string) => JSON.parse(String(graph.one(ROLE, suffix).inputs.assumeRolePolicy)) as PolicyDocument;
  return { roles, graph, policyOf, trustOf };
}

function actionsOf(statement: PolicyStatement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

function allowed(document: PolicyDocument): PolicyStatement[] {
  return document.Statement.filter((s) => s.Effect === "Allow");
}

describe("@trafficlab/ci", () => {
  describe("GithubDeployRoles: trust", () => {
    it("creates GitHub's OIDC provider for the STS audience, with no thumbprint to go stale", async () => {
      const { graph } = await build();
      const provider = graph.one(OIDC);
      expect(provider.inputs).to.deep.include({ url: "https://token.actions.githubusercontent.com", clientIdLists: ["sts.amazonaws.com"] });
      expect(provider.inputs).not.to.have.property("thumbprintLists");
    });

    it("trusts the preview role to pull requests of the one repository, the deploy role to one environment of it, exactly", async () => {
      const { trustOf } = await build();
      const expected = (sub: string) => ({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "GithubActionsOidc",
            Effect: "Allow",
            Principal: { Federated: PROVIDER_ARN },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: { StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com", "token.actions.githubusercontent.com:sub": sub } },
          },
        ],
      });
      expect(trustOf("-preview")).to.deep.equal(expected("repo:octo-org/trafficlab:pull_request"));
      expect(trustOf("-deploy")).to.deep.equal(expected("repo:octo-org/trafficlab:environment:production"));
      const { trustOf: staging } = await build({ deployEnvironment: "staging" });
      expect(staging("-deploy").Statement[0]!.Condition!.StringEquals!["token.actions.githubusercontent.com:sub"]).to.equal("repo:octo-org/trafficlab:environment:staging");
    });

    it("uses an existing provider by its ARN and creates none (one per URL in an account)", async () => {
      const existing = "arn:aws:iam::210987654321:oidc-provider/token.actions.githubusercontent.com";
      const { graph, roles, trustOf } = await build({ existingOidcProviderArn: existing });
      expect(graph.ofType(OIDC)).to.have.length(0);
      expect(trustOf("-preview").Statement[0]!.Principal).to.deep.equal({ Federated: existing });
      expect(await resolveOutput(roles.oidcProviderArn)).to.equal(existing);
    });

    it("outputs both role ARNs", async () => {
      const { roles } = await build();
      expect(await resolveOutput(roles.previewRoleArn)).to.match(/^arn:aws:iam::\d{12}:role\/ci-github-preview-/);
      expect(await resolveOutput(roles.deployRoleArn)).to.match(/^arn:aws:iam::\d{12}:role\/ci-github-deploy-/);
    });
  });

  describe("GithubDeployRoles: permissions", () => {
    it("gives no role AdministratorAccess, a managed policy, or an Allow of a service's every action", async () => {
      const { graph, policyOf } = await build();
      expect(graph.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")).to.have.length(0);
      for (const role of graph.ofType(ROLE)) expect(role.inputs).not.to.have.property("managedPolicyArns");
      for (const document of [policyOf("-preview-read"), policyOf("-deploy-stacks")]) {
        for (const statement of allowed(document)) {
          for (const action of actionsOf(statement)) {
            expect(action, statement.Sid).not.to.equal("*");
            expect(action, statement.Sid).not.to.match(/:\*$/);
          }
        }
      }
    });

    it("preview: reads only; the state read-only, the key to decrypt, no secret parameter of the stacks", async () => {
      const { policyOf } = await build();
      const preview = policyOf("-preview-read");
      const actions = allowed(preview).flatMap(actionsOf);
      for (const action of actions) expect(action, action).to.match(/^(\w+:(Describe|Get|List)\w*\*?|s3:ListBucket|s3:GetObject|kms:Decrypt)$/);
      expect(actions).not.to.include.members(["s3:PutObject", "kms:Encrypt", "kms:GenerateDataKey", "ecr:PutImage"]);
      const parameters = preview.Statement.find((s) => actionsOf(s).includes("ssm:GetParameter"))!;
      expect(parameters.Resource).to.equal("arn:aws:ssm:ap-northeast-2::parameter/aws/service/*");
      const state = preview.Statement.find((s) => actionsOf(s).includes("s3:GetObject"))!;
      expect(state.Resource).to.equal(`${STATE.bucketArn}/.pulumi/*`);
      expect(preview.Statement.find((s) => actionsOf(s).includes("kms:Decrypt"))!.Resource).to.equal(STATE.keyArn);
    });

    it("deploy: creates only what the request tags Stack=<its stacks>, changes only what is tagged so", () => {
      const deploy = deployPermissions(SCOPE, STATE, EXTRAS);
      const create = deploy.Statement.find((s) => s.Sid === "CreateTaggedForStack")!;
      expect(create.Condition).to.deep.equal({ StringEquals: { "aws:RequestTag/Stack": ["dev", "prod"] } });
      expect(actionsOf(create)).to.deep.equal([...CREATE_ACTIONS]);
      const change = deploy.Statement.find((s) => s.Sid === "ChangeStackTagged")!;
      expect(change.Condition).to.deep.equal({ StringEquals: { "aws:ResourceTag/Stack": ["dev", "prod"] } });
      expect(actionsOf(change)).to.deep.equal([...CHANGE_ACTIONS]);
      // A fleet with fleetMetrics: its AMP workspace, rules and Alertmanager, tagged like the rest.
      expect(actionsOf(create)).to.include.members(["aps:CreateWorkspace", "aps:CreateRuleGroupsNamespace", "aps:TagResource"]);
      expect(actionsOf(change)).to.include.members(["aps:DeleteWorkspace", "aps:PutRuleGroupsNamespace", "aps:CreateAlertManagerDefinition", "aps:PutAlertManagerDefinition"]);
      // Every Allow on "*" that writes is conditioned on the tag, apart from the ECR login (no resource-level permission).
      for (const statement of allowed(deploy)) {
        if (statement.Resource !== "*" || statement.Sid === "DescribeStackServices" || statement.Sid === "EcrLogin") continue;
        expect(JSON.stringify(statement.Condition), statement.Sid).to.match(/aws:(Request|Resource)Tag\/Stack/);
      }
    });

    it("deploy: roles, parameters, log groups, alarms and topics by the stacks' name prefixes", () => {
      const deploy = deployPermissions(SCOPE, STATE, EXTRAS);
      const resources = (sid: string) => deploy.Statement.find((s) => s.Sid === sid)!.Resource;
      expect(resources("StackRoles")).to.deep.equal([
        `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/dev-*`,
        `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/prod-*`,
        `arn:aws:iam::${MOCK_ACCOUNT_ID}:instance-profile/dev-*`,
        `arn:aws:iam::${MOCK_ACCOUNT_ID}:instance-profile/prod-*`,
      ]);
      expect(deploy.Statement.find((s) => s.Sid === "PassStackRoles")!.Condition).to.deep.equal({ StringEquals: { "iam:PassedToService": ["ec2.amazonaws.com", "chatbot.amazonaws.com"] } });
      expect(resources("StackParameters")).to.deep.equal([`arn:aws:ssm:ap-northeast-2:${MOCK_ACCOUNT_ID}:parameter/trafficlab/dev/*`, `arn:aws:ssm:ap-northeast-2:${MOCK_ACCOUNT_ID}:parameter/trafficlab/prod/*`]);
      expect(resources("StackLogGroups")).to.deep.equal([`arn:aws:logs:ap-northeast-2:${MOCK_ACCOUNT_ID}:log-group:/trafficlab/dev/*`, `arn:aws:logs:ap-northeast-2:${MOCK_ACCOUNT_ID}:log-group:/trafficlab/prod/*`]);
      expect(resources("StackAlarms")).to.deep.equal([`arn:aws:cloudwatch:ap-northeast-2:${MOCK_ACCOUNT_ID}:alarm:dev-*`, `arn:aws:cloudwatch:ap-northeast-2:${MOCK_ACCOUNT_ID}:alarm:prod-*`]);
      expect(resources("StackTopics")).to.deep.equal([`arn:aws:sns:ap-northeast-2:${MOCK_ACCOUNT_ID}:dev-*`, `arn:aws:sns:ap-northeast-2:${MOCK_ACCOUNT_ID}:prod-*`]);
    });

    it("deploy: pushes to the one ECR repository only, writes Route 53 only in the zones given, and denies the ways out", () => {
      const repositoryArn = "arn:aws:ecr:ap-northeast-2:123456789012:repository/trafficlab/api";
      const deploy = deployPermissions(SCOPE, STATE, { ...EXTRAS, imageRepositoryArn: repositoryArn });
      const pushes = allowed(deploy).filter((s) => actionsOf(s).some((a) => a.startsWith("ecr:") && !/^ecr:(Describe|Get|List)/.test(a)));
      expect(pushes.map((s) => s.Resource)).to.deep.equal([repositoryArn]);
      expect(deploy.Statement.find((s) => s.Sid === "EcrLogin")).to.deep.include({ Action: "ecr:GetAuthorizationToken", Resource: "*" });
      expect(deploy.Statement.some((s) => actionsOf(s).some((a) => a.startsWith("route53:Change")))).to.equal(false);
      const withZone = deployPermissions(SCOPE, STATE, { ...EXTRAS, hostedZoneIds: ["Z0123456789ABCDEFGHIJ"] });
      expect(withZone.Statement.find((s) => s.Sid === "StackRecords")!.Resource).to.deep.equal(["arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ"]);
      const deny = deploy.Statement.find((s) => s.Sid === "NeverEscalate")!;
      expect(actionsOf(deny)).to.include.members(["iam:CreateUser", "iam:CreateAccessKey", "iam:AttachRolePolicy", "iam:CreatePolicyVersion", "kms:PutKeyPolicy", "s3:PutBucketPolicy"]);
      expect(deploy.Statement.find((s) => s.Sid === "UseStateKey")!.Action).to.deep.equal(["kms:Decrypt", "kms:GenerateDataKey"]);
    });

    it("tags only on create: CreateTags and AddTags need their service's CreateAction key, never just a tag", () => {
      const statements = deployPermissions(SCOPE, STATE, EXTRAS).Statement;
      const ec2 = statements.find((s) => s.Sid === "TagOnCreateEc2")!;
      expect(ec2.Action).to.equal("ec2:CreateTags");
      expect(Object.keys(ec2.Condition!)).to.deep.equal(["StringEquals"]);
      expect(ec2.Condition!.StringEquals!["ec2:CreateAction"]).to.include.members(["RunInstances", "CreateVpc", "CreateSecurityGroup"]).and.not.include("CreateTags");
      const elb = statements.find((s) => s.Sid === "TagOnCreateLoadBalancing")!;
      expect(elb.Condition!.StringEquals!["elasticloadbalancing:CreateAction"]).to.deep.equal(["CreateLoadBalancer", "CreateTargetGroup", "CreateListener", "CreateRule"]);
      // Anywhere else a tag action needs the resource to carry the stack's tag already.
      for (const statement of allowed({ Version: "2012-10-17", Statement: statements })) {
        if (statement.Sid?.startsWith("TagOnCreate") || statement.Sid === "ChangeStackTagged") continue;
        expect(actionsOf(statement).filter((a) => /:(CreateTags|AddTags)$/.test(a)), statement.Sid).to.deep.equal([]);
      }
    });

    it("is the same document under the component as from the function", async () => {
      const { policyOf } = await build();
      expect(policyOf("-preview-read")).to.deep.equal(previewPermissions(SCOPE, STATE));
      expect(policyOf("-deploy-stacks")).to.deep.equal(deployPermissions(SCOPE, STATE, { ...EXTRAS, imageRepositoryArn: ARGS.imageRepositoryArn as string }));
    });
  });

  describe("GithubDeployRoles: the stacks' role boundary", () => {
    const denied = (document: PolicyDocument, action: string, resource: string) =>
      document.Statement.some((s) => s.Effect === "Deny" && !s.Condition && actionsOf(s).includes(action) && [s.Resource].flat().some((r) => r === "*" || r === resource));

    it("deploy: creates a <stack>-* role, puts its inline policy or sets its boundary only with the boundary", () => {
      const deploy = deployPermissions(SCOPE, STATE, EXTRAS);
      const bounded = deploy.Statement.find((s) => s.Sid === "BoundedStackRoles")!;
      expect(bounded).to.deep.equal({
        Sid: "BoundedStackRoles",
        Effect: "Allow",
        Action: ["iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy"],
        Resource: [`arn:aws:iam::${MOCK_ACCOUNT_ID}:role/dev-*`, `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/prod-*`],
        Condition: { StringEquals: { "iam:PermissionsBoundary": BOUNDARY_ARN } },
      });
      // No other Allow grants them, so without the boundary they are denied.
      for (const action of actionsOf(bounded)) {
        expect(allowed(deploy).filter((s) => actionsOf(s).some((a) => a === action || a === "iam:*")).map((s) => s.Sid), action).to.deep.equal(["BoundedStackRoles"]);
      }
    });

    it("deploy: denies removing a boundary and changing or deleting the boundary policy", () => {
      const deploy = deployPermissions(SCOPE, STATE, EXTRAS);
      expect(denied(deploy, "iam:DeleteRolePermissionsBoundary", `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/dev-api-instance-abc1234`)).to.equal(true);
      for (const action of ["iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion"]) {
        expect(denied(deploy, action, BOUNDARY_ARN), action).to.equal(true);
      }
      expect(allowed(deploy).flatMap(actionsOf).filter((a) => /^iam:\w*(Policy(Version)?|PermissionsBoundary)$/.test(a) && !/RolePolicy$/.test(a))).to.deep.equal(["iam:PutRolePermissionsBoundary"]);
    });

    it("the boundary: what the stacks' roles are given, narrowed to the stacks, and nothing that manages IAM", () => {
      const boundary = stackRoleBoundary(SCOPE);
      const bySid = Object.fromEntries(boundary.Statement.map((s) => [s.Sid, s]));
      expect(Object.keys(bySid)).to.deep.equal(["ReadStackParameters", "SessionManager", "WriteStackLogs", "RemoteWriteMetrics", "PublishAlerts", "RenderAlarms"]);
      expect(boundary.Statement.every((s) => s.Effect === "Allow")).to.equal(true);
      expect(bySid.ReadStackParameters!.Resource).to.deep.equal([`arn:aws:ssm:ap-northeast-2:${MOCK_ACCOUNT_ID}:parameter/trafficlab/dev/*`, `arn:aws:ssm:ap-northeast-2:${MOCK_ACCOUNT_ID}:parameter/trafficlab/prod/*`]);
      expect(bySid.WriteStackLogs).to.deep.include({ Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: [`arn:aws:logs:ap-northeast-2:${MOCK_ACCOUNT_ID}:log-group:/trafficlab/dev/*`, `arn:aws:logs:ap-northeast-2:${MOCK_ACCOUNT_ID}:log-group:/trafficlab/prod/*`] });
      expect(bySid.RemoteWriteMetrics).to.deep.include({ Action: "aps:RemoteWrite", Resource: `arn:aws:aps:ap-northeast-2:${MOCK_ACCOUNT_ID}:workspace/*` });
      const actions = boundary.Statement.flatMap(actionsOf);
      expect(bySid.PublishAlerts).to.deep.include({ Action: "sns:Publish", Resource: [`arn:aws:sns:ap-northeast-2:${MOCK_ACCOUNT_ID}:dev-*`, `arn:aws:sns:ap-northeast-2:${MOCK_ACCOUNT_ID}:prod-*`] });
      for (const action of actions) expect(action).to.match(/^(ssm|ssmmessages|logs|aps|sns|cloudwatch):/);
      expect(actions.filter((a) => a.endsWith("*"))).to.deep.equal(["cloudwatch:Describe*", "cloudwatch:Get*", "cloudwatch:List*"]);
    });

    it("creates the boundary as a managed policy of a fixed name, outputs its ARN, and the deploy role's document names it", async () => {
      const { graph, roles, policyOf } = await build();
      const policy = graph.one(POLICY);
      expect(policy.inputs.name).to.equal("ci-github-stack-role-boundary");
      expect(JSON.parse(String(policy.inputs.policy))).to.deep.equal(stackRoleBoundary(SCOPE));
      expect(await resolveOutput(roles.stackRoleBoundaryArn)).to.equal(BOUNDARY_ARN);
      expect(policyOf("-deploy-stacks").Statement.find((s) => s.Sid === "BoundedStackRoles")!.Condition).to.deep.equal({ StringEquals: { "iam:PermissionsBoundary": BOUNDARY_ARN } });
    });
  });

  describe("GithubDeployRoles: arguments", () => {
    const refusal = (args: Partial<GithubDeployRolesArgs>) => {
      installMocks();
      try {
        new GithubDeployRoles("ci-github", { ...ARGS, ...args });
      } catch (error) {
        expect(error).to.be.instanceOf(InvalidArgumentError);
        return (error as Error).message;
      }
      throw new Error("accepted");
    };

    it("refuses each bad argument by name, the value and what is allowed, before registering anything", async () => {
      const program = installMocks();
      expect(() => new GithubDeployRoles("ci-github", { ...ARGS, repository: "octo-org" })).to.throw(InvalidArgumentError, /repository = "octo-org" is not allowed\. Allowed: OWNER\/NAME/);
      expect((await program.settled()).resources).to.have.length(0);
      expect(refusal({ deployEnvironment: "prod;rm" })).to.match(/deployEnvironment = "prod;rm" is not allowed\. Allowed: a GitHub environment name[^]*contains ";"/);
      expect(refusal({ stacks: [] })).to.include("stacks = [] is not allowed");
      expect(refusal({ stacks: ["prod*"] })).to.include('stacks = "prod*" is not allowed');
      expect(refusal({ existingOidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/gitlab.com" })).to.include("existingOidcProviderArn");
      expect(refusal({ maxSessionDurationSeconds: 60 })).to.include("maxSessionDurationSeconds = 60");
    });
  });

  describe("GitHub names", () => {
    it("takes owner/name as GitHub does, and refuses the rest saying why", () => {
      for (const good of ["octo-org/trafficlab", "a/b", "A1-b2/my.repo_name-2", `${"o".repeat(39)}/${"n".repeat(100)}`]) expect(repositoryProblem(good), good).to.equal(undefined);
      const cases: [string, string][] = [
        ["trafficlab", "has 0 '/'"],
        ["a/b/c", "has 2 '/'"],
        ["-org/x", "owner \"-org\""],
        ["org-/x", "owner \"org-\""],
        ["my--org/x", "owner \"my--org\""],
        [`${"o".repeat(40)}/x`, "owner"],
        ["org/", "name \"\""],
        ["org/has space", "name \"has space\""],
        [`org/${"n".repeat(101)}`, "name"],
        ["org/..", "name \"..\""],
        ["org/x.wiki", ".wiki"],
      ];
      for (const [bad, says] of cases) expect(repositoryProblem(bad), bad).to.be.a("string").and.include(says);
    });

    it("takes GitHub environment names up to 255 characters, and refuses ones GitHub or the sub claim cannot", () => {
      for (const good of ["production", "Prod EU", "staging-2", "e".repeat(255)]) expect(environmentProblem(good), good).to.equal(undefined);
      for (const [bad, says] of [["", "empty"], [" production", "space"], ["production ", "space"], ["e".repeat(256), "256"], ["a:b", '":"'], ["a,b", '","'], ["a;b", '";"'], ["prod*", '"*"'], ["a\tb", "\\t"]] as [string, string][]) {
        expect(environmentProblem(bad), JSON.stringify(bad)).to.be.a("string").and.include(says);
      }
    });

    it("takes branch names and GitHub filter patterns, and refuses spaces and what git refuses", () => {
      for (const good of ["main", "release/*", "releases/**", "!feature/*", "v[0-9]+"]) expect(branchPatternProblem(good), good).to.equal(undefined);
      for (const [bad, says] of [["main branch", "space"], ["", "empty"], ["a..b", "'..'"], ["-x", "'-'"], ["a~1", '"~"'], ["a:b", '":"'], ["x.lock", ".lock"]] as [string, string][]) {
        expect(branchPatternProblem(bad), bad).to.be.a("string").and.include(says);
      }
    });
  });

  describe("ApiImageRepository", () => {
    it("has immutable tags, a scan on every push, encryption and the lifecycle rule", async () => {
      const program = installMocks();
      const repository = new ApiImageRepository("ci-image", { repositoryName: "trafficlab/api", retainImages: 20, untaggedExpiryDays: 3 });
      const graph = await program.settled();
      expect(graph.one("aws:ecr/repository:Repository").inputs).to.deep.include({
        name: "trafficlab/api",
        imageTagMutability: "IMMUTABLE",
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfigurations: [{ encryptionType: "AES256" }],
        forceDelete: false,
      });
      expect(JSON.parse(String(graph.one("aws:ecr/lifecyclePolicy:LifecyclePolicy").inputs.policy))).to.deep.equal(imageLifecyclePolicy({ retainImages: 20, untaggedExpiryDays: 3 }));
      expect(await resolveOutput(repository.repositoryUrl)).to.equal(`${MOCK_ACCOUNT_ID}.dkr.ecr.ap-northeast-2.amazonaws.com/trafficlab/api`);
    });

    it("expires untagged images after D days first, then keeps the newest N (the 'any' rule last, as ECR requires)", () => {
      const { rules } = imageLifecyclePolicy({ retainImages: 30, untaggedExpiryDays: 7 }) as { rules: { rulePriority: number; selection: Record<string, unknown> }[] };
      expect(rules.map((r) => [r.rulePriority, r.selection])).to.deep.equal([
        [1, { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 7 }],
        [2, { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 30 }],
      ]);
    });

    it("refuses a name ECR refuses and counts out of range, each by name", () => {
      installMocks();
      expect(() => new ApiImageRepository("ci-image", { repositoryName: "Trafficlab/API" })).to.throw(InvalidArgumentError, /repositoryName = "Trafficlab\/API"/);
      expect(() => new ApiImageRepository("ci-image", { repositoryName: "trafficlab/api", retainImages: 0, untaggedExpiryDays: 0 })).to.throw(InvalidArgumentError, /retainImages = 0[^]*untaggedExpiryDays = 0/);
    });
  });

  describe("StateBackend", () => {
    it("versions, encrypts with its key, blocks public access and refuses plain HTTP; bucket and key protected", async () => {
      const program = installMocks();
      const backend = new StateBackend("ci");
      const graph = await program.settled();
      const bucket = graph.one("aws:s3/bucket:Bucket");
      const key = graph.one("aws:kms/key:Key");
      expect(bucket.protect).to.equal(true);
      expect(key.protect).to.equal(true);
      expect(bucket.inputs.forceDestroy).to.equal(false);
      expect(key.inputs).to.include({ enableKeyRotation: true, deletionWindowInDays: 30 });
      expect(graph.one("aws:s3/bucketVersioning:BucketVersioning").inputs.versioningConfiguration).to.deep.equal({ status: "Enabled" });
      const [rule] = graph.one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").inputs.rules as Record<string, unknown>[];
      expect(rule).to.deep.equal({ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.outputs.arn }, bucketKeyEnabled: true });
      expect(graph.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs).to.include({ blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
      const policy = JSON.parse(String(graph.one("aws:s3/bucketPolicy:BucketPolicy").inputs.policy)) as PolicyDocument;
      expect(policy.Statement).to.deep.equal([
        { Sid: "DenyPlainHttp", Effect: "Deny", Principal: { AWS: "*" }, Action: "s3:*", Resource: [bucket.outputs.arn, `${String(bucket.outputs.arn)}/*`], Condition: { Bool: { "aws:SecureTransport": false } } },
      ]);
      expect(await resolveOutput(backend.secretsProvider)).to.equal(`awskms://${String(key.outputs.keyId)}?region=ap-northeast-2`);
      expect(await resolveOutput(backend.backendUrl)).to.equal(`s3://${String(bucket.outputs.bucket)}?region=ap-northeast-2`);
    });
  });
});
