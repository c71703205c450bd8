import { InvalidArgumentError, requireIntegerInRange } from "@trafficlab/validation";
import type { NginxConfFiles } from "./nginx-conf";
import { NGINX_CONFIG_DIR } from "./nginx-options";

/** How errors from renderUpstreamServer and withUpstreamInclude name their source. */
export const UPSTREAM_FILE = "@trafficlab/edge-proxy upstream file";

/**
 * Where the deploy writes the API's upstream server: in the mounted config directory, outside
 * conf.d/ (whose *.conf nginx includes at http level, where a bare `server` line is an error).
 */
export const UPSTREAM_INCLUDE_PATH = `${NGINX_CONFIG_DIR}/upstream.conf`;

// Anything that could end a directive, open a block or start a comment in nginx.conf.
const NGINX_SYNTAX = /[\s;{}#'"\\]/;

/**
 * The upstream file's content: one `server host:port;` line. A single server is never marked
 * down by nginx (max_fails does not apply), so a slow start of the API cannot take it out.
 */
export function renderUpstreamServer(host: string, port: number): string {
  if (typeof host !== "string" || host.length === 0 || NGINX_SYNTAX.test(host) || host.includes("/")) {
    throw new InvalidArgumentError(UPSTREAM_FILE, "host", host, "Allowed: a container name, host name or IP address (e.g. trafficlab-api-blue or 127.0.0.1) with no whitespace, quotes, /, ;, { or }.");
  }
  requireIntegerInRange(UPSTREAM_FILE, "port", port, 1, 65535);
  return `server ${host}:${port};\n`;
}

/**
 * renderNginxConf's files with the API upstream's `server` line replaced by
 * `include <includePath>;`, so a deploy switches the upstream by rewriting one small file and
 * reloading, without touching the rendered config (whose hash would otherwise change).
 */
export function withUpstreamInclude(files: NginxConfFiles, includePath: string = UPSTREAM_INCLUDE_PATH): NginxConfFiles {
  if (typeof includePath !== "string" || !includePath.startsWith("/") || includePath.length < 2 || NGINX_SYNTAX.test(includePath)) {
    throw new InvalidArgumentError(UPSTREAM_FILE, "includePath", includePath, "Allowed: an absolute path with no whitespace, quotes, ;, { or }.");
  }
  const server = /^(upstream api_upstream \{\n) {4}server [^\n;]+;\n/m;
  const conf = files["conf.d/default.conf"];
  const matches = conf.match(new RegExp(server.source, "gm")) ?? [];
  if (matches.length !== 1) {
    throw new Error(`${UPSTREAM_FILE}: conf.d/default.conf has ${matches.length} api_upstream server lines, expected 1 (is it renderNginxConf's output?).`);
  }
  return { ...files, "conf.d/default.conf": conf.replace(server, `$1    include ${includePath};\n`) };
}
