import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";

export interface StackConfigFile {
  project: string;
  stack: string;
  /** `namespace:key` -> value as pulumi.Config reads it (objects JSON-encoded) */
  values: Record<string, string>;
  /** keys whose value is a secret (a `secure:` value in the stack file, or `secret: true` in Pulumi.yaml) */
  secretKeys: string[];
  /** keys whose `secure:` ciphertext was replaced by a placeholder, since mocks cannot decrypt */
  placeholders: string[];
}

interface ProjectFile {
  name: string;
  config?: Record<string, { default?: unknown; secret?: boolean; value?: unknown } | unknown>;
}

function asConfigString(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * Reads Pulumi.yaml (project-level defaults) and Pulumi.<stack>.yaml the way the CLI merges
 * them, so a test or `pnpm plan` runs the program with the values `pulumi up` would use.
 */
export function readStackConfigFiles(projectDir: string, stack: string): StackConfigFile {
  const project = parse(readFileSync(join(projectDir, "Pulumi.yaml"), "utf8")) as ProjectFile;
  const values: Record<string, string> = {};
  const secretKeys: string[] = [];
  const placeholders: string[] = [];
  for (const [key, declaration] of Object.entries(project.config ?? {})) {
    const fullKey = key.includes(":") ? key : `${project.name}:${key}`;
    const spec = declaration !== null && typeof declaration === "object" ? (declaration as Record<string, unknown>) : { value: declaration };
    const value = spec.default ?? spec.value;
    if (value !== undefined) values[fullKey] = asConfigString(value);
    if (spec.secret === true) secretKeys.push(fullKey);
  }
  const stackPath = join(projectDir, `Pulumi.${stack}.yaml`);
  if (!existsSync(stackPath)) throw new Error(`no stack file ${stackPath}`);
  const stackFile = (parse(readFileSync(stackPath, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  for (const [key, value] of Object.entries(stackFile.config ?? {})) {
    const fullKey = key.includes(":") ? key : `${project.name}:${key}`;
    if (value !== null && typeof value === "object" && "secure" in value) {
      values[fullKey] = `placeholder-secret-for-${fullKey.replace(/\W+/g, "-")}`;
      secretKeys.push(fullKey);
      placeholders.push(fullKey);
    } else {
      values[fullKey] = asConfigString(value);
    }
  }
  return { project: project.name, stack, values, secretKeys, placeholders };
}

/** Makes `pulumi.Config` answer with these values (replaces any earlier config). */
export function applyStackConfig(config: Pick<StackConfigFile, "values" | "secretKeys">): void {
  pulumi.runtime.setAllConfig(config.values, config.secretKeys);
}
