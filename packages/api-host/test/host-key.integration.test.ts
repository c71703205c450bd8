// The host key's user data under cloud-init's own schema check (Debian's cloud-init, unpacked by
// tools/install-cloud-init.sh): an instance whose user data fails it boots "degraded".
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { parse } from "yaml";
import { hostKeyCheckScript, hostKeyUserData } from "@trafficlab/api-host";
import { cloudInitSchemaCommand, requireTools } from "@trafficlab/testing";
import { createSandbox, stub, type Sandbox } from "./sandbox";

describe("@trafficlab/api-host hostKeyUserData under cloud-init's schema", () => {
  const work = mkdtempSync(join(tmpdir(), "host-key-user-data-"));
  after(() => rmSync(work, { recursive: true, force: true }));

  function schemaCheck(command: string[], name: string, text: string) {
    const file = join(work, name);
    writeFileSync(file, text);
    const result = spawnSync(command[0]!, [...command.slice(1), file], { encoding: "utf8" });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  }

  it("is a valid cloud-config with a real ED25519 key pair, and asks for no other key", function () {
    const [sshKeygen] = requireTools(this, "ssh-keygen");
    const command = cloudInitSchemaCommand(this);
    const keyFile = join(work, "host_key");
    const made = spawnSync(sshKeygen!, ["-q", "-t", "ed25519", "-N", "", "-C", "", "-f", keyFile], { encoding: "utf8" });
    expect(made.status, made.stderr).to.equal(0);
    const userData = hostKeyUserData(readFileSync(keyFile, "utf8"), readFileSync(`${keyFile}.pub`, "utf8"));

    const checked = schemaCheck(command, "host-key.yaml", userData);
    expect(checked.status, checked.output).to.equal(0);
    expect(checked.output).to.include("Valid cloud-config");
    // With ssh_keys given, cc_ssh generates none; ssh_genkeytypes would only add a way to fail.
    expect(Object.keys(parse(userData) as object).sort()).to.deep.equal(["ssh_deletekeys", "ssh_keys"]);
  });

  it("catches the empty ssh_genkeytypes cloud-init refuses (the check checks)", function () {
    const command = cloudInitSchemaCommand(this);
    const checked = schemaCheck(command, "empty-genkeytypes.yaml", "#cloud-config\nssh_deletekeys: true\nssh_genkeytypes: []\n");
    expect(checked.status).not.to.equal(0);
    expect(checked.output).to.include("ssh_genkeytypes");
  });
});

// The host key check as @pulumi/command runs it locally (`bash -s`, the script on stdin), with
// ssh-keyscan a stub that plays the network (what one scan of the host returns, in order) and
// the real ssh-keygen computing fingerprints.
describe("@trafficlab/api-host hostKeyCheckScript in a sandbox", () => {
  const URN = "urn:pulumi:dev::trafficlab::trafficlab:api-host:ApiHost$tls:index/privateKey:PrivateKey::dev-api-host-key";
  let sandbox: Sandbox | undefined;
  afterEach(() => sandbox?.cleanup());

  function keyPair(dir: string, name: string): string {
    const file = join(dir, name);
    const made = spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", file], { encoding: "utf8" });
    expect(made.status, made.stderr).to.equal(0);
    return readFileSync(`${file}.pub`, "utf8").trim();
  }
  const fingerprintOf = (line: string) => spawnSync("ssh-keygen", ["-lf", "-"], { input: line, encoding: "utf8" }).stdout.split(" ")[1];

  /** Runs the check against a host whose scans answer `answers` in turn ("" = no answer: refused or timed out). */
  async function check(context: Mocha.Context, pinned: string, answers: string[], scans = 5) {
    const [keygen] = requireTools(context, "ssh-keygen");
    sandbox = createSandbox([
      stub("ssh-keyscan", 'n=$(($(cat "$SANDBOX_STATE/scans" 2>/dev/null || echo 0) + 1)); echo "$n" > "$SANDBOX_STATE/scans"; f="$SANDBOX_STATE/answer-$n"; echo "# 203.0.113.10:22 SSH-2.0-OpenSSH_9.6" >&2; if [ -s "$f" ]; then cat "$f"; fi'),
    ]);
    symlinkSync(keygen!, join(sandbox.bin, "ssh-keygen"));
    answers.forEach((answer, i) => writeFileSync(join(sandbox!.state, `answer-${i + 1}`), answer ? `${answer.split("\n").map((line) => `203.0.113.10 ${line}`).join("\n")}\n` : ""));
    const script = hostKeyCheckScript({ host: "203.0.113.10", pinnedHostKey: pinned, hostKeyUrn: URN, budget: { scans, perScanTimeout: 1 } });
    const result = await sandbox.run("bash -s", { input: script });
    return { ...result, scans: sandbox.calls().filter((call) => call.startsWith("ssh-keyscan ")) };
  }

  it("passes at the first scan that presents the pinned key, after the scans a booting host does not answer", async function () {
    const dir = mkdtempSync(join(tmpdir(), "host-key-check-"));
    const pinned = keyPair(dir, "pinned");
    const other = keyPair(dir, "rsa-like");
    const result = await check(this, pinned, ["", "", `${other.split(" ").slice(0, 2).join(" ")}\n${pinned.split(" ").slice(0, 2).join(" ")}`]);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.scans).to.have.length(3);
    expect(result.scans[0]).to.equal("ssh-keyscan -T 1 -p 22 203.0.113.10");
    expect(result.stdout).to.match(/^check-host-key: 203\.0\.113\.10:22 presents the pinned host key \(scan 3, \d+ s\)\n$/);
    rmSync(dir, { recursive: true, force: true });
  });

  it("fails at the first scan that presents another key: no retry, both fingerprints and the command that accepts a new key", async function () {
    const dir = mkdtempSync(join(tmpdir(), "host-key-check-"));
    const pinned = keyPair(dir, "pinned");
    const foreign = keyPair(dir, "foreign");
    const result = await check(this, pinned, ["", foreign.split(" ").slice(0, 2).join(" "), pinned.split(" ").slice(0, 2).join(" ")]);
    expect(result.code).to.equal(1);
    expect(result.scans, "scans: the silent one, then the one that answered").to.have.length(2);
    expect(result.stdout).to.equal("");
    const lines = result.stderr.trimEnd().split("\n");
    expect(lines[0]).to.include("the host key of 203.0.113.10:22 CHANGED");
    expect(lines[1]).to.match(new RegExp(`pinned .*: ${fingerprintOf(pinned)!.replace(/[+/]/g, "\\$&")} \\(ED25519\\)$`));
    expect(lines[2]).to.equal("  presented now:");
    expect(lines[3]).to.equal(`    ${fingerprintOf(foreign)} (ED25519)`);
    expect(lines[lines.length - 2]).to.equal(`  pulumi up --replace '${URN}'`);
    expect(lines[lines.length - 1]).to.match(/^check-host-key: refused at scan 2 of at most 6, \d+ s after the first$/);
    rmSync(dir, { recursive: true, force: true });
  });

  it("gives up after the whole budget when the host never answers, saying so (booting, or not admitted)", async function () {
    const dir = mkdtempSync(join(tmpdir(), "host-key-check-"));
    const pinned = keyPair(dir, "pinned");
    const result = await check(this, pinned, [], 3);
    expect(result.code).to.equal(1);
    expect(result.scans, "the first scan and 3 retries").to.have.length(4);
    expect(result.stderr).to.match(/203\.0\.113\.10:22 did not answer SSH in 3 retries \(\d+ s\): the instance may still be booting, or its security group does not admit this machine \(sshAllowedCidrs\)/);
    rmSync(dir, { recursive: true, force: true });
  });

  it("says which tool is missing when the machine has no ssh-keyscan", async function () {
    sandbox = createSandbox([]);
    const result = await sandbox.run("bash -s", { input: hostKeyCheckScript({ host: "203.0.113.10", pinnedHostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl", hostKeyUrn: URN }) });
    expect(result.code).to.equal(1);
    expect(result.stderr).to.include("ssh-keyscan (the OpenSSH client tools) is not installed on this machine");
  });
});
