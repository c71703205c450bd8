import { parse, stringify } from "yaml";

/**
 * User data without the SSH host keys of a cloud-config (`ssh_keys: {ed25519_private: ...}`).
 * A host key installed at first boot lets the deploy pin the host from its first connection:
 * it proves the host's identity and opens nothing, so it is the one private key user data may
 * carry (as a Pulumi secret). Any other private key is still reported.
 */
export function withoutCloudConfigHostKeys(userData: string): string {
  if (!userData.startsWith("#cloud-config")) return userData;
  let config: unknown;
  try {
    config = parse(userData);
  } catch {
    return userData;
  }
  if (config === null || typeof config !== "object" || !("ssh_keys" in config)) return userData;
  const hostKeys = (config as { ssh_keys: unknown }).ssh_keys;
  if (hostKeys === null || typeof hostKeys !== "object") return userData;
  const kept = Object.fromEntries(Object.entries(hostKeys).filter(([name]) => !/^(rsa|ecdsa|ed25519)_private$/.test(name)));
  return `#cloud-config\n${stringify({ ...config, ssh_keys: kept })}`;
}
