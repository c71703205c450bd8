// Real tools over the rendered user data: cloud-init's own schema check (Debian's cloud-init,
// unpacked by tools/install-cloud-init.sh as `cloud-init-schema`), shellcheck on every script it
// writes, and the boot and refresh-wait scripts run by bash in a sandbox with a stand-in AWS CLI.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { parse } from "yaml";
import { BOOT_DONE_MARKER, BOOT_UNIT, INSTANCE_ID_PLACEHOLDER, refreshWaitScript, renderBootScript, renderBootUnit, renderCloudConfig } from "@trafficlab/fleet";
import { cloudInitSchemaCommand, findTool, requireTools } from "@trafficlab/testing";
import { USER_DATA_OPTIONS } from "./user-data-options";

const SCRIPT_FILES = join(__dirname, "..", "src", "scripts");
const METRICS_URL = "https://aps-workspaces.ap-northeast-2.amazonaws.com/workspaces/ws-0123abcd-4567/api/v1/remote_write";

const VARIANTS: Record<string, string> = {
  "the prod fleet (database, cache)": renderCloudConfig(USER_DATA_OPTIONS),
  "a private registry": renderCloudConfig({ ...USER_DATA_OPTIONS, registry: { server: "registry.example.com", username: "deployer", passwordParameter: "/trafficlab/prod/prod-api/registry-password" } }),
  "metrics to an AMP workspace": renderCloudConfig({ ...USER_DATA_OPTIONS, metrics: { stack: "prod", scrapeIntervalSeconds: 30, remoteWriteUrl: METRICS_URL } }),
  "no data tier, another project directory": renderCloudConfig({ ...USER_DATA_OPTIONS, database: undefined, cache: undefined, secretParameters: {}, secretVersions: {}, projectDirectory: "/srv/api" }),
};

interface WriteFile {
  path: string;
  content: string;
}

describe("@trafficlab/fleet user data under cloud-init's schema", () => {
  const work = mkdtempSync(join(tmpdir(), "fleet-user-data-"));
  after(() => rmSync(work, { recursive: true, force: true }));

  for (const [name, text] of Object.entries(VARIANTS)) {
    it(`is a valid cloud-config: ${name}`, function () {
      const command = cloudInitSchemaCommand(this);
      const file = join(work, `${name.replace(/\W+/g, "-")}.yaml`);
      writeFileSync(file, text);
      const result = spawnSync(command[0]!, [...command.slice(1), file], { encoding: "utf8" });
      expect(result.status, `${result.stdout}${result.stderr}`).to.equal(0);
      expect(result.stdout).to.include("Valid cloud-config");
    });
  }

  it("catches what cloud-init would refuse (the check checks)", function () {
    const command = cloudInitSchemaCommand(this);
    const file = join(work, "bad.yaml");
    writeFileSync(file, "#cloud-config\nwrite_files:\n  - path: /tmp/x\n    permissions: 600\n    contnt: hi\n");
    const result = spawnSync(command[0]!, [...command.slice(1), file], { encoding: "utf8" });
    expect(result.status).not.to.equal(0);
    expect(`${result.stdout}${result.stderr}`).to.include("contnt");
  });
});

describe("@trafficlab/fleet scripts pass shellcheck", () => {
  for (const file of readdirSync(SCRIPT_FILES).filter((f) => f.endsWith(".sh"))) {
    it(`src/scripts/${file} as it is`, function () {
      requireTools(this, "shellcheck");
      const result = spawnSync(findTool("shellcheck")!, ["--shell=bash", "--severity=style", file], { cwd: SCRIPT_FILES, encoding: "utf8" });
      expect(result.status, `${result.stdout}${result.stderr}`).to.equal(0);
    });
  }
  for (const [name, text] of Object.entries(VARIANTS)) {
    it(`every script the user data writes: ${name}`, function () {
      requireTools(this, "shellcheck");
      const files = (parse(text.replace(/^#cloud-config\n/, ""), { version: "1.1" }) as { write_files: WriteFile[] }).write_files.filter((f) => f.path.endsWith(".sh"));
      const metrics = name.startsWith("metrics") ? ["metrics-up.sh"] : [];
      expect(files.map((f) => f.path.split("/").pop())).to.have.members(["install-docker.sh", "pull-images.sh", "rolling-deploy.sh", "compose-up.sh", "boot.sh", ...metrics]);
      for (const f of files) {
        const result = spawnSync(findTool("shellcheck")!, ["--severity=style", "-"], { input: f.content, encoding: "utf8" });
        expect(result.status, `${f.path}:\n${result.stdout}${result.stderr}`).to.equal(0);
      }
    });
  }
  it("the rendered refresh wait", function () {
    requireTools(this, "shellcheck");
    const script = refreshWaitScript({ group: "prod-api-asg-1234567", region: "ap-northeast-2", version: "3", timeoutMinutes: 60 });
    const result = spawnSync(findTool("shellcheck")!, ["--severity=style", "-"], { input: script, encoding: "utf8" });
    expect(result.status, `${result.stdout}${result.stderr}`).to.equal(0);
  });
});

describe("@trafficlab/fleet boot unit under systemd's own check", () => {
  // cloud-init's units as Debian ships them (tools/install-cloud-init.sh unpacks them), the
  // machine's systemd units, and the boot unit enabled as runcmd enables it.
  it("starts after cloud-final at every boot without an ordering cycle (systemd-analyze verify)", function () {
    const [analyze, cp] = requireTools(this, "systemd-analyze", "cp");
    const cloudInitUnits = join(process.env.CLOUD_INIT_PREFIX ?? "/opt/trafficlab-cloud-init", "lib", "systemd", "system");
    if (!existsSync(join(cloudInitUnits, "cloud-final.service"))) {
      if (process.env.CI === "true") throw new Error(`${cloudInitUnits}/cloud-final.service missing (bash tools/install-cloud-init.sh); CI=true forbids skipping`);
      this.skip();
    }
    const root = mkdtempSync(join(tmpdir(), "fleet-systemd-"));
    try {
      const system = join(root, "lib", "systemd", "system");
      const etc = join(root, "etc", "systemd", "system");
      mkdirSync(join(root, "lib", "systemd"), { recursive: true });
      expect(spawnSync(cp!, ["-a", "/lib/systemd/system", system]).status, "the machine's systemd units").to.equal(0);
      for (const unit of readdirSync(cloudInitUnits)) writeFileSync(join(system, unit), readFileSync(join(cloudInitUnits, unit)));
      mkdirSync(join(etc, "cloud-init.target.wants"), { recursive: true });
      mkdirSync(join(etc, "multi-user.target.wants"), { recursive: true });
      writeFileSync(join(etc, BOOT_UNIT), renderBootUnit("/opt/trafficlab"));
      // What cloud-init's generator and `systemctl enable` leave: cloud-init.target wanted by multi-user, cloud-final and the boot unit by it.
      symlinkSync("/lib/systemd/system/cloud-init.target", join(etc, "multi-user.target.wants", "cloud-init.target"));
      symlinkSync("/lib/systemd/system/cloud-final.service", join(etc, "cloud-init.target.wants", "cloud-final.service"));
      const wantedBy = /\nWantedBy=(\S+)\n/.exec(renderBootUnit("/opt/trafficlab"))![1]!;
      mkdirSync(join(etc, `${wantedBy}.wants`), { recursive: true });
      symlinkSync(`/etc/systemd/system/${BOOT_UNIT}`, join(etc, `${wantedBy}.wants`, BOOT_UNIT));
      const verified = spawnSync(analyze!, [`--root=${root}`, "verify", "multi-user.target"], { encoding: "utf8" });
      const output = `${verified.stdout}${verified.stderr}`;
      expect(output, "systemd's verdict").to.not.match(/ordering cycle|deleted to break/);
      // The check checks: the same unit wanted by multi-user.target is a cycle, which systemd breaks by dropping a start job (cloud-final's, in one run seen).
      rmSync(join(etc, `${wantedBy}.wants`, BOOT_UNIT));
      symlinkSync(`/etc/systemd/system/${BOOT_UNIT}`, join(etc, "multi-user.target.wants", BOOT_UNIT));
      const cyclic = spawnSync(analyze!, [`--root=${root}`, "verify", "multi-user.target"], { encoding: "utf8" });
      expect(`${cyclic.stdout}${cyclic.stderr}`).to.match(/Found ordering cycle[\s\S]*deleted to break ordering cycle/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

/** A sandbox: a project directory whose bin/ scripts record how they were called, and a stand-in `aws`. */
function sandbox(parameters: Record<string, string>, failing: string[] = []) {
  const root = mkdtempSync(join(tmpdir(), "fleet-boot-"));
  const project = join(root, "project");
  const bin = join(project, "bin");
  const log = join(root, "calls.log");
  mkdirSync(bin, { recursive: true });
  for (const step of ["install-docker.sh", "pull-images.sh", "rolling-deploy.sh", "compose-up.sh", "metrics-up.sh"]) {
    const script = join(bin, step);
    // A file `<step>.cut` makes the step end as a reboot would end it: killed, once.
    writeFileSync(script, `#!/usr/bin/env bash\nset -eu\necho "${step}" >>"${log}"\ncat >"${root}/${step}.stdin"\nif [ -e "${root}/${step}.cut" ]; then rm "${root}/${step}.cut"; kill -KILL $$; fi\n`);
    chmodSync(script, 0o755);
  }
  const values = join(root, "values.json");
  writeFileSync(values, JSON.stringify(parameters));
  const aws = join(root, "aws");
  // `aws ssm get-parameter ... --name NAME ... --output text`: the value, as the CLI prints it.
  writeFileSync(
    aws,
    `#!/usr/bin/env bash
set -eu
echo "aws $*" >>"${log}"
name=""; while [ $# -gt 0 ]; do if [ "$1" = --name ]; then name=$2; fi; shift; done
case " ${failing.join(" ")} " in *" $name "*) echo "An error occurred (ParameterNotFound)" >&2; exit 254 ;; esac
node -e 'const v = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))[process.argv[2]]; if (v === undefined) process.exit(254); process.stdout.write(v + "\\n")' "${values}" "$name"
`,
  );
  chmodSync(aws, 0o755);
  // IMDSv2 as curl reaches it: a token for the PUT, then the instance id for that token only; a file `imds.down` makes it fail.
  const curl = join(root, "curl");
  writeFileSync(
    curl,
    `#!/usr/bin/env bash
set -eu
echo "curl $*" >>"${log}"
[ -e "${root}/imds.down" ] && exit 7
case " $* " in *" -X PUT "*) printf 'imds-token' ;; *"X-aws-ec2-metadata-token: imds-token"*/meta-data/instance-id*) printf 'i-0123456789abcdef0' ;; *) exit 22 ;; esac
`,
  );
  chmodSync(curl, 0o755);
  return { root, project, log, aws, curl, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

function runBoot(box: ReturnType<typeof sandbox>, options: Partial<Parameters<typeof renderBootScript>[0]> = {}) {
  const script = renderBootScript({ ...USER_DATA_OPTIONS, projectDirectory: box.project, ...options });
  writeFileSync(join(box.project, "bin", "boot.sh"), script);
  return spawnSync(findTool("bash")!, [join(box.project, "bin", "boot.sh")], { encoding: "utf8", env: { ...process.env, AWS_CLI: box.aws, CURL: box.curl, PARAMETER_RETRY_SECONDS: "0", PARAMETER_ATTEMPTS: "2" } });
}

describe("@trafficlab/fleet boot script, in a sandbox", () => {
  const PARAMETERS = {
    "/trafficlab/prod/prod-api/database-password": "db pass with spaces & $igns 'quoted'",
    "/trafficlab/prod/prod-api/cache-username": "prod-tokens-0957df-app-9b519358",
    "/trafficlab/prod/prod-api/cache-password": "cachepass",
    "/trafficlab/prod/prod-api/registry-password": "registry-secret",
  };

  it("installs Docker, pulls, deploys the API with its secrets on stdin, then starts nginx, in that order", function () {
    requireTools(this, "bash");
    const box = sandbox(PARAMETERS);
    try {
      const result = runBoot(box);
      expect(result.status, `${result.stdout}${result.stderr}`).to.equal(0);
      const calls = readFileSync(box.log, "utf8").trim().split("\n");
      expect(calls.filter((call) => !call.startsWith("aws "))).to.deep.equal(["install-docker.sh", "pull-images.sh", "rolling-deploy.sh", "compose-up.sh"]);
      expect(calls.filter((call) => call.startsWith("aws ")).every((call) => /^aws ssm get-parameter --region ap-northeast-2 --name \/trafficlab\/prod\/prod-api\/[a-z-]+ --with-decryption --query Parameter.Value --output text$/.test(call))).to.equal(true);
      expect(readFileSync(join(box.root, "rolling-deploy.sh.stdin"), "utf8")).to.equal(
        "SPRING_DATASOURCE_PASSWORD=db pass with spaces & $igns 'quoted'\nSPRING_DATA_REDIS_PASSWORD=cachepass\nSPRING_DATA_REDIS_USERNAME=prod-tokens-0957df-app-9b519358\n",
      );
      expect(readFileSync(join(box.root, "pull-images.sh.stdin"), "utf8")).to.equal("");
      // The values are never printed.
      for (const value of Object.values(PARAMETERS)) expect(`${result.stdout}${result.stderr}`).not.to.include(value);
      expect(result.stdout).to.include("secrets at parameter versions: cache-password v1, cache-username v1, database-password v3");
    } finally {
      box.cleanup();
    }
  });

  it("with metrics: writes the instance id (IMDSv2) into the agent's config, then starts the agent after nginx", function () {
    requireTools(this, "bash");
    const box = sandbox(PARAMETERS);
    try {
      const config = join(box.project, "metrics", "prometheus", "prometheus.yml");
      mkdirSync(join(box.project, "metrics", "prometheus"), { recursive: true });
      writeFileSync(config, `global:\n  external_labels:\n    instance_id: ${INSTANCE_ID_PLACEHOLDER}\n`);
      const result = runBoot(box, { metrics: { stack: "prod", scrapeIntervalSeconds: 30, remoteWriteUrl: METRICS_URL } });
      expect(result.status, `${result.stdout}${result.stderr}`).to.equal(0);
      const calls = readFileSync(box.log, "utf8").trim().split("\n");
      expect(calls.filter((call) => !call.startsWith("aws ") && !call.startsWith("curl "))).to.deep.equal(["install-docker.sh", "pull-images.sh", "rolling-deploy.sh", "compose-up.sh", "metrics-up.sh"]);
      expect(readFileSync(config, "utf8")).to.include("instance_id: i-0123456789abcdef0");
      expect(result.stdout).to.include("starting the metrics agent (instance i-0123456789abcdef0)");
      expect(existsSync(join(box.project, BOOT_DONE_MARKER))).to.equal(true);
    } finally {
      box.cleanup();
    }
  });

  it("with metrics and no metadata service: the API still boots, the agent is not started, and the log says why", function () {
    requireTools(this, "bash");
    const box = sandbox(PARAMETERS);
    try {
      writeFileSync(join(box.root, "imds.down"), "");
      mkdirSync(join(box.project, "metrics", "prometheus"), { recursive: true });
      writeFileSync(join(box.project, "metrics", "prometheus", "prometheus.yml"), `instance_id: ${INSTANCE_ID_PLACEHOLDER}\n`);
      const result = runBoot(box, { metrics: { stack: "prod", scrapeIntervalSeconds: 30, remoteWriteUrl: METRICS_URL } });
      expect(result.status, `${result.stdout}${result.stderr}`).to.equal(0);
      expect(readFileSync(box.log, "utf8")).to.not.include("metrics-up.sh");
      expect(result.stderr).to.include("cannot read the instance id from the metadata service");
      expect(existsSync(join(box.project, BOOT_DONE_MARKER))).to.equal(true);
    } finally {
      box.cleanup();
    }
  });

  it("logs in to a private registry with the password from Parameter Store, on stdin", function () {
    requireTools(this, "bash");
    const box = sandbox(PARAMETERS);
    try {
      const result = runBoot(box, { registry: { server: "registry.example.com", username: "deployer", passwordParameter: "/trafficlab/prod/prod-api/registry-password" } });
      expect(result.status, `${result.stdout}${result.stderr}`).to.equal(0);
      expect(readFileSync(join(box.root, "pull-images.sh.stdin"), "utf8")).to.equal("registry-secret\n");
    } finally {
      box.cleanup();
    }
  });

  it("deploys nothing when a secret cannot be read: no API on half an env file", function () {
    requireTools(this, "bash");
    const box = sandbox(PARAMETERS, ["/trafficlab/prod/prod-api/cache-password"]);
    try {
      const result = runBoot(box);
      expect(result.status).not.to.equal(0);
      expect(result.stderr).to.include("gave up reading /trafficlab/prod/prod-api/cache-password");
      expect(readFileSync(box.log, "utf8")).not.to.include("rolling-deploy.sh");
    } finally {
      box.cleanup();
    }
  });

  it("resumes a first boot that a reboot cut short, and does nothing once a boot completed", function () {
    requireTools(this, "bash");
    const box = sandbox(PARAMETERS);
    try {
      const marker = join(box.project, BOOT_DONE_MARKER);
      writeFileSync(join(box.root, "rolling-deploy.sh.cut"), "");
      const cut = runBoot(box);
      expect(cut.status, "the boot cut short during the API's deploy").not.to.equal(0);
      expect(existsSync(marker), "no marker after a boot cut short").to.equal(false);
      expect(readFileSync(box.log, "utf8").trim().split("\n").filter((call) => !call.startsWith("aws "))).to.deep.equal(["install-docker.sh", "pull-images.sh", "rolling-deploy.sh"]);

      // The next boot: the unit (enabled, its condition met) runs boot.sh again, from the start.
      writeFileSync(box.log, "");
      const resumed = runBoot(box);
      expect(resumed.status, `${resumed.stdout}${resumed.stderr}`).to.equal(0);
      expect(readFileSync(box.log, "utf8").trim().split("\n").filter((call) => !call.startsWith("aws "))).to.deep.equal(["install-docker.sh", "pull-images.sh", "rolling-deploy.sh", "compose-up.sh"]);
      expect(readFileSync(join(box.root, "rolling-deploy.sh.stdin"), "utf8")).to.include("SPRING_DATA_REDIS_PASSWORD=cachepass\n");
      expect(existsSync(marker), "the marker once a boot completed").to.equal(true);

      // Any later boot: nothing runs, no secret is read.
      writeFileSync(box.log, "");
      const later = runBoot(box);
      expect(later.status, `${later.stdout}${later.stderr}`).to.equal(0);
      expect(later.stdout).to.include("the first boot completed earlier");
      expect(readFileSync(box.log, "utf8")).to.equal("");
    } finally {
      box.cleanup();
    }
  });

  it("refuses a secret with a line break, without showing it", function () {
    requireTools(this, "bash");
    const box = sandbox({ ...PARAMETERS, "/trafficlab/prod/prod-api/cache-password": "line1\nline2" });
    try {
      const result = runBoot(box);
      expect(result.status).not.to.equal(0);
      expect(result.stderr).to.include("cache-password holds a line break");
      expect(`${result.stdout}${result.stderr}`).not.to.include("line2");
      expect(readFileSync(box.log, "utf8")).not.to.include("rolling-deploy.sh");
    } finally {
      box.cleanup();
    }
  });
});

describe("@trafficlab/fleet refresh wait, against a stand-in AWS CLI", () => {
  /** Runs the wait with `aws` answering each describe-instance-refreshes with the next line of `answers`. */
  function wait(answers: string[], version = "3") {
    const root = mkdtempSync(join(tmpdir(), "fleet-wait-"));
    try {
      writeFileSync(join(root, "answers"), answers.join("\n") + "\n");
      const aws = join(root, "aws");
      writeFileSync(
        aws,
        `#!/usr/bin/env bash\nset -eu\necho "$*" >>"${root}/calls"\nn=$(wc -l <"${root}/calls")\nline=$(sed -n "\${n}p" "${root}/answers")\n[ -n "$line" ] || line=$(tail -n 1 "${root}/answers")\nprintf '%b\\n' "$line"\n`,
      );
      chmodSync(aws, 0o755);
      const script = refreshWaitScript({ group: "prod-api-asg-1234567", region: "ap-northeast-2", version, timeoutMinutes: 1 });
      const result = spawnSync(findTool("bash")!, ["-c", script], { encoding: "utf8", env: { ...process.env, AWS_CLI: aws, POLL_SECONDS: "0" } });
      return { ...result, calls: readFileSync(join(root, "calls"), "utf8").trim().split("\n") };
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }

  it("follows the refresh of its version until it succeeds", function () {
    requireTools(this, "bash");
    const result = wait(["r-1\\tPending\\t0\\tNone", "r-1\\tInProgress\\t50\\tWaiting for instances to warm up", "r-1\\tSuccessful\\t100\\tNone"]);
    expect(result.status, `${result.stdout}${result.stderr}`).to.equal(0);
    expect(result.stdout).to.include("refresh r-1: InProgress, 50 % done (Waiting for instances to warm up)").and.include("Successful, 100 % done");
    expect(result.calls[0]).to.include("--auto-scaling-group-name prod-api-asg-1234567").and.include("DesiredConfiguration.LaunchTemplate.Version=='3'");
  });

  it("fails when the refresh rolled back, naming how to look", function () {
    requireTools(this, "bash");
    const result = wait(["r-2\\tInProgress\\t0\\tNone", "r-2\\tRollbackSuccessful\\t100\\tAn alarm went into ALARM state"]);
    expect(result.status).to.equal(1);
    expect(result.stderr).to.include("the refresh ended RollbackSuccessful").and.include("aws autoscaling describe-instance-refreshes");
  });

  it("has nothing to wait for when no refresh rolls out its version (the group was just created)", function () {
    requireTools(this, "bash");
    const result = wait(["None"]);
    expect(result.status).to.equal(0);
    expect(result.stdout).to.include("nothing to wait for");
  });
});
