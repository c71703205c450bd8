import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { nginxReloadCommand } from "@trafficlab/edge-proxy";
import { composeDownScript, composeUpScript, writeFileScript } from "./deploy-scripts";
import { renderEnvFile } from "./compose-project";
import { sha256, type ApiHost } from "./api-host";

export const APP_DEPLOYMENT_TYPE = "trafficlab:api-host:AppDeployment";

export interface AppDeploymentArgs {
  /** The host to deploy on. Required. */
  host: ApiHost;
  /**
   * The API's environment (endpoints, user names, passwords). Written to `.env` with mode 600
   * through stdin, so it never appears on a command line or in logs; treated as secret whole.
   */
  environment: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Seconds `docker compose up --wait` waits for the services to be healthy. Default 300. */
  waitTimeoutSeconds?: number;
}

/**
 * The last steps of the deploy, the ones that need the database and cache: the env file, then
 * `docker compose up -d --wait` (re-run when the compose project, image or env changes), then an
 * nginx reload when only its config changed. `pulumi destroy` runs `docker compose down`.
 * Give it `dependsOn` on the data tier so their security-group rules exist before the app starts.
 */
export class AppDeployment extends pulumi.ComponentResource {
  /** The env file's hash (secret): what made the last deploy. */
  readonly environmentHash: pulumi.Output<string>;

  constructor(name: string, args: AppDeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
    super(APP_DEPLOYMENT_TYPE, name, {}, opts);
    const host = args.host;
    const directory = host.projectDirectory;
    const envFile = pulumi.secret(pulumi.output(args.environment).apply((environment) => renderEnvFile(environment as Record<string, string>)));
    this.environmentHash = pulumi.secret(envFile.apply(sha256));

    const env = new command.remote.Command(
      `${name}-env-file`,
      { connection: host.connection, create: writeFileScript(`${directory}/.env`, "600"), stdin: envFile, logging: "none" },
      { parent: this, dependsOn: host.deployPrerequisites },
    );

    const upScript = composeUpScript({ projectDir: directory, waitTimeoutSeconds: args.waitTimeoutSeconds ?? 300 });
    const up = new command.remote.Command(
      `${name}-compose-up`,
      {
        connection: host.connection,
        create: upScript,
        // An explicit update keeps a redeploy in place: a replacement would run `down` on the old resource.
        update: upScript,
        delete: composeDownScript({ projectDir: directory }),
        triggers: [host.composeHash, this.environmentHash],
      },
      { parent: this, dependsOn: [env, ...host.deployPrerequisites] },
    );

    const reload = `cd ${directory} && ${nginxReloadCommand()}`;
    new command.remote.Command(
      `${name}-reload-proxy`,
      {
        connection: host.connection,
        create: reload,
        update: reload,
        triggers: [host.proxyConfigHash],
      },
      { parent: this, dependsOn: [up] },
    );

    this.registerOutputs({ environmentHash: this.environmentHash });
  }
}
