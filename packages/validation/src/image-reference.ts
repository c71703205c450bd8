import { InvalidArgumentError } from "./argument-checks";

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN = /^(?:localhost|[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+)(?::\d{1,5})?$|^[A-Za-z0-9-]+:\d{1,5}$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$|^sha512:[0-9a-f]{128}$/;

/**
 * Checks an image reference: `[registry[:port]/]path[:tag][@digest]` with a tag or a digest,
 * and never the tag `latest` (it changes under a running host). Returns the reference.
 */
export function requirePinnedImage(component: string, argument: string, image: string): string {
  const allowed = `Allowed: an image with a version tag or a digest, e.g. user/trafficlab-api:1.4.0, 123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/api:1.4.0 or user/api@sha256:<64 hex>; "latest" or no tag changes under you.`;
  const refuse = (): never => {
    throw new InvalidArgumentError(component, argument, image, allowed);
  };
  if (typeof image !== "string" || image.length === 0 || image.length > 512) refuse();
  const [named, digest, ...more] = image.split("@");
  if (more.length > 0 || (digest !== undefined && !DIGEST.test(digest))) refuse();
  // The tag follows the last colon after the last slash (a registry may have a port).
  const lastSlash = named!.lastIndexOf("/");
  const colon = named!.indexOf(":", lastSlash + 1);
  const name = colon === -1 ? named! : named!.slice(0, colon);
  const tag = colon === -1 ? undefined : named!.slice(colon + 1);
  if (tag !== undefined && (!TAG.test(tag) || tag === "latest")) refuse();
  if (tag === undefined && digest === undefined) refuse();
  const parts = name.split("/");
  // A first part with a dot, a colon or "localhost" is a registry, as Docker reads it.
  const hasDomain = parts.length > 1 && (parts[0]!.includes(".") || parts[0]!.includes(":") || parts[0] === "localhost");
  if (hasDomain && !DOMAIN.test(parts[0]!)) refuse();
  const path = hasDomain ? parts.slice(1) : parts;
  if (path.length === 0 || !path.every((part) => COMPONENT.test(part))) refuse();
  return image;
}
