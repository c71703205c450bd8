import { runStackUnderMocks } from "../under-mocks";

/** The two settings Pulumi.dev.yaml leaves to the user, as a user would give them (README, Deploy). */
export const USER_SETTINGS = {
  "trafficlab:sshAllowedCidrs": JSON.stringify(["198.51.100.7/32"]),
  "trafficlab:apiImage": "example/trafficlab-api:1.0.0",
};

/** Runs the program under the mocks with Pulumi.<stack>.yaml, the user's two settings and `extra` (secrets as --secret, unless in `plainText`). */
export async function runStack(stack: string, extra: Record<string, string> = {}, plainText: string[] = []) {
  return runStackUnderMocks(stack, { values: { ...USER_SETTINGS, ...extra }, plainText });
}
