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
  // The rule broken first, then what is allowed: Docker's reference grammar (distribution/reference).
  const refuse = (rule?: string): never => {
    throw new InvalidArgumentError(component, argument, image, rule ? `${rule}. ${allowed}` : allowed);
  };
  if (typeof image !== "string" || image.length === 0) refuse();
  if (image.length > 512) refuse("Docker takes references of at most 512 characters");
  if (/\s/.test(image)) refuse("An image reference has no spaces");
  const [named, digest, ...more] = image.split("@");
  if (more.length > 0) refuse("One @ at most, before the digest");
  if (digest !== undefined && !DIGEST.test(digest)) {
    const hex = /^(sha256|sha512):(.*)$/.exec(digest);
    refuse(hex ? `A ${hex[1]} digest is ${hex[1] === "sha256" ? 64 : 128} lower-case hex digits (this one has ${hex[2]!.length} characters)` : "The digest must be sha256:<64 hex digits>");
  }
  // The tag follows the last colon after the last slash (a registry may have a port).
  const lastSlash = named!.lastIndexOf("/");
  const colon = named!.indexOf(":", lastSlash + 1);
  const name = colon === -1 ? named! : named!.slice(0, colon);
  const tag = colon === -1 ? undefined : named!.slice(colon + 1);
  if (tag === "") refuse("A ':' must be followed by a tag");
  if (tag !== undefined && !TAG.test(tag)) refuse("A tag is up to 128 letters, digits, '_', '.' and '-', not starting with '.' or '-'");
  if (tag === "latest") refuse('"latest" is refused');
  if (tag === undefined && digest === undefined) refuse("It has no tag or digest");
  const parts = name.split("/");
  // A first part with a dot, a colon or "localhost" is a registry, as Docker reads it.
  const hasDomain = parts.length > 1 && (parts[0]!.includes(".") || parts[0]!.includes(":") || parts[0] === "localhost");
  if (hasDomain && !DOMAIN.test(parts[0]!)) refuse(`The registry ${JSON.stringify(parts[0])} is not a host name with an optional port`);
  const path = hasDomain ? parts.slice(1) : parts;
  if (path.length === 0 || path.some((part) => part === "")) refuse("The repository is missing or has an empty part");
  if (path.some((part) => part !== part.toLowerCase() && COMPONENT.test(part.toLowerCase()))) refuse("The repository must be lower case (only the registry and the tag may have capitals)");
  if (!path.every((part) => COMPONENT.test(part))) refuse("The repository is lower-case letters and digits, separated by '.', '_', '__' or '-' and '/'");
  return image;
}

/** The registry host an image is pulled from, as Docker reads the reference: docker.io when it names none. */
export function imageRegistry(image: string): string {
  const first = image.split("/")[0]!;
  const hasDomain = image.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
  return hasDomain ? (first === "index.docker.io" || first === "registry-1.docker.io" ? "docker.io" : first) : "docker.io";
}
