import * as pulumi from "@pulumi/pulumi";

/**
 * A host script stamped with what it was rendered for, as comment lines after the shebang:
 * the host it runs on (the instance id) and the inputs it stands for (a file's hash, say).
 * `@pulumi/command` updates a command in place when its script text changes and replaces it
 * only when `triggers` change; a replacement creates the new command first and runs the OLD
 * command's `delete` last, which for a deploy means tearing down what was just deployed. So
 * a change that must re-run a step changes the script, never a trigger: it runs again, on
 * the new host when the host was replaced, and no delete runs until the step is removed.
 */
export function stampedScript(script: pulumi.Input<string>, stamps: Record<string, pulumi.Input<string>>): pulumi.Output<string> {
  return pulumi.all([pulumi.output(script), pulumi.all(stamps)]).apply(([text, values]) => {
    const lines = Object.keys(values)
      .sort()
      .map((key) => `# ${key}: ${String(values[key]).replace(/[\r\n]+/g, " ")}`)
      .join("\n");
    const newline = text.indexOf("\n");
    const shebang = text.startsWith("#!") && newline >= 0;
    return shebang ? `${text.slice(0, newline + 1)}${lines}\n${text.slice(newline + 1)}` : `${lines}\n${text}`;
  });
}

/** The stamp names the host steps use; `pnpm plan` reads them to say what an update will do. */
export const STAMPS = {
  /** The instance id: a new host re-runs every step. */
  host: "host",
  /** The compose project's hash: compose recreates the services whose definition changed. */
  composeFile: "compose.yaml sha256",
  /** The nginx service's compose definition: when it changes, compose recreates nginx (the edge stops for a moment). */
  proxyService: "nginx service sha256",
  /** The nginx config's hash: nginx reloads. */
  nginxConfig: "nginx config sha256",
  /** The hash of Prometheus' config and rule files and Alertmanager's config: compose-up asks both to reload them. */
  metricsConfig: "prometheus config sha256",
  /** What the host steps of ApiHost will run (scripts and file contents): the host key check runs again before any of them does. */
  hostSteps: "host steps sha256",
} as const;

/** The value of a stamp in a script stampedScript made, or undefined. */
export function stampOf(script: unknown, name: string): string | undefined {
  if (typeof script !== "string") return undefined;
  const prefix = `# ${name}: `;
  return script.split("\n").find((line) => line.startsWith(prefix))?.slice(prefix.length);
}
