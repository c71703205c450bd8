import { InvalidArgumentError } from "@trafficlab/validation";
import { shellQuote } from "./shell-quote";

/** Opens every host script: strict mode, and privileged commands through sudo when the SSH user is not root. */
export const SCRIPT_PRELUDE = `set -euo pipefail
as_root() { if [ "\${EUID}" -eq 0 ]; then "$@"; else sudo -n -- "$@"; fi; }`;

/**
 * Takes the host-wide deploy lock on fd 9, waiting up to `timeoutSeconds`; released when the
 * script exits. Every deploying script uses it, so no two deploys on a host interleave.
 */
export function hostLockSection(tag: string, lockFile: string, timeoutSeconds: number): string {
  // A read-only descriptor is enough for flock(2), so the SSH user can hold a lock file root created.
  return `lock_file=${shellQuote(lockFile)}
as_root touch "$lock_file"
exec 9<"$lock_file"
if ! flock --exclusive --nonblock 9; then
  echo "${tag}: another deploy holds $lock_file; waiting up to ${timeoutSeconds} s"
  flock --exclusive --timeout ${timeoutSeconds} 9 || { echo "${tag}: gave up waiting for $lock_file" >&2; exit 1; }
fi`;
}

const HOST_PATH = /^\/[A-Za-z0-9._/-]+$/;

/** An absolute path safe to put in a script: no '..', no trailing '/', no shell syntax. */
export function requireHostPath(component: string, argument: string, value: string): string {
  if (typeof value === "string" && HOST_PATH.test(value) && !value.split("/").includes("..") && !value.endsWith("/")) return value;
  throw new InvalidArgumentError(component, argument, value, "Allowed: an absolute path of letters, digits, '.', '_', '-' and '/', with no '..' and no trailing '/', e.g. /opt/trafficlab.");
}
