import { expect } from "chai";
import { InvalidArgumentError } from "@trafficlab/validation";
import { NGINX_DEFAULTS, renderNginxConf, type NginxOptions } from "@trafficlab/edge-proxy";

/** The directive lines of a rendered file, comments and blank lines dropped, indentation trimmed. */
function directives(text: string): string[] {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
}

function render(options: NginxOptions = {}) {
  const files = renderNginxConf(options);
  return { main: directives(files["nginx.conf"]), server: directives(files["conf.d/default.conf"]), files };
}

function renderError(options: NginxOptions): InvalidArgumentError {
  try {
    renderNginxConf(options);
  } catch (error) {
    expect(error).to.be.instanceOf(InvalidArgumentError);
    return error as InvalidArgumentError;
  }
  throw new Error(`renderNginxConf accepted ${JSON.stringify(options)}`);
}

describe("@trafficlab/edge-proxy renderNginxConf", () => {
  describe("defaults", () => {
    it("returns exactly nginx.conf and conf.d/default.conf", () => {
      expect(Object.keys(renderNginxConf())).to.deep.equal(["nginx.conf", "conf.d/default.conf"]);
    });

    it("exports its defaults in one object", () => {
      expect(NGINX_DEFAULTS).to.deep.equal({
        upstreamHost: "api",
        upstreamHosts: null,
        upstreamPort: 8080,
        listenPort: 80,
        tlsListenPort: 443,
        healthPath: "/nginx-health",
        clientMaxBodySize: "10m",
        proxyConnectTimeout: "5s",
        proxyReadTimeout: "60s",
        proxySendTimeout: "60s",
        upstreamKeepalive: 64,
        workerProcesses: "auto",
        workerConnections: 1024,
        gzipMinLength: 1024,
        user: "nginx",
        pidPath: "/var/run/nginx.pid",
        errorLogPath: "/var/log/nginx/error.log",
        accessLogPath: "/var/log/nginx/access.log",
        includeDir: "/etc/nginx/trafficlab/conf.d",
        mimeTypesPath: "/etc/nginx/mime.types",
        tempDir: null,
        resolver: "127.0.0.11",
        resolverValid: "1s",
        trustedProxyCidrs: [],
        tls: null,
        frontSocketDir: null,
        statusSocket: null,
        privatePaths: [],
      });
    });

    it("sizes the workers for a small host and hides the nginx version", () => {
      const { main } = render();
      expect(main).to.include.members([
        "user nginx;",
        "worker_processes auto;",
        "pid /var/run/nginx.pid;",
        "error_log /var/log/nginx/error.log warn;",
        "worker_connections 1024;",
        "include /etc/nginx/mime.types;",
        "server_tokens off;",
        "access_log /var/log/nginx/access.log timed;",
        "include /etc/nginx/trafficlab/conf.d/*.conf;",
      ]);
      expect(main.some((line) => line.includes("_temp_path"))).to.equal(false);
    });

    it("gzips JSON and text above a minimum length", () => {
      const { main } = render();
      expect(main).to.include.members(["gzip on;", "gzip_min_length 1024;", "gzip_proxied any;", "gzip_vary on;"]);
      const types = main.find((line) => line.startsWith("gzip_types "))!.replace(/;$/, "").split(" ").slice(1);
      expect(types).to.include.members(["application/json", "text/plain", "text/css"]);
    });

    it("proxies to the api service over kept-alive HTTP/1.1 connections, asking Docker's DNS for it every second", () => {
      const { server } = render();
      const upstream = server.slice(server.indexOf("upstream api_upstream {"), server.indexOf("}") + 1);
      expect(upstream).to.deep.equal(["upstream api_upstream {", "zone api_upstream 64k;", "server api:8080 resolve;", "keepalive 64;", "keepalive_timeout 15s;", "}"]);
      expect(server[0]).to.equal("resolver 127.0.0.11 valid=1s ipv6=off;");
      // A stopping container refuses connections: nginx passes the request on (nothing was sent yet).
      expect(server).to.include.members(["proxy_next_upstream error timeout;", "proxy_next_upstream_tries 3;"]);
      expect(server).to.include.members([
        "listen 80 default_server;",
        "proxy_pass http://api_upstream;",
        "proxy_http_version 1.1;",
        'proxy_set_header Connection "";',
      ]);
    });

    it("sets Host, X-Real-IP (with a hyphen, not the seed's X-Real_IP), X-Forwarded-For and X-Forwarded-Proto", () => {
      const { server, files } = render();
      expect(server).to.include.members([
        "proxy_set_header Host $host;",
        "proxy_set_header X-Real-IP $remote_addr;",
        "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "proxy_set_header X-Forwarded-Proto $scheme;",
      ]);
      expect(files["conf.d/default.conf"]).not.to.include("X-Real_IP");
    });

    it("states the body limit and every proxy timeout", () => {
      expect(render().server).to.include.members([
        "client_max_body_size 10m;",
        "proxy_connect_timeout 5s;",
        "proxy_send_timeout 60s;",
        "proxy_read_timeout 60s;",
      ]);
    });

    it("answers the health location itself, unlogged", () => {
      const { server } = render();
      const start = server.indexOf("location = /nginx-health {");
      expect(start).to.be.greaterThan(-1);
      expect(server.slice(start, start + 5)).to.deep.equal([
        "location = /nginx-health {",
        "access_log off;",
        "default_type text/plain;",
        'return 200 "ok\\n";',
        "}",
      ]);
    });
  });

  describe("options", () => {
    it("statusSocket: stub_status on a socket in the colour's directory, no TCP port; privatePaths: 404 from nginx itself", () => {
      const files = renderNginxConf({ frontSocketDir: "/run/edge", statusSocket: "status.sock", privatePaths: ["/actuator/prometheus"] });
      const conf = files["conf.d/default.conf"];
      expect(conf).to.include("server {\n    listen unix:/run/edge/status.sock;\n    access_log off;\n    location = /stub_status {\n        stub_status;\n    }");
      expect(conf).to.include("    location ^~ /actuator/prometheus {\n        return 404;\n    }");
      expect(conf.match(/listen /g)).to.have.length(3);
      expect(renderNginxConf({ frontSocketDir: "/run/edge" })["conf.d/default.conf"]).to.not.include("stub_status").and.not.include("^~");
    });

    it("upstreamHost, upstreamPort and upstreamKeepalive shape the upstream block", () => {
      const { server } = render({ upstreamHost: "10.0.1.5", upstreamPort: 9000, upstreamKeepalive: 8 });
      expect(server).to.include.members(["server 10.0.1.5:9000 resolve;", "keepalive 8;", "keepalive_timeout 15s;"]);
    });

    it("upstreamHosts: one upstream server per name, in order, instead of upstreamHost", () => {
      const { server } = render({ upstreamHost: "ignored", upstreamHosts: ["api-blue", "api-green"], upstreamPort: 9000 });
      expect(server.filter((line) => line.startsWith("server ") && line.includes(":9000"))).to.deep.equal(["server api-blue:9000 resolve;", "server api-green:9000 resolve;"]);
      expect(server.some((line) => line.includes("ignored"))).to.equal(false);
    });

    it("resolver: null resolves the upstream once, at start; another address and validity are passed through", () => {
      const once = render({ resolver: null }).server;
      expect(once.some((line) => line.startsWith("resolver ") || line.startsWith("zone "))).to.equal(false);
      expect(once).to.include("server api:8080;");
      expect(render({ resolver: "127.0.0.1:5353", resolverValid: "500ms" }).server[0]).to.equal("resolver 127.0.0.1:5353 valid=500ms ipv6=off;");
    });

    it("trustedProxyCidrs: behind a load balancer, the client's address and scheme come from its headers", () => {
      const { server } = render({ trustedProxyCidrs: ["10.0.0.0/8", "172.16.0.0/12"] });
      expect(server).to.include.members([
        "set_real_ip_from 10.0.0.0/8;",
        "set_real_ip_from 172.16.0.0/12;",
        "real_ip_header X-Forwarded-For;",
        "real_ip_recursive on;",
        "map $http_x_forwarded_proto $forwarded_proto { default $scheme; https https; http http; }",
        'proxy_set_header X-Forwarded-For "$http_x_forwarded_for, $realip_remote_addr";',
        "proxy_set_header X-Forwarded-Proto $forwarded_proto;",
      ]);
      const facing = render().server;
      expect(facing.some((line) => line.startsWith("set_real_ip_from") || line.includes("$forwarded_proto"))).to.equal(false);
      expect(facing).to.include.members(["proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;", "proxy_set_header X-Forwarded-Proto $scheme;"]);
    });

    describe("tls", () => {
      const tls = { domain: "api.example.com" };

      it("serves HTTPS on 443 with Mozilla's intermediate settings, HSTS and HTTP/2", () => {
        const { server } = render({ tls });
        const start = server.indexOf("listen 443 ssl default_server;");
        expect(start).to.be.greaterThan(-1);
        expect(server.slice(start)).to.include.members([
          "http2 on;",
          "server_name api.example.com;",
          "ssl_protocols TLSv1.2 TLSv1.3;",
          "ssl_prefer_server_ciphers off;",
          "ssl_session_tickets off;",
          'add_header Strict-Transport-Security "max-age=63072000" always;',
          "proxy_pass http://api_upstream;",
          "location = /nginx-health {",
        ]);
        expect(server.find((line) => line.startsWith("ssl_ciphers "))).to.match(/^ssl_ciphers (ECDHE-[A-Z0-9-]+:)+ECDHE-[A-Z0-9-]+;$/);
      });

      it("reads the certificate through a variable and a cache, so a renewal needs no reload", () => {
        const { server } = render({ tls });
        expect(server).to.include.members([
          "map $ssl_server_name $tls_dir { default /etc/nginx/tls/live; }",
          "ssl_certificate $tls_dir/fullchain.pem;",
          "ssl_certificate_key $tls_dir/privkey.pem;",
          "ssl_certificate_cache max=4 valid=60s;",
        ]);
      });

      it("redirects HTTP to HTTPS, except the ACME challenge and nginx's health location", () => {
        const { server } = render({ tls });
        const plain = server.slice(0, server.indexOf("listen 443 ssl default_server;"));
        const http = plain.slice(plain.indexOf("listen 80 default_server;"));
        expect(http).to.include.members([
          "location = /nginx-health {",
          "location /.well-known/acme-challenge/ {",
          "root /var/www/acme;",
          "return 301 https://api.example.com$request_uri;",
        ]);
        expect(http).not.to.include("proxy_pass http://api_upstream;");
      });

      it("takes another certificate directory, webroot, port, cache time and HSTS age; 0 leaves HSTS out", () => {
        const { server } = render({ tlsListenPort: 8443, tls: { ...tls, certificateDir: "/srv/tls/live/", acmeWebroot: "/srv/acme", hstsMaxAgeSeconds: 0, certificateCacheSeconds: 5 } });
        expect(server).to.include.members(["listen 8443 ssl default_server;", "map $ssl_server_name $tls_dir { default /srv/tls/live; }", "root /srv/acme;", "ssl_certificate_cache max=4 valid=5s;"]);
        expect(server.some((line) => line.includes("Strict-Transport-Security"))).to.equal(false);
      });
    });

    it("listenPort and healthPath shape the server", () => {
      const { server } = render({ listenPort: 8081, healthPath: "/healthz" });
      expect(server).to.include.members(["listen 8081 default_server;", "location = /healthz {"]);
    });

    it("clientMaxBodySize and the three timeouts are passed through", () => {
      const { server } = render({ clientMaxBodySize: "512k", proxyConnectTimeout: "2s", proxyReadTimeout: "30s", proxySendTimeout: "500ms" });
      expect(server).to.include.members([
        "client_max_body_size 512k;",
        "proxy_connect_timeout 2s;",
        "proxy_read_timeout 30s;",
        "proxy_send_timeout 500ms;",
      ]);
    });

    it("workerProcesses, workerConnections and gzipMinLength are passed through", () => {
      const { main } = render({ workerProcesses: 2, workerConnections: 4096, gzipMinLength: 256 });
      expect(main).to.include.members(["worker_processes 2;", "worker_connections 4096;", "gzip_min_length 256;"]);
    });

    it("user: null omits the user directive; another name replaces it", () => {
      expect(render({ user: null }).main.some((line) => line.startsWith("user "))).to.equal(false);
      expect(render({ user: "www-data" }).main).to.include("user www-data;");
    });

    it("logs each request's id, time, and the API's connect and response time, to find the slow ones", () => {
      const conf = renderNginxConf()["nginx.conf"];
      const format = /log_format timed ([^;]+);/.exec(conf)?.[1] ?? "";
      for (const variable of ["$status", "$request_id", "$request_time", "$upstream_connect_time", "$upstream_response_time"]) expect(format).to.include(variable);
      expect(conf).to.include("access_log /var/log/nginx/access.log timed;");
    });

    it("pidPath, errorLogPath, accessLogPath, includeDir and mimeTypesPath are passed through", () => {
      const { main } = render({
        pidPath: "/tmp/x/nginx.pid",
        errorLogPath: "stderr",
        accessLogPath: "off",
        includeDir: "/tmp/x/conf.d/",
        mimeTypesPath: "/usr/local/etc/mime.types",
      });
      expect(main).to.include.members([
        "pid /tmp/x/nginx.pid;",
        "error_log stderr warn;",
        "access_log off;",
        "include /tmp/x/conf.d/*.conf;",
        "include /usr/local/etc/mime.types;",
      ]);
    });

    it("tempDir moves every temp path under it", () => {
      const { main } = render({ tempDir: "/tmp/x" });
      expect(main.filter((line) => line.includes("_temp_path"))).to.deep.equal([
        "client_body_temp_path /tmp/x/client_body;",
        "proxy_temp_path /tmp/x/proxy;",
        "fastcgi_temp_path /tmp/x/fastcgi;",
        "uwsgi_temp_path /tmp/x/uwsgi;",
        "scgi_temp_path /tmp/x/scgi;",
      ]);
    });

    it("undefined options fall back to the defaults", () => {
      expect(renderNginxConf({ upstreamHost: undefined, listenPort: undefined })).to.deep.equal(renderNginxConf());
    });
  });

  describe("validation", () => {
    const component = "@trafficlab/edge-proxy renderNginxConf";
    const cases: [NginxOptions, string, unknown, string][] = [
      [{ upstreamHost: "" }, "upstreamHost", "", "a non-empty host name or IP address"],
      [{ statusSocket: "status.sock" }, "statusSocket", "status.sock", "only with frontSocketDir"],
      [{ frontSocketDir: "/run/edge", statusSocket: "http.sock" }, "statusSocket", "http.sock", "not http.sock or https.sock"],
      [{ privatePaths: ["actuator"] }, "privatePaths", ["actuator"], "URI path prefixes starting with /"],
      [{ upstreamHost: "api;evil" }, "upstreamHost", "api;evil", "no whitespace, quotes, /, ;, { or }"],
      [{ upstreamHost: "api {" }, "upstreamHost", "api {", "no whitespace"],
      [{ upstreamHost: "two words" }, "upstreamHost", "two words", "no whitespace"],
      [{ upstreamPort: 0 }, "upstreamPort", 0, "a whole number from 1 to 65535"],
      [{ upstreamPort: 65536 }, "upstreamPort", 65536, "a whole number from 1 to 65535"],
      [{ upstreamPort: 80.5 }, "upstreamPort", 80.5, "a whole number from 1 to 65535"],
      [{ listenPort: -1 }, "listenPort", -1, "a whole number from 1 to 65535"],
      [{ healthPath: "health" }, "healthPath", "health", "a URI path starting with /"],
      [{ healthPath: "/a b" }, "healthPath", "/a b", "a URI path starting with /"],
      [{ clientMaxBodySize: "10 MB" }, "clientMaxBodySize", "10 MB", "a size like 10m"],
      [{ proxyConnectTimeout: "0s" }, "proxyConnectTimeout", "0s", "a positive time like 5s"],
      [{ proxyReadTimeout: "forever" }, "proxyReadTimeout", "forever", "a positive time like 5s"],
      [{ proxySendTimeout: "60;" }, "proxySendTimeout", "60;", "a positive time like 5s"],
      [{ upstreamKeepalive: 0 }, "upstreamKeepalive", 0, "a whole number from 1 to 4096"],
      [{ workerProcesses: 0 }, "workerProcesses", 0, 'a whole number from 1 to 1024. Or "auto"'],
      [{ workerConnections: 16 }, "workerConnections", 16, "a whole number from 64 to 65536"],
      [{ gzipMinLength: -5 }, "gzipMinLength", -5, "a whole number from 0 to 1048576"],
      [{ user: "ngi nx" }, "user", "ngi nx", "a user name such as nginx, or null"],
      [{ pidPath: "nginx.pid" }, "pidPath", "nginx.pid", "an absolute path"],
      [{ errorLogPath: "/var/log/a b.log" }, "errorLogPath", "/var/log/a b.log", 'an absolute path with no whitespace, quotes, ;, { or }. Or "stderr".'],
      [{ accessLogPath: "stdout" }, "accessLogPath", "stdout", 'Or "off".'],
      [{ includeDir: "conf.d" }, "includeDir", "conf.d", "an absolute path"],
      [{ mimeTypesPath: "/etc/mime.types;" }, "mimeTypesPath", "/etc/mime.types;", "an absolute path"],
      [{ tempDir: "tmp" }, "tempDir", "tmp", "Or null to keep nginx's built-in temp paths."],
      [{ resolver: "dns.example.com" }, "resolver", "dns.example.com", "an IP address such as 127.0.0.11"],
      [{ resolverValid: "0s" }, "resolverValid", "0s", "a time like 1s"],
      [{ trustedProxyCidrs: ["10.0.0.0"] }, "trustedProxyCidrs", "10.0.0.0", "an IPv4 or IPv6 CIDR"],
      [{ trustedProxyCidrs: ["10.0.0.0/8; evil"] }, "trustedProxyCidrs", "10.0.0.0/8; evil", "an IPv4 or IPv6 CIDR"],
      [{ tlsListenPort: 0 }, "tlsListenPort", 0, "a whole number from 1 to 65535"],
      [{ upstreamHosts: [] }, "upstreamHosts", [], "a non-empty list of distinct host names"],
      [{ upstreamHosts: ["api-blue", "api-blue"] }, "upstreamHosts", ["api-blue", "api-blue"], "a non-empty list of distinct host names"],
      [{ upstreamHosts: ["api-blue", "api green"] }, "upstreamHosts[1]", "api green", "a non-empty host name"],
      [{ tls: { domain: "localhost" } }, "tls.domain", "localhost", "a fully qualified domain name"],
      [{ tls: { domain: "api.example.com", certificateDir: "tls" } }, "tls.certificateDir", "tls", "an absolute path"],
      [{ tls: { domain: "api.example.com", hstsMaxAgeSeconds: -1 } }, "tls.hstsMaxAgeSeconds", -1, "a whole number from 0 to 63072000"],
      [{ tls: { domain: "api.example.com", certificateCacheSeconds: 0 } }, "tls.certificateCacheSeconds", 0, "a whole number from 1 to 86400"],
    ];
    for (const [options, argument, value, allowed] of cases) {
      it(`refuses ${argument} = ${JSON.stringify(value)}, naming the component, argument, value and what is allowed`, () => {
        const error = renderError(options);
        expect(error.component).to.equal(component);
        expect(error.argument).to.equal(argument);
        expect(error.value).to.deep.equal(value);
        expect(error.message).to.equal(`${component}: ${argument} = ${JSON.stringify(value)} is not allowed. ${error.allowed}`);
        expect(error.allowed).to.include(allowed);
      });
    }
  });
});
