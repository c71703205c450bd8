import { NGINX_TLS_DEFAULTS, resolveNginxOptions, type NginxOptions } from "./nginx-options";

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
    // nginx's combined format, then what finds a slow request: its id, its time, and the API's
    // part of it (connect and response), as key=value for CloudWatch Logs Insights' parse.
    "    log_format timed '$remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent \"$http_referer\" \"$http_user_agent\" '",
    "                     'request_id=$request_id request_time=$request_time upstream_connect_time=$upstream_connect_time upstream_response_time=$upstream_response_time upstream_status=$upstream_status';",
    o.accessLogPath === "off" ? "    access_log off;" : `    access_log ${o.accessLogPath} timed;`,
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

  const behindProxy = o.trustedProxyCidrs.length > 0;
  const health = [
    `    location = ${o.healthPath} {`,
    "        access_log off;",
    "        default_type text/plain;",
    '        return 200 "ok\\n";',
    "    }",
    // ^~: no regex location can take these back; the API's answer never leaves the host.
    ...o.privatePaths.flatMap((path) => ["", `    location ^~ ${path} {`, "        return 404;", "    }"]),
  ];
  const front = o.frontSocketDir === null ? null : o.frontSocketDir.replace(/\/+$/, "");
  const proxyDirectives = [
    `        proxy_pass http://${UPSTREAM_NAME};`,
    // Upstream keepalive needs HTTP/1.1 and no "Connection: close" passed on.
    "        proxy_http_version 1.1;",
    '        proxy_set_header Connection "";',
    "        proxy_set_header Host $host;",
    // Set, not appended: a client-sent X-Real-IP is replaced by the address nginx saw (behind a
    // trusted load balancer, the client's address it forwarded).
    "        proxy_set_header X-Real-IP $remote_addr;",
    ...(behindProxy
      ? // The balancer's chain, then the balancer itself: $remote_addr is already the client here.
        ['        proxy_set_header X-Forwarded-For "$http_x_forwarded_for, $realip_remote_addr";', "        proxy_set_header X-Forwarded-Proto $forwarded_proto;"]
      : ["        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;", "        proxy_set_header X-Forwarded-Proto $scheme;"]),
    `        proxy_connect_timeout ${o.proxyConnectTimeout};`,
    `        proxy_send_timeout ${o.proxySendTimeout};`,
    `        proxy_read_timeout ${o.proxyReadTimeout};`,
    // A container that stops (a deploy drains the old one) refuses new connections: nginx
    // then tries the next address of the API's name; nothing was sent, so even a POST is safe.
    "        proxy_next_upstream error timeout;",
    "        proxy_next_upstream_tries 3;",
  ];
  const proxy = front === null
    ? ["    location / {", ...proxyDirectives, "    }"]
    : [
        "    location / {",
        // The deploy made the flag: this colour is on its way out. The answer goes through
        // @draining, which says Connection: close, so the client's next request opens a new
        // connection, which the front sends to the new colour; no idle connection is left to
        // close when this nginx quits. Named, so the method and body are kept.
        `        if (-f ${front}/draining) { return 418; }`,
        "        error_page 418 = @draining;",
        ...proxyDirectives,
        "    }",
        "",
        "    location @draining {",
        "        keepalive_timeout 0;",
        ...proxyDirectives,
        "    }",
      ];
  // Behind the front: its connections, each opened with a PROXY protocol header, on a UNIX socket
  // only it reaches; the health check's on loopback inside the container.
  const plainListen = front === null
    ? [`    listen ${o.listenPort} default_server;`]
    : [`    listen unix:${front}/http.sock proxy_protocol default_server;`, `    listen 127.0.0.1:${o.listenPort};`];
  const tls = o.tls;
  const tlsDir = tls ? (tls.certificateDir ?? NGINX_TLS_DEFAULTS.certificateDir).replace(/\/+$/, "") : "";
  const hsts = tls ? (tls.hstsMaxAgeSeconds ?? NGINX_TLS_DEFAULTS.hstsMaxAgeSeconds) : 0;
  const certificateCache = tls ? (tls.certificateCacheSeconds ?? NGINX_TLS_DEFAULTS.certificateCacheSeconds) : 0;
  const plainServer = tls
    ? [
        "server {",
        ...plainListen,
        "    server_name _;",
        "",
        ...health,
        "",
        // The ACME client answers HTTP-01 challenges through files here.
        "    location /.well-known/acme-challenge/ {",
        `        root ${tls.acmeWebroot ?? NGINX_TLS_DEFAULTS.acmeWebroot};`,
        "        default_type text/plain;",
        "    }",
        "",
        "    location / {",
        `        return 301 https://${tls.domain}$request_uri;`,
        "    }",
        "}",
      ]
    : ["server {", ...plainListen, "    server_name _;", "", `    client_max_body_size ${o.clientMaxBodySize};`, "", ...health, "", ...proxy, "}"];
  const tlsServer = tls
    ? [
        "",
        // A variable path is read at the handshake (through the cache below), so a renewed
        // certificate is served without a reload, which would close idle client connections.
        `map $ssl_server_name $tls_dir { default ${tlsDir}; }`,
        "",
        "server {",
        front === null ? `    listen ${o.tlsListenPort} ssl default_server;` : `    listen unix:${front}/https.sock ssl proxy_protocol default_server;`,
        "    http2 on;",
        `    server_name ${tls.domain};`,
        "",
        "    ssl_certificate $tls_dir/fullchain.pem;",
        "    ssl_certificate_key $tls_dir/privkey.pem;",
        `    ssl_certificate_cache max=4 valid=${certificateCache}s;`,
        // Mozilla's intermediate configuration (TLS 1.2 and 1.3, forward-secret AEAD ciphers).
        "    ssl_protocols TLSv1.2 TLSv1.3;",
        "    ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305;",
        "    ssl_prefer_server_ciphers off;",
        "    ssl_session_cache shared:TLS:10m;",
        "    ssl_session_timeout 1d;",
        "    ssl_session_tickets off;",
        ...(hsts > 0 ? [`    add_header Strict-Transport-Security "max-age=${hsts}" always;`] : []),
        "",
        `    client_max_body_size ${o.clientMaxBodySize};`,
        "",
        ...health,
        "",
        ...proxy,
        "}",
      ]
    : [];

  // nginx's own counters for the metrics, on a socket only the host's containers that mount the
  // socket directory reach; each colour has its own, and the exporter reads the serving one's.
  const statusServer = front !== null && o.statusSocket !== null
    ? [
        "",
        "server {",
        `    listen unix:${front}/${o.statusSocket};`,
        "    access_log off;",
        "    location = /stub_status {",
        "        stub_status;",
        "    }",
        "    location / {",
        "        return 404;",
        "    }",
        "}",
      ]
    : [];

  const defaultConf = [
    "# Rendered by @trafficlab/edge-proxy; edit the options, not this file.",
    ...(o.resolver === null ? [] : [`resolver ${o.resolver} valid=${o.resolverValid} ipv6=off;`, ""]),
    // Behind the edge front: the client's address from the PROXY protocol header the front sends
    // (only it connects to the UNIX sockets; loopback health checks carry no header and stay as they are).
    ...(front === null ? [] : ["set_real_ip_from unix:;", "real_ip_header proxy_protocol;", ""]),
    // Behind a load balancer: the client's address from its X-Forwarded-For, its scheme from X-Forwarded-Proto.
    ...(behindProxy
      ? [
          ...o.trustedProxyCidrs.map((cidr) => `set_real_ip_from ${cidr};`),
          "real_ip_header X-Forwarded-For;",
          "real_ip_recursive on;",
          "map $http_x_forwarded_proto $forwarded_proto { default $scheme; https https; http http; }",
          "",
        ]
      : []),
    `upstream ${UPSTREAM_NAME} {`,
    // Shared by the workers, which the re-resolved addresses need.
    ...(o.resolver === null ? [] : ["    zone api_upstream 64k;"]),
    // With a resolver nginx asks again and again for the name's addresses: a deploy moves the
    // name to the new container, and nginx follows without a reload; it also starts while the
    // API is not up yet (after a reboot) and serves as soon as it is.
    ...(o.upstreamHosts ?? [o.upstreamHost]).map((host) => `    server ${host}:${o.upstreamPort}${o.resolver === null ? "" : " resolve"};`),
    // Idle connections kept per worker, so a request does not pay for a new TCP connection.
    `    keepalive ${o.upstreamKeepalive};`,
    // Below Spring Boot's (Tomcat's) 20 s keep-alive timeout: nginx must never reuse a
    // connection the API is about to close, which would surface as a 502.
    "    keepalive_timeout 15s;",
    "}",
    "",
    ...plainServer,
    ...tlsServer,
    ...statusServer,
    "",
  ].join("\n");

  return { "nginx.conf": nginxConf, "conf.d/default.conf": defaultConf };
}
