export {
  InvalidArgumentError,
  componentLabel,
  requireOneOf,
  requireIntegerInRange,
  requireSecretInput,
} from "./argument-checks";
