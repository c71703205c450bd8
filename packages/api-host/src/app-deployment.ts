import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { nginxReloadCommand } from "@trafficlab/edge-proxy";
import { composeDownScript, composeUpScript, writeFileScript } from "./deploy-scripts";
import { ROLLING_DEPLOY_DEFAULTS, parsePreviousImage, renderContainerEnvFile, rollingDeployScript, rollingTeardownScript } from "./rolling-deploy";
import { sha256, type ApiHost } from "./api-host";

export const APP_DEPLOYMENT_TYPE = "trafficlab:api-host:AppDeployment";

export interface AppDeploymentArgs {
  /** The host to deploy on. Required. */
  host: ApiHost;
  /**
   * The API's environment (endpoints, user names, passwords). Written to `api.env` with mode 600
   * through stdin, so it never appears on a command line or in logs; treated as secret whole.
   */
  environment: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Seconds a new API container has to become healthy before the deploy gives up on it. Default 300. */
  waitTimeoutSeconds?: number;
}

/**
 * The steps that need the database and cache: the env file, then the API's blue/green deploy
 * (a new container beside the old, healthy before nginx switches to it; the old one keeps
 * serving if the new one never gets healthy), then nginx's compose project, then an nginx
 * reload when only its config changed. `pulumi destroy` stops nginx, then the API containers.
 * Give it `dependsOn` on the data tier so their security-group rules exist before the app starts.
 */
export class AppDeployment extends pulumi.ComponentResource {
  /** The env file's hash (secret): what made the last deploy. */
  readonly environmentHash: pulumi.Output<string>;
  /** The image the API ran before the last deploy, kept on the host: set it back to roll back. */
  readonly previousImage: pulumi.Output<string | undefined>;

  constructor(name: string, args: AppDeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
    super(APP_DEPLOYMENT_TYPE, name, {}, opts);
    const host = args.host;
    const directory = host.projectDirectory;
    const envFile = pulumi.secret(pulumi.output(args.environment).apply((environment) => renderContainerEnvFile(environment as Record<string, string>)));
    this.environmentHash = pulumi.secret(envFile.apply(sha256));
    const remote = (role: string, commandArgs: Omit<command.remote.CommandArgs, "connection">, options: pulumi.CustomResourceOptions) =>
      new command.remote.Command(`${name}-${role}`, { connection: host.connection, ...commandArgs }, { parent: this, ...options });

    const env = remote(
      "env-file",
      { create: writeFileScript(`${directory}/${ROLLING_DEPLOY_DEFAULTS.envFile}`, "600"), stdin: envFile, logging: "none" },
      { dependsOn: host.deployPrerequisites },
    );

    const deployScript = host.image.apply((image) =>
      rollingDeployScript({
        projectDir: directory,
        image,
        environment: host.appEnvironment,
        healthPath: host.healthPath,
        healthTimeoutSeconds: args.waitTimeoutSeconds ?? ROLLING_DEPLOY_DEFAULTS.healthTimeoutSeconds,
      }),
    );
    const api = remote(
      "api-deploy",
      {
        create: deployScript,
        // An explicit update keeps a redeploy in place: a replacement would tear the API down first.
        update: deployScript,
        delete: rollingTeardownScript({ projectDir: directory }),
        triggers: [this.environmentHash],
      },
      { dependsOn: [env, ...host.deployPrerequisites] },
    );

    const upScript = composeUpScript({ projectDir: directory, requiredFiles: [ROLLING_DEPLOY_DEFAULTS.upstreamFile] });
    const proxy = remote(
      "compose-up",
      { create: upScript, update: upScript, delete: composeDownScript({ projectDir: directory }), triggers: [host.composeHash] },
      // After the API: nginx's upstream file and network exist once the first API container does.
      { dependsOn: [api, ...host.deployPrerequisites] },
    );

    const reload = `cd ${directory} && ${nginxReloadCommand()}`;
    remote("reload-proxy", { create: reload, update: reload, triggers: [host.proxyConfigHash] }, { dependsOn: [proxy] });

    this.previousImage = api.stdout.apply(parsePreviousImage);
    this.registerOutputs({ environmentHash: this.environmentHash, previousImage: this.previousImage });
  }
}
