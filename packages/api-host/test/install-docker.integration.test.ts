import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { COMPOSE_PLUGIN, installDockerScript, type ComposePluginPin } from "@trafficlab/api-host";
import { createSandbox, requireTools, stub, type Sandbox } from "./sandbox";

const AL2023 = 'NAME="Amazon Linux"\nVERSION="2023"\nID="amzn"\nID_LIKE="fedora"\nVERSION_ID="2023"\nPRETTY_NAME="Amazon Linux 2023.9.20251117"\n';
const AL2 = 'NAME="Amazon Linux"\nVERSION="2"\nID="amzn"\nID_LIKE="centos rhel fedora"\nVERSION_ID="2"\nPRETTY_NAME="Amazon Linux 2"\n';
const UBUNTU = 'PRETTY_NAME="Ubuntu 24.04.3 LTS"\nNAME="Ubuntu"\nVERSION_ID="24.04"\nID=ubuntu\nID_LIKE=debian\n';

/** Stands in for the downloaded release binary: what `curl` writes, whose sha256 the test pins. */
const FIXTURE = '#!/bin/sh\necho "Docker Compose version v2.40.3 (sandbox fixture)"\n';
const FIXTURE_SHA256 = createHash("sha256").update(FIXTURE).digest("hex");
const fixturePin: ComposePluginPin = { version: COMPOSE_PLUGIN.version, sha256: { x86_64: FIXTURE_SHA256, aarch64: FIXTURE_SHA256 } };

// Package managers "install" Docker by putting a fake docker CLI on the sandbox PATH.
const installsDocker = `if [ "$*" = "install -y docker" ]; then cp "$SANDBOX_STATE/docker-package" "$SANDBOX_BIN/docker"; chmod +x "$SANDBOX_BIN/docker"; fi`;
const HOST_STUBS: Array<[string, string]> = [
  stub("cloud-init", `[ "$*" = "status --wait" ] && echo "status: done"`),
  stub("dnf", installsDocker),
  stub("yum", installsDocker),
  stub("amazon-linux-extras", installsDocker),
  stub(
    "systemctl",
    `case "$*" in
  "is-enabled --quiet docker") [ -f "$SANDBOX_STATE/docker.enabled" ] ;;
  "is-active --quiet docker") [ -f "$SANDBOX_STATE/docker.active" ] ;;
  "enable --now docker") touch "$SANDBOX_STATE/docker.enabled" "$SANDBOX_STATE/docker.active" ;;
  *) echo "systemctl stub: unexpected: $*" >&2; exit 2 ;;
esac`,
  ),
  stub(
    "curl",
    `out=""
while [ $# -gt 0 ]; do case "$1" in -o) out="$2"; shift 2 ;; *) shift ;; esac; done
cp "$SANDBOX_STATE/download" "$out"`,
  ),
  stub("uname", `[ "\${1:-}" = "-m" ] && echo "\${SANDBOX_ARCH:-x86_64}" || echo Linux`),
  stub(
    "id",
    `case "$1" in
  -nG) cat "$SANDBOX_STATE/groups.$2" ;;
  *) [ -f "$SANDBOX_STATE/groups.$1" ] || { echo "id: '$1': no such user" >&2; exit 1; }; echo "uid=1000($1) gid=1000($1)" ;;
esac`,
  ),
  stub("usermod", `[ "$1" = "-aG" ] && printf '%s %s' "$(cat "$SANDBOX_STATE/groups.$3")" "$2" > "$SANDBOX_STATE/groups.$3"`),
  stub("sudo", `[ "$1" = "-n" ] && shift; [ "$1" = "--" ] && shift; exec "$@"`),
];

function hostSandbox(osRelease: string): Sandbox {
  const sandbox = createSandbox(HOST_STUBS);
  writeFileSync(join(sandbox.state, "os-release"), osRelease);
  writeFileSync(join(sandbox.state, "download"), FIXTURE);
  writeFileSync(join(sandbox.state, "docker-package"), `#!/usr/bin/env bash\nprintf '%s\\n' "docker $*" >> "$SANDBOX_LOG"\n`);
  writeFileSync(join(sandbox.state, "groups.ec2-user"), "ec2-user adm wheel systemd-journal");
  return sandbox;
}

function hostEnv(sandbox: Sandbox, extra: Record<string, string> = {}): Record<string, string> {
  return { OS_RELEASE_FILE: join(sandbox.state, "os-release"), COMPOSE_PLUGIN_DIR: join(sandbox.root, "cli-plugins"), ...extra };
}

/** Calls that change the host: any of them in a second run breaks idempotence. */
const CHANGING = /^(dnf install|yum install|amazon-linux-extras install|curl |systemctl enable|usermod )/;

describe("@trafficlab/api-host installDockerScript", () => {
  describe("run in a sandbox (stub package managers, systemctl and curl on PATH)", () => {
    let sandbox: Sandbox;
    beforeEach(function () {
      requireTools(this, "bash", "sha256sum");
    });
    afterEach(() => sandbox?.cleanup());

    it("on Amazon Linux 2023 installs, enables, downloads and adds the group once; a second run changes nothing", async () => {
      sandbox = hostSandbox(AL2023);
      const script = installDockerScript({ composePlugin: fixturePin });

      const first = await sandbox.run(script, { env: hostEnv(sandbox) });
      expect(first.code, first.stderr).to.equal(0);
      const firstCalls = sandbox.calls();
      expect(firstCalls).to.include("cloud-init status --wait");
      expect(firstCalls).to.include("dnf install -y docker");
      expect(firstCalls).to.include("systemctl enable --now docker");
      expect(firstCalls).to.include("usermod -aG docker ec2-user");
      const downloads = firstCalls.filter((call) => call.startsWith("curl "));
      expect(downloads).to.have.length(1);
      expect(downloads[0]).to.match(/-fsSL .*https:\/\/github\.com\/docker\/compose\/releases\/download\/v2\.40\.3\/docker-compose-linux-x86_64$/);
      expect(firstCalls.some((call) => /^(yum|amazon-linux-extras) /.test(call))).to.equal(false);
      const plugin = join(sandbox.root, "cli-plugins", "docker-compose");
      expect(readFileSync(plugin, "utf8")).to.equal(FIXTURE);
      expect(statSync(plugin).mode & 0o777).to.equal(0o755);
      expect(first.stdout).to.include("installed");
      expect(first.stdout).to.include("Docker Compose version v2.40.3");

      const second = await sandbox.run(script, { env: hostEnv(sandbox) });
      expect(second.code, second.stderr).to.equal(0);
      const secondCalls = sandbox.calls().slice(firstCalls.length);
      expect(secondCalls.filter((call) => CHANGING.test(call))).to.deep.equal([]);
      expect(second.stdout).to.include("docker package: already installed, skipped");
      expect(second.stdout).to.include("docker service: already enabled at boot and running, skipped");
      expect(second.stdout).to.include("compose plugin: v2.40.3 (x86_64) already installed with the pinned sha256, skipped");
      expect(second.stdout).to.include("docker group: ec2-user already a member, skipped");
      expect(readdirSync(join(sandbox.root, "tmp"))).to.deep.equal([]);
    });

    it("on Amazon Linux 2 takes the amazon-linux-extras path", async () => {
      sandbox = hostSandbox(AL2);
      const result = await sandbox.run(installDockerScript({ composePlugin: fixturePin }), { env: hostEnv(sandbox) });
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stdout).to.include("OS: Amazon Linux 2");
      expect(sandbox.calls()).to.include("amazon-linux-extras install -y docker");
      expect(sandbox.calls().some((call) => call.startsWith("dnf "))).to.equal(false);
    });

    it("downloads the aarch64 build on a Graviton host", async () => {
      sandbox = hostSandbox(AL2023);
      const result = await sandbox.run(installDockerScript({ composePlugin: fixturePin }), { env: hostEnv(sandbox, { SANDBOX_ARCH: "aarch64" }) });
      expect(result.code, result.stderr).to.equal(0);
      expect(sandbox.calls().find((call) => call.startsWith("curl "))).to.match(/docker-compose-linux-aarch64$/);
    });

    it("aborts on a checksum mismatch and installs nothing", async () => {
      sandbox = hostSandbox(AL2023);
      const wrong = createHash("sha256").update("some other binary").digest("hex");
      const script = installDockerScript({ composePlugin: { ...fixturePin, sha256: { x86_64: wrong, aarch64: wrong } } });
      const result = await sandbox.run(script, { env: hostEnv(sandbox) });
      expect(result.code).to.not.equal(0);
      expect(result.stderr).to.include("sha256 of the downloaded docker-compose does not match");
      expect(existsSync(join(sandbox.root, "cli-plugins", "docker-compose"))).to.equal(false);
      expect(existsSync(join(sandbox.root, "cli-plugins", "docker-compose.new"))).to.equal(false);
      expect(readdirSync(join(sandbox.root, "tmp"))).to.deep.equal([]);
      expect(sandbox.calls().some((call) => call.startsWith("usermod "))).to.equal(false);
    });

    it("replaces a plugin whose checksum is not the pinned one", async () => {
      sandbox = hostSandbox(AL2023);
      const script = installDockerScript({ composePlugin: fixturePin });
      expect((await sandbox.run(script, { env: hostEnv(sandbox) })).code).to.equal(0);
      writeFileSync(join(sandbox.root, "cli-plugins", "docker-compose"), "#!/bin/sh\necho tampered\n");
      const again = await sandbox.run(script, { env: hostEnv(sandbox) });
      expect(again.code, again.stderr).to.equal(0);
      expect(sandbox.calls().filter((call) => call.startsWith("curl "))).to.have.length(2);
      expect(readFileSync(join(sandbox.root, "cli-plugins", "docker-compose"), "utf8")).to.equal(FIXTURE);
    });

    it("fails with a clear message on an OS it does not know, before installing anything", async () => {
      sandbox = hostSandbox(UBUNTU);
      const result = await sandbox.run(installDockerScript({ composePlugin: fixturePin }), { env: hostEnv(sandbox) });
      expect(result.code).to.equal(1);
      expect(result.stderr).to.include("unsupported OS (ID=ubuntu VERSION_ID=24.04");
      expect(result.stderr).to.include("supported: Amazon Linux 2023 (ID=amzn VERSION_ID=2023) and Amazon Linux 2 (ID=amzn VERSION_ID=2)");
      expect(sandbox.calls().filter((call) => CHANGING.test(call))).to.deep.equal([]);
    });

    it("fails when the group's user does not exist", async () => {
      sandbox = hostSandbox(AL2023);
      const result = await sandbox.run(installDockerScript({ composePlugin: fixturePin }), { env: hostEnv(sandbox, { DOCKER_GROUP_USER: "deploy" }) });
      expect(result.code).to.equal(1);
      expect(result.stderr).to.include("user deploy does not exist");
    });
  });
});
