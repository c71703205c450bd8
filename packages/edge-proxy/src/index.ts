export { renderNginxConf, type NginxConfFiles } from "./nginx-conf";
export { NGINX_DEFAULTS, NGINX_CONFIG_DIR, NGINX_TLS_DEFAULTS, RENDER_NGINX_CONF, resolveNginxOptions, type NginxOptions, type NginxTls, type ResolvedNginxOptions } from "./nginx-options";
export {
  edgeProxyService,
  nginxReloadCommand,
  NGINX_IMAGE,
  EDGE_PROXY_SERVICE,
  EDGE_PROXY_SERVICE_DEFAULTS,
  type EdgeProxyServiceOptions,
  type EdgeProxyComposeService,
} from "./compose-service";
export { configHash } from "./config-hash";
export { ACME_CA_FILE, ACME_CLIENT, ACME_DEFAULTS, NGINX_TLS_MOUNT, acmeClientService, renderAcmeScripts, requireAcmeCaCertificates, type AcmeClientOptions, type AcmeComposeService } from "./acme";
export {
  EDGE_FRONT,
  EDGE_FRONT_CONF,
  EDGE_FRONT_CONFIG_LABEL,
  EDGE_FRONT_DEFAULTS,
  EDGE_SOCKET_DIR,
  edgeFrontService,
  renderEdgeFrontConf,
  type EdgeFrontComposeService,
  type EdgeFrontOptions,
  type EdgeFrontServiceOptions,
} from "./edge-front";
