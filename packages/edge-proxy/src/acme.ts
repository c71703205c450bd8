import { createHash, X509Certificate } from "node:crypto";
import { InvalidArgumentError, requirePinnedImage } from "@trafficlab/validation";

/** How errors from acmeClientService name their source. */
export const ACME_CLIENT = "@trafficlab/edge-proxy acmeClientService";

/** Where nginx sees the certificate directory (renderNginxConf's tls.certificateDir is `<this>/live`). */
export const NGINX_TLS_MOUNT = "/etc/nginx/tls";

export const ACME_DEFAULTS = {
  /** lego, the ACME client, pinned (its image has a shell, which the renewal loop needs). */
  image: "goacme/lego:v4.26.0",
  /** Let's Encrypt's production directory. */
  server: "https://acme-v02.api.letsencrypt.org/directory",
  /** Host directories, relative to the compose file. */
  certificateDir: "./tls",
  webroot: "./acme-webroot",
  stateDir: "./acme",
  /** Renew when fewer days are left (Let's Encrypt certificates last 90 days, soon fewer). */
  renewDaysBefore: 30,
  /** Seconds between two renewal checks, and between two attempts while none was issued yet. */
  checkEverySeconds: 43200,
  retryEverySeconds: 300,
  /** Group that may read the private key: the nginx user's, 101 in the official nginx images. */
  keyGroup: 101,
} as const;

export interface AcmeClientOptions {
  /** The domain to certify, e.g. api.example.com; it must resolve to this host. */
  domain: string;
  /** Where the CA writes about expiry and problems. */
  email: string;
  /** The ACME directory URL. */
  server?: string;
  /** The lego image. */
  image?: string;
  /** The compose service of nginx, which must answer HTTP-01 challenges before lego asks for one. Default `nginx`. */
  proxyService?: string;
  /**
   * PEM of the CA certificates that sign a private ACME server's HTTPS certificate (checked by
   * requireAcmeCaCertificates). lego then trusts these instead of its system pool for the ACME
   * server; the host writes them to `./acme/` + ACME_CA_FILE. Default none: the system pool.
   */
  caCertificates?: string;
}

/** The CA bundle's file name under the ACME state directory (`./acme`, `/acme` in the container). */
export const ACME_CA_FILE = "ca-certificates.pem";

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+?-----END CERTIFICATE-----/g;

/**
 * Checks a PEM bundle of CA certificates: one or more CERTIFICATE blocks and nothing else, each
 * a parsable X.509 CA certificate within its validity. Returns it normalised (LF, one newline at
 * the end), so the same bundle pasted with CRLF renders the same file.
 */
export function requireAcmeCaCertificates(component: string, argument: string, pem: string, now: Date = new Date()): string {
  const allowed = "Allowed: PEM CA certificates (-----BEGIN CERTIFICATE----- blocks), e.g. the contents of your ACME server's root CA file.";
  if (typeof pem !== "string" || pem.trim() === "") throw new InvalidArgumentError(component, argument, pem, allowed);
  const normalised = pem.replace(/\r\n/g, "\n").trim();
  const blocks = normalised.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0 || normalised.replace(PEM_CERTIFICATE, "").trim() !== "") {
    throw new InvalidArgumentError(component, argument, pem.length > 80 ? `${pem.slice(0, 80)}...` : pem, `${allowed} Found other text (a private key or a typo?).`);
  }
  blocks.forEach((block, index) => {
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(block);
    } catch (error) {
      throw new InvalidArgumentError(component, argument, `certificate ${index + 1} of ${blocks.length}`, `${allowed} It does not parse: ${(error as Error).message}.`);
    }
    const name = `certificate ${index + 1} of ${blocks.length} (${certificate.subject.replace(/\n/g, ", ")})`;
    if (!certificate.ca) throw new InvalidArgumentError(component, argument, name, `${allowed} This one is not a CA certificate (basicConstraints CA:FALSE): give the CA that signed the server's certificate.`);
    if (now < new Date(certificate.validFrom) || now > new Date(certificate.validTo)) {
      throw new InvalidArgumentError(component, argument, name, `${allowed} This one is valid from ${certificate.validFrom} to ${certificate.validTo} only.`);
    }
  });
  return `${normalised}\n`;
}

/** A Docker Compose service, ready to put under `services.acme`. */
export interface AcmeComposeService {
  image: string;
  entrypoint: string[];
  environment: Record<string, string>;
  volumes: string[];
  restart: "unless-stopped";
  depends_on: Record<string, { condition: "service_healthy" }>;
  healthcheck: { test: string[]; interval: string; timeout: string; retries: number };
}

const DOMAIN = /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;
const EMAIL = /^[^\s@'"]+@[^\s@'"]+\.[^\s@'"]+$/;

/** A directory relative to the compose file, as a bind mount takes it. */
export function requireRelativeDir(component: string, argument: string, value: string): string {
  if (/^\.\/[A-Za-z0-9._/-]*$/.test(value) && !value.split("/").includes("..")) return value.replace(/\/+$/, "");
  throw new InvalidArgumentError(component, argument, value, "Allowed: a directory relative to the compose file, e.g. ./tls.");
}

/**
 * The ACME client beside nginx: lego gets a certificate for `domain` over HTTP-01 (nginx serves
 * its webroot on port 80), checks twice a day and renews 30 days ahead. Each new certificate is
 * installed by swapping the `live` symlink to a fresh directory, which nginx reads at the next
 * handshakes (its certificate paths go through a variable): no reload, so no client connection
 * is closed. A failure retries every 5 minutes and shows in the container's log.
 */
export function acmeClientService(options: AcmeClientOptions): AcmeComposeService {
  const c = ACME_CLIENT;
  if (!DOMAIN.test(options.domain ?? "")) throw new InvalidArgumentError(c, "domain", options.domain, "Allowed: a fully qualified domain name such as api.example.com.");
  if (!EMAIL.test(options.email ?? "")) throw new InvalidArgumentError(c, "email", options.email, "Allowed: an e-mail address the CA can write to about expiry.");
  const server = options.server ?? ACME_DEFAULTS.server;
  if (!/^https:\/\/[^\s'"]+$/.test(server)) throw new InvalidArgumentError(c, "server", server, "Allowed: an https:// ACME directory URL, e.g. Let's Encrypt's.");
  const image = requirePinnedImage(c, "image", options.image ?? ACME_DEFAULTS.image);
  const proxyService = options.proxyService ?? "nginx";
  if (!/^[a-z0-9][a-z0-9_.-]*$/.test(proxyService)) throw new InvalidArgumentError(c, "proxyService", proxyService, "Allowed: a compose service name (lower-case letters, digits, '_', '.', '-').");
  const caCertificates = options.caCertificates === undefined ? undefined : requireAcmeCaCertificates(c, "caCertificates", options.caCertificates);
  return {
    image,
    entrypoint: ["/bin/sh", "/acme/renew.sh"],
    environment: {
      ACME_DOMAIN: options.domain,
      ACME_EMAIL: options.email,
      ACME_SERVER: server,
      ACME_RENEW_DAYS: String(ACME_DEFAULTS.renewDaysBefore),
      ACME_CHECK_EVERY: String(ACME_DEFAULTS.checkEverySeconds),
      ACME_RETRY_EVERY: String(ACME_DEFAULTS.retryEverySeconds),
      ACME_KEY_GROUP: String(ACME_DEFAULTS.keyGroup),
      // lego's own variable: it trusts these for the ACME server instead of the system pool. The
      // bundle's hash changes this service's definition, so a new bundle recreates it (lego
      // retries at once) and leaves nginx alone.
      ...(caCertificates ? { LEGO_CA_CERTIFICATES: `/acme/${ACME_CA_FILE}`, ACME_CA_SHA256: createHash("sha256").update(caCertificates).digest("hex") } : {}),
    },
    volumes: [`${ACME_DEFAULTS.stateDir}:/acme`, `${ACME_DEFAULTS.certificateDir}:/tls`, `${ACME_DEFAULTS.webroot}:/webroot`],
    restart: "unless-stopped",
    // The CA validates at once: started beside a (re)starting nginx, lego's first order fails
    // with "connection refused" on port 80 and waits ACME_RETRY_EVERY for the next.
    depends_on: { [proxyService]: { condition: "service_healthy" } },
    // A trivial check, for what it resets: a container that restarts is "starting" again, so a
    // crash loop never passes composeUpScript's wait as a service that happened to be running.
    healthcheck: { test: ["CMD-SHELL", "test -r /acme/renew.sh"], interval: "5s", timeout: "3s", retries: 3 },
  };
}

/** The two scripts the ACME service runs, by their file name under `./acme`; lego executes install.sh itself, so both are written executable. */
export function renderAcmeScripts(): Record<"renew.sh" | "install.sh", string> {
  const renew = `#!/bin/sh
# Rendered by @trafficlab/edge-proxy: gets and renews the certificate of $ACME_DOMAIN with lego.
set -u
# PID 1 of its container: without a handler, SIGTERM is ignored and every stop waits for the kill.
trap '[ -z "\${sleeper:-}" ] || kill "$sleeper" 2>/dev/null; exit 0' TERM INT
# The published image has it at /lego, off PATH; another image may have it on PATH.
lego="$(command -v lego || echo /lego)"
while :; do
  if [ -f "/acme/data/certificates/$ACME_DOMAIN.crt" ]; then
    set -- renew --days "$ACME_RENEW_DAYS" --renew-hook /acme/install.sh
  else
    set -- run --run-hook /acme/install.sh
  fi
  if "$lego" --accept-tos --email "$ACME_EMAIL" --server "$ACME_SERVER" --domains "$ACME_DOMAIN" \\
    --http --http.webroot /webroot --path /acme/data "$@"; then
    # A renewal that was not due installs nothing; make sure the last certificate is the live one.
    [ -e /tls/live ] || /acme/install.sh
    pause="$ACME_CHECK_EVERY"
  else
    echo "acme: lego failed for $ACME_DOMAIN; trying again in $ACME_RETRY_EVERY s" >&2
    pause="$ACME_RETRY_EVERY"
  fi
  # In the background, so the TERM trap runs at once instead of after the sleep.
  sleep "$pause" &
  sleeper=$!
  wait "$sleeper"
done
`;
  const install = `#!/bin/sh
# Rendered by @trafficlab/edge-proxy: installs lego's certificate for nginx in one atomic step.
set -eu
certificate="\${LEGO_CERT_PATH:-/acme/data/certificates/$ACME_DOMAIN.crt}"
key="\${LEGO_CERT_KEY_PATH:-/acme/data/certificates/$ACME_DOMAIN.key}"
# The pid too: two installs in one second must not share a directory.
version="$(date +%Y%m%d%H%M%S)-$$"
# nginx's workers (not root) read the files at each handshake, which is what lets a renewal
# take effect without a reload: the key is readable by their group (the nginx images' 101) only.
(umask 077 && mkdir -p "/tls/$version")
cp "$certificate" "/tls/$version/fullchain.pem"
cp "$key" "/tls/$version/privkey.pem"
chgrp "$ACME_KEY_GROUP" "/tls/$version" "/tls/$version/privkey.pem"
chmod 750 "/tls/$version"
chmod 644 "/tls/$version/fullchain.pem"
chmod 640 "/tls/$version/privkey.pem"
# nginx reads live/ through a symlink: replacing the link is one rename, never half a pair.
rm -f /tls/.live.new
ln -s "$version" /tls/.live.new
mv -Tf /tls/.live.new /tls/live
# Keep the live version and the one before it.
ls -1d /tls/2* 2>/dev/null | sort | head -n -2 | while read -r old; do rm -rf "$old"; done
echo "acme: installed a certificate for $ACME_DOMAIN ($version)"
`;
  return { "renew.sh": renew, "install.sh": install };
}
