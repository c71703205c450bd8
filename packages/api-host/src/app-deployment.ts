import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { InvalidArgumentError, transformed, type ChildTransform } from "@trafficlab/validation";
import { METRICS_SERVICE_NAMES, METRICS_SERVICES_DEFAULTS, renderRedisExporterEnv } from "@trafficlab/observability";
import { composeDownScript, composeUpScript, removeFileScript, writeFileScript } from "./deploy-scripts";
import { REDIS_EXPORTER_ENV_FILE } from "./host-project";
import { edgeDeployScript, edgeTeardownScript } from "./edge-deploy";
import { STAMPS, stampedScript } from "./host-step";
import { ROLLING_DEPLOY_DEFAULTS, parsePreviousImage, renderContainerEnvFile, rollingDeployScript, rollingTeardownScript } from "./rolling-deploy";
import { sha256, type ApiHost } from "./api-host";

export const APP_DEPLOYMENT_TYPE = "trafficlab:api-host:AppDeployment";

export interface AppDeploymentArgs {
  /** The host to deploy on. */
  host: ApiHost;
  /**
   * The API's environment (endpoints, user names, passwords). Written to `api.env` with mode 600
   * through stdin, so it never appears on a command line or in logs; treated as secret whole.
   */
  environment: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /**
   * Seconds a new API container has to become healthy before the deploy gives up on it.
   * @default `300`
   */
  waitTimeoutSeconds?: number;
  /**
   * The token cache the redis exporter watches, as its read-only monitoring user (`+ping +info`),
   * when the host runs metrics (ApiHost's `metrics`): written to the exporter's env file (mode 600)
   * through stdin, before compose-up. Required then; refused without it.
   */
  metricsCache?: { host: pulumi.Input<string>; port?: pulumi.Input<number>; user: pulumi.Input<string>; password: pulumi.Input<string> };
  /** Changes to every step (a timeout, a `logging` mode): arguments merged over the component's, or a function. */
  transform?: { command?: ChildTransform<command.remote.CommandArgs> };
}

/**
 * The steps that need the database and cache: the API's blue/green deploy, carrying its env file
 * on stdin (a new container beside the old, healthy before nginx switches to it; the old one
 * keeps serving if the new one never gets healthy), then the HTTP nginx blue/green behind the edge
 * front (a new image or config: a new colour, no connection reset), then the compose project (the
 * front, the ACME client). Every step re-runs as an update when its input changes;
 * `pulumi destroy` stops the front, then the nginx colours, then the API containers. Give it `dependsOn` on the data tier so their security-group rules exist before the app starts.
 */
export class AppDeployment extends pulumi.ComponentResource {
  /** The env file's hash (secret): what made the last deploy. */
  readonly environmentHash: pulumi.Output<string>;
  /** The image the API ran before the last deploy, kept on the host: set it back to roll back. Empty on a first deploy. */
  readonly previousImage: pulumi.Output<string>;
  /** The child resources, for what the arguments do not cover (escape hatch). */
  readonly nodes: { apiDeploy: command.remote.Command; edgeDeploy: command.remote.Command; composeUp: command.remote.Command; metricsEnv: command.remote.Command | undefined };

  constructor(name: string, args: AppDeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
    const host = args.host;
    // Before super(): a half-given metrics set-up must register nothing.
    if ((host.metricsConfigHash === undefined) !== (args.metricsCache === undefined)) {
      throw new InvalidArgumentError(APP_DEPLOYMENT_TYPE, "metricsCache", args.metricsCache === undefined ? undefined : "(given)", "Required exactly when the host runs metrics (ApiHost's metrics): the cache's endpoint and monitoring user for the redis exporter.");
    }
    super(APP_DEPLOYMENT_TYPE, name, {}, opts);
    const directory = host.projectDirectory;
    const envFile = pulumi.secret(pulumi.output(args.environment).apply((environment) => renderContainerEnvFile(environment as Record<string, string>)));
    this.environmentHash = pulumi.secret(envFile.apply(sha256));
    // No triggers anywhere: a changed input changes a script, so the step runs again as an update.
    // deleteBeforeReplace: only an explicit `pulumi up --replace` replaces these, and then the old
    // teardown must run before the new deploy, not after it.
    const remote = (role: string, commandArgs: Omit<command.remote.CommandArgs, "connection">, options: pulumi.CustomResourceOptions) =>
      new command.remote.Command(`${name}-${role}`, ...transformed(args.transform?.command, { connection: host.connection, ...commandArgs }, { parent: this, ...options }));

    const deployScript = stampedScript(
      host.image.apply((image) =>
        rollingDeployScript({
          projectDir: directory,
          image,
          environment: host.appEnvironment,
          healthPath: host.healthPath,
          healthTimeoutSeconds: args.waitTimeoutSeconds ?? ROLLING_DEPLOY_DEFAULTS.healthTimeoutSeconds,
          envFromStdin: true,
          logs: host.logs,
        }),
      ),
      { [STAMPS.host]: host.instanceId },
    );
    const api = remote(
      "api-deploy",
      // The env file (secrets) arrives on stdin: a new password or endpoint is a new input, so the
      // blue/green deploy runs again with it.
      { create: deployScript, update: deployScript, delete: rollingTeardownScript({ projectDir: directory }), stdin: envFile },
      { dependsOn: host.deployPrerequisites, deleteBeforeReplace: true },
    );

    // The HTTP nginx behind the edge front, blue/green: a new image or config is a new colour,
    // switched to without a reset. Before compose-up, so the front has a colour to send to.
    const edgeScript = stampedScript(edgeDeployScript({ projectDir: directory, image: host.settings.proxyImage, https: host.settings.https !== undefined, logs: host.logs }), {
      [STAMPS.host]: host.instanceId,
      [STAMPS.nginxConfig]: host.proxyConfigHash,
    });
    const edge = remote(
      "edge-deploy",
      { create: edgeScript, update: edgeScript, delete: edgeTeardownScript({ projectDir: directory }) },
      { dependsOn: [api, ...host.deployPrerequisites], deleteBeforeReplace: true },
    );

    // The redis exporter's cache address, user and password: known only once the cache exists, so
    // written here, not with the host's files; a new password starts the exporter again with it.
    const metricsCache = args.metricsCache;
    const metricsEnv = metricsCache
      ? (() => {
          const path = `${directory}/${REDIS_EXPORTER_ENV_FILE}`;
          const script = stampedScript(writeFileScript(path, "600", { projectDir: directory, service: METRICS_SERVICE_NAMES.redisExporter }), { [STAMPS.host]: host.instanceId });
          const content = pulumi.secret(
            pulumi.all([metricsCache.host, metricsCache.port, metricsCache.user, metricsCache.password]).apply(([cacheHost, port, user, password]) => renderRedisExporterEnv({ host: cacheHost, port, user }, password)),
          );
          return remote("metrics-env", { create: script, update: script, delete: removeFileScript(path), stdin: content }, { dependsOn: host.deployPrerequisites, deleteBeforeReplace: true });
        })()
      : undefined;

    const upScript = stampedScript(composeUpScript({ projectDir: directory, ...(host.metricsConfigHash ? { reloadLocalPorts: [METRICS_SERVICES_DEFAULTS.prometheusLocalPort, METRICS_SERVICES_DEFAULTS.alertmanagerLocalPort] } : {}) }), {
      [STAMPS.host]: host.instanceId,
      [STAMPS.composeFile]: host.composeHash,
      [STAMPS.proxyService]: host.proxyServiceHash,
      // A new prometheus.yml or rule file re-runs compose-up, which asks Prometheus to reload.
      ...(host.metricsConfigHash ? { [STAMPS.metricsConfig]: host.metricsConfigHash } : {}),
    });
    const proxy = remote(
      "compose-up",
      { create: upScript, update: upScript, delete: composeDownScript({ projectDir: directory }) },
      // After the colours: the front's health check, and the ACME client after it, need one serving.
      { dependsOn: [api, edge, ...(metricsEnv ? [metricsEnv] : []), ...host.deployPrerequisites], deleteBeforeReplace: true },
    );
    this.nodes = { apiDeploy: api, edgeDeploy: edge, composeUp: proxy, metricsEnv };

    // An empty string on a first deploy rather than undefined, which a stack output would drop with a warning.
    this.previousImage = api.stdout.apply((stdout) => parsePreviousImage(stdout) ?? "");
    this.registerOutputs({ environmentHash: this.environmentHash, previousImage: this.previousImage });
  }
}
