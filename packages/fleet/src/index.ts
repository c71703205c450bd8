export { ApiFleet, GROUP_METRICS, INSTANCE_PORT } from "./api-fleet";
export {
  CURRENT_TLS_POLICIES,
  FLEET_DEFAULTS,
  FLEET_TYPE,
  MAX_FLEET_NAME_LENGTH,
  defaultSecretsPath,
  resolveFleetSettings,
  type FleetAlarmArgs,
  type FleetAppArgs,
  type FleetArgs,
  type FleetCache,
  type FleetDatabase,
  type FleetHttpsArgs,
  type FleetSettings,
  type FleetTransforms,
} from "./settings";
export { fleetCache, fleetDatabase, type DatabaseLike, type TokenCacheLike } from "./data-tier";

// Pure parts: the instance's user data, the IAM documents, the alarms, the refresh follow-up.
export { BOOT_DONE_MARKER, BOOT_UNIT, USER_DATA, USER_DATA_LIMIT_BYTES, decodeUserData, encodeUserData, renderBootScript, renderBootUnit, renderCloudConfig, type UserDataOptions } from "./user-data";
export { CHATBOT_GUARDRAIL_POLICY, chatbotNotificationsPolicy, readParametersPolicy, serviceAssumeRolePolicy, sessionManagerPolicy, type PolicyDocument, type PolicyStatement } from "./iam-policies";
export {
  ALARM_KEYS,
  REFRESH_ROLLBACK_ALARMS,
  cacheNodeId,
  cacheNodeVcpus,
  estimatedMaxConnections,
  dataTierAlarmSpecs,
  fleetAlarmSpecs,
  fleetAlarmsTable,
  singleHostAlarmSpecs,
  rdsClassMemoryGiB,
  type AlarmContext,
  type AlarmKey,
  type AlarmSpec,
  type DataTierAlarmContext,
  type SingleHostAlarmContext,
} from "./alarm-specs";
// Shared with a single host: the stack creates its topic and alarms with these (stacks/program.ts).
export { ALARM_ROUTING, checkAlarmRouting, createAlarmNotifications, createAlarms, resolveAlarmRouting, type AlarmNotifications, type AlarmNotificationsArgs, type AlarmTargets } from "./alarms";
export { LOG_RETENTION_DAYS, createCentralLogs, logRetentionFor, writeLogsPolicy, type CentralLogs, type CentralLogsArgs } from "./log-groups";
export { SECRET_VARIABLES, secretParameterName, type SecretKey } from "./secrets";
export { REFRESH_WAIT, followRefreshCommand, refreshWaitScript, type RefreshWaitOptions } from "./refresh-wait";
export {
  ESTIMATED_SERIES_PER_INSTANCE,
  FLEET_METRICS_DEFAULTS,
  FLEET_SKIPPED_ALERTS,
  INSTANCE_ID_PLACEHOLDER,
  METRICS_COST_TAGS,
  SERIES_PER_INSTANCE,
  alarmTopicPolicy,
  createManagedPrometheus,
  readMetricNames,
  remoteWritePolicy,
  remoteWriteUrl,
  renderAgentConfig,
  renderAlertmanagerConfig,
  renderAlertmanagerDefinition,
  renderFleetAlertRules,
  renderMetricsCompose,
  type AgentConfigOptions,
  type FleetMetricsArgs,
  type ManagedPrometheus,
} from "./managed-prometheus";
