// Every action the workflows use, pinned by the full commit SHA of a release tag (a tag can be
// moved; a commit cannot). Each SHA was read from the action's own repository with git
// (`git rev-parse <tag>^{commit}` in a mirror of github.com/<repo>, 2026-12-07), never typed in.
// To move to a newer release: read its tag's commit the same way, change it here, `pnpm generate`.

export interface PinnedAction {
  /** owner/name on GitHub. */
  repo: string;
  /** The release tag the SHA is, for the `# vX.Y.Z` comment. */
  tag: string;
  /** The commit the tag points at: 40 hex digits. */
  sha: string;
}

export const ACTIONS = {
  checkout: { repo: "actions/checkout", tag: "v7.0.1", sha: "3d3c42e5aac5ba805825da76410c181273ba90b1" },
  setupNode: { repo: "actions/setup-node", tag: "v7.0.0", sha: "820762786026740c76f36085b0efc47a31fe5020" },
  // The newest tag in the mirror; it reads the pnpm version from package.json's packageManager.
  setupPnpm: { repo: "pnpm/action-setup", tag: "v4.0.0", sha: "fe02b34f77f8bc703788d5817da081398fad5dd2" },
  awsCredentials: { repo: "aws-actions/configure-aws-credentials", tag: "v6.2.3", sha: "e6de054238d6b7531b4efff3b6587d9aade6a06c" },
  ecrLogin: { repo: "aws-actions/amazon-ecr-login", tag: "v2.1.7", sha: "03f1aad4c6c7ffd436567f42f9384779290529bd" },
  setupBuildx: { repo: "docker/setup-buildx-action", tag: "v4.3.0", sha: "37fe631027851001ddb9b187196cc803df7f5f0e" },
  buildPush: { repo: "docker/build-push-action", tag: "v7.3.0", sha: "53b7df96c91f9c12dcc8a07bcb9ccacbed38856a" },
  pulumi: { repo: "pulumi/actions", tag: "v7.0.0", sha: "8e5e406f4007fca908480587cb9893c07090f58d" },
  githubScript: { repo: "actions/github-script", tag: "v8.0.0", sha: "ed597411d8f924073f98dfc5c65a23a2325f34cd" },
} as const satisfies Record<string, PinnedAction>;

export type ActionName = keyof typeof ACTIONS;

/** `owner/name@<sha>`, what a step's `uses:` says. */
export function uses(name: ActionName): string {
  const action = ACTIONS[name];
  return `${action.repo}@${action.sha}`;
}

/** The tag of a pinned `uses:` value, for its comment; undefined for one this file does not pin. */
export function tagOf(usesValue: string): string | undefined {
  return Object.values(ACTIONS).find((action) => usesValue === `${action.repo}@${action.sha}`)?.tag;
}
