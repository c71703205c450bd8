// The host key's user data under cloud-init's own schema check (Debian's cloud-init, unpacked by
// tools/install-cloud-init.sh): an instance whose user data fails it boots "degraded".
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { parse } from "yaml";
import { hostKeyUserData } from "@trafficlab/api-host";
import { cloudInitSchemaCommand, requireTools } from "@trafficlab/testing";

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
