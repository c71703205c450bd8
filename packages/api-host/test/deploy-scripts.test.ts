import { expect } from "chai";
import { InvalidArgumentError } from "@trafficlab/validation";
import { composeUpScript, pullImagesScript, writeFileScript } from "@trafficlab/api-host";

describe("@trafficlab/api-host deploy scripts: arguments", () => {
  it("writeFileScript refuses relative paths, '..' and modes it does not know", () => {
    expect(() => writeFileScript("opt/trafficlab/.env", "600")).to.throw(InvalidArgumentError, "path");
    expect(() => writeFileScript("/opt/trafficlab/../etc/passwd", "600")).to.throw(InvalidArgumentError, "..");
    expect(() => writeFileScript("/opt/trafficlab/$(reboot)", "600")).to.throw(InvalidArgumentError, "path");
    expect(() => writeFileScript("/opt/trafficlab/.env", "777" as never)).to.throw(InvalidArgumentError, "mode");
  });

  it("pullImagesScript refuses a registry without a user and a registry that is not a host name", () => {
    expect(() => pullImagesScript({ registry: "docker.io" })).to.throw(InvalidArgumentError, "username");
    expect(() => pullImagesScript({ registry: "https://docker.io", username: "u" })).to.throw(InvalidArgumentError, "registry");
  });

  it("composeUpScript refuses a wait timeout that is not a whole number of seconds, and required files outside the project", () => {
    expect(() => composeUpScript({ waitTimeoutSeconds: 0 })).to.throw(InvalidArgumentError, "waitTimeoutSeconds");
    expect(() => composeUpScript({ waitTimeoutSeconds: 1.5 })).to.throw(InvalidArgumentError, "waitTimeoutSeconds");
    expect(() => composeUpScript({ requiredFiles: ["../etc/passwd"] })).to.throw(InvalidArgumentError, "requiredFiles");
  });
});
