import * as pulumi from "@pulumi/pulumi";

/**
 * Thrown by a component before it registers anything, so a bad argument never leaves a
 * half-made stack behind. The message names the component, the argument, the value given
 * and what is allowed. A RunError, so Pulumi prints just the message (no stack trace, and no
 * slow util.inspect of the error on Node 20.20).
 */
export class InvalidArgumentError extends pulumi.RunError {
  constructor(
    readonly component: string,
    readonly argument: string,
    readonly value: unknown,
    readonly allowed: string,
  ) {
    super(`${component}: ${argument} ${describeValue(value)} is not allowed. ${allowed}`);
    this.name = "InvalidArgumentError";
  }
}

function describeValue(value: unknown): string {
  return value === undefined ? "(missing)" : `= ${JSON.stringify(value)}`;
}

/** `trafficlab:database:Database "dev-db"`: how errors name the component instance. */
export function componentLabel(typeToken: string, name: string): string {
  return `${typeToken} "${name}"`;
}

export function requireOneOf<T extends string>(
  component: string,
  argument: string,
  value: string,
  allowed: readonly T[],
  why = "",
): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new InvalidArgumentError(component, argument, value, `Allowed: ${allowed.join(", ")}.${why ? " " + why : ""}`);
}

export function requireIntegerInRange(
  component: string,
  argument: string,
  value: number,
  min: number,
  max: number,
  why = "",
): number {
  if (Number.isInteger(value) && value >= min && value <= max) return value;
  throw new InvalidArgumentError(
    component,
    argument,
    value,
    `Allowed: a whole number from ${min} to ${max}.${why ? " " + why : ""}`,
  );
}

/**
 * A secret argument must arrive as a Pulumi Output (pulumi.secret(...) or config.requireSecret),
 * never as a plain string that would be stored unencrypted in the state.
 */
export function requireSecretInput(component: string, argument: string, value: unknown): void {
  if (typeof value === "string") {
    throw new InvalidArgumentError(
      component,
      argument,
      "<a plain string, value not shown>",
      "Pass it as a Pulumi secret (pulumi.secret(...) or config.requireSecret(...)) so it is encrypted in the state.",
    );
  }
}
