import { expect } from "chai";
import { InvalidArgumentError } from "@trafficlab/validation";
import { parsePreviousImage, renderContainerEnvFile, rollingDeployScript } from "@trafficlab/api-host";

const IMAGE_A = "trafficlab/api:1.4.0";
describe("@trafficlab/api-host rollingDeployScript arguments", () => {
  it("refuses latest, untagged images and names or paths that could escape", () => {
    expect(() => rollingDeployScript({ image: "trafficlab/api:latest" })).to.throw(InvalidArgumentError, "image");
    expect(() => rollingDeployScript({ image: "trafficlab/api" })).to.throw(InvalidArgumentError, "image");
    expect(() => rollingDeployScript({ image: IMAGE_A, network: "net work" })).to.throw(InvalidArgumentError, "network");
    expect(() => rollingDeployScript({ image: IMAGE_A, containerPrefix: "$(reboot)" })).to.throw(InvalidArgumentError, "containerPrefix");
    expect(() => rollingDeployScript({ image: IMAGE_A, envFile: "../etc/shadow" })).to.throw(InvalidArgumentError, "envFile");
    expect(() => rollingDeployScript({ image: IMAGE_A, serviceAlias: "api live" })).to.throw(InvalidArgumentError, "serviceAlias");
    expect(() => rollingDeployScript({ image: IMAGE_A, projectDir: "opt/trafficlab" })).to.throw(InvalidArgumentError, "projectDir");
    expect(() => rollingDeployScript({ image: IMAGE_A, healthPath: "/health'; reboot" })).to.throw(InvalidArgumentError, "healthPath");
  });

  it("refuses timeouts out of range and environment entries that are not one line", () => {
    expect(() => rollingDeployScript({ image: IMAGE_A, healthTimeoutSeconds: 0 })).to.throw(InvalidArgumentError, "healthTimeoutSeconds");
    expect(() => rollingDeployScript({ image: IMAGE_A, drainSeconds: -1 })).to.throw(InvalidArgumentError, "drainSeconds");
    expect(() => rollingDeployScript({ image: IMAGE_A, pollSeconds: 0.5 })).to.throw(InvalidArgumentError, "pollSeconds");
    expect(() => rollingDeployScript({ image: IMAGE_A, environment: { "BAD KEY": "x" } })).to.throw(InvalidArgumentError, "environment");
    expect(() => rollingDeployScript({ image: IMAGE_A, environment: { TZ: "a\nb" } })).to.throw(InvalidArgumentError, "environment.TZ");
  });

  it("quotes every value it puts in the script", () => {
    const script = rollingDeployScript({ image: IMAGE_A, environment: { GREETING: "it's $(reboot) `id`" } });
    expect(script).to.include(`container_environment=('GREETING=it'\\''s $(reboot) \`id\`')`);
  });
});

describe("@trafficlab/api-host renderContainerEnvFile and parsePreviousImage", () => {
  it("writes KEY=value lines, sorted, verbatim: docker --env-file keeps quotes, so none are added", () => {
    expect(renderContainerEnvFile({ B: "it's \"quoted\" $HOME", A: "x=y" })).to.equal(`A=x=y\nB=it's "quoted" $HOME\n`);
    expect(renderContainerEnvFile({})).to.equal("");
  });

  it("refuses keys that are not variable names and values docker cannot read back, without showing the value", () => {
    expect(() => renderContainerEnvFile({ "1A": "x" })).to.throw(InvalidArgumentError, "key");
    for (const value of ["two\nlines", "cr\r", "nul\0", "lone \ud800"]) {
      expect(() => renderContainerEnvFile({ SECRET: value })).to.throw(InvalidArgumentError, "<value not shown>");
    }
  });

  it("reads the last previous-image line of the deploy output", () => {
    expect(parsePreviousImage("rolling-deploy: ...\nprevious-image=a/b:1\n")).to.equal("a/b:1");
    expect(parsePreviousImage("previous-image=\n")).to.equal(undefined);
    expect(parsePreviousImage("no such line")).to.equal(undefined);
  });
});
