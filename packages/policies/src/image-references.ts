/**
 * Container image references: which ones a compose file runs, and whether a reference floats
 * (tagged `latest`, or untagged, which Docker reads as `latest`) instead of naming one image.
 */

/** Whether `text` is (or embeds, e.g. in a heredoc) a Docker Compose file: it has a top-level `services:` key. */
export function holdsComposeFile(text: string): boolean {
  return /^services:[ \t]*(#.*)?$/m.test(text);
}

/** The value of every `image:` line of a compose file, unquoted, in order. */
export function composeImages(text: string): string[] {
  const images: string[] = [];
  for (const match of text.matchAll(/^[ \t]*(?:-[ \t]+)?image:[ \t]*("([^"]*)"|'([^']*)'|([^\s#]+))/gm)) {
    images.push(match[2] ?? match[3] ?? match[4] ?? "");
  }
  return images;
}

/**
 * Why `reference` does not pin an image, or undefined when it does (a tag other than `latest`,
 * or a digest). A reference built from compose variables (`${API_IMAGE}`) is only known on the
 * host, so it is not judged here.
 */
export function floatingImageProblem(reference: string): string | undefined {
  const ref = reference.trim();
  if (ref.includes("${") || ref.startsWith("$")) return undefined;
  // A digest names exactly one image; `sha256:...` alone is an image id (docker.Container.image).
  if (/@[a-z0-9]+:[0-9a-f]{32,}$/i.test(ref) || /^sha256:[0-9a-f]{64}$/i.test(ref)) return undefined;
  if (ref === "") return "is empty";
  const lastSlash = ref.lastIndexOf("/");
  const colon = ref.indexOf(":", lastSlash + 1);
  const tag = colon === -1 ? "" : ref.slice(colon + 1);
  if (tag === "") return "has no tag, so Docker pulls `latest`";
  if (tag.toLowerCase() === "latest") return "is tagged `latest`";
  return undefined;
}
