import { createHash } from "node:crypto";
import { expect } from "chai";
import { InvalidArgumentError } from "@trafficlab/validation";
import { COMPOSE_PLUGIN, installDockerScript, type ComposePluginPin } from "@trafficlab/api-host";

/** Stands in for the downloaded release binary: what `curl` writes, whose sha256 the test pins. */
const FIXTURE = '#!/bin/sh\necho "Docker Compose version v2.40.3 (sandbox fixture)"\n';
const FIXTURE_SHA256 = createHash("sha256").update(FIXTURE).digest("hex");
const fixturePin: ComposePluginPin = { version: COMPOSE_PLUGIN.version, sha256: { x86_64: FIXTURE_SHA256, aarch64: FIXTURE_SHA256 } };

describe("@trafficlab/api-host installDockerScript", () => {
  describe("the pinned Compose plugin", () => {
    it("is a real v2 release with a sha256 for each Linux CPU the host may have", () => {
      expect(COMPOSE_PLUGIN.version).to.match(/^2\.\d+\.\d+$/);
      expect(COMPOSE_PLUGIN.sha256.x86_64).to.match(/^[0-9a-f]{64}$/);
      expect(COMPOSE_PLUGIN.sha256.aarch64).to.match(/^[0-9a-f]{64}$/);
      expect(COMPOSE_PLUGIN.sha256.x86_64).not.to.equal(COMPOSE_PLUGIN.sha256.aarch64);
    });

    it("is what the default script downloads and checks", () => {
      const script = installDockerScript();
      expect(script).to.include(`compose_version='${COMPOSE_PLUGIN.version}'`);
      expect(script).to.include(`compose_sha256_x86_64='${COMPOSE_PLUGIN.sha256.x86_64}'`);
      expect(script).to.include(`compose_sha256_aarch64='${COMPOSE_PLUGIN.sha256.aarch64}'`);
      expect(script).to.include("https://github.com/docker/compose/releases/download/v$compose_version/docker-compose-linux-$compose_arch");
      expect(script).to.include("sha256sum --check");
      expect(script).not.to.match(/latest/);
    });
  });

  describe("argument checks", () => {
    const rejects = (options: Parameters<typeof installDockerScript>[0], fragment: string) => {
      expect(() => installDockerScript(options)).to.throw(InvalidArgumentError, fragment);
    };
    it("refuses a user name that is not a Linux user name", () => rejects({ user: "ec2-user; rm -rf /" }, "user"));
    it("refuses a version with a leading v or a checksum that is not 64 hex digits", () => {
      rejects({ composePlugin: { ...fixturePin, version: "v2.40.3" } }, "composePlugin.version");
      rejects({ composePlugin: { ...fixturePin, sha256: { x86_64: "abc", aarch64: FIXTURE_SHA256 } } }, "composePlugin.sha256.x86_64");
      rejects({ composePlugin: { ...fixturePin, sha256: { x86_64: FIXTURE_SHA256, aarch64: FIXTURE_SHA256.toUpperCase() } } }, "composePlugin.sha256.aarch64");
    });
  });
});
