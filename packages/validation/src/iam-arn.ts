/**
 * A customer managed (or AWS managed) IAM policy's ARN, as a role's permissions boundary takes
 * it: `arn:<partition>:iam::<account>:policy/<path/name>` (IAM API Reference, CreateRole
 * PermissionsBoundary: a managed policy's ARN; policy names and paths are [\w+=,.@-] and '/').
 */
const IAM_POLICY_ARN = /^arn:aws(-[a-z]+)*:iam::(\d{12}|aws):policy\/([\w+=,.@-]+\/)*[\w+=,.@-]{1,128}$/;

export const IAM_POLICY_ARN_ALLOWED = "an IAM managed policy's ARN, arn:aws:iam::<12-digit account>:policy/<name> (the ci stack's output stackRoleBoundaryArn)";

/** Whether the value is an IAM managed policy's ARN. */
export function isIamPolicyArn(value: unknown): value is string {
  return typeof value === "string" && value.length <= 2048 && IAM_POLICY_ARN.test(value);
}
