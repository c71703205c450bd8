import { parseDocument, isMap, isSeq, isScalar, type Node } from "yaml";

/**
 * What the Pulumi CLI (3.248) checks of Pulumi.yaml's `config:` block and a stack's config
 * before the program runs, ported from pulumi/pulumi `sdk/go/common/workspace`:
 * `Project.Validate` (project.go), `RewriteShorthandConfigValues` (loaders.go) and
 * `ValidateStackConfigAndApplyProjectConfig` / `validateStackConfigValues` (config.go).
 * Same rules, same order, same messages; mocks never run this, `pulumi up` always does.
 */

type ConfigType = "string" | "integer" | "boolean" | "array" | "object";
interface ItemsType {
  type: ConfigType;
  items?: ItemsType;
}

export interface ProjectConfigType {
  type?: ConfigType;
  items?: ItemsType;
  description?: string;
  secret?: boolean;
  default?: unknown;
  value?: unknown;
}

/** One stack config value as the CLI holds it: scalars as text, maps and lists as JSON, `secure:` as ciphertext. */
export interface StackConfigValue {
  text: string;
  secure: boolean;
  object: boolean;
}

export interface CliConfigResult {
  /** The first error `pulumi up` would print before running the program, or undefined. */
  error: string | undefined;
  /** The stack's config after the project defaults were applied, as the program would see it (`project:key` -> value). */
  config: Record<string, StackConfigValue>;
}

const SIMPLE_TYPES: readonly string[] = ["string", "integer", "boolean", "array", "object"];
const DECLARATION_ATTRIBUTES: readonly string[] = ["type", "items", "description", "secret", "default", "value"];

function toJs(node: Node | null | undefined): unknown {
  return node === null || node === undefined ? undefined : node.toJSON();
}

/** Go's `strconv.Atoi`: optional sign, ASCII digits, within int64. */
function atoi(text: string): boolean {
  if (!/^[+-]?[0-9]+$/.test(text)) return false;
  const n = BigInt(text);
  return n >= -(2n ** 63n) && n < 2n ** 63n;
}

/** `ValidateConfigValue` (project.go). */
export function validateConfigValue(type: ConfigType, items: ItemsType | undefined, value: unknown): boolean {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "integer":
      if (typeof value === "number") return Number.isInteger(value);
      if (typeof value === "bigint") return true;
      return typeof value === "string" && atoi(value);
    case "boolean":
      return typeof value === "boolean" || value === "true" || value === "false";
    case "object":
      return value !== null && typeof value === "object" && !Array.isArray(value);
    default:
      if (!Array.isArray(value) || items === undefined) return false;
      return value.every((item) => validateConfigValue(items.type, items.items, item));
  }
}

/** `InferFullTypeName`: `array<string>` and so on. */
export function fullTypeName(type: ConfigType, items: ItemsType | undefined): string {
  return items !== undefined ? `array<${fullTypeName(items.type, items.items)}>` : type;
}

function isNamespacedByProject(project: string, key: string): boolean {
  return !key.includes(":") || key.startsWith(`${project}:`);
}

function fullKey(project: string, key: string): string {
  return key.includes(":") ? key : `${project}:${key}`;
}

/**
 * Loads Pulumi.yaml's config block as the CLI does: schema checks of each declaration, short-hand
 * values rewritten (a project key's short-hand is its default, another namespace's is its value),
 * then `Project.Validate`. Throws with the CLI's message.
 */
export function loadProjectConfig(projectYaml: string): { project: string; config: Record<string, ProjectConfigType> } {
  const raw = parseDocument(projectYaml).toJSON() as { name?: string; config?: Record<string, unknown> };
  const project = raw.name ?? "";
  if (!project) throw new Error("project is missing a 'name' attribute");
  const config: Record<string, ProjectConfigType> = {};
  for (const [key, declaration] of Object.entries(raw.config ?? {})) {
    if (key === "secret" && typeof declaration !== "boolean") throw new Error("could not validate Pulumi.yaml: config.secret: expected boolean");
    if (typeof declaration === "string" || typeof declaration === "boolean" || Number.isInteger(declaration) || Array.isArray(declaration)) {
      config[key] = isNamespacedByProject(project, key) ? { default: declaration } : { value: declaration };
      continue;
    }
    if (declaration === null || typeof declaration !== "object") {
      throw new Error(`could not validate Pulumi.yaml: config.${key}: expected string, integer, boolean, array or a config type declaration`);
    }
    for (const attribute of Object.keys(declaration)) {
      if (!DECLARATION_ATTRIBUTES.includes(attribute)) throw new Error(`could not validate Pulumi.yaml: config.${key}: additional property ${attribute} not allowed`);
    }
    const spec = declaration as ProjectConfigType;
    if (spec.type !== undefined && !SIMPLE_TYPES.includes(spec.type)) throw new Error(`could not validate Pulumi.yaml: config.${key}.type: must be one of ${SIMPLE_TYPES.join(", ")}`);
    config[key] = spec;
  }
  for (const [key, spec] of Object.entries(config)) {
    if (spec.default !== undefined && spec.value !== undefined) throw new Error(`project config '${key}' cannot have both a 'default' and 'value' attribute`);
    if (isNamespacedByProject(project, key)) {
      if (spec.type === "array" && spec.items === undefined) {
        throw new Error(`The configuration key '${key}' declares an array but does not specify the underlying type via the 'items' attribute`);
      }
      if (spec.type !== undefined && spec.default !== undefined && !validateConfigValue(spec.type, spec.items, spec.default)) {
        throw new Error(`The default value specified for configuration key '${key}' is not of the expected type '${fullTypeName(spec.type, spec.items)}'`);
      }
    } else {
      if (spec.type !== undefined) throw new Error(`Configuration key '${key}' is not namespaced by the project and should not define a type`);
      if (spec.default !== undefined) {
        throw new Error(`Configuration key '${key}' is not namespaced by the project and should not define a default value. Did you mean to use the 'value' attribute instead of 'default'?`);
      }
      if (spec.value === undefined) throw new Error(`Configuration key '${key}' is namespaced and must provide an attribute 'value'`);
    }
  }
  return { project, config };
}

/** A YAML node of Pulumi.<stack>.yaml as the CLI stores it (`object.MarshalString`, `secure:`). */
function stackValueOf(node: Node): StackConfigValue {
  if (isMap(node) && node.items.length === 1 && isScalar(node.items[0]!.key) && node.items[0]!.key.value === "secure") {
    return { text: String(toJs(node.items[0]!.value as Node)), secure: true, object: false };
  }
  if (isMap(node) || isSeq(node)) return { text: JSON.stringify(toJs(node)), secure: false, object: true };
  const value = toJs(node);
  return { text: typeof value === "string" ? value : JSON.stringify(value), secure: false, object: false };
}

/** `createConfigValue`: a default or value copied into the stack config, never secure. */
function configValueOf(value: unknown): StackConfigValue {
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return { text: String(value), secure: false, object: false };
  return { text: JSON.stringify(value), secure: false, object: true };
}

function formatMissingKeys(keys: string[]): string {
  const quoted = keys.map((key) => `'${key}'`);
  if (quoted.length === 1) return quoted[0]!;
  return `${quoted.slice(0, -1).join(", ")} and ${quoted.at(-1)!}`;
}

/**
 * `ValidateStackConfigAndApplyProjectConfig` for `pulumi up -s <stack>`: applies the project's
 * defaults and values, reports every missing required key at once (a project key with no
 * default and no value, typed or not), then checks the explicitly typed keys in sorted order,
 * stopping at the first type or secret error. `decrypt` turns a `secure:` value into its
 * plaintext (the CLI skips value checks when it cannot decrypt; pass a stand-in).
 */
export function validateStackConfig(
  projectYaml: string,
  stackName: string,
  stackYaml: string,
  decrypt: (ciphertext: string) => string = () => "decrypted",
): CliConfigResult {
  const { project, config: declared } = loadProjectConfig(projectYaml);
  const document = parseDocument(stackYaml);
  const config: Record<string, StackConfigValue> = {};
  const configNode = isMap(document.contents) ? document.contents.items.find((pair) => isScalar(pair.key) && pair.key.value === "config")?.value : undefined;
  if (isMap(configNode)) {
    for (const pair of configNode.items) {
      if (!isScalar(pair.key)) continue;
      config[fullKey(project, String(pair.key.value))] = stackValueOf(pair.value as Node);
    }
  }
  const missing: string[] = [];
  for (const key of Object.keys(declared).sort()) {
    const spec = declared[key]!;
    const full = fullKey(project, key);
    const found = config[full] !== undefined;
    const hasDefault = spec.default !== undefined;
    const hasValue = spec.value !== undefined;
    if (!found && !hasValue && !hasDefault && full.startsWith(`${project}:`)) {
      missing.push(key);
      continue;
    }
    if (!found && (hasValue || hasDefault)) config[full] = configValueOf(hasDefault ? spec.default : spec.value);
  }
  if (missing.length > 0) {
    return { error: `Stack '${stackName}' is missing configuration ${missing.length === 1 ? "value" : "values"} ${formatMissingKeys(missing)}`, config };
  }
  for (const key of Object.keys(declared).sort()) {
    const spec = declared[key]!;
    if (spec.type === undefined) continue;
    const value = config[fullKey(project, key)];
    if (value === undefined) continue;
    if (spec.secret === true && !value.secure) return { error: `Stack '${stackName}' with configuration key '${key}' must be encrypted as it's secret`, config };
    const plain = value.secure ? decrypt(value.text) : value.text;
    const content: unknown = value.object ? JSON.parse(plain) : plain;
    if (!validateConfigValue(spec.type, spec.items, content)) {
      return { error: `Stack '${stackName}' with configuration key '${key}' must be of type '${fullTypeName(spec.type, spec.items)}'`, config };
    }
  }
  return { error: undefined, config };
}
