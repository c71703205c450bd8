import type { PolicyConfigSchema } from "@pulumi/policy/policy";

/** The two kinds of stack trafficlab knows (stack config `trafficlab:environment`). */
export type Environment = "dev" | "prod";

/**
 * The config schema of a policy that behaves differently in production. A policy pack cannot
 * read the stack's config, so `environment` comes from the policy config
 * (`--policy-pack-config`); unset, a stack whose name starts with `prod` counts as production.
 */
export const ENVIRONMENT_CONFIG_SCHEMA: PolicyConfigSchema = {
  properties: {
    environment: { type: "string", enum: ["dev", "prod"], description: "the stack's trafficlab:environment" },
  },
};

/** The stack name of a URN (`urn:pulumi:<stack>::<project>::<type>::<name>`). */
export function stackOfUrn(urn: string): string {
  return /^urn:pulumi:([^:]+)::/.exec(urn)?.[1] ?? "";
}

/** The environment a policy runs for: its config if set, else inferred from the stack name. */
export function environmentOf(config: { environment?: unknown }, urn: string): Environment {
  if (config.environment === "prod" || config.environment === "dev") return config.environment;
  return /^prod/i.test(stackOfUrn(urn)) ? "prod" : "dev";
}
