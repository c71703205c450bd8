/**
 * What a registry user name may hold: docker login sends it with HTTP Basic authentication,
 * which ends the user name at the first ':' (RFC 7617 section 2: "a user-id containing a colon
 * character is invalid"), and no registry's user names have spaces or control characters.
 * Robot accounts keep their punctuation (Harbor `robot$ci`, Quay `org+bot`, e-mail logins).
 */
const REGISTRY_USERNAME = /^[^\s:\p{Cc}]{1,256}$/u;

export const REGISTRY_USERNAME_ALLOWED =
  "a registry user name of 1 to 256 characters with no space and no ':' (docker login sends it by HTTP Basic authentication, which ends the user name at the first ':', RFC 7617), e.g. AWS for ECR, robot$ci for Harbor";

/** Whether docker login can send this user name. */
export function isRegistryUsername(value: unknown): value is string {
  return typeof value === "string" && REGISTRY_USERNAME.test(value);
}
