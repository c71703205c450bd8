export {
  InvalidArgumentError,
  componentLabel,
  requireOneOf,
  requireIntegerInRange,
  requireSecretInput,
} from "./argument-checks";
export { requirePinnedImage } from "./image-reference";
