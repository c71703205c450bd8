import { createHash } from "node:crypto";
import { expect } from "chai";
import { HOST_KEY_SCAN_BUDGET, acceptNewHostKeyCommand, hostKeyChangedMessage, hostKeyCheckScript, sshFingerprint } from "@trafficlab/api-host";

// A real ED25519 public key line (ssh-keygen); its fingerprint as `ssh-keygen -lf` prints it.
const PINNED = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
const PINNED_FINGERPRINT = "SHA256:+DiY3wvvV6TuJJhbpZisF/zLDA0zPMSvHdkr4UvCOqU";
const URN = "urn:pulumi:dev::trafficlab::trafficlab:api-host:ApiHost$tls:index/privateKey:PrivateKey::dev-api-host-key";

describe("@trafficlab/api-host host key check", () => {
  it("computes OpenSSH's SHA256 fingerprint of a public key line, comment or not", () => {
    expect(sshFingerprint(PINNED)).to.equal(PINNED_FINGERPRINT);
    expect(sshFingerprint(`${PINNED} root@host\n`)).to.equal(PINNED_FINGERPRINT);
    const blob = Buffer.from(PINNED.split(" ")[1]!, "base64");
    expect(sshFingerprint(PINNED)).to.equal(`SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`);
    expect(() => sshFingerprint("not a key")).to.throw(/pinnedHostKey.*not a key.*OpenSSH public key line/s);
  });

  it("says the key CHANGED, which host, both fingerprints, why it may be, and the exact command that accepts a new key", () => {
    const message = hostKeyChangedMessage({ host: "203.0.113.10", port: 22, pinnedHostKey: PINNED, hostKeyUrn: URN, presented: "    SHA256:abc (ED25519)" });
    const lines = message.split("\n");
    expect(lines[0]).to.equal("check-host-key: the host key of 203.0.113.10:22 CHANGED: it is not the key this stack pinned, so the deploy stopped before connecting (nothing was sent to the host).");
    expect(lines[1]).to.equal(`  pinned (the stack's host key, installed by the instance's user data at first boot): ${PINNED_FINGERPRINT} (ED25519)`);
    expect(lines.slice(2, 4)).to.deep.equal(["  presented now:", "    SHA256:abc (ED25519)"]);
    expect(message).to.match(/instance was replaced or rebuilt outside Pulumi, the address moved to another machine, or someone replaced the host's key/);
    // Single quotes: the URN's `$` must reach pulumi unexpanded.
    expect(lines[lines.length - 1]).to.equal(`  pulumi up --replace '${URN}'`);
    expect(acceptNewHostKeyCommand(URN)).to.equal(`pulumi up --replace '${URN}'`);
    expect(hostKeyChangedMessage({ host: "203.0.113.10", port: 22, pinnedHostKey: PINNED, hostKeyUrn: URN })).to.include("\n@PRESENTED@\n");
  });

  it("renders the check with the boot budget, the pinned key and the message, every value shell-quoted", () => {
    const script = hostKeyCheckScript({ host: "203.0.113.10", pinnedHostKey: `${PINNED} comment`, hostKeyUrn: URN });
    expect(script.startsWith("#!/usr/bin/env bash\n# @trafficlab/api-host scripts/check-host-key.sh, rendered with:\n")).to.equal(true);
    expect(script).to.include("host='203.0.113.10'\nport='22'\n");
    expect(script).to.include(`pinned_host_key='${PINNED} comment'`);
    expect(script).to.include(`scans='${HOST_KEY_SCAN_BUDGET.scans}'\nper_scan_timeout='${HOST_KEY_SCAN_BUDGET.perScanTimeout}'`);
    // The URN has a `$`: a literal in single quotes, with shellcheck told so.
    expect(script).to.include("# shellcheck disable=SC1003,SC2016 # a literal value\nchanged_message=('check-host-key: the host key of 203.0.113.10:22 CHANGED");
    expect(script).to.include("'  presented now:' '@PRESENTED@' 'The machine at this address");
    expect(script).to.include(`pulumi up --replace '\\''${URN}'\\''`);
    expect(script).to.include("ssh-keyscan -T");
    expect(HOST_KEY_SCAN_BUDGET).to.deep.equal({ scans: 60, perScanTimeout: 10 });
  });

  it("refuses what must not reach the script, naming the argument", () => {
    expect(() => hostKeyCheckScript({ host: "1.2.3.4; rm -rf /", pinnedHostKey: PINNED, hostKeyUrn: URN })).to.throw(/hostKeyCheckScript.*host.*1\.2\.3\.4; rm -rf \/.*IP address or a DNS name/s);
    expect(() => hostKeyCheckScript({ host: "1.2.3.4", port: 0, pinnedHostKey: PINNED, hostKeyUrn: URN })).to.throw(/port/);
    expect(() => hostKeyCheckScript({ host: "1.2.3.4", pinnedHostKey: "ssh-ed25519", hostKeyUrn: URN })).to.throw(/pinnedHostKey/);
    expect(() => hostKeyCheckScript({ host: "1.2.3.4", pinnedHostKey: PINNED, hostKeyUrn: "dev-api-host-key" })).to.throw(/hostKeyUrn.*urn:pulumi/s);
    expect(() => hostKeyCheckScript({ host: "1.2.3.4", pinnedHostKey: PINNED, hostKeyUrn: URN, budget: { scans: -1, perScanTimeout: 10 } })).to.throw(/budget\.scans/);
  });
});
