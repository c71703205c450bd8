import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as command from "@pulumi/command";
import * as tls from "@pulumi/tls";
import { configHash, edgeProxyService, renderNginxConf, withUpstreamInclude } from "@trafficlab/edge-proxy";
import { ROLLING_DEPLOY_DEFAULTS } from "./rolling-deploy";
import { componentLabel, requirePinnedImage } from "@trafficlab/validation";
import { installDockerScript } from "./install-docker";
import { pullImagesScript, writeFileScript } from "./deploy-scripts";
import { stampedScript } from "./host-step";
import { renderComposeProject } from "./compose-project";
import { AMI_PARAMETERS, API_HOST_DEFAULTS, API_HOST_TYPE, resolveApiHostSettings, type ApiHostDeployArgs, type ApiHostSettings } from "./host-settings";

/** One file of the compose project, as it is written on the host. */
export interface HostFile {
  path: string;
  content: pulumi.Input<string>;
}

/**
 * An EC2 host for the API: instance, key, security group, Docker installed, the compose project
 * and nginx config copied, images pulled. None of it waits for the database or the cache; the
 * env file and `docker compose up` come from AppDeployment, which does.
 */
export class ApiHost extends pulumi.ComponentResource {
  /** The EC2 instance id; every host step's script names it, so a new instance re-runs them all. */
  readonly instanceId: pulumi.Output<string>;
  readonly securityGroupId: pulumi.Output<string>;
  readonly publicIp: pulumi.Output<string>;
  readonly publicDns: pulumi.Output<string>;
  /** `http://<public DNS>/` */
  readonly url: pulumi.Output<string>;
  /** How to log in, with the key saved as the file named in it. */
  readonly sshCommand: pulumi.Output<string>;
  /** The generated SSH private key (secret); undefined with an existing key pair. */
  readonly sshPrivateKey: pulumi.Output<string | undefined>;
  /** The file name sshCommand saves the key as (or a placeholder for an existing key pair's key). */
  readonly sshKeyFile: string;
  /** The SSH connection the deploy commands use (secret: holds the private key). */
  readonly connection: pulumi.Output<command.types.input.remote.ConnectionArgs>;
  readonly projectDirectory: string;
  readonly settings: ApiHostSettings;
  /** What the app deploy must wait for: Docker installed, files copied, images pulled. */
  readonly deployPrerequisites: pulumi.Resource[];
  /** The API image, checked (a tag or digest, never latest). */
  readonly image: pulumi.Output<string>;
  /** Non-secret variables of the API container: SPRING_PROFILES_ACTIVE, TZ. */
  readonly appEnvironment: Record<string, string>;
  /** The path the API container's healthcheck requests. */
  readonly healthPath: string;
  /** Hash of the compose project (nginx): restarts it when it changes. */
  readonly composeHash: string;
  /** Hash of the nginx config: reloads nginx when it changes. */
  readonly proxyConfigHash: string;

  constructor(name: string, args: ApiHostDeployArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before super(): a bad argument must register nothing.
    const settings = resolveApiHostSettings(name, args);
    const component = componentLabel(API_HOST_TYPE, name);
    // The upstream's server line lives in nginx/upstream.conf, which the blue/green deploy rewrites.
    const nginxFiles = withUpstreamInclude(renderNginxConf({ ...args.proxy, upstreamPort: ROLLING_DEPLOY_DEFAULTS.apiPort }));
    super(API_HOST_TYPE, name, {}, opts);
    this.settings = settings;
    this.projectDirectory = settings.projectDirectory;
    const tags = (role: string) => ({ ...args.tags, Name: `${name}-${role}` });

    const securityGroup = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      {
        vpcId: args.vpcId,
        description: `API host ${name}: HTTP(S) from anywhere, SSH from named addresses`,
        ingress: [
          ...[80, 443].map((port) => ({ description: `HTTP${port === 443 ? "S" : ""} to nginx`, protocol: "tcp", fromPort: port, toPort: port, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] })),
          { description: "SSH from the allowed addresses", protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: settings.sshCidrsV4, ipv6CidrBlocks: settings.sshCidrsV6 },
        ],
        // The host pulls images and packages from the internet.
        egress: [{ description: "All outbound", protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] }],
        tags: tags("sg"),
      },
      { parent: this },
    );

    let keyName: pulumi.Input<string>;
    let privateKey: pulumi.Output<string>;
    if (args.existingKeyPair) {
      keyName = args.existingKeyPair.name;
      privateKey = pulumi.secret(args.existingKeyPair.privateKey);
      this.sshPrivateKey = pulumi.output(undefined);
    } else {
      const key = new tls.PrivateKey(`${name}-ssh-key`, { algorithm: "ED25519" }, { parent: this });
      const keyPair = new aws.ec2.KeyPair(`${name}-key`, { publicKey: key.publicKeyOpenssh, tags: tags("key") }, { parent: this });
      keyName = keyPair.keyName;
      privateKey = pulumi.secret(key.privateKeyOpenssh);
      this.sshPrivateKey = privateKey;
    }

    const ami = aws.ssm.getParameterOutput({ name: AMI_PARAMETERS[settings.os][settings.architecture] }, { parent: this });
    const instance = new aws.ec2.Instance(
      `${name}-instance`,
      {
        ami: ami.value,
        instanceType: settings.instanceType,
        subnetId: args.subnetId,
        vpcSecurityGroupIds: [securityGroup.id],
        keyName,
        associatePublicIpAddress: true,
        // IMDSv2 only; hop limit 2 because containers sit one network hop further than the host.
        metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 2 },
        creditSpecification: settings.cpuCredits ? { cpuCredits: settings.cpuCredits } : undefined,
        rootBlockDevice: { volumeType: "gp3", volumeSize: settings.rootVolumeGiB, encrypted: true, deleteOnTermination: true },
        tags: tags("instance"),
      },
      // The SSM parameter moves to each new AMI release; replacing the host for that is a decision, not a side effect.
      { parent: this, ignoreChanges: ["ami"] },
    );

    const address = settings.elasticIp
      ? new aws.ec2.Eip(`${name}-eip`, { domain: "vpc", instance: instance.id, tags: tags("eip") }, { parent: this })
      : undefined;
    this.publicIp = address ? address.publicIp : instance.publicIp;
    this.publicDns = address ? address.publicDns : instance.publicDns;
    this.url = pulumi.interpolate`http://${this.publicDns}/`;
    const keyFile = args.existingKeyPair ? `<private key of ${args.existingKeyPair.name}>` : `${name}.pem`;
    this.sshKeyFile = keyFile;
    this.sshCommand = args.existingKeyPair
      ? pulumi.interpolate`ssh -i ${keyFile} ${API_HOST_DEFAULTS.sshUser}@${this.publicIp}`
      : pulumi.interpolate`pulumi stack output --show-secrets sshPrivateKey > ${keyFile} && chmod 600 ${keyFile} && ssh -i ${keyFile} ${API_HOST_DEFAULTS.sshUser}@${this.publicIp}`;
    this.connection = pulumi.secret(
      pulumi.all([this.publicIp, privateKey]).apply(([host, key]) => ({
        host,
        user: API_HOST_DEFAULTS.sshUser,
        privateKey: key,
        // A new instance takes a minute or two before sshd answers.
        dialErrorLimit: 60,
        perDialTimeout: 10,
      })),
    );
    const remote = (role: string, commandArgs: Omit<command.remote.CommandArgs, "connection">, options: pulumi.CustomResourceOptions = {}) =>
      new command.remote.Command(`${name}-${role}`, { connection: this.connection, ...commandArgs }, { parent: this, ...options });

    // Every script names the instance it is for: a new host is a changed script, so each step runs again there.
    const onThisHost = (script: pulumi.Input<string>, stamps: Record<string, pulumi.Input<string>> = {}) => stampedScript(script, { host: instance.id, ...stamps });
    // dnf and the Compose download need the internet: wait for the subnet's route, not just the instance.
    const install = remote("install-docker", { create: onThisHost(installDockerScript()) }, { dependsOn: args.internetAccess ?? [] });

    const timeZone = settings.timeZone;
    // nginx lives as long as the host, in compose; the API runs beside it as blue/green
    // containers on an external network (rollingDeployScript, run by AppDeployment).
    const compose = renderComposeProject({
      services: { nginx: edgeProxyService({ image: settings.proxyImage, timeZone, listenPort: 80, upstreamService: null, networks: ["default", "api"] }) },
      externalNetworks: { api: ROLLING_DEPLOY_DEFAULTS.network },
    });
    const files: HostFile[] = [
      { path: `${settings.projectDirectory}/compose.yaml`, content: compose },
      ...Object.entries(nginxFiles).map(([file, content]) => ({ path: `${settings.projectDirectory}/nginx/${file}`, content })),
    ];
    const copied = files.map((file) =>
      remote(`file-${file.path.slice(settings.projectDirectory.length + 1).replace(/[^A-Za-z0-9]+/g, "-")}`, { create: onThisHost(writeFileScript(file.path, "644")), stdin: file.content }, { dependsOn: [install] }),
    );

    this.image = pulumi.output(args.app.image).apply((image) => requirePinnedImage(component, "app.image", image));
    const registry = args.app.registry;
    const pull = remote(
      "pull-images",
      {
        create: onThisHost(
          this.image.apply((image) => pullImagesScript({ projectDir: settings.projectDirectory, registry: registry?.server, username: registry?.username, images: [image] })),
          { "compose.yaml sha256": sha256(compose) },
        ),
        stdin: registry ? pulumi.secret(registry.password) : undefined,
      },
      // compose pull reads compose.yaml only; the nginx config files need not be there yet.
      { dependsOn: [install, copied[0]!] },
    );

    this.deployPrerequisites = [install, ...copied, pull];
    this.appEnvironment = { SPRING_PROFILES_ACTIVE: settings.springProfile, TZ: timeZone };
    this.healthPath = settings.healthPath;
    this.composeHash = sha256(compose);
    this.proxyConfigHash = configHash(nginxFiles);
    this.instanceId = instance.id;
    this.securityGroupId = securityGroup.id;
    this.registerOutputs({
      instanceId: this.instanceId,
      securityGroupId: this.securityGroupId,
      publicIp: this.publicIp,
      publicDns: this.publicDns,
      url: this.url,
      sshCommand: this.sshCommand,
    });
  }
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
