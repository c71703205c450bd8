export { OBSERVABILITY, OBSERVABILITY_DEFAULTS, METRICS_SERVICE_NAMES, resolveObservabilitySettings, type ObservabilityArgs, type ObservabilitySettings } from "./settings";
export { OBSERVABILITY_IMAGES, IMAGES_AWAITING_DIGEST } from "./images";
export { renderPrometheusConfig, PROMETHEUS_CONFIG_DIR, ALERT_RULES_FILE, EXPORTER_PORTS, SCRAPE_JOBS, type PrometheusConfigOptions, type ScrapeJob } from "./prometheus-config";
export { alertRules, renderAlertRules, ALERT_FOR, type AlertRule, type AlertName, type AlertRuleOptions } from "./alert-rules";
export {
  metricsServices,
  renderRedisExporterEnv,
  cacheAddress,
  METRICS_NETWORK,
  METRICS_SERVICES_DEFAULTS,
  EDGE_SOCKETS_MOUNT,
  type MetricsServicesOptions,
  type MetricsComposeService,
  type MetricsComposeFragment,
} from "./compose-services";
export {
  dashboardSpecs,
  renderDashboard,
  renderDashboards,
  dashboardQueries,
  withGrafanaVariables,
  type DashboardSpec,
  type PanelSpec,
  type PromQuery,
  type CloudWatchQuery,
  type GrafanaDashboard,
  type PanelQuery,
} from "./dashboards";
export { renderAlertmanagerConfig } from "./alertmanager";
