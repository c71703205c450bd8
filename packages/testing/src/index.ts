export { installMocks, currentGraph, MockedProgram, type MockOptions } from "./install-mocks";
export {
  ResourceGraph,
  resolveOutput,
  isSecretOutput,
  unwrapSecrets,
  type RegisteredResource,
  type IngressRule,
  type CapturedCall,
} from "./resource-graph";
export { awsLikeState, awsLikeCall, awsLikeMocks, MOCK_ACCOUNT_ID } from "./aws-mocks";
export { readStackConfigFiles, applyStackConfig, type StackConfigFile } from "./stack-config";
export { expectRejected } from "./expect-rejected";
export { cloudInitSchemaCommand, findTool, requireTools, freeLoopbackPort } from "./local-tools";
export {
  loadProjectConfig,
  validateStackConfig,
  validateConfigValue,
  fullTypeName,
  type ProjectConfigType,
  type StackConfigValue,
  type CliConfigResult,
} from "./pulumi-cli-config";
export { withCapturedConsole } from "./captured-console";
export { startLoopbackDns, type LoopbackDns, type LoopbackDnsAnswer, type LoopbackDnsOptions, type LoopbackDnsRecords } from "./loopback-dns";
