export { renderNginxConf, type NginxConfFiles } from "./nginx-conf";
export { NGINX_DEFAULTS, NGINX_CONFIG_DIR, RENDER_NGINX_CONF, resolveNginxOptions, type NginxOptions, type ResolvedNginxOptions } from "./nginx-options";
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
export { UPSTREAM_FILE, UPSTREAM_INCLUDE_PATH, renderUpstreamServer, withUpstreamInclude } from "./upstream-file";
