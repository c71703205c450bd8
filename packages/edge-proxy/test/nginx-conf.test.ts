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
        upstreamPort: 8080,
        listenPort: 80,
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
        "access_log /var/log/nginx/access.log;",
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

    it("proxies to the api service over kept-alive HTTP/1.1 connections", () => {
      const { server } = render();
      const upstream = server.slice(server.indexOf("upstream api_upstream {"), server.indexOf("}") + 1);
      expect(upstream).to.deep.equal(["upstream api_upstream {", "server api:8080;", "keepalive 64;", "keepalive_timeout 15s;", "}"]);
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
    it("upstreamHost, upstreamPort and upstreamKeepalive shape the upstream block", () => {
      const { server } = render({ upstreamHost: "10.0.1.5", upstreamPort: 9000, upstreamKeepalive: 8 });
      expect(server).to.include.members(["server 10.0.1.5:9000;", "keepalive 8;", "keepalive_timeout 15s;"]);
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
