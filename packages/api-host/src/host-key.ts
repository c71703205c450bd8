import { createHash } from "node:crypto";
import { stringify } from "yaml";
import { InvalidArgumentError, requireIntegerInRange } from "@trafficlab/validation";
import { renderHostScript } from "./script-prelude";

/**
 * The instance's cloud-config that installs a host key made in advance (tls.PrivateKey), so
 * every SSH connection can pin it from the first contact instead of trusting whatever key
 * answers. With `ssh_keys` given, cloud-init generates no other key (and `ssh_genkeytypes: []`
 * would fail its schema: minItems 1). User data is readable by whoever may call
 * ec2:DescribeInstanceAttribute in the account and from the instance itself: the key proves the
 * host's identity to the deploy, it guards nothing else.
 */
export function hostKeyUserData(privateKeyOpenssh: string, publicKeyOpenssh: string): string {
  return `#cloud-config\n${stringify({ ssh_deletekeys: true, ssh_keys: { ed25519_private: privateKeyOpenssh, ed25519_public: publicKeyOpenssh.trim() } }, { lineWidth: 0 })}`;
}

/** How errors from hostKeyCheckScript name their source. */
export const HOST_KEY_CHECK = "@trafficlab/api-host hostKeyCheckScript";

/** How long the host key check waits for an sshd that does not answer yet. */
export interface HostKeyScanBudget {
  /** Scans after the first, 100 ms apart growing 1.5x to 5 s (as @pulumi/command spaces its dials). */
  scans: number;
  /** Seconds each scan may take (ssh-keyscan -T). */
  perScanTimeout: number;
}

/**
 * A new instance takes a minute or two before sshd answers: the budget @pulumi/command's
 * install-docker had for its boot (60 retries of at most 10 s each, about 4.5 minutes when each
 * is refused at once). Only silence uses it: a host that answers with another key fails at the
 * first scan.
 */
export const HOST_KEY_SCAN_BUDGET: HostKeyScanBudget = { scans: 60, perScanTimeout: 10 };

const OPENSSH_PUBLIC_KEY = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(?:256|384|521)) ([A-Za-z0-9+/]+={0,2})(?: .*)?$/;

/** OpenSSH's fingerprint of a public key line (`ssh-keygen -l`): `SHA256:<unpadded base64>`. */
export function sshFingerprint(publicKeyOpenssh: string): string {
  const match = OPENSSH_PUBLIC_KEY.exec(publicKeyOpenssh.trim());
  if (!match) throw new InvalidArgumentError(HOST_KEY_CHECK, "pinnedHostKey", publicKeyOpenssh, "Allowed: an OpenSSH public key line, e.g. ssh-ed25519 AAAAC3Nza...");
  return `SHA256:${createHash("sha256").update(Buffer.from(match[2]!, "base64")).digest("base64").replace(/=+$/, "")}`;
}

/** The command that accepts a new host key on purpose: a new key (tls.PrivateKey), so a new instance that installs it. */
export function acceptNewHostKeyCommand(hostKeyUrn: string): string {
  return `pulumi up --replace '${hostKeyUrn}'`;
}

export interface HostKeyChangedMessageArgs {
  host: string;
  port: number;
  /** The pinned key's OpenSSH line. */
  pinnedHostKey: string;
  /** The URN of the host key resource (`<name>-host-key`). */
  hostKeyUrn: string;
  /** The fingerprints the host presented, one per line; the script puts them at @PRESENTED@. */
  presented?: string;
}

/** What the up says when the host answers with another key than the one the stack pinned. */
export function hostKeyChangedMessage(args: HostKeyChangedMessageArgs): string {
  const keyType = args.pinnedHostKey.trim().split(/\s+/)[0]!.replace(/^ssh-/, "").toUpperCase();
  return [
    `check-host-key: the host key of ${args.host}:${args.port} CHANGED: it is not the key this stack pinned, so the deploy stopped before connecting (nothing was sent to the host).`,
    `  pinned (the stack's host key, installed by the instance's user data at first boot): ${sshFingerprint(args.pinnedHostKey)} (${keyType})`,
    `  presented now:`,
    args.presented ?? "@PRESENTED@",
    `The machine at this address is not the one the stack made: the instance was replaced or rebuilt outside Pulumi, the address moved to another machine, or someone replaced the host's key. Find out which before anything else.`,
    `To accept a new host key on purpose, make a new host with a new pinned key (the instance is replaced, every host step runs on the new one, the old one is deleted last):`,
    `  ${acceptNewHostKeyCommand(args.hostKeyUrn)}`,
  ].join("\n");
}

export interface HostKeyCheckOptions {
  host: string;
  /** Default 22. */
  port?: number;
  /** The key every connection pins (`ssh-ed25519 AAAA...`). */
  pinnedHostKey: string;
  /** The URN of the host key resource, for the command that accepts a new key. */
  hostKeyUrn: string;
  /** Default HOST_KEY_SCAN_BUDGET. */
  budget?: HostKeyScanBudget;
}

/**
 * The bash script the host key check runs on the deploying machine (scripts/check-host-key.sh):
 * scans the host's sshd until it answers, passes when it presents the pinned key, fails at
 * once with hostKeyChangedMessage when it presents only others. It needs bash, ssh-keyscan and
 * ssh-keygen there, and sends nothing but the SSH handshake.
 */
export function hostKeyCheckScript(options: HostKeyCheckOptions): string {
  const port = options.port ?? 22;
  const budget = options.budget ?? HOST_KEY_SCAN_BUDGET;
  // Everything here reaches a shell script: the address a host name or an IP, nothing else.
  if (!/^[A-Za-z0-9.:-]{1,253}$/.test(options.host ?? "")) throw new InvalidArgumentError(HOST_KEY_CHECK, "host", options.host, "Allowed: an IP address or a DNS name.");
  requireIntegerInRange(HOST_KEY_CHECK, "port", port, 1, 65535);
  requireIntegerInRange(HOST_KEY_CHECK, "budget.scans", budget.scans, 0, 1000);
  requireIntegerInRange(HOST_KEY_CHECK, "budget.perScanTimeout", budget.perScanTimeout, 1, 600);
  sshFingerprint(options.pinnedHostKey);
  if (!/^urn:pulumi:\S+$/.test(options.hostKeyUrn ?? "")) throw new InvalidArgumentError(HOST_KEY_CHECK, "hostKeyUrn", options.hostKeyUrn, "Allowed: a Pulumi URN (urn:pulumi:...).");
  const header = {
    host: options.host,
    port,
    pinned_host_key: options.pinnedHostKey.trim(),
    scans: budget.scans,
    per_scan_timeout: budget.perScanTimeout,
    // One word per line: the header keeps one assignment a line.
    changed_message: hostKeyChangedMessage({ host: options.host, port, pinnedHostKey: options.pinnedHostKey, hostKeyUrn: options.hostKeyUrn }).split("\n"),
  };
  // It runs on the deploying machine: the host scripts' prelude (as_root) is not for it.
  return renderHostScript("check-host-key.sh", header, [], { prelude: false });
}
