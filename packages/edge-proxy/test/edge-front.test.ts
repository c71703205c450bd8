import { expect } from "chai";
import { InvalidArgumentError } from "@trafficlab/validation";
import {
  EDGE_FRONT_CONFIG_LABEL,
  EDGE_FRONT_DEFAULTS,
  EDGE_SOCKET_DIR,
  NGINX_IMAGE,
  configHash,
  edgeFrontService,
  renderEdgeFrontConf,
  renderNginxConf,
} from "@trafficlab/edge-proxy";

describe("@trafficlab/edge-proxy edge front (renderEdgeFrontConf, edgeFrontService)", () => {
  it("renders a stream proxy from port 80 to the live colour's socket, with the PROXY protocol, and no HTTP at all", () => {
    const conf = renderEdgeFrontConf({ httpsPort: null });
    expect(conf).to.include("include /etc/nginx/modules-enabled/*.conf;\n");
    expect(conf).to.include(
      "stream {\n    server {\n        listen 80;\n        proxy_pass unix:/run/trafficlab-edge/live/http.sock;\n        proxy_protocol on;\n        proxy_connect_timeout 5s;\n    }\n}\n",
    );
    expect(conf).not.to.match(/\bhttp \{|listen 443|ssl/);
  });

  it("passes 443 on as it is to the colour's TLS socket (the colour terminates TLS)", () => {
    const conf = renderEdgeFrontConf();
    expect(conf).to.include("        listen 443;\n        proxy_pass unix:/run/trafficlab-edge/live/https.sock;\n        proxy_protocol on;");
    expect(conf).not.to.include("ssl_certificate");
  });

  it("refuses bad options, naming them", () => {
    expect(() => renderEdgeFrontConf({ httpPort: 0 })).to.throw(InvalidArgumentError, "httpPort = 0 is not allowed");
    expect(() => renderEdgeFrontConf({ httpPort: 8443, httpsPort: 8443 })).to.throw(InvalidArgumentError, "httpsPort = 8443 is not allowed. Allowed: a port other than httpPort (8443)");
    expect(() => renderEdgeFrontConf({ socketDir: "run/edge" })).to.throw(InvalidArgumentError, 'socketDir = "run/edge" is not allowed');
    expect(() => renderEdgeFrontConf({ proxyConnectTimeout: "5 s" })).to.throw(InvalidArgumentError, 'proxyConnectTimeout = "5 s" is not allowed');
    expect(() => renderEdgeFrontConf({ user: "nginx; daemon on" })).to.throw(InvalidArgumentError, "user = ");
  });

  it("runs the front as a compose service on the package's pinned image: the only published ports, its config and the sockets read-only", () => {
    const config = renderEdgeFrontConf();
    const service = edgeFrontService({ config, https: true });
    expect(service.image).to.equal(NGINX_IMAGE).and.equal(EDGE_FRONT_DEFAULTS.image);
    expect(service.command).to.deep.equal(["nginx", "-c", "/etc/nginx/trafficlab/front.conf", "-g", "daemon off;"]);
    expect(service.ports).to.deep.equal(["80:80", "443:443"]);
    expect(service.volumes).to.deep.equal(["./nginx-front:/etc/nginx/trafficlab:ro", `./edge:${EDGE_SOCKET_DIR}:ro`]);
    expect(service.restart).to.equal("unless-stopped");
    // Healthy once a colour answers through it: what the ACME client waits for.
    expect(service.healthcheck.test).to.deep.equal(["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:80/nginx-health"]);
    expect(edgeFrontService({ config }).ports).to.deep.equal(["80:80"]);
  });

  it("labels the service with its config's hash, so compose recreates the front when (only when) its config changes", () => {
    const plain = edgeFrontService({ config: renderEdgeFrontConf({ httpsPort: null }) });
    const secured = edgeFrontService({ config: renderEdgeFrontConf() });
    expect(plain.labels[EDGE_FRONT_CONFIG_LABEL]).to.equal(configHash({ "front.conf": renderEdgeFrontConf({ httpsPort: null }) }));
    expect(plain.labels[EDGE_FRONT_CONFIG_LABEL]).not.to.equal(secured.labels[EDGE_FRONT_CONFIG_LABEL]);
    expect(edgeFrontService({ config: renderEdgeFrontConf({ httpsPort: null }) })).to.deep.equal(plain);
  });

  it("refuses a latest image and a config that is not the front's", () => {
    expect(() => edgeFrontService({ config: renderEdgeFrontConf(), image: "nginx:latest" })).to.throw(InvalidArgumentError, 'image = "nginx:latest"');
    expect(() => edgeFrontService({ config: "events {}" })).to.throw(InvalidArgumentError, "config");
    expect(() => edgeFrontService({ config: renderEdgeFrontConf(), hostSocketDir: "../edge" })).to.throw(InvalidArgumentError, 'hostSocketDir = "../edge"');
  });
});

describe("@trafficlab/edge-proxy renderNginxConf behind the edge front (frontSocketDir)", () => {
  const site = (options = {}) => renderNginxConf({ frontSocketDir: "/run/trafficlab-edge", ...options })["conf.d/default.conf"];

  it("listens on the UNIX socket with the PROXY protocol and takes the client's address from it; health on loopback only", () => {
    const conf = site();
    expect(conf).to.include("set_real_ip_from unix:;\nreal_ip_header proxy_protocol;\n");
    expect(conf).to.include("    listen unix:/run/trafficlab-edge/http.sock proxy_protocol default_server;\n    listen 127.0.0.1:80;\n");
    expect(conf).not.to.match(/listen 80 /);
  });

  it("answers through @draining, with keep-alive off, while the deploy's draining flag exists; the same proxying either way", () => {
    const conf = site();
    expect(conf).to.include("    location / {\n        if (-f /run/trafficlab-edge/draining) { return 418; }\n        error_page 418 = @draining;\n        proxy_pass http://api_upstream;");
    const named = / {4}location @draining \{\n {8}keepalive_timeout 0;\n([\s\S]*?) {4}\}\n/.exec(conf);
    expect(named, "@draining location").to.not.equal(null);
    const main = / {4}location \/ \{\n(?: {8}if .*\n {8}error_page .*\n)([\s\S]*?) {4}\}\n/.exec(conf);
    expect(named![1]).to.equal(main![1]);
  });

  it("serves TLS on the https socket, with the PROXY protocol, and keeps HSTS and the ACME challenge on HTTP", () => {
    const conf = site({ tls: { domain: "api.example.com" } });
    expect(conf).to.include("    listen unix:/run/trafficlab-edge/https.sock ssl proxy_protocol default_server;");
    expect(conf).to.include('add_header Strict-Transport-Security "max-age=63072000" always;');
    expect(conf).to.include("    location /.well-known/acme-challenge/ {");
    expect(conf.match(/location @draining/g)).to.have.length(1);
  });

  it("renders as before without it (TCP ports, no PROXY protocol, no drain)", () => {
    const conf = renderNginxConf()["conf.d/default.conf"];
    expect(conf).to.include("    listen 80 default_server;");
    expect(conf).not.to.match(/proxy_protocol|draining|unix:/);
  });

  it("refuses a relative directory, and the PROXY protocol together with a trusted load balancer's X-Forwarded-For", () => {
    expect(() => renderNginxConf({ frontSocketDir: "run/edge" })).to.throw(InvalidArgumentError, 'frontSocketDir = "run/edge" is not allowed');
    expect(() => renderNginxConf({ frontSocketDir: "/run/edge", trustedProxyCidrs: ["10.0.0.0/16"] })).to.throw(InvalidArgumentError, "Allowed: null while trustedProxyCidrs is set");
  });
});
