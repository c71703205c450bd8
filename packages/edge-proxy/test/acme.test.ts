import { expect } from "chai";
import { parse, stringify } from "yaml";
import { InvalidArgumentError } from "@trafficlab/validation";
import { ACME_DEFAULTS, acmeClientService, edgeProxyService, renderAcmeScripts, renderNginxConf } from "@trafficlab/edge-proxy";

const base = { domain: "api.example.com", email: "ops@example.com" };

describe("@trafficlab/edge-proxy acmeClientService", () => {
  it("runs a pinned lego with Let's Encrypt's production directory by default", () => {
    const service = acmeClientService(base);
    expect(service.image).to.equal(ACME_DEFAULTS.image).and.match(/^goacme\/lego:v\d+\.\d+\.\d+$/);
    expect(service.environment).to.deep.equal({
      ACME_DOMAIN: "api.example.com",
      ACME_EMAIL: "ops@example.com",
      ACME_SERVER: "https://acme-v02.api.letsencrypt.org/directory",
      ACME_RENEW_DAYS: "30",
      ACME_CHECK_EVERY: "43200",
      ACME_RETRY_EVERY: "300",
      ACME_KEY_GROUP: "101",
    });
    expect(service.entrypoint).to.deep.equal(["/bin/sh", "/acme/renew.sh"]);
    expect(service.restart).to.equal("unless-stopped");
    // A restart resets the health to "starting": a crash loop cannot pass compose-up's wait.
    expect(service.healthcheck.test).to.deep.equal(["CMD-SHELL", "test -r /acme/renew.sh"]);
    // The CA validates at once: lego starts only once nginx answers on port 80.
    expect(service.depends_on).to.deep.equal({ nginx: { condition: "service_healthy" } });
    expect(acmeClientService({ ...base, proxyService: "edge" }).depends_on).to.deep.equal({ edge: { condition: "service_healthy" } });
  });

  it("shares the certificate directory and the webroot with nginx's service, through the same host directories", () => {
    const acme = acmeClientService(base);
    const nginx = edgeProxyService({ https: {} });
    const hostDir = (volumes: string[], container: string) => volumes.find((v) => v.split(":")[1] === container)?.split(":")[0];
    expect(hostDir(acme.volumes, "/tls")).to.equal(hostDir(nginx.volumes, "/etc/nginx/tls"));
    expect(hostDir(acme.volumes, "/webroot")).to.equal(hostDir(nginx.volumes, "/var/www/acme"));
    // nginx's default certificate directory is the live symlink install.sh maintains.
    expect(renderNginxConf({ tls: { domain: base.domain } })["conf.d/default.conf"]).to.include("default /etc/nginx/tls/live;");
    expect(renderAcmeScripts()["install.sh"]).to.include("mv -Tf /tls/.live.new /tls/live");
  });

  it("takes another directory (a staging or test CA) and image", () => {
    const service = acmeClientService({ ...base, server: "https://localhost:14000/dir", image: "registry.local/lego:4.26.0" });
    expect(service.environment.ACME_SERVER).to.equal("https://localhost:14000/dir");
    expect(service.image).to.equal("registry.local/lego:4.26.0");
    expect(parse(stringify(service))).to.deep.equal(service);
  });

  it("refuses what would not get a certificate, naming the argument and the value", () => {
    const cases: [Parameters<typeof acmeClientService>[0], string, string][] = [
      [{ ...base, domain: "localhost" }, "domain", "a fully qualified domain name"],
      [{ ...base, domain: "api.example.com; rm -rf /" }, "domain", "a fully qualified domain name"],
      [{ ...base, email: "ops" }, "email", "an e-mail address"],
      [{ ...base, server: "http://acme.example.com/dir" }, "server", "an https:// ACME directory URL"],
      [{ ...base, image: "goacme/lego:latest" }, "image", "latest"],
      [{ ...base, proxyService: "Nginx Proxy" }, "proxyService", "a compose service name"],
    ];
    for (const [options, argument, allowed] of cases) {
      expect(() => acmeClientService(options), argument).to.throw(InvalidArgumentError, `@trafficlab/edge-proxy acmeClientService: ${argument} = `);
      try {
        acmeClientService(options);
      } catch (error) {
        expect((error as InvalidArgumentError).allowed).to.include(allowed);
      }
    }
  });
});

describe("@trafficlab/edge-proxy renderAcmeScripts", () => {
  const scripts = renderAcmeScripts();

  it("renews ahead of expiry with HTTP-01 through the webroot, retrying on failure", () => {
    const renew = scripts["renew.sh"];
    expect(renew).to.match(/^#!\/bin\/sh\n/);
    expect(renew).to.include('renew --days "$ACME_RENEW_DAYS" --renew-hook /acme/install.sh');
    expect(renew).to.include("run --run-hook /acme/install.sh");
    expect(renew).to.include("--http --http.webroot /webroot");
    expect(renew).to.include('pause="$ACME_RETRY_EVERY"');
    // The published lego image has the binary at /lego, off PATH.
    expect(renew).to.include('lego="$(command -v lego || echo /lego)"').and.include('if "$lego" --accept-tos');
  });

  it("installs a certificate as a new directory and one symlink rename, readable by nginx's workers", () => {
    const install = scripts["install.sh"];
    expect(install).to.include("set -eu");
    expect(install).to.include('chmod 640 "/tls/$version/privkey.pem"').and.include('chgrp "$ACME_KEY_GROUP" "/tls/$version" "/tls/$version/privkey.pem"');
    expect(install.indexOf('cp "$key"')).to.be.lessThan(install.indexOf("mv -Tf /tls/.live.new /tls/live"));
  });
});
