export { ApiHost, MICROMETER_ENVIRONMENT, sha256, SSH_DIAL_BUDGET, type HostFile, type SshDialBudget } from "./api-host";
export { HOST_KEY_CHECK, HOST_KEY_SCAN_BUDGET, acceptNewHostKeyCommand, hostKeyChangedMessage, hostKeyCheckScript, hostKeyUserData, sshFingerprint, type HostKeyChangedMessageArgs, type HostKeyCheckOptions, type HostKeyScanBudget } from "./host-key";
export { AppDeployment, APP_DEPLOYMENT_TYPE, type AppDeploymentArgs } from "./app-deployment";
export { ApiImage, API_IMAGE_TYPE, BUILD_CONTEXT_ALLOWED, buildContextProblem, type ApiImageArgs } from "./api-image";
export {
  AMI_PARAMETERS,
  API_HOST_DEFAULTS,
  API_HOST_TYPE,
  HOST_INSTANCE_TYPES,
  hostInstanceAllowList,
  architectureOf,
  parseCidr,
  resolveApiHostSettings,
  type ApiHostArgs,
  type ApiHostTransforms,
  type HttpsArgs,
  type ApiAppArgs,
  type ApiHostDeployArgs,
  type ApiHostMetricsArgs,
  type RegistryCredentials,
  type ApiHostSettings,
  type ExistingKeyPair,
  type HostOs,
} from "./host-settings";

// Pure parts: the scripts the host runs and the compose project it runs.
export { shellQuote } from "./shell-quote";
export {
  COMPOSE_PLUGIN,
  INSTALL_DOCKER_DEFAULTS,
  INSTALL_DOCKER_SCRIPT,
  installDockerScript,
  type ComposePluginPin,
  type InstallDockerOptions,
} from "./install-docker";
export {
  DEPLOY_SCRIPTS,
  DEPLOY_SCRIPT_DEFAULTS,
  composeDownScript,
  composeUpScript,
  pullImagesScript,
  writeFileScript,
  removeFileScript,
  type ComposeDownOptions,
  type ComposeUpOptions,
  type FileMode,
  type PullImagesOptions,
} from "./deploy-scripts";
export {
  COMPOSE_PROJECT,
  COMPOSE_PROJECT_DEFAULTS,
  awslogsLogging,
  dataTierEnvironment,
  logGroupName,
  renderComposeProject,
  type ApiCache,
  type CentralLogsOptions,
  type ApiDatabase,
  type ComposeProjectOptions,
} from "./compose-project";
export {
  API_LOG_SERVICE,
  apiLogOptions,
  CONTAINER_ENV_FILE,
  ROLLING_DEPLOY,
  ROLLING_DEPLOY_DEFAULTS,
  parsePreviousImage,
  renderContainerEnvFile,
  rollingDeployScript,
  rollingTeardownScript,
  type RollingDeployOptions,
  type RollingTeardownOptions,
} from "./rolling-deploy";
export { HOST_PROJECT, NGINX_STATUS_SOCKET, REDIS_EXPORTER_ENV_FILE, renderHostProject, type HostMetricsOptions, type HostProject, type HostProjectOptions } from "./host-project";
export { STAMPS, stampOf, stampedScript } from "./host-step";
export { EDGE_DEPLOY, EDGE_DEPLOY_DEFAULTS, edgeDeployScript, edgeTeardownScript, type EdgeDeployOptions } from "./edge-deploy";
