// Renders, with the project's own functions, the files a deploy puts on the host, into a
// directory, for a test to copy over SSH:
//   install-docker.sh            installDockerScript (packages/api-host)
//   project/compose.yaml         renderComposeProject + edgeProxyService, as ApiHost renders it
//   project/nginx/...            renderNginxConf with the single-name upstream smoke.sh's own
//                                containers use: the alias the live API container answers to
//                                (trafficlab-api-live:8080 on the trafficlab-api network),
//                                re-resolved through Docker's DNS. ApiHost itself names one
//                                server per colour (apiColorContainers), which the scenarios run.
// With COMPOSE_PLUGIN_VERSION and COMPOSE_PLUGIN_SHA256 set (from the host image's
// /etc/trafficlab-e2e/compose-plugin.env), install-docker.sh pins the Compose plugin the image
// already has, through the option the script offers tests, so it downloads nothing; without
// them it carries the stack's pin (v2.40.3 from GitHub, unreachable here).
//   pnpm exec tsx e2e/lib/render-host-files.ts <out-dir>
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { edgeProxyService, renderNginxConf } from "../../packages/edge-proxy/src/index";
import { renderComposeProject } from "../../packages/api-host/src/compose-project";
import { installDockerScript } from "../../packages/api-host/src/install-docker";
import { ROLLING_DEPLOY_DEFAULTS } from "../../packages/api-host/src/rolling-deploy";

const outArgument = process.argv[2];
if (!outArgument) throw new Error("usage: render-host-files.ts <out-dir>");
const out: string = outArgument;

function write(path: string, content: string): void {
  mkdirSync(dirname(join(out, path)), { recursive: true });
  writeFileSync(join(out, path), content);
}

const version = process.env.COMPOSE_PLUGIN_VERSION;
const sha256 = process.env.COMPOSE_PLUGIN_SHA256;
write(
  "install-docker.sh",
  version && sha256
    ? // aarch64 is never used on this x86_64 machine; the script requires a value of the right shape.
      installDockerScript({ composePlugin: { version, sha256: { x86_64: sha256, aarch64: sha256 } } })
    : installDockerScript(),
);

write(
  "project/compose.yaml",
  renderComposeProject({
    services: { nginx: edgeProxyService({ listenPort: 80, upstreamService: null, networks: ["default", "api"] }) },
    externalNetworks: { api: ROLLING_DEPLOY_DEFAULTS.network },
  }),
);
for (const [file, content] of Object.entries(renderNginxConf({ upstreamHost: ROLLING_DEPLOY_DEFAULTS.serviceAlias, upstreamPort: ROLLING_DEPLOY_DEFAULTS.apiPort }))) {
  write(`project/nginx/${file}`, content);
}
