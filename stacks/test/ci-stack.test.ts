import { expect } from "chai";
import type { PolicyDocument } from "@trafficlab/ci";
import { MOCK_ACCOUNT_ID } from "@trafficlab/testing";
import { runStackUnderMocks } from "../under-mocks";

const REPOSITORY = { "trafficlab:githubRepository": "octo-org/trafficlab" };

/** `pulumi up -s ci` under the mocks, with Pulumi.ci.yaml and the repository the user sets. */
async function ciStack(values: Record<string, string> = {}) {
  return runStackUnderMocks("ci", { values: { ...REPOSITORY, ...values } });
}

describe("the ci stack (hosting ci) under mocks", () => {
  it("creates the roles, the ECR repository, the state bucket and key, and nothing of the API", async () => {
    const { graph } = await ciStack();
    const types = [...new Set(graph.resources.filter((r) => r.custom).map((r) => r.type))].sort();
    expect(types).to.deep.equal([
      "aws:ecr/lifecyclePolicy:LifecyclePolicy",
      "aws:ecr/repository:Repository",
      "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
      "aws:iam/policy:Policy",
      "aws:iam/role:Role",
      "aws:iam/rolePolicy:RolePolicy",
      "aws:kms/alias:Alias",
      "aws:kms/key:Key",
      "aws:s3/bucket:Bucket",
      "aws:s3/bucketPolicy:BucketPolicy",
      "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      "aws:s3/bucketVersioning:BucketVersioning",
    ]);
    expect(graph.ofType("aws:ecr/repository:Repository")[0]!.inputs.name).to.equal("trafficlab/api");
  });

  it("publishes the outputs the workflows and the README use, under those names", async () => {
    const { outputs } = await ciStack();
    expect(outputs).to.include.keys("previewRoleArn", "deployRoleArn", "ecrRepositoryUrl", "stateBucket", "secretsProvider");
    expect(outputs.previewRoleArn).to.match(/^arn:aws:iam::\d{12}:role\/ci-github-preview-/);
    expect(outputs.deployRoleArn).to.match(/^arn:aws:iam::\d{12}:role\/ci-github-deploy-/);
    // What each deployed stack's iamPermissionsBoundary must be (README, Deploy from CI).
    expect(outputs.stackRoleBoundaryArn).to.equal(`arn:aws:iam::${MOCK_ACCOUNT_ID}:policy/ci-github-stack-role-boundary`);
    expect(outputs.ecrRepositoryUrl).to.equal(`${MOCK_ACCOUNT_ID}.dkr.ecr.ap-northeast-2.amazonaws.com/trafficlab/api`);
    expect(outputs.stateBucket).to.match(/^trafficlab-ci-state-/);
    expect(outputs.secretsProvider).to.match(/^awskms:\/\/[0-9a-f-]+\?region=ap-northeast-2$/);
    expect(outputs).to.deep.include({ hosting: "ci", githubRepository: "octo-org/trafficlab", deployEnvironment: "production", deployStacks: ["dev", "prod"], previewBranches: ["main"], deployBranch: "main", awsRegion: "ap-northeast-2" });
    expect(outputs.backendUrl).to.equal(`s3://${String(outputs.stateBucket)}?region=ap-northeast-2`);
  });

  it("trusts exactly the repository's pull requests and its production environment, scoped to dev and prod", async () => {
    const { graph } = await ciStack();
    const sub = (suffix: string) => (JSON.parse(String(graph.one("aws:iam/role:Role", suffix).inputs.assumeRolePolicy)) as PolicyDocument).Statement[0]!.Condition!.StringEquals!;
    expect(sub("-preview")).to.deep.equal({ "token.actions.githubusercontent.com:aud": "sts.amazonaws.com", "token.actions.githubusercontent.com:sub": "repo:octo-org/trafficlab:pull_request" });
    expect(sub("-deploy")).to.deep.equal({ "token.actions.githubusercontent.com:aud": "sts.amazonaws.com", "token.actions.githubusercontent.com:sub": "repo:octo-org/trafficlab:environment:production" });
    const deploy = JSON.parse(String(graph.one("aws:iam/rolePolicy:RolePolicy", "-deploy-stacks").inputs.policy)) as PolicyDocument;
    expect(deploy.Statement.find((s) => s.Sid === "ChangeStackTagged")!.Condition).to.deep.equal({ StringEquals: { "aws:ResourceTag/Stack": ["dev", "prod"] } });
    const bucket = graph.one("aws:s3/bucket:Bucket");
    expect(deploy.Statement.find((s) => s.Sid === "ReadWriteState")!.Resource).to.equal(`${String(bucket.outputs.arn)}/.pulumi/*`);
    expect(deploy.Statement.find((s) => s.Sid === "PushApiImage")!.Resource).to.equal(graph.one("aws:ecr/repository:Repository").outputs.arn);
  });

  it("protects the state bucket and the key (the policy pack over this stack: packages/policies/test/stacks.test.ts)", async () => {
    const { graph } = await ciStack();
    expect(graph.one("aws:s3/bucket:Bucket").protect).to.equal(true);
    expect(graph.one("aws:kms/key:Key").protect).to.equal(true);
  });

  it("takes an account's existing OIDC provider instead of creating one", async () => {
    const existing = "arn:aws:iam::210987654321:oidc-provider/token.actions.githubusercontent.com";
    const { graph, outputs } = await ciStack({ "trafficlab:githubOidcProviderArn": existing });
    expect(graph.ofType("aws:iam/openIdConnectProvider:OpenIdConnectProvider")).to.have.length(0);
    expect(outputs.oidcProviderArn).to.equal(existing);
  });
});
