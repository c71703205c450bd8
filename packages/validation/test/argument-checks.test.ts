import { expect } from "chai";
import { InvalidArgumentError, requireIntegerInRange, requireOneOf, requireSecretInput } from "@trafficlab/validation";

describe("@trafficlab/validation", () => {
  it("names the component, the argument, the value and what is allowed", () => {
    expect(() => requireOneOf("C \"x\"", "nat", "double", ["none", "single"], "A NAT gateway costs money."))
      .to.throw(InvalidArgumentError, 'C "x": nat = "double" is not allowed. Allowed: none, single. A NAT gateway costs money.');
  });

  it("accepts whole numbers in range and refuses fractions and out-of-range values", () => {
    expect(requireIntegerInRange("C", "n", 3, 2, 6)).to.equal(3);
    expect(() => requireIntegerInRange("C", "n", 2.5, 2, 6)).to.throw("n = 2.5 is not allowed. Allowed: a whole number from 2 to 6.");
    expect(() => requireIntegerInRange("C", "n", 1, 2, 6)).to.throw("n = 1");
  });

  it("refuses a plain string where a secret is required, without echoing it", () => {
    let message = "";
    try {
      requireSecretInput("C", "password", "hunter2");
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).to.include("password").and.include("Pulumi secret");
    expect(message).not.to.include("hunter2");
  });
});
