import { createHash } from "node:crypto";
import {
  ACME_CA_FILE,
  acmeClientService,
  configHash,
  EDGE_FRONT_CONF,
  EDGE_FRONT_DEFAULTS,
  EDGE_SOCKET_DIR,
  edgeFrontService,
  edgeProxyService,
  NGINX_IMAGE,
  renderAcmeScripts,
  renderEdgeFrontConf,
  renderNginxConf,
  type NginxConfFiles,
  type NginxOptions,
} from "@trafficlab/edge-proxy";
import { ALERT_RULES_FILE, EXPORTER_PORTS, METRICS_SERVICE_NAMES, METRICS_SERVICES_DEFAULTS, OBSERVABILITY_DEFAULTS, metricsServices, renderAlertRules, renderPrometheusConfig, type ObservabilityArgs, type OBSERVABILITY_IMAGES } from "@trafficlab/observability";
import type { HostFile } from "./api-host";
import { renderComposeProject, type CentralLogsOptions } from "./compose-project";
import { DEPLOY_SCRIPT_DEFAULTS } from "./deploy-scripts";
import type { HttpsArgs } from "./host-settings";
import { apiColorContainers, ROLLING_DEPLOY_DEFAULTS } from "./rolling-deploy";
import { requireHostPath } from "./script-prelude";
import { InvalidArgumentError } from "@trafficlab/validation";

/** How errors from renderHostProject name their source. */
export const HOST_PROJECT = "@trafficlab/api-host renderHostProject";

export interface HostProjectOptions {
  /** Where the compose project lives on the host. Default `/opt/trafficlab`. */
  projectDirectory?: string;
  /** The nginx image, a tag or digest. Default NGINX_IMAGE. */
  proxyImage?: string;
  /** nginx settings; the upstream is always the name the blue/green deploy moves (`trafficlab-api-live:8080`). */
  proxy?: Partial<NginxOptions>;
  /** Let's Encrypt on the host itself (the single host); a fleet terminates TLS at its load balancer. Default none. */
  https?: HttpsArgs;
  /** CloudWatch Logs for nginx (and the ACME client), through compose's `logging:`. Default none. */
  logs?: CentralLogsOptions;
  /**
   * The single host's zero-reset edge: compose runs only the edge front (nginx `stream`, pinned
   * image, ports 80/443) as `nginx`; the HTTP nginx with proxyImage runs blue/green behind it
   * (edgeDeployScript), so a new image or config resets no connection. false: nginx with
   * proxyImage itself is the compose service (a fleet instance, replaced rather than changed).
   * Default false.
   */
  edgeFront?: boolean;
  /**
   * Prometheus and its exporters beside the API (needs edgeFront: nginx's stub_status is read
   * through the front's socket directory). Thresholds and retention from these settings; the
   * API's scrape target, port and the stack label are the host's. Default none.
   */
  metrics?: HostMetricsOptions;
}

/** The single host's metrics: @trafficlab/observability's settings, less what the host decides. */
export interface HostMetricsOptions extends Omit<ObservabilityArgs, "apiTarget" | "apiPort"> {
  /** Images by service, e.g. from a private mirror; a tag or digest, never `latest`. Default OBSERVABILITY_IMAGES. */
  images?: Partial<Record<keyof typeof OBSERVABILITY_IMAGES, string>>;
}

/** Alertmanager's config file, relative to the project: it names the alarm topic, so ApiHost writes it (the topic is an Output). */
export const ALERTMANAGER_CONFIG_FILE = `${METRICS_SERVICES_DEFAULTS.alertmanagerConfigDir.replace(/^\.\//, "")}/alertmanager.yml`;

/** The stub_status socket of each nginx colour, in its own socket directory. */
export const NGINX_STATUS_SOCKET = METRICS_SERVICES_DEFAULTS.nginxStatusSocket;
/** Where the redis exporter's env file (the cache's address, user and password) lives, relative to the project. */
export const REDIS_EXPORTER_ENV_FILE = METRICS_SERVICES_DEFAULTS.redisEnvFile.replace(/^\.\//, "");

/** What a host needs on disk before the API and nginx start: the compose project and nginx's config. */
export interface HostProject {
  /** Every file with its absolute path: compose.yaml first, then nginx/…, then nginx-front/front.conf (edgeFront), then acme/… (HTTPS only). */
  files: HostFile[];
  /** compose.yaml's text. */
  compose: string;
  /** nginx's config files, keyed by their path under `nginx/`. */
  nginxFiles: NginxConfFiles;
  /** sha256 of compose.yaml: a change restarts nginx's compose project. */
  composeHash: string;
  /** sha256 of nginx's service in compose.yaml: a change recreates nginx; the rest of the project (the ACME client) can change without it. */
  proxyServiceHash: string;
  /** Hash of the nginx config: a change reloads nginx (with edgeFront: rolls a new colour). */
  proxyConfigHash: string;
  /** With edgeFront: the front's config (`nginx-front/front.conf`); else undefined. */
  frontConf: string | undefined;
  /** With metrics: sha256 of prometheus.yml and the rule file (a change reloads Prometheus); else undefined. */
  metricsConfigHash: string | undefined;
}

/**
 * The compose project and nginx config of an API host, as text, without creating anything: the
 * single host copies these files over SSH, a fleet instance writes them from cloud-init. nginx
 * lives as long as the host, in compose (with the ACME client beside it for HTTPS); the API runs
 * as blue/green containers on an external network, under the name nginx resolves
 * (rollingDeployScript). No secret is ever in these files.
 */
export function renderHostProject(options: HostProjectOptions = {}): HostProject {
  const projectDirectory = requireHostPath(HOST_PROJECT, "projectDirectory", options.projectDirectory ?? DEPLOY_SCRIPT_DEFAULTS.projectDir);
  const https = options.https;
  // One upstream server per color's container name: the blue/green deploy adds the new color by
  // joining the network and takes the old one out by renaming it, before it stops (rolling-deploy.sh).
  const edgeFront = options.edgeFront ?? false;
  const metrics = options.metrics;
  if (metrics && !edgeFront) throw new InvalidArgumentError(HOST_PROJECT, "metrics", "(given)", "Allowed: only with edgeFront: true (the nginx exporter reads the serving colour's stub_status socket).");
  const nginxFiles = renderNginxConf({
    ...options.proxy,
    upstreamHosts: apiColorContainers(),
    upstreamPort: ROLLING_DEPLOY_DEFAULTS.apiPort,
    tls: https ? { domain: https.domain } : null,
    ...(edgeFront ? { frontSocketDir: EDGE_SOCKET_DIR } : {}),
    // The API's metrics are for the host's Prometheus, not for the internet.
    ...(metrics ? { statusSocket: NGINX_STATUS_SOCKET, privatePaths: [...(options.proxy?.privatePaths ?? []), metrics.apiMetricsPath ?? OBSERVABILITY_DEFAULTS.apiMetricsPath] } : {}),
  });
  // Every running API colour answers to the live alias while it serves: Prometheus finds them by it.
  const observability = metrics ? { ...metrics, apiTarget: ROLLING_DEPLOY_DEFAULTS.serviceAlias, apiPort: ROLLING_DEPLOY_DEFAULTS.apiPort } : undefined;
  const metricsFragment = observability ? metricsServices({ ...observability, apiNetwork: ROLLING_DEPLOY_DEFAULTS.network, apiNetworkKey: "api", edgeSocketDir: EDGE_FRONT_DEFAULTS.hostSocketDir }) : undefined;
  const alertmanager = `${METRICS_SERVICE_NAMES.alertmanager}:${EXPORTER_PORTS.alertmanager}`;
  const prometheusFiles = observability ? { "prometheus.yml": renderPrometheusConfig(observability, { alertmanager }), [ALERT_RULES_FILE]: renderAlertRules(observability) } : undefined;
  const frontConf = edgeFront ? renderEdgeFrontConf({ httpsPort: https ? 443 : null }) : undefined;
  const proxyService = frontConf
    ? edgeFrontService({ config: frontConf, https: Boolean(https) })
    : edgeProxyService({ image: options.proxyImage ?? NGINX_IMAGE, listenPort: 80, upstreamService: null, networks: ["default", "api"], https: https ? {} : undefined });
  const compose = renderComposeProject({
    services: {
      nginx: proxyService,
      ...(https ? { acme: acmeClientService({ domain: https.domain, email: https.email, server: https.acmeServer, image: https.acmeImage, caCertificates: https.acmeCaCertificates }) } : {}),
      ...(metricsFragment?.services ?? {}),
    },
    externalNetworks: { api: ROLLING_DEPLOY_DEFAULTS.network },
    ...(metricsFragment ? { networks: { metrics: { internal: true as const } }, volumes: metricsFragment.volumes } : {}),
    logs: options.logs,
  });
  const files: HostFile[] = [
    { path: `${projectDirectory}/compose.yaml`, content: compose },
    ...Object.entries(nginxFiles).map(([file, content]) => ({ path: `${projectDirectory}/nginx/${file}`, content })),
    ...(frontConf ? [{ path: `${projectDirectory}/${EDGE_FRONT_DEFAULTS.configDir.replace(/^\.\//, "")}/${EDGE_FRONT_CONF}`, content: frontConf }] : []),
    ...(https ? Object.entries(renderAcmeScripts()).map(([file, content]) => ({ path: `${projectDirectory}/acme/${file}`, content, mode: "755" as const })) : []),
    // Public certificates, 644: lego in its container reads them at each order.
    ...(https?.acmeCaCertificates ? [{ path: `${projectDirectory}/acme/${ACME_CA_FILE}`, content: https.acmeCaCertificates }] : []),
    // Read by Prometheus (uid 65534) through a read-only bind mount: 644, no secret in them.
    ...Object.entries(prometheusFiles ?? {}).map(([file, content]) => ({ path: `${projectDirectory}/${METRICS_SERVICES_DEFAULTS.configDir.replace(/^\.\//, "")}/${file}`, content })),
  ];
  return { files, compose, nginxFiles, composeHash: createHash("sha256").update(compose).digest("hex"), proxyServiceHash: createHash("sha256").update(JSON.stringify(proxyService)).digest("hex"), proxyConfigHash: configHash(nginxFiles), frontConf, metricsConfigHash: prometheusFiles ? configHash(prometheusFiles) : undefined };
}
