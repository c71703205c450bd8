import { resolveNginxOptions, type NginxOptions } from "./nginx-options";

/** The two files of the config directory, keyed by their path inside it. */
export type NginxConfFiles = {
  "nginx.conf": string;
  "conf.d/default.conf": string;
};

const UPSTREAM_NAME = "api_upstream";

/** Content types worth compressing; nginx always adds text/html. */
const GZIP_TYPES = [
  "application/json",
  "application/problem+json",
  "application/javascript",
  "application/xml",
  "text/plain",
  "text/css",
  "text/xml",
  "text/javascript",
];

/**
 * Renders the edge proxy's config: nginx.conf (process, events, http settings) and
 * conf.d/default.conf (the API upstream and the server). Validates every option first.
 */
export function renderNginxConf(options: NginxOptions = {}): NginxConfFiles {
  const o = resolveNginxOptions(options);
  const includeDir = o.includeDir.replace(/\/+$/, "");
  const tempPaths =
    o.tempDir === null
      ? []
      : ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((kind) => `    ${kind}_temp_path ${o.tempDir}/${kind};`);

  const nginxConf = [
    "# Rendered by @trafficlab/edge-proxy; edit the options, not this file.",
    ...(o.user === null ? [] : [`user ${o.user};`]),
    `worker_processes ${o.workerProcesses};`,
    `pid ${o.pidPath};`,
    `error_log ${o.errorLogPath} warn;`,
    "",
    "events {",
    `    worker_connections ${o.workerConnections};`,
    // multi_accept stays off: with several workers and one listen socket it lets one worker
    // take a whole burst of connections while the others idle.
    "}",
    "",
    "http {",
    `    include ${o.mimeTypesPath};`,
    "    default_type application/octet-stream;",
    "",
    "    server_tokens off;",
    "    sendfile on;",
    "    tcp_nopush on;",
    "    tcp_nodelay on;",
    "    keepalive_timeout 65s;",
    ...tempPaths,
    "",
    `    access_log ${o.accessLogPath};`,
    "",
    "    gzip on;",
    "    gzip_comp_level 5;",
    `    gzip_min_length ${o.gzipMinLength};`,
    // Also compress when a load balancer or CDN in front adds a Via header.
    "    gzip_proxied any;",
    "    gzip_vary on;",
    `    gzip_types ${GZIP_TYPES.join(" ")};`,
    "",
    `    include ${includeDir}/*.conf;`,
    "}",
    "",
  ].join("\n");

  const defaultConf = [
    "# Rendered by @trafficlab/edge-proxy; edit the options, not this file.",
    `upstream ${UPSTREAM_NAME} {`,
    `    server ${o.upstreamHost}:${o.upstreamPort};`,
    // Idle connections kept per worker, so a request does not pay for a new TCP connection.
    `    keepalive ${o.upstreamKeepalive};`,
    // Below Spring Boot's (Tomcat's) 20 s keep-alive timeout: nginx must never reuse a
    // connection the API is about to close, which would surface as a 502.
    "    keepalive_timeout 15s;",
    "}",
    "",
    "server {",
    `    listen ${o.listenPort} default_server;`,
    "    server_name _;",
    "",
    `    client_max_body_size ${o.clientMaxBodySize};`,
    "",
    `    location = ${o.healthPath} {`,
    "        access_log off;",
    "        default_type text/plain;",
    '        return 200 "ok\\n";',
    "    }",
    "",
    "    location / {",
    `        proxy_pass http://${UPSTREAM_NAME};`,
    // Upstream keepalive needs HTTP/1.1 and no "Connection: close" passed on.
    "        proxy_http_version 1.1;",
    '        proxy_set_header Connection "";',
    "        proxy_set_header Host $host;",
    // Set, not appended: a client-sent X-Real-IP is replaced by the address nginx saw.
    "        proxy_set_header X-Real-IP $remote_addr;",
    "        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
    "        proxy_set_header X-Forwarded-Proto $scheme;",
    `        proxy_connect_timeout ${o.proxyConnectTimeout};`,
    `        proxy_send_timeout ${o.proxySendTimeout};`,
    `        proxy_read_timeout ${o.proxyReadTimeout};`,
    "    }",
    "}",
    "",
  ].join("\n");

  return { "nginx.conf": nginxConf, "conf.d/default.conf": defaultConf };
}
