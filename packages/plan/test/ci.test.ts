import { expect } from "chai";
import { runPlanCommand, runPlan } from "../src/cli";
import { CI_ASSUMPTIONS } from "../src/cost";
import type { Plan } from "../src/report";
import { buildChangeReport } from "../src/lifecycle/report";
import { planSettingsChange } from "../src/lifecycle/settings-change";

describe("plan: the ci stack (hosting ci)", () => {
  let plan: Plan;
  before(async () => {
    plan = JSON.parse(await runPlanCommand(["ci", "--json"])) as Plan;
  });

  it("lists the roles, the ECR repository, the state bucket and key, and nothing of the API", () => {
    const types = new Set(plan.resources.map((r) => r.type));
    for (const type of ["aws:iam/openIdConnectProvider:OpenIdConnectProvider", "aws:iam/role:Role", "aws:ecr/repository:Repository", "aws:s3/bucket:Bucket", "aws:kms/key:Key"]) expect(types, type).to.include(type);
    for (const type of ["aws:ec2/vpc:Vpc", "aws:ec2/instance:Instance", "aws:rds/instance:Instance", "aws:elasticache/replicationGroup:ReplicationGroup"]) expect(types, type).not.to.include(type);
    expect(plan.exposure).to.deep.equal([]);
  });

  it("prices the key at USD 1, the state's storage and requests and the images' storage, with their assumptions, and nothing missing", () => {
    const byKey = new Map(plan.costLines.map((l) => [l.priceKey, l]));
    expect(byKey.get("kms-key")).to.deep.include({ quantity: 1, monthlyUsd: 1 });
    expect(byKey.get("kms-key")!.note).to.include("USD 2 a month after the first rotation");
    expect(byKey.get("s3-storage:standard")).to.deep.include({ quantity: CI_ASSUMPTIONS.stateGb, monthlyUsd: 0.03 });
    expect(byKey.get("s3-requests:put")).to.deep.include({ quantity: 9, unit: "1000 requests", monthlyUsd: 0.04 });
    expect(byKey.get("s3-requests:get")).to.deep.include({ quantity: 15, monthlyUsd: 0.01 });
    // The count comes from the repository's own lifecycle rule (Pulumi.ci.yaml: 30).
    expect(byKey.get("ecr-storage")).to.deep.include({ item: "ECR storage, 30 images kept (estimate)", quantity: 7.5, monthlyUsd: 0.75 });
    for (const key of ["s3-storage:standard", "s3-requests:put", "ecr-storage"]) expect(byKey.get(key)!.note, key).to.match(/assumed/);
    expect(plan.costComplete).to.equal(true);
    expect(plan.monthlyCostUsd).to.equal(1.83);
    expect(plan.notes.map((n) => n.message).join("\n")).to.include("trafficlab:githubRepository is not set in Pulumi.ci.yaml");
  });

  it("--change: the repository in place (OK), the image count through a replaced lifecycle policy (OK, cost follows), a new Region FAILS on the protected backend", async () => {
    const repository = buildChangeReport(await planSettingsChange("ci", { set: { githubRepository: "other-org/trafficlab" } }));
    expect(repository.verdict).to.equal("OK");
    const images = buildChangeReport(await planSettingsChange("ci", { set: { ecrRetainImages: "50" } }));
    expect(images.verdict).to.equal("OK");
    expect(JSON.stringify(images)).to.include("forces a new resource");
    const region = await runPlan(["ci", "--change", "aws:region=ap-northeast-1"]);
    expect(region.exitCode).to.equal(5);
    expect(region.text).to.include("trafficlab-ci-state is protected");
  });

  it("--change of an API setting in the ci stack says it is unused there", async () => {
    const report = buildChangeReport(await planSettingsChange("ci", { set: { dbInstanceClass: "db.t3.small" } }));
    expect(report.verdict).to.equal("UNUSED");
    expect(report.unused).to.deep.equal([{ key: "dbInstanceClass", note: "no effect: unused when hosting=ci" }]);
  });
});
