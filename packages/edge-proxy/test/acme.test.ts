import { expect } from "chai";
import { createHash, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { InvalidArgumentError } from "@trafficlab/validation";
import { ACME_CA_FILE, ACME_DEFAULTS, acmeClientService, requireAcmeCaCertificates, edgeProxyService, renderAcmeScripts, renderNginxConf } from "@trafficlab/edge-proxy";

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

describe("@trafficlab/edge-proxy acmeClientService with a private ACME CA (caCertificates)", () => {
  const fixture = (name: string) => readFileSync(join(__dirname, "fixtures", name), "utf8");
  const ca = fixture("acme-ca.pem");

  it("makes lego trust the bundle's file instead of the system pool, and names the bundle's hash so a new one recreates the service", () => {
    const service = acmeClientService({ ...base, server: "https://acme.internal.example:14000/dir", caCertificates: ca });
    expect(service.environment.LEGO_CA_CERTIFICATES).to.equal(`/acme/${ACME_CA_FILE}`);
    expect(service.environment.ACME_CA_SHA256).to.equal(createHash("sha256").update(ca.trim() + "\n").digest("hex"));
    // /acme is the state directory's mount, where the host writes the bundle.
    expect(service.volumes).to.include(`${ACME_DEFAULTS.stateDir}:/acme`);
    // CRLF pasted from elsewhere is the same bundle.
    const crlf = acmeClientService({ ...base, caCertificates: ca.replace(/\n/g, "\r\n") });
    expect(crlf.environment.ACME_CA_SHA256).to.equal(service.environment.ACME_CA_SHA256);
    expect(acmeClientService(base).environment).to.not.have.any.keys("LEGO_CA_CERTIFICATES", "ACME_CA_SHA256");
  });

  it("accepts a bundle of several CA certificates and returns it normalised", () => {
    expect(requireAcmeCaCertificates("c", "a", `${ca.trim()}\n${ca}`)).to.equal(`${ca.trim()}\n${ca.trim()}\n`);
  });

  const refusals: [string, string, RegExp][] = [
    ["empty", "  ", /Allowed: PEM CA certificates/],
    ["a file path, not its contents", "/etc/ssl/private-ca.pem", /Found other text/],
    ["a private key beside the certificate", `${ca}-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n`, /Found other text/],
    ["a damaged certificate", ca.replace(/\n[A-Za-z0-9+/]{20}/, "\nAAAAAAAAAAAAAAAAAAAA"), /does not parse|not a CA|valid from/],
    ["a server certificate (CA:FALSE)", fixture("acme-server-leaf.pem"), /not a CA certificate/],
  ];
  for (const [what, pem, reason] of refusals) {
    it(`refuses ${what}, naming the argument`, () => {
      expect(() => acmeClientService({ ...base, caCertificates: pem })).to.throw(InvalidArgumentError, "@trafficlab/edge-proxy acmeClientService: caCertificates = ");
      try {
        acmeClientService({ ...base, caCertificates: pem });
      } catch (error) {
        expect((error as InvalidArgumentError).allowed).to.match(reason);
      }
    });
  }

  it("refuses a CA certificate outside its validity", () => {
    const notAfter = new Date(new X509Certificate(ca).validTo);
    expect(() => requireAcmeCaCertificates("c", "caCertificates", ca, new Date(notAfter.getTime() + 86_400_000))).to.throw(InvalidArgumentError, /valid from .* to /);
    expect(requireAcmeCaCertificates("c", "caCertificates", ca, new Date(notAfter.getTime() - 86_400_000))).to.equal(`${ca.trim()}\n`);
  });
});
