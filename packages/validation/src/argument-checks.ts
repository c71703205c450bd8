import * as pulumi from "@pulumi/pulumi";

/** One argument a component refuses: which, the value given and what is allowed. */
export interface ArgumentProblem {
  argument: string;
  value: unknown;
  allowed: string;
}

/**
 * Thrown by a component before it registers anything, so a bad argument never leaves a
 * half-made stack behind. It names the component and, for every argument refused, the value
 * given and what is allowed (ArgumentChecks gathers them all in one pass). A RunError, so
 * Pulumi prints just the message (no stack trace, and no slow util.inspect of the error on
 * Node 20.20).
 */
export class InvalidArgumentError extends pulumi.RunError {
  /** Every argument refused, the first one first. */
  readonly problems: readonly ArgumentProblem[];

  constructor(
    readonly component: string,
    readonly argument: string,
    readonly value: unknown,
    readonly allowed: string,
    more: readonly ArgumentProblem[] = [],
  ) {
    const problems = [{ argument, value, allowed }, ...more];
    super(
      problems.length === 1
        ? `${component}: ${describeProblem(problems[0]!)}`
        : `${component}: ${problems.length} arguments are not allowed:\n${problems.map((p) => `  - ${describeProblem(p)}`).join("\n")}`,
    );
    this.problems = problems;
    this.name = "InvalidArgumentError";
  }
}

function describeValue(value: unknown): string {
  return value === undefined ? "(missing)" : `= ${JSON.stringify(value)}`;
}

function describeProblem(problem: ArgumentProblem): string {
  return `${problem.argument} ${describeValue(problem.value)} is not allowed. ${problem.allowed}`;
}

/**
 * Gathers every problem with a component's arguments in one pass, so a user fixes them all at
 * once: each check runs through `take`, which records a refusal and goes on with a fallback.
 */
export class ArgumentChecks {
  private readonly found: ArgumentProblem[] = [];

  constructor(readonly component: string) {}

  /** What `check` returns; when it throws InvalidArgumentError, its problems are recorded and `fallback` returned. */
  take<T>(check: () => T, fallback: T): T {
    try {
      return check();
    } catch (error) {
      if (!(error instanceof InvalidArgumentError)) throw error;
      this.found.push(...error.problems);
      return fallback;
    }
  }

  /** Records a problem found without a check function. */
  refuse(argument: string, value: unknown, allowed: string): void {
    this.found.push({ argument, value, allowed });
  }

  get problems(): readonly ArgumentProblem[] {
    return this.found;
  }

  /** Throws one InvalidArgumentError naming every problem recorded, if any. */
  done(): void {
    const [first, ...more] = this.found;
    if (first) throw new InvalidArgumentError(this.component, first.argument, first.value, first.allowed, more);
  }
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
