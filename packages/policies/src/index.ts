// The policy pack's main module. `pulumi preview --policy-pack packages/policies` loads it in
// Pulumi's policy runtime, which expects it to construct the PolicyPack; everywhere else
// (tests, other packages) it only exports the policies and the in-process runner.
import { isPolicyRuntime, servePolicyPack } from "./policy-pack";

export {
  trafficlabPolicies,
  noPublicDatabase,
  noInternetIngressToDataPorts,
  noSshFromInternet,
  rdsEncryptedAtRest,
  cacheEncryptedAtRest,
  cacheEncryptedInTransit,
  ebsEncrypted,
  imdsv2Required,
  noFloatingImageTags,
  noSecretsInPlainInputs,
  noLatestWithInstanceRefresh,
  elbHealthChecks,
  httpsListenerWhenDomain,
  dataTierOnlyFromFleet,
  userDataText,
  CURRENT_TLS_POLICIES,
  MIN_HEALTH_CHECK_GRACE_SECONDS,
  prodDeletionProtection,
  prodFinalSnapshot,
  prodBackupRetention,
  prodProtectStatefulResources,
  prodRdsMultiAz,
  prodCacheReplica,
  publicIpWithoutElasticIp,
  privateSubnetsWithoutNat,
  githubOidcTrustNarrow,
  iamRolesShareBoundary,
  IAM_ROLE,
  NO_SECRETS_IN_PLAIN_INPUTS,
  DEFAULT_DATA_PORTS,
  MIN_PROD_BACKUP_DAYS,
} from "./policies";
export { githubTrustProblems, GITHUB_OIDC_HOST } from "./github-trust";
export { runPolicies, mandatoryViolations, type RecordedResource, type RunPoliciesOptions, type Violation } from "./run-policies";
export { environmentOf, stackOfUrn, ENVIRONMENT_CONFIG_SCHEMA, type Environment } from "./environment";
export { composeImages, floatingImageProblem, holdsComposeFile } from "./image-references";
export { secretLookingValues, type SecretLookingMatch } from "./secret-patterns";
export { ingressRulesOf, admitsTcpPort, internetCidrs, type FlatIngressRule } from "./ingress-rules";
export { isPolicyRuntime, servePolicyPack, POLICY_PACK_NAME } from "./policy-pack";

if (isPolicyRuntime()) servePolicyPack();
