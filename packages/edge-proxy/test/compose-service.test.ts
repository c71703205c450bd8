import { expect } from "chai";
import { parse, stringify } from "yaml";
import { InvalidArgumentError } from "@trafficlab/validation";
import {
  EDGE_PROXY_SERVICE_DEFAULTS,
  NGINX_IMAGE,
  configHash,
  edgeProxyService,
  nginxReloadCommand,
  renderNginxConf,
  type EdgeProxyServiceOptions,
} from "@trafficlab/edge-proxy";

function serviceError(options: EdgeProxyServiceOptions): InvalidArgumentError {
  try {
    edgeProxyService(options);
  } catch (error) {
    expect(error).to.be.instanceOf(InvalidArgumentError);
    return error as InvalidArgumentError;
  }
  throw new Error(`edgeProxyService accepted ${JSON.stringify(options)}`);
}

describe("@trafficlab/edge-proxy edgeProxyService", () => {
  it("pins the nginx image to a version tag, never latest", () => {
    const { image } = edgeProxyService();
    expect(image).to.equal(NGINX_IMAGE);
    expect(image).to.match(/^nginx:\d+\.\d+\.\d+(-[a-z0-9]+)?$/);
    expect(image).not.to.include("latest");
  });

  it("runs the mounted config in the foreground", () => {
    expect(edgeProxyService().command).to.deep.equal(["nginx", "-c", "/etc/nginx/trafficlab/nginx.conf", "-g", "daemon off;"]);
  });

  it("mounts the config as one read-only directory, not single files", () => {
    const { volumes } = edgeProxyService();
    expect(volumes).to.deep.equal(["./nginx:/etc/nginx/trafficlab:ro"]);
    expect(volumes.some((volume) => /\.conf(:|$)/.test(volume))).to.equal(false);
    expect(edgeProxyService({ configDir: "/srv/app/nginx/" }).volumes).to.deep.equal(["/srv/app/nginx:/etc/nginx/trafficlab:ro"]);
  });

  it("starts after the API is healthy and restarts with it", () => {
    expect(edgeProxyService().depends_on).to.deep.equal({ api: { condition: "service_healthy", restart: true } });
    expect(edgeProxyService({ upstreamService: "backend" }).depends_on).to.have.keys("backend");
  });

  it("waits for no compose service when the API runs outside the project, and joins the networks given", () => {
    const service = edgeProxyService({ upstreamService: null, networks: ["default", "api"] });
    expect(service).not.to.have.property("depends_on");
    expect(service.networks).to.deep.equal(["default", "api"]);
    expect(edgeProxyService()).not.to.have.property("networks");
    expect(() => edgeProxyService({ networks: ["bad name"] })).to.throw('networks = "bad name"');
  });

  it("runs in UTC unless told otherwise, publishes port 80 and comes back after a reboot", () => {
    // No TZ by default: a change of the API's time zone must not recreate the edge.
    const service = edgeProxyService();
    expect(service).not.to.have.property("environment");
    expect(service.ports).to.deep.equal(["80:80"]);
    expect(service.restart).to.equal("unless-stopped");
    const custom = edgeProxyService({ timeZone: "Asia/Seoul", hostPort: 8080, listenPort: 8081, restart: "always" });
    expect(custom.environment).to.deep.equal({ TZ: "Asia/Seoul" });
    expect(custom.ports).to.deep.equal(["8080:8081"]);
    expect(custom.restart).to.equal("always");
  });

  it("with https publishes 443 and mounts the certificates and the ACME webroot read-only", () => {
    const service = edgeProxyService({ https: {} });
    expect(service.ports).to.deep.equal(["80:80", "443:443"]);
    expect(service.volumes).to.deep.equal(["./nginx:/etc/nginx/trafficlab:ro", "./tls:/etc/nginx/tls:ro", "./acme-webroot:/var/www/acme:ro"]);
    const custom = edgeProxyService({ https: { hostPort: 8443, listenPort: 4443, certificateDir: "./certs", acmeWebroot: "./challenges" } });
    expect(custom.ports).to.deep.equal(["80:80", "8443:4443"]);
    expect(custom.volumes.slice(1)).to.deep.equal(["./certs:/etc/nginx/tls:ro", "./challenges:/var/www/acme:ro"]);
    expect(() => edgeProxyService({ https: { certificateDir: "/etc/letsencrypt" } })).to.throw(InvalidArgumentError, 'https.certificateDir = "/etc/letsencrypt"');
    expect(() => edgeProxyService({ https: { acmeWebroot: "./../x" } })).to.throw(InvalidArgumentError, "https.acmeWebroot");
  });

  it("checks health on the health location with busybox wget", () => {
    const { healthcheck } = edgeProxyService();
    expect(healthcheck.test).to.deep.equal(["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:80/nginx-health"]);
    expect(healthcheck).to.include({ interval: "10s", timeout: "3s", retries: 3, start_period: "5s" });
    expect(edgeProxyService({ listenPort: 8081, healthPath: "/healthz" }).healthcheck.test.at(-1)).to.equal("http://127.0.0.1:8081/healthz");
  });

  it("survives a YAML round trip as a compose service", () => {
    const service = edgeProxyService();
    const compose = parse(stringify({ services: { nginx: service } })) as { services: { nginx: unknown } };
    expect(compose.services.nginx).to.deep.equal(service);
    expect(stringify(service)).to.include("daemon off;");
  });

  it("exports its defaults in one object", () => {
    expect(EDGE_PROXY_SERVICE_DEFAULTS).to.deep.equal({
      image: NGINX_IMAGE,
      hostPort: 80,
      listenPort: 80,
      healthPath: "/nginx-health",
      configDir: "./nginx",
      upstreamService: "api",
      restart: "unless-stopped",
    });
  });

  describe("validation", () => {
    const component = "@trafficlab/edge-proxy edgeProxyService";
    const cases: [EdgeProxyServiceOptions, string, unknown, string][] = [
      [{ image: "nginx:latest" }, "image", "nginx:latest", '"latest" or no tag changes under you'],
      [{ image: "nginx" }, "image", "nginx", "a version tag or a digest"],
      [{ image: "registry.local:5000/nginx" }, "image", "registry.local:5000/nginx", "a version tag or a digest"],
      [{ timeZone: "Seoul time" }, "timeZone", "Seoul time", "an IANA time zone name"],
      [{ hostPort: 0 }, "hostPort", 0, "a whole number from 1 to 65535"],
      [{ listenPort: 70000 }, "listenPort", 70000, "a whole number from 1 to 65535"],
      [{ healthPath: "health" }, "healthPath", "health", "a URI path starting with /"],
      [{ configDir: "./a:b" }, "configDir", "./a:b", "no whitespace or colon"],
      [{ upstreamService: "-api" }, "upstreamService", "-api", "a compose service name"],
      [{ restart: "no" as "always" }, "restart", "no", "Allowed: unless-stopped, always."],
    ];
    for (const [options, argument, value, allowed] of cases) {
      it(`refuses ${argument} = ${JSON.stringify(value)}`, () => {
        const error = serviceError(options);
        expect(error.message).to.equal(`${component}: ${argument} = ${JSON.stringify(value)} is not allowed. ${error.allowed}`);
        expect(error.allowed).to.include(allowed);
      });
    }

    it("accepts images pinned by a registry port and tag, or by digest", () => {
      expect(edgeProxyService({ image: "registry.local:5000/nginx:1.28.0" }).image).to.equal("registry.local:5000/nginx:1.28.0");
      const digest = "nginx@sha256:" + "a".repeat(64);
      expect(edgeProxyService({ image: digest }).image).to.equal(digest);
    });
  });
});

describe("@trafficlab/edge-proxy nginxReloadCommand", () => {
  it("tests the config, then reloads it in place (no container restart)", () => {
    expect(nginxReloadCommand()).to.equal(
      "docker compose exec -T nginx nginx -t -c /etc/nginx/trafficlab/nginx.conf && " +
        "docker compose exec -T nginx nginx -s reload -c /etc/nginx/trafficlab/nginx.conf",
    );
    expect(nginxReloadCommand("edge")).to.match(/^docker compose exec -T edge nginx -t .* && docker compose exec -T edge nginx -s reload /);
    expect(nginxReloadCommand()).not.to.match(/restart/);
  });

  it("refuses a service name or path that would change the shell command", () => {
    expect(() => nginxReloadCommand("nginx; rm -rf /")).to.throw(InvalidArgumentError, 'composeService = "nginx; rm -rf /" is not allowed');
    expect(() => nginxReloadCommand("nginx", "/etc/$(id)")).to.throw(InvalidArgumentError, 'configPath = "/etc/$(id)" is not allowed');
  });
});

describe("@trafficlab/edge-proxy configHash", () => {
  it("is a stable sha256 of the rendered files, whatever the key order", () => {
    const files = renderNginxConf();
    const hash = configHash(files);
    expect(hash).to.match(/^[0-9a-f]{64}$/);
    expect(configHash(renderNginxConf())).to.equal(hash);
    expect(configHash({ "conf.d/default.conf": files["conf.d/default.conf"], "nginx.conf": files["nginx.conf"] })).to.equal(hash);
  });

  it("changes when any option changes the output", () => {
    const hash = configHash(renderNginxConf());
    expect(configHash(renderNginxConf({ upstreamKeepalive: 16 }))).not.to.equal(hash);
    expect(configHash(renderNginxConf({ workerConnections: 2048 }))).not.to.equal(hash);
  });

  it("tells apart text moved from one file to the other", () => {
    expect(configHash({ a: "xy", b: "" })).not.to.equal(configHash({ a: "x", b: "y" }));
  });
});
