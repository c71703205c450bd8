import { createHash } from "node:crypto";

/**
 * sha256 (hex) of the rendered files, independent of key order: the deploy re-runs the
 * reload when it changes, and only then.
 */
export function configHash(files: Readonly<Record<string, string>>): string {
  const hash = createHash("sha256");
  for (const name of Object.keys(files).sort()) {
    const content = files[name]!;
    // Lengths as separators, so moving text from one file to the next changes the hash.
    hash.update(`${name.length}:${name}${Buffer.byteLength(content)}:`).update(content);
  }
  return hash.digest("hex");
}
