export {
  ArgumentChecks,
  InvalidArgumentError,
  type ArgumentProblem,
  componentLabel,
  requireOneOf,
  requireIntegerInRange,
  requireSecretInput,
} from "./argument-checks";
export { imageRegistry, requirePinnedImage } from "./image-reference";
export { isTimeZone } from "./time-zone";
export { transformed, type ChildTransform } from "./child-transform";
export { editDistance, closestMatch, didYouMean } from "./closest";
export { explainRefusedType, nearestAllowed, parseInstanceType, type AllowList } from "./instance-types";
export { isRegistryUsername, REGISTRY_USERNAME_ALLOWED } from "./registry-login";
export { isIamPolicyArn, IAM_POLICY_ARN_ALLOWED } from "./iam-arn";
