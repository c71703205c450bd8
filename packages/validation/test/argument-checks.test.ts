import { expect } from "chai";
import { InvalidArgumentError, requireIntegerInRange, requireOneOf, requirePinnedImage, requireSecretInput } from "@trafficlab/validation";

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

describe("@trafficlab/validation requirePinnedImage", () => {
  it("accepts private-registry and digest references", () => {
    for (const image of [
      "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/trafficlab/api:1.4.0",
      "registry.example.com:5000/team/api:2025.11.24-3",
      "localhost:5000/api:dev-1",
      `example/trafficlab-api@sha256:${"a".repeat(64)}`,
      `example/trafficlab-api:1.4.0@sha256:${"0".repeat(64)}`,
      "nginx:1.28.0-alpine",
    ]) {
      expect(requirePinnedImage("C", "image", image)).to.equal(image);
    }
  });

  it("refuses latest, a missing tag and malformed references, naming the setting, the value and what is allowed", () => {
    for (const image of ["example/trafficlab-api:latest", "example/trafficlab-api", "Example/API:1.0", "example/api:1.0 ; reboot", "example/api@sha256:abc", ""]) {
      expect(() => requirePinnedImage("ApiHost", "app.image", image))
        .to.throw(InvalidArgumentError, `ApiHost: app.image = ${JSON.stringify(image)} is not allowed`)
        .with.property("message")
        .that.includes("version tag or a digest");
    }
  });
});
