import { expect } from "chai";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { ROLLING_DEPLOY_DEFAULTS, renderHostProject } from "@trafficlab/api-host";
import { configHash, NGINX_IMAGE, renderEdgeFrontConf, renderNginxConf } from "@trafficlab/edge-proxy";

describe("@trafficlab/api-host renderHostProject: a host's compose project and nginx config, as text", () => {
  it("renders compose.yaml (nginx on the API's external network) and nginx's files under the project directory", () => {
    const project = renderHostProject({ projectDirectory: "/srv/api" });
    expect(project.files.map((f) => f.path)).to.deep.equal(["/srv/api/compose.yaml", "/srv/api/nginx/nginx.conf", "/srv/api/nginx/conf.d/default.conf"]);
    const compose = parse(project.compose) as { services: Record<string, { ports: string[]; networks: string[] }>; networks: Record<string, unknown> };
    expect(Object.keys(compose.services)).to.deep.equal(["nginx"]);
    expect(compose.services.nginx!.ports).to.deep.equal(["80:80"]);
    expect(compose.networks).to.deep.equal({ api: { name: ROLLING_DEPLOY_DEFAULTS.network, external: true } });
    expect(project.composeHash).to.equal(createHash("sha256").update(project.compose).digest("hex"));
  });

  it("sends nginx's traffic to the two colors' container names, whatever the proxy options say", () => {
    const project = renderHostProject({ proxy: { upstreamHost: "elsewhere", upstreamHosts: ["a", "b"], proxyReadTimeout: "30s" } });
    const expected = renderNginxConf({ proxyReadTimeout: "30s", upstreamHosts: ["trafficlab-api-blue", "trafficlab-api-green"], upstreamPort: ROLLING_DEPLOY_DEFAULTS.apiPort, tls: null });
    expect(project.nginxFiles).to.deep.equal(expected);
    expect(project.proxyConfigHash).to.equal(configHash(expected));
    expect(project.nginxFiles["conf.d/default.conf"]).to.include("    server trafficlab-api-blue:8080 resolve;\n    server trafficlab-api-green:8080 resolve;\n");
    expect(project.nginxFiles["conf.d/default.conf"]).not.to.include(ROLLING_DEPLOY_DEFAULTS.serviceAlias);
  });

  it("adds the ACME client and its scripts for HTTPS on the host itself", () => {
    const project = renderHostProject({ https: { domain: "api.example.com", email: "ops@example.com" } });
    expect(Object.keys((parse(project.compose) as { services: object }).services)).to.deep.equal(["nginx", "acme"]);
    // lego executes install.sh itself (its hooks), so the scripts are executable; the rest is 644.
    const modes = Object.fromEntries(project.files.map((f) => [f.path, f.mode ?? "644"]));
    expect(modes).to.include({ "/opt/trafficlab/acme/renew.sh": "755", "/opt/trafficlab/acme/install.sh": "755", "/opt/trafficlab/compose.yaml": "644" });
  });

  it("writes a private ACME CA's bundle beside the ACME scripts, and only the acme service's definition changes with it", () => {
    const ca = readFileSync(join(__dirname, "..", "..", "edge-proxy", "test", "fixtures", "acme-ca.pem"), "utf8");
    const https = { domain: "api.example.com", email: "ops@example.com", acmeServer: "https://acme.internal.example/dir" };
    const without = renderHostProject({ https });
    const withCa = renderHostProject({ https: { ...https, acmeCaCertificates: ca } });
    const file = withCa.files.find((f) => f.path === "/opt/trafficlab/acme/ca-certificates.pem");
    expect(file?.content).to.equal(ca);
    expect(file?.mode ?? "644").to.equal("644");
    expect(without.files.map((f) => f.path)).to.not.include("/opt/trafficlab/acme/ca-certificates.pem");
    const services = (project: { compose: string }) => (parse(project.compose) as { services: Record<string, { environment?: Record<string, string> }> }).services;
    // nginx is untouched by the bundle: compose recreates the acme service only.
    expect(services(withCa).nginx).to.deep.equal(services(without).nginx);
    expect(withCa.proxyConfigHash).to.equal(without.proxyConfigHash);
    expect(services(withCa).acme!.environment).to.include({ LEGO_CA_CERTIFICATES: "/acme/ca-certificates.pem" });
  });

  it("with edgeFront, runs only the edge front in compose (pinned image, its own config directory) and points nginx's config at the colours' sockets", () => {
    const project = renderHostProject({ projectDirectory: "/srv/api", proxyImage: "nginx:1.29.3-alpine", edgeFront: true });
    expect(project.files.map((f) => f.path)).to.deep.equal(["/srv/api/compose.yaml", "/srv/api/nginx/nginx.conf", "/srv/api/nginx/conf.d/default.conf", "/srv/api/nginx-front/front.conf"]);
    const compose = parse(project.compose) as { services: Record<string, { image: string; ports: string[]; volumes: string[]; networks?: string[] }> };
    expect(Object.keys(compose.services)).to.deep.equal(["nginx"]);
    // The user's nginx image is the colours' (edgeDeployScript), never the front's: a new one leaves compose.yaml as it is.
    expect(compose.services.nginx!.image).to.equal(NGINX_IMAGE);
    expect(project.compose).not.to.include("1.29.3");
    expect(renderHostProject({ projectDirectory: "/srv/api", proxyImage: "nginx:1.30.0-alpine", edgeFront: true }).compose).to.equal(project.compose);
    expect(compose.services.nginx!.ports).to.deep.equal(["80:80"]);
    expect(compose.services.nginx!.volumes).to.deep.equal(["./nginx-front:/etc/nginx/trafficlab:ro", "./edge:/run/trafficlab-edge:ro"]);
    expect(project.frontConf).to.equal(renderEdgeFrontConf({ httpsPort: null }));
    expect(project.nginxFiles["conf.d/default.conf"]).to.include("listen unix:/run/trafficlab-edge/http.sock proxy_protocol default_server;");
    expect(project.proxyServiceHash).to.equal(createHash("sha256").update(JSON.stringify(compose.services.nginx)).digest("hex"));
    // HTTPS: the front passes 443 on; the colour terminates TLS.
    const secured = renderHostProject({ edgeFront: true, https: { domain: "api.example.com", email: "ops@example.com" } });
    expect((parse(secured.compose) as { services: Record<string, { ports: string[] }> }).services.nginx!.ports).to.deep.equal(["80:80", "443:443"]);
    expect(secured.frontConf).to.include("proxy_pass unix:/run/trafficlab-edge/live/https.sock;");
  });

  it("refuses a project directory that is not an absolute path", () => {
    expect(() => renderHostProject({ projectDirectory: "opt/trafficlab" })).to.throw('projectDirectory = "opt/trafficlab"');
  });
});
