import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync, gzipSync, strFromU8, strToU8 } from "fflate";
import { Document } from "yaml";
import {
  COMPOSE_PLUGIN,
  MICROMETER_ENVIRONMENT,
  ROLLING_DEPLOY_DEFAULTS,
  composeUpScript,
  dataTierEnvironment,
  installDockerScript,
  pullImagesScript,
  renderHostProject,
  rollingDeployScript,
  shellQuote,
  type ApiCache,
  type ApiDatabase,
} from "@trafficlab/api-host";
import type { NginxOptions } from "@trafficlab/edge-proxy";
import { OBSERVABILITY_DEFAULTS } from "@trafficlab/observability";
import { InvalidArgumentError, requirePinnedImage } from "@trafficlab/validation";
import { FLEET_METRICS_DEFAULTS, INSTANCE_ID_PLACEHOLDER, renderAgentConfig, renderMetricsCompose } from "./managed-prometheus";

/** How errors from the user-data functions name their source. */
export const USER_DATA = "@trafficlab/fleet renderCloudConfig";

/** EC2 refuses user data over 16 KB (16384 bytes, before base64): RequestLaunchTemplateData. */
export const USER_DATA_LIMIT_BYTES = 16384;

/** The systemd unit that boots the instance once cloud-init is done. */
export const BOOT_UNIT = "trafficlab-boot.service";

/** The file boot.sh writes last, relative to the project directory: the first boot is complete. */
export const BOOT_DONE_MARKER = ".first-boot-done";

export interface UserDataOptions {
  /** The API image, a tag or digest. */
  image: string;
  /** The Region of the secret parameters. */
  region: string;
  /** Where the compose project lives; the scripts go to its bin/. Default `/opt/trafficlab`. */
  projectDirectory?: string;
  /** nginx image and settings (renderHostProject). */
  proxyImage?: string;
  proxy?: Partial<NginxOptions>;
  /** The stack whose log groups nginx and the API write to, in `region` (renderHostProject's and rollingDeployScript's logs). Default none. */
  logsStack?: string;
  /** SPRING_PROFILES_ACTIVE and TZ of the API, and the path its health check requests. */
  springProfile: string;
  timeZone: string;
  healthPath: string;
  /** Non-secret connection settings; the secrets come from `secretParameters`. */
  database?: ApiDatabase;
  cache?: ApiCache;
  /** The API's secret variables: variable name -> Parameter Store name, read at boot into the env file. */
  secretParameters: Record<string, string>;
  /**
   * The version of each secret parameter, written into the boot script: a rotated secret is a
   * new launch template version, so an instance refresh brings it to every instance. Versions,
   * never values.
   */
  secretVersions?: Record<string, number | string>;
  /** A private registry: its host, user, and the Parameter Store name of its password. */
  registry?: { server: string; username: string; passwordParameter: string };
  /** The metrics agent and node exporter, remote-writing to an AMP workspace (managed-prometheus.ts). Default none. */
  metrics?: { stack: string; remoteWriteUrl: string; scrapeIntervalSeconds: number };
}

const BOOT_SCRIPT_FILE = join(__dirname, "scripts", "boot.sh");

/** The metrics compose project's directory on an instance. */
function metricsDirectory(projectDirectory?: string): string {
  return `${projectDirectory ?? ROLLING_DEPLOY_DEFAULTS.projectDir}/${FLEET_METRICS_DEFAULTS.directory}`;
}
const SHELL_DIRECTIVE = "# shellcheck shell=bash\n";
const VARIABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PARAMETER = /^(\/[A-Za-z0-9_.-]+)+$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
/** Code-point order: the same on every machine, whatever its locale (a different order would be a different launch template version). */
const byKey = ([a]: [string, unknown], [b]: [string, unknown]) => (a < b ? -1 : a > b ? 1 : 0);

/** The boot script: a header of its values, then src/scripts/boot.sh. */
export function renderBootScript(options: Pick<UserDataOptions, "projectDirectory" | "region" | "secretParameters" | "secretVersions" | "registry" | "metrics">): string {
  if (!REGION.test(options.region ?? "")) throw new InvalidArgumentError(USER_DATA, "region", options.region, "Allowed: an AWS Region such as ap-northeast-2.");
  const entries = Object.entries(options.secretParameters).sort(byKey);
  for (const [variable, parameter] of entries) {
    if (!VARIABLE.test(variable)) throw new InvalidArgumentError(USER_DATA, "secretParameters", variable, "Allowed: variable names of letters, digits and '_'.");
    if (!PARAMETER.test(parameter)) throw new InvalidArgumentError(USER_DATA, `secretParameters.${variable}`, parameter, "Allowed: a Parameter Store name such as /trafficlab/prod/prod-api/database-password.");
  }
  const registryParameter = options.registry?.passwordParameter ?? "";
  if (registryParameter !== "" && !PARAMETER.test(registryParameter)) throw new InvalidArgumentError(USER_DATA, "registry.passwordParameter", registryParameter, "Allowed: a Parameter Store name.");
  const versions = Object.entries(options.secretVersions ?? {})
    .sort(byKey)
    // `name vN`, not `name=N`: nothing here may look like a secret assigned in plain text.
    .map(([parameter, version]) => `${parameter.split("/").pop()} v${String(version)}`)
    .join(", ");
  const header = [
    `project_dir=${shellQuote(options.projectDirectory ?? ROLLING_DEPLOY_DEFAULTS.projectDir)}`,
    `done_marker=${shellQuote(`${options.projectDirectory ?? ROLLING_DEPLOY_DEFAULTS.projectDir}/${BOOT_DONE_MARKER}`)}`,
    `region=${shellQuote(options.region)}`,
    `registry_password_parameter=${shellQuote(registryParameter)}`,
    `secret_versions=${shellQuote(versions)}`,
    `secret_parameters=(${entries.map(([variable, parameter]) => shellQuote(`${variable} ${parameter}`)).join(" ")})`,
    `metrics_config=${shellQuote(options.metrics ? `${metricsDirectory(options.projectDirectory)}/prometheus/prometheus.yml` : "")}`,
    `instance_id_placeholder=${shellQuote(INSTANCE_ID_PLACEHOLDER)}`,
  ];
  const body = readFileSync(BOOT_SCRIPT_FILE, "utf8");
  if (!body.startsWith(SHELL_DIRECTIVE)) throw new Error(`renderBootScript: ${BOOT_SCRIPT_FILE} must start with "${SHELL_DIRECTIVE.trim()}"`);
  return `#!/usr/bin/env bash\n# @trafficlab/fleet scripts/boot.sh, rendered with:\n${header.join("\n")}\n\n${body.slice(SHELL_DIRECTIVE.length)}`;
}

/**
 * The systemd unit that runs the boot script after cloud-init (whose end install-docker.sh waits
 * for), at every boot until the first one completed: cloud-init's runcmd runs once per instance,
 * so a reboot in the middle of the first boot would otherwise leave it half-booted for good. Once
 * boot.sh wrote its marker, a reboot skips the unit: Docker restarts the API and nginx itself.
 */
export function renderBootUnit(projectDirectory: string): string {
  return [
    "# Rendered by @trafficlab/fleet: boots the instance; enabled and started by cloud-init's runcmd, again at each boot until the first completes.",
    "[Unit]",
    "Description=trafficlab: Docker, the API's secrets, the API and nginx",
    // Ordered after cloud-final, which starts it: install-docker.sh waits for cloud-init to be done.
    "After=cloud-final.service network-online.target docker.service",
    "Wants=network-online.target",
    `ConditionPathExists=!${projectDirectory}/${BOOT_DONE_MARKER}`,
    "",
    "[Service]",
    "Type=oneshot",
    `ExecStart=/bin/bash ${projectDirectory}/bin/boot.sh`,
    // `aws ec2 get-console-output` shows how the boot went, without a shell on the instance.
    "StandardOutput=journal+console",
    "StandardError=journal+console",
    "TimeoutStartSec=1800",
    "",
    "[Install]",
    // cloud-init.target, as cloud-final's own: cloud-final is ordered after multi-user.target,
    // so WantedBy=multi-user.target would be an ordering cycle, which systemd breaks by
    // dropping cloud-final's start (systemd-analyze verify shows it).
    "WantedBy=cloud-init.target",
    "",
  ].join("\n");
}

interface WriteFile {
  path: string;
  owner: string;
  permissions: string;
  content: string;
}

/**
 * The instance's `#cloud-config`: write_files puts the single host's pieces in place (the
 * compose project and nginx config of renderHostProject, the install, pull, blue/green deploy
 * and compose-up scripts of @trafficlab/api-host, the boot script and its unit), then runcmd
 * starts the unit. Nothing secret is in it: the boot reads the secrets from Parameter Store.
 */
export function renderCloudConfig(options: UserDataOptions): string {
  const image = requirePinnedImage(USER_DATA, "image", options.image);
  const projectDirectory = options.projectDirectory ?? ROLLING_DEPLOY_DEFAULTS.projectDir;
  // With metrics the agent scrapes the API's /actuator/prometheus on the instance; nginx keeps it from the internet.
  const proxy = options.metrics ? { ...options.proxy, privatePaths: [...(options.proxy?.privatePaths ?? []), OBSERVABILITY_DEFAULTS.apiMetricsPath] } : options.proxy;
  const project = renderHostProject({ projectDirectory, proxyImage: options.proxyImage, proxy, logs: options.logsStack ? { region: options.region, stack: options.logsStack } : undefined });
  const bin = `${projectDirectory}/bin`;
  const registry = options.registry;
  const scripts: Record<string, string> = {
    "install-docker.sh": installDockerScript(),
    "pull-images.sh": pullImagesScript({ projectDir: projectDirectory, registry: registry?.server, username: registry?.username, images: [image] }),
    "rolling-deploy.sh": rollingDeployScript({
      projectDir: projectDirectory,
      image,
      // Not secret: in the script (and so the user data); the secrets come on stdin.
      // With metrics, Spring Boot's Prometheus endpoint and request histogram (the agent's API job, the p99 rule).
      environment: { SPRING_PROFILES_ACTIVE: options.springProfile, TZ: options.timeZone, ...(options.metrics ? MICROMETER_ENVIRONMENT : {}), ...dataTierEnvironment(options.database, options.cache) },
      healthPath: options.healthPath,
      envFromStdin: true,
      logs: options.logsStack ? { region: options.region, stack: options.logsStack } : undefined,
    }),
    "compose-up.sh": composeUpScript({ projectDir: projectDirectory }),
    ...(options.metrics ? { "metrics-up.sh": composeUpScript({ projectDir: metricsDirectory(projectDirectory) }) } : {}),
    "boot.sh": renderBootScript({ ...options, projectDirectory }),
  };
  const metrics = options.metrics;
  const metricsFiles: WriteFile[] = metrics
    ? [
        { path: `${metricsDirectory(projectDirectory)}/compose.yaml`, owner: "root:root", permissions: "0644", content: renderMetricsCompose() },
        {
          path: `${metricsDirectory(projectDirectory)}/prometheus/prometheus.yml`,
          owner: "root:root",
          permissions: "0644",
          content: renderAgentConfig({ stack: metrics.stack, region: options.region, remoteWriteUrl: metrics.remoteWriteUrl, scrapeIntervalSeconds: metrics.scrapeIntervalSeconds }),
        },
      ]
    : [];
  const files: WriteFile[] = [
    ...project.files.map((file) => ({ path: file.path, owner: "root:root", permissions: `0${file.mode ?? "644"}`, content: String(file.content) })),
    ...metricsFiles,
    ...Object.entries(scripts).map(([file, content]) => ({ path: `${bin}/${file}`, owner: "root:root", permissions: "0700", content })),
    { path: `/etc/systemd/system/${BOOT_UNIT}`, owner: "root:root", permissions: "0644", content: renderBootUnit(projectDirectory) },
  ];
  const document = new Document({
    write_files: files,
    // enable: the unit runs again at the next boot when this one is cut short (its marker is missing).
    // --no-block: the unit is ordered after cloud-final, which is running this very command.
    runcmd: [
      ["systemctl", "daemon-reload"],
      ["systemctl", "enable", BOOT_UNIT],
      ["systemctl", "start", "--no-block", BOOT_UNIT],
    ],
  });
  document.commentBefore = ` Rendered by @trafficlab/fleet renderCloudConfig (Docker Compose ${COMPOSE_PLUGIN.version}); no secret in it: the boot reads them from Parameter Store.`;
  // Plain scalars that YAML 1.1 (PyYAML, which cloud-init uses) would read as numbers or booleans are quoted.
  return `#cloud-config\n${document.toString({ lineWidth: 0, blockQuote: "literal" })}`;
}

/**
 * The launch template's `userData`: the cloud-config gzipped (cloud-init unpacks it; the scripts
 * alone are larger than EC2's 16 KB) and base64-encoded. fflate, with no timestamp, so the same
 * config is the same bytes on every machine and Node.js version: a byte of difference would be a
 * new launch template version, and so an instance refresh for nothing.
 */
export function encodeUserData(cloudConfig: string): string {
  const gzipped = gzipSync(strToU8(cloudConfig), { level: 9, mtime: 0 });
  if (gzipped.byteLength > USER_DATA_LIMIT_BYTES) {
    throw new InvalidArgumentError(USER_DATA, "userData", `${gzipped.byteLength} bytes gzipped`, `EC2 takes at most ${USER_DATA_LIMIT_BYTES} bytes of user data; shorten the config.`);
  }
  return Buffer.from(gzipped).toString("base64");
}

/** The cloud-config in a launch template's userData (base64, gzipped or not). */
export function decodeUserData(userData: string): string {
  const bytes = new Uint8Array(Buffer.from(userData, "base64"));
  return bytes[0] === 0x1f && bytes[1] === 0x8b ? strFromU8(gunzipSync(bytes)) : strFromU8(bytes);
}
