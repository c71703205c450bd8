import { readFileSync } from "node:fs";
import { join } from "node:path";
import { InvalidArgumentError } from "@trafficlab/validation";
import { shellQuote } from "./shell-quote";

/**
 * The host scripts' bash: `src/scripts/*.sh` from the sources (tsx, ts-node), `dist/src/scripts`
 * once built (the build copies them beside the compiled modules).
 */
export const HOST_SCRIPTS_DIR = join(__dirname, "scripts");

/** Function files every script gets between its header and its own text. */
const PRELUDE = ["prelude.sh"] as const;

/** A header value: one word, or an array of words (`name=('a' 'b')`, maybe empty). */
export type HostScriptValue = string | number | readonly string[];

const files = new Map<string, string>();

/** The text of one file of `HOST_SCRIPTS_DIR`, read once. */
function hostScriptFile(name: string): string {
  let text = files.get(name);
  if (text === undefined) {
    text = readFileSync(join(HOST_SCRIPTS_DIR, name), "utf8");
    files.set(name, text);
  }
  return text;
}

/** Before a header line whose value shellcheck would take for a quoting mistake. */
export const LITERAL_DIRECTIVE = "# shellcheck disable=SC1003,SC2016 # a literal value";

/** shellcheck's directive for a file without a shebang; the rendered script has one. */
const SHELL_DIRECTIVE = "# shellcheck shell=bash\n";

/**
 * One self-contained bash script, as `@pulumi/command` sends it over SSH as one exec command:
 * the shebang, a header of `name='value'` assignments (every value through shellQuote, arrays
 * as `name=('a' 'b')`), then `prelude.sh`, the function files in `libraries` (`host-lock.sh`)
 * and `script`, read from HOST_SCRIPTS_DIR, each without its `# shellcheck shell=bash` line.
 * The values are all TypeScript puts in a script: each `.sh` file checks for the header
 * variables it expects (`: "${name:?}"`), so shellcheck reads it as it is. `prelude: false` leaves
 * prelude.sh out, for a script that runs on the deploying machine (check-host-key.sh).
 */
export function renderHostScript(script: string, header: Record<string, HostScriptValue>, libraries: readonly string[] = [], options: { prelude?: boolean } = {}): string {
  const assignments = Object.entries(header).map(([name, value]) => {
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`renderHostScript: ${JSON.stringify(name)} is not a lowercase shell variable name.`);
    const words = typeof value === "string" || typeof value === "number" ? [String(value)] : value;
    const assignment = Array.isArray(value) ? `${name}=(${words.map(shellQuote).join(" ")})` : `${name}=${shellQuote(words[0]!)}`;
    // shellcheck takes `$`, a backquote or a final backslash in single quotes for a mistake; here they are the value.
    return words.some((word) => /[$`\\]/.test(word)) ? `${LITERAL_DIRECTIVE}\n${assignment}` : assignment;
  });
  // A script that runs on the deploying machine, not the host, needs none of the host's functions.
  const parts = [...(options.prelude === false ? [] : PRELUDE), ...libraries, script].map((name) => {
    const text = hostScriptFile(name);
    if (!text.startsWith(SHELL_DIRECTIVE) || !text.endsWith("\n")) throw new Error(`renderHostScript: ${name} must start with "${SHELL_DIRECTIVE.trim()}" and end with a newline.`);
    return text.slice(SHELL_DIRECTIVE.length);
  });
  return `#!/usr/bin/env bash\n# @trafficlab/api-host scripts/${script}, rendered with:\n${assignments.join("\n")}\n\n${parts.join("\n")}`;
}

const HOST_PATH = /^\/[A-Za-z0-9._/-]+$/;

/** An absolute path safe to put in a script: no '..', no trailing '/', no shell syntax. */
export function requireHostPath(component: string, argument: string, value: string): string {
  if (typeof value === "string" && HOST_PATH.test(value) && !value.split("/").includes("..") && !value.endsWith("/")) return value;
  throw new InvalidArgumentError(component, argument, value, "Allowed: an absolute path of letters, digits, '.', '_', '-' and '/', with no '..' and no trailing '/', e.g. /opt/trafficlab.");
}
