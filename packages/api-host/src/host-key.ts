import { stringify } from "yaml";

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
