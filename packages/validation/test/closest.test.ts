import { expect } from "chai";
import { closestMatch, didYouMean, editDistance } from "@trafficlab/validation";

describe("@trafficlab/validation closestMatch", () => {
  it("counts edits and adjacent swaps, without case", () => {
    expect(editDistance("hostInstanceTyp", "hostInstanceType")).to.equal(1);
    expect(editDistance("regoin", "region")).to.equal(1);
    expect(editDistance("HostOS", "hostOs")).to.equal(0);
    expect(editDistance("", "abc")).to.equal(3);
    expect(editDistance("kitten", "sitting")).to.equal(3);
  });

  it("suggests the nearest key, preferring one that starts the same", () => {
    const keys = ["hostInstanceType", "dbInstanceClass", "cacheNodeType", "region"];
    expect(closestMatch("hostInstanceTyp", keys)).to.equal("hostInstanceType");
    expect(closestMatch("dbInstanceType", keys)).to.equal("dbInstanceClass");
    expect(closestMatch("cacheNodeTyp", keys)).to.equal("cacheNodeType");
  });

  it("suggests nothing for a word near no key", () => {
    expect(closestMatch("zzz", ["hostOs", "nat"])).to.equal(undefined);
    expect(closestMatch("databasePassword", ["hostOs", "nat"])).to.equal(undefined);
    expect(didYouMean("zzz", ["hostOs"], "; see the list")).to.equal("; see the list");
    expect(didYouMean("hostO", ["hostOs"], "; see the list")).to.equal("; did you mean hostOs?");
  });
});
