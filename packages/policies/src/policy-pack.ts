import { PolicyPack } from "@pulumi/policy/policy";
import { trafficlabPolicies } from "./policies";

export const POLICY_PACK_NAME = "trafficlab";

/**
 * Whether this process is Pulumi's policy runtime: the CLI starts a Node.js pack as
 * `node @pulumi/pulumi/cmd/run-policy-pack <engine> <pack dir>`, which then requires the pack.
 */
export function isPolicyRuntime(main: { filename: string } | undefined = require.main): boolean {
  return main !== undefined && /[\\/]cmd[\\/]run-policy-pack[\\/]index\.js$/.test(main.filename);
}

/**
 * Serves the trafficlab policies to the engine. Constructing a PolicyPack starts a gRPC server,
 * prints its port for the CLI and exits the process on a second pack, so only the policy
 * runtime may call this, once.
 */
export function servePolicyPack(): PolicyPack {
  return new PolicyPack(POLICY_PACK_NAME, {
    policies: trafficlabPolicies,
    description: "trafficlab: no public data tier, encryption at rest and in transit, IMDSv2, pinned images, no plain secrets, safe production data.",
    provider: "aws",
  });
}
