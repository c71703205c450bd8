import { expect } from "chai";
import { InvalidArgumentError } from "@trafficlab/validation";
import { parseVpcCidr, planSubnets } from "@trafficlab/network";

function refusal(build: () => unknown): InvalidArgumentError {
  try {
    build();
  } catch (error) {
    expect(error).to.be.instanceOf(InvalidArgumentError);
    return error as InvalidArgumentError;
  }
  throw new Error("expected an InvalidArgumentError, but nothing was thrown");
}

describe("planSubnets", () => {
  it("splits 10.0.0.0/16 into /20s: public from slot 0, private from slot 8", () => {
    expect(planSubnets("10.0.0.0/16", 2)).to.deep.equal({
      public: ["10.0.0.0/20", "10.0.16.0/20"],
      private: ["10.0.128.0/20", "10.0.144.0/20"],
    });
  });

  it("keeps existing subnets' addresses when the zone count grows", () => {
    const two = planSubnets("10.0.0.0/16", 2);
    const three = planSubnets("10.0.0.0/16", 3);
    expect(three.public.slice(0, 2)).to.deep.equal(two.public);
    expect(three.private.slice(0, 2)).to.deep.equal(two.private);
    expect(three.public[2]).to.equal("10.0.32.0/20");
    expect(three.private[2]).to.equal("10.0.160.0/20");
  });

  it("fills all 16 slots of a /24 with /28s at 8 zones", () => {
    const plan = planSubnets("192.168.7.0/24", 8);
    expect(plan.public).to.deep.equal([0, 16, 32, 48, 64, 80, 96, 112].map((n) => `192.168.7.${n}/28`));
    expect(plan.private).to.deep.equal([128, 144, 160, 176, 192, 208, 224, 240].map((n) => `192.168.7.${n}/28`));
  });

  it("carries across octets for prefixes that are not a multiple of 8", () => {
    expect(planSubnets("172.16.0.0/18", 2)).to.deep.equal({
      public: ["172.16.0.0/22", "172.16.4.0/22"],
      private: ["172.16.32.0/22", "172.16.36.0/22"],
    });
    // The top of the address space: slot arithmetic must stay unsigned.
    expect(planSubnets("255.255.0.0/16", 1).private).to.deep.equal(["255.255.128.0/20"]);
  });

  it("refuses a VPC too small for 16 subnets of at least /28, naming the largest prefix that works", () => {
    const error = refusal(() => planSubnets("10.0.0.0/25", 2));
    expect(error.argument).to.equal("cidrBlock");
    expect(error.message).to.include('"10.0.0.0/25"').and.include("/24 or shorter").and.include("/28");
  });

  it("refuses more zones than the layout has slots, and fewer than one", () => {
    expect(refusal(() => planSubnets("10.0.0.0/16", 9)).message).to.include("availabilityZoneCount = 9").and.include("from 1 to 8");
    expect(refusal(() => planSubnets("10.0.0.0/16", 0)).message).to.include("availabilityZoneCount = 0");
    expect(refusal(() => planSubnets("10.0.0.0/16", 1.5)).message).to.include("whole number");
  });

  it("names the caller given, or itself", () => {
    expect(refusal(() => planSubnets("10.0.0.0/25", 2)).message).to.match(/^planSubnets: cidrBlock/);
    expect(refusal(() => planSubnets("10.0.0.0/25", 2, "my-vpc")).message).to.match(/^my-vpc: cidrBlock/);
  });
});

describe("parseVpcCidr", () => {
  it("accepts a network address with a /16 to /28 prefix", () => {
    expect(parseVpcCidr("t", "10.0.0.0/16")).to.deep.equal({ cidrBlock: "10.0.0.0/16", network: 0x0a000000, prefix: 16 });
    expect(parseVpcCidr("t", "10.0.0.16/28").prefix).to.equal(28);
  });

  for (const [cidr, fragment] of [
    ["10.0.0/16", "four decimal octets"],
    ["300.0.0.0/16", "four decimal octets"],
    ["010.0.0.0/16", "four decimal octets"],
    ["10.0.0.0", "four decimal octets"],
    ["10.0.0.0/8", "from /16 to /28"],
    ["10.0.0.0/29", "from /16 to /28"],
    ["10.0.0.5/16", "network address, 10.0.0.0/16"],
    ["10.0.0.0/016", "network address, 10.0.0.0/16"],
  ] as const) {
    it(`refuses ${cidr}`, () => {
      const error = refusal(() => parseVpcCidr("t", cidr));
      expect(error.message).to.include(`cidrBlock = "${cidr}"`).and.include(fragment);
    });
  }
});
