import type * as pulumi from "@pulumi/pulumi";

/**
 * A way to change one child resource of a component, as SST's `transform` does: either
 * arguments merged over the component's own, or a function that edits the arguments and
 * options in place (a tag, a retention, `protect`, `ignoreChanges`). Pulumi's own `transforms`
 * option does the same for any resource, but does not run under mocks, so a component's tests
 * could not show it.
 */
export type ChildTransform<Args> = Partial<Args> | ((args: Args, opts: pulumi.CustomResourceOptions) => void);

/** The child's arguments and options after the user's transform, if any. */
export function transformed<Args extends object>(
  transform: ChildTransform<Args> | undefined,
  args: Args,
  opts: pulumi.CustomResourceOptions,
): [Args, pulumi.CustomResourceOptions] {
  if (transform === undefined) return [args, opts];
  if (typeof transform === "function") {
    const [copy, options] = [{ ...args }, { ...opts }];
    transform(copy, options);
    return [copy, options];
  }
  return [{ ...args, ...transform }, opts];
}
