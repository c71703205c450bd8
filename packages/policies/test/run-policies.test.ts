import { expect } from "chai";
import * as aws from "@pulumi/aws";
import { validateResourceOfType, validateStackResourcesOfType, type ResourceValidationArgs, type ResourceValidationPolicy, type StackValidationPolicy } from "@pulumi/policy";
import { installMocks, type RegisteredResource } from "@trafficlab/testing";
import { runPolicies } from "@trafficlab/policies";

/** What the mocks recorded; typed as @trafficlab/testing's records, so the compiler checks the runner takes them as they are. */
async function recorded(build: () => void): Promise<RegisteredResource[]> {
  const program = installMocks();
  build();
  return (await program.settled()).resources;
}

describe("runPolicies: the in-process stand-in for the policy runtime", () => {
  it("gives a resource policy the runtime's ResourceValidationArgs: type, name, urn, inputs, opts, isType, asType", async () => {
    const resources = await recorded(() => {
      const vpc = new aws.ec2.Vpc("vpc", { cidrBlock: "10.0.0.0/16" });
      new aws.ec2.Subnet("subnet", { vpcId: vpc.id, cidrBlock: "10.0.0.0/20" }, { protect: true, ignoreChanges: ["tags"] });
    });
    const seen: ResourceValidationArgs[] = [];
    const spy: ResourceValidationPolicy = { name: "spy", description: "records its args", validateResource: (args) => void seen.push(args) };
    await runPolicies(resources, { environment: "dev", policies: [spy] });
    const subnet = seen.find((args) => args.type === "aws:ec2/subnet:Subnet")!;
    expect(subnet.name).to.equal("subnet");
    expect(subnet.urn).to.equal("urn:pulumi:test::trafficlab::aws:ec2/subnet:Subnet::subnet");
    expect(subnet.props).to.deep.include({ cidrBlock: "10.0.0.0/20" });
    expect(subnet.props.vpcId).to.match(/^vpc-/);
    expect(subnet.opts).to.deep.include({ protect: true, ignoreChanges: ["tags"], aliases: [] });
    expect(subnet.isType(aws.ec2.Subnet)).to.equal(true);
    expect(subnet.isType(aws.ec2.Vpc)).to.equal(false);
    expect(subnet.asType(aws.ec2.Subnet)).to.equal(subnet.props);
    expect(subnet.asType(aws.ec2.Vpc)).to.equal(undefined);
  });

  it("runs validateResourceOfType policies written against @pulumi/aws classes", async () => {
    const resources = await recorded(() => new aws.rds.Instance("db", { instanceClass: "db.t3.micro", multiAz: false }));
    const policy: ResourceValidationPolicy = {
      name: "multi-az",
      description: "RDS is Multi-AZ",
      enforcementLevel: "mandatory",
      validateResource: validateResourceOfType(aws.rds.Instance, (db, _args, report) => {
        if (!db.multiAz) report(`instance class ${db.instanceClass} is single-AZ`);
      }),
    };
    const violations = await runPolicies(resources, { environment: "dev", policies: [policy] });
    expect(violations).to.deep.equal([
      {
        policyName: "multi-az",
        enforcementLevel: "mandatory",
        message: "instance class db.t3.micro is single-AZ",
        description: "RDS is Multi-AZ",
        urn: "urn:pulumi:test::trafficlab::aws:rds/instance:Instance::db",
        resourceType: "aws:rds/instance:Instance",
        resourceName: "db",
      },
    ]);
  });

  it("applies enforcement levels like the runtime: config over policy over pack default; disabled skips; remediate reports as mandatory", async () => {
    const resources = await recorded(() => new aws.ec2.Vpc("vpc", { cidrBlock: "10.0.0.0/16" }));
    const always = (name: string, enforcementLevel?: ResourceValidationPolicy["enforcementLevel"]): ResourceValidationPolicy => ({
      name,
      description: name,
      enforcementLevel,
      validateResource: validateResourceOfType(aws.ec2.Vpc, (_vpc, _args, report) => report("seen")),
    });
    const policies = [always("unset"), always("advisory-policy", "advisory"), always("off", "disabled"), always("fix", "remediate"), always("lowered", "mandatory")];
    const levels = async (defaultEnforcementLevel?: "advisory" | "mandatory") =>
      (await runPolicies(resources, { environment: "dev", policies, defaultEnforcementLevel, config: { lowered: "advisory" } })).map((v) => `${v.policyName}=${v.enforcementLevel}`);
    expect(await levels()).to.deep.equal(["unset=advisory", "advisory-policy=advisory", "fix=mandatory", "lowered=advisory"]);
    expect(await levels("mandatory")).to.deep.equal(["unset=mandatory", "advisory-policy=advisory", "fix=mandatory", "lowered=advisory"]);
  });

  it("hands getConfig() the schema defaults, the environment and the given config; notApplicable() just skips", async () => {
    const resources = await recorded(() => new aws.ec2.Vpc("vpc", { cidrBlock: "10.0.0.0/16" }));
    const configs: object[] = [];
    const policy: ResourceValidationPolicy = {
      name: "configured",
      description: "reads config",
      configSchema: { properties: { environment: { type: "string" }, limit: { type: "integer", default: 3 }, label: { type: "string" } } },
      validateResource: (args) => {
        if (args.type !== "aws:ec2/vpc:Vpc") args.notApplicable("only VPCs");
        configs.push(args.getConfig());
      },
    };
    const violations = await runPolicies(resources, { environment: "prod", policies: [policy], config: { configured: { label: "x", enforcementLevel: "mandatory" } } });
    expect(violations).to.deep.equal([]);
    expect(configs).to.deep.equal([{ environment: "prod", limit: 3, label: "x" }]);
  });

  it("runs stack policies over outputs, with parents and property dependencies linked", async () => {
    const resources = await recorded(() => {
      const vpc = new aws.ec2.Vpc("vpc", { cidrBlock: "10.0.0.0/16" });
      new aws.ec2.Subnet("subnet", { vpcId: vpc.id, cidrBlock: "10.0.0.0/20" });
    });
    const policy: StackValidationPolicy = {
      name: "subnets-know-their-vpc",
      description: "every subnet depends on a VPC through vpcId",
      enforcementLevel: "mandatory",
      validateStack: validateStackResourcesOfType(aws.ec2.Subnet, (subnets, args, report) => {
        const subnet = args.resources.find((r) => r.type === "aws:ec2/subnet:Subnet")!;
        const vpc = subnet.propertyDependencies.vpcId?.[0];
        report(`${subnets.length} subnet(s); ${subnet.name} -> ${vpc?.name} ${String(vpc?.props.arn)}`, subnet.urn);
      }),
    };
    const [violation, ...rest] = await runPolicies(resources, { environment: "dev", policies: [policy] });
    expect(rest).to.deep.equal([]);
    expect(violation!.message).to.match(/^1 subnet\(s\); subnet -> vpc arn:aws:ec2:ap-northeast-2:123456789012:vpc\/vpc-/);
    expect(violation!.resourceName).to.equal("subnet");
  });

  it("reports which policy failed when one throws", async () => {
    const resources = await recorded(() => new aws.ec2.Vpc("vpc", { cidrBlock: "10.0.0.0/16" }));
    const broken: ResourceValidationPolicy = {
      name: "broken",
      description: "throws",
      validateResource: validateResourceOfType(aws.ec2.Vpc, () => {
        throw new Error("boom");
      }),
    };
    let thrown: unknown;
    try {
      await runPolicies(resources, { environment: "dev", policies: [broken] });
    } catch (error) {
      thrown = error;
    }
    expect(String(thrown)).to.include("policy broken failed on urn:pulumi:test::trafficlab::aws:ec2/vpc:Vpc::vpc: boom");
  });
});
