import { expect } from "chai";
import { explainRefusedType, nearestAllowed, parseInstanceType, type AllowList } from "@trafficlab/validation";

const host: AllowList = {
  prefix: "",
  default: "t3.micro",
  allowed: ["t3.micro", "t3.small", "t3.large", "t4g.micro", "c6i.large", "c7i.large", "c7g.large", "m7i.large", "m7g.large"],
  what: "the host",
  why: "the families the host is tested on",
  refusedClasses: { r: "memory-optimised families are not offered for the host" },
  previousGenerations: { families: ["m4"], reason: "not tested" },
};

describe("@trafficlab/validation explainRefusedType", () => {
  it("reads a type's family, generation, attributes and size", () => {
    expect(parseInstanceType("c7gn.2xlarge")).to.deep.equal({ family: "c7gn", kind: "c", generation: 7, attributes: "gn", size: "2xlarge" });
    expect(parseInstanceType("t3micro")).to.equal(undefined);
  });

  it("names the family's offered sizes for a size it lacks", () => {
    expect(explainRefusedType("t3.medium", host)).to.equal("t3 is offered for the host in micro, small, large only; nearest allowed: t3.small, t3.large, t3.micro, t4g.micro.");
  });

  it("says a family is outside the list, and offers the same size in the most alike families", () => {
    expect(explainRefusedType("c7a.large", host)).to.equal("c7a (compute optimised) is not in the families the host is tested on; nearest allowed: c7i.large, c6i.large, c7g.large, m7i.large.");
  });

  it("gives a refused class its own reason, and a previous generation its", () => {
    expect(explainRefusedType("r7g.2xlarge", host)).to.match(/^memory-optimised families are not offered for the host; nearest allowed: /);
    expect(explainRefusedType("m4.large", host)).to.match(/^m4 is a previous generation: not tested; nearest allowed: m7i.large, m7g.large/);
  });

  it("answers a malformed type with the form, a case slip with the fix, and an EC2 type given for an RDS class with the class", () => {
    expect(explainRefusedType("t3micro", host)).to.equal("Allowed: a type of the form <family>.<size>, e.g. t3.micro; nearest allowed: t3.micro, t4g.micro, t3.large, t3.small.");
    expect(explainRefusedType("T3.Micro", host)).to.equal("types are written in lower case: did you mean t3.micro?");
    const rds: AllowList = { prefix: "db.", allowed: ["db.t3.micro"], what: "RDS", why: "the classes offered" };
    expect(explainRefusedType("t3.micro", rds)).to.equal("t3.micro is an EC2 type; RDS takes db.<family>.<size>, e.g. db.t3.micro: did you mean db.t3.micro?");
  });

  it("offers the default first for a size that does not exist", () => {
    expect(explainRefusedType("x9.huge", host)).to.match(/^huge is not an instance size \(.*\); nearest allowed: t3\.micro, /);
    expect(nearestAllowed("t3.micro", host, 2)).to.deep.equal(["t3.micro", "t3.small"]);
  });
});
