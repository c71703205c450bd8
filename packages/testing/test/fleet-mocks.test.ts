import { expect } from "chai";
import * as aws from "@pulumi/aws";
import { MOCK_ACCOUNT_ID, installMocks } from "@trafficlab/testing";

describe("@trafficlab/testing mocks: what AWS answers for a fleet's resources", () => {
  it("a load balancer's DNS name, zone and ARN suffix; a target group's suffix; a launch template's version", async () => {
    const program = installMocks();
    new aws.lb.LoadBalancer("api-alb", { loadBalancerType: "application" });
    new aws.lb.TargetGroup("api-tg", { port: 80, protocol: "HTTP" });
    new aws.ec2.LaunchTemplate("api-lt", {});
    const graph = await program.settled();
    const lb = graph.one("aws:lb/loadBalancer:LoadBalancer").outputs;
    expect(lb.dnsName).to.match(/^api-alb-[0-9a-f]{7}-\d+\.ap-northeast-2\.elb\.amazonaws\.com$/);
    expect(lb.zoneId).to.equal("ZWKZPGTI48KDX");
    expect(lb.arnSuffix).to.match(/^app\/api-alb-[0-9a-f]{7}\/[0-9a-f]{16}$/);
    expect(String(lb.arn).endsWith(`loadbalancer/${String(lb.arnSuffix)}`)).to.equal(true);
    expect(graph.one("aws:lb/targetGroup:TargetGroup").outputs.arnSuffix).to.match(/^targetgroup\/api-tg-[0-9a-f]{7}\/[0-9a-f]{16}$/);
    const lt = graph.one("aws:ec2/launchTemplate:LaunchTemplate");
    expect(lt.id).to.match(/^lt-[0-9a-f]{17}$/);
    expect(lt.outputs).to.include({ latestVersion: 1, defaultVersion: 1 });
  });

  it("a hierarchical parameter's ARN and version, an ACM certificate's DNS validation record, a record's FQDN", async () => {
    const program = installMocks();
    new aws.ssm.Parameter("p", { name: "/trafficlab/prod/api/database-password", type: "SecureString", value: "x" });
    new aws.acm.Certificate("c", { domainName: "api.example.com", validationMethod: "DNS" });
    new aws.route53.Record("r", { zoneId: "Z1", name: "api.example.com.", type: "A" });
    const graph = await program.settled();
    expect(graph.one("aws:ssm/parameter:Parameter").outputs).to.include({ version: 1, arn: `arn:aws:ssm:ap-northeast-2:${MOCK_ACCOUNT_ID}:parameter/trafficlab/prod/api/database-password` });
    const [option] = graph.one("aws:acm/certificate:Certificate").outputs.domainValidationOptions as { domainName: string; resourceRecordName: string; resourceRecordType: string }[];
    expect(option).to.include({ domainName: "api.example.com", resourceRecordType: "CNAME" });
    expect(option!.resourceRecordName).to.match(/^_[0-9a-f]{32}\.api\.example\.com\.$/);
    expect(graph.one("aws:route53/record:Record").outputs.fqdn).to.equal("api.example.com");
  });
});
