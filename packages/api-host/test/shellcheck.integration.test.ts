import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { COMPOSE_PLUGIN, composeDownScript, composeUpScript, installDockerScript, pullImagesScript, shellQuote, writeFileScript } from "@trafficlab/api-host";
import { findTool, requireTools } from "./sandbox";
import { HOST_SCRIPT_CASES } from "./host-script-cases";

const SCRIPT_FILES = join(__dirname, "..", "src", "scripts");

/** Every script the package produces, with default options and the variants that change its text. */
const SCRIPTS: Record<string, string> = {
  "installDockerScript()": installDockerScript(),
  "installDockerScript(other user, other pin)": installDockerScript({ user: "deploy", composePlugin: { version: "2.39.4", sha256: { x86_64: "1".repeat(64), aarch64: "2".repeat(64) } } }),
  "writeFileScript(.env, 600)": writeFileScript("/opt/trafficlab/.env", "600"),
  "writeFileScript(nginx conf, 644)": writeFileScript("/opt/trafficlab/nginx/conf.d/default.conf", "644"),
  "writeFileScript(/file at the root)": writeFileScript("/trafficlab.env", "600"),
  "pullImagesScript()": pullImagesScript(),
  "pullImagesScript(ECR)": pullImagesScript({ projectDir: "/srv/app", registry: "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com", username: "AWS" }),
  "pullImagesScript(Docker Hub user)": pullImagesScript({ username: "o'brien" }),
  "composeUpScript()": composeUpScript(),
  "composeUpScript(options)": composeUpScript({ projectDir: "/srv/app", waitTimeoutSeconds: 30, lockFile: "/run/lock/app.lock", lockTimeoutSeconds: 60, requiredFiles: [".env", "nginx/nginx.conf"] }),
  "composeUpScript(no required files)": composeUpScript({ requiredFiles: [] }),
  "composeDownScript()": composeDownScript(),
  "composeDownScript(options)": composeDownScript({ projectDir: "/srv/app", lockFile: "/run/lock/app.lock", lockTimeoutSeconds: 5 }),
  // The golden cases: every script with its defaults and with every option set.
  ...Object.fromEntries(HOST_SCRIPT_CASES.map(({ name, render }) => [`golden ${name}`, render()])),
};

describe("@trafficlab/api-host src/scripts/*.sh pass shellcheck as they are, before any rendering", () => {
  const files = readdirSync(SCRIPT_FILES).filter((file) => file.endsWith(".sh"));
  it("there are script files", () => expect(files).to.include("rolling-deploy.sh"));
  for (const file of files) {
    it(file, function () {
      requireTools(this, "shellcheck");
      const result = spawnSync(findTool("shellcheck")!, ["--shell=bash", "--severity=style", file], { cwd: SCRIPT_FILES, encoding: "utf8" });
      expect(result.status, `${result.stdout}${result.stderr}`).to.equal(0);
    });
  }
});

describe("@trafficlab/api-host scripts pass shellcheck", () => {
  for (const [name, script] of Object.entries(SCRIPTS)) {
    it(name, function () {
      requireTools(this, "shellcheck");
      const result = spawnSync(findTool("shellcheck")!, ["--shell=bash", "--severity=style", "-"], { input: script, encoding: "utf8" });
      expect(result.status, `${result.stdout}${result.stderr}\n--- script ---\n${script}`).to.equal(0);
    });
  }

  it("every script is strict bash: set -euo pipefail", () => {
    for (const [name, script] of Object.entries(SCRIPTS)) {
      expect(script.startsWith("#!/usr/bin/env bash\n"), name).to.equal(true);
      expect(script, name).to.match(/^set -euo pipefail$/m);
    }
  });

  it("the default install script pins the release it documents", () => {
    expect(SCRIPTS["installDockerScript()"]).to.include(COMPOSE_PLUGIN.sha256.x86_64);
  });
});

describe("@trafficlab/api-host shellQuote", () => {
  it("makes any value one literal shell word", function () {
    requireTools(this, "bash");
    for (const value of ["plain", "", "it's", "$(reboot)", "`id`", "a b\tc", "semi;colon && |", "'''", "new\nline", "*"]) {
      const result = spawnSync(findTool("bash")!, ["-c", `printf '%s' ${shellQuote(value)}`], { encoding: "utf8" });
      expect(result.stdout).to.equal(value);
    }
  });

  it("refuses NUL, which no shell word can hold", () => {
    expect(() => shellQuote("a\0b")).to.throw(/NUL/);
  });
});
