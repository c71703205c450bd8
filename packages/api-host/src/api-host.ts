import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as command from "@pulumi/command";
import * as tls from "@pulumi/tls";
import type { CentralLogsOptions } from "./compose-project";
import { ALERTMANAGER_CONFIG_FILE, renderHostProject } from "./host-project";
import { METRICS_SERVICES_DEFAULTS, renderAlertmanagerConfig } from "@trafficlab/observability";
import { componentLabel, requirePinnedImage, transformed } from "@trafficlab/validation";
import { installDockerScript } from "./install-docker";
import { pullImagesScript, removeFileScript, writeFileScript } from "./deploy-scripts";
import { STAMPS, stampedScript } from "./host-step";
import { hostKeyCheckScript, hostKeyUserData } from "./host-key";
import { AMI_PARAMETERS, API_HOST_DEFAULTS, API_HOST_TYPE, resolveApiHostSettings, type ApiHostDeployArgs, type ApiHostSettings } from "./host-settings";

/** How often @pulumi/command dials before it gives up, and how long each dial may take. */
export interface SshDialBudget {
  dialErrorLimit: number;
  perDialTimeout: number;
}

/**
 * @pulumi/command retries every failed dial alike (pulumi-command v1.2.1, remote/connection.go
 * dialWithRetry: 100 ms apart, growing 1.5x to 5 s), a host key mismatch as much as a refused
 * connection. So no step waits for a boot over SSH: the host key check (a local ssh-keyscan,
 * HOST_KEY_SCAN_BUDGET) waits for sshd and tells silence from another key; every SSH step comes
 * after it and meets an sshd that answered moments ago, so a refusal there is the host's
 * answer: 12 retries fail a mismatch in about 25 s instead of about 4.5 min.
 */
export const SSH_DIAL_BUDGET = {
  /** Every step, install-docker included: retries over about 21 s cover an sshd restart, not a boot. */
  runningHost: { dialErrorLimit: 12, perDialTimeout: 10 },
} as const satisfies Record<string, SshDialBudget>;

/**
 * Spring Boot's settings for the metrics (relaxed binding from the environment): the Prometheus
 * endpoint beside health, and the request histogram whose buckets the p99 alert and panels read
 * (Micrometer publishes no `_bucket` series without it).
 */
export const MICROMETER_ENVIRONMENT = {
  MANAGEMENT_ENDPOINTS_WEB_EXPOSURE_INCLUDE: "health,prometheus",
  MANAGEMENT_METRICS_DISTRIBUTION_PERCENTILESHISTOGRAM_HTTP_SERVER_REQUESTS: "true",
} as const;

/** One file of the compose project, as it is written on the host. */
export interface HostFile {
  path: string;
  content: pulumi.Input<string>;
  /** Default 644; 755 for a script another program executes directly (the ACME hooks). */
  mode?: "644" | "755";
}

/**
 * An EC2 host for the API: instance, key, security group, Docker installed, the compose project
 * and nginx config copied, images pulled. None of it waits for the database or the cache; the
 * env file and `docker compose up` come from AppDeployment, which does.
 */
export class ApiHost extends pulumi.ComponentResource {
  /** The child resources, for what the arguments do not cover (escape hatch). */
  readonly nodes: {
    securityGroup: aws.ec2.SecurityGroup;
    /** One per rule: HTTP and HTTPS from anywhere, SSH per allowed CIDR, all outbound. */
    securityGroupRules: (aws.vpc.SecurityGroupIngressRule | aws.vpc.SecurityGroupEgressRule)[];
    /** Undefined with an existing key pair. */
    keyPair: aws.ec2.KeyPair | undefined;
    instance: aws.ec2.Instance;
    eip: aws.ec2.Eip | undefined;
    /** The local ssh-keyscan that runs before the host steps: waits for sshd, refuses another host key at once. */
    hostKeyCheck: command.local.Command;
    /** Docker install, file copies, image pull. */
    commands: command.remote.Command[];
  };
  /** The EC2 instance id; every host step's script names it, so a new instance re-runs them all. */
  readonly instanceId: pulumi.Output<string>;
  /** The host's security group: the data tier admits it. */
  readonly securityGroupId: pulumi.Output<string>;
  /** The Elastic IP, or the instance's public address. */
  readonly publicIp: pulumi.Output<string>;
  /** The public DNS name of that address. */
  readonly publicDns: pulumi.Output<string>;
  /** `https://<domain>/` with a domain, else `http://<public DNS>/` (in clear). */
  readonly url: pulumi.Output<string>;
  /** How to log in, with the key saved as the file named in it. */
  readonly sshCommand: pulumi.Output<string>;
  /** The generated SSH private key (secret); undefined with an existing key pair. */
  readonly sshPrivateKey: pulumi.Output<string | undefined>;
  /** The file name sshCommand saves the key as (or a placeholder for an existing key pair's key). */
  readonly sshKeyFile: string;
  /** The host's SSH public key (`ssh-ed25519 AAAA...`), installed at first boot; every connection pins it. */
  readonly hostKey: pulumi.Output<string>;
  /** The SSH connection of every host step, with its short dial budget (secret: holds the private key). */
  readonly connection: pulumi.Output<command.types.input.remote.ConnectionArgs>;
  /** Where the compose project lives on the host. */
  readonly projectDirectory: string;
  /** The arguments after checks and defaults. */
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
  /** Hash of the nginx config: a change rolls a new nginx colour behind the edge front. */
  readonly proxyConfigHash: string;
  /** sha256 of nginx's compose service (the edge front): a change recreates it. */
  readonly proxyServiceHash: string;
  /** Where the containers' logs go (args.logs): the nginx colours and the API's containers; undefined: json-file. */
  readonly logs: CentralLogsOptions | undefined;
  /** With metrics: sha256 of Prometheus' config and rules and Alertmanager's config (compose-up reloads both when they change); else undefined. */
  readonly metricsConfigHash: pulumi.Output<string> | undefined;
  /** With metrics: the SSH tunnel to Prometheus' UI, then http://localhost:9090; else undefined. */
  readonly prometheusTunnelCommand: pulumi.Output<string> | undefined;

  constructor(name: string, args: ApiHostDeployArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before super(): a bad argument must register nothing.
    const settings = resolveApiHostSettings(name, args);
    const component = componentLabel(API_HOST_TYPE, name);
    const https = settings.https;
    // The edge front: a new nginx image or config rolls a colour behind it and resets no connection.
    const project = renderHostProject({ projectDirectory: settings.projectDirectory, proxyImage: settings.proxyImage, proxy: args.proxy, https, logs: args.logs, edgeFront: true, metrics: args.metrics });
    super(API_HOST_TYPE, name, {}, opts);
    this.settings = settings;
    this.projectDirectory = settings.projectDirectory;
    const tags = (role: string) => ({ ...args.tags, Name: `${name}-${role}` });

    const transform = args.transform ?? {};
    const child = { parent: this };
    // Rules are resources of their own, so another project can add one to this group without a conflict.
    const securityGroup = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      ...transformed(transform.securityGroup, { vpcId: args.vpcId, description: `API host ${name}: HTTP(S) from anywhere, SSH from named addresses`, tags: tags("sg") }, child),
    );
    const rule = (kind: "ingress" | "egress", role: string, ruleArgs: Omit<aws.vpc.SecurityGroupIngressRuleArgs, "securityGroupId">) =>
      kind === "ingress"
        ? new aws.vpc.SecurityGroupIngressRule(`${name}-sg-${role}`, { securityGroupId: securityGroup.id, ...ruleArgs }, child)
        : new aws.vpc.SecurityGroupEgressRule(`${name}-sg-${role}`, { securityGroupId: securityGroup.id, ...ruleArgs }, child);
    const everywhere = [
      { family: "ipv4", cidr: { cidrIpv4: "0.0.0.0/0" } },
      { family: "ipv6", cidr: { cidrIpv6: "::/0" } },
    ] as const;
    // 443 only with a domain: without one nothing listens there.
    const httpRules = (https ? [80, 443] : [80]).flatMap((port) =>
      everywhere.map(({ family, cidr }) => rule("ingress", `${port === 443 ? "https" : "http"}-${family}`, { description: `HTTP${port === 443 ? "S" : ""} to nginx`, ipProtocol: "tcp", fromPort: port, toPort: port, ...cidr })),
    );
    // Named by the CIDR, so adding or removing one address touches only its rule.
    const sshRules = [...settings.sshCidrsV4.map((cidr) => ({ cidrIpv4: cidr })), ...settings.sshCidrsV6.map((cidr) => ({ cidrIpv6: cidr }))].map((cidr) =>
      rule("ingress", `ssh-${(cidr as { cidrIpv4?: string }).cidrIpv4 ?? (cidr as { cidrIpv6: string }).cidrIpv6}`.replace(/[^A-Za-z0-9-]+/g, "-"), { description: "SSH from an allowed address", ipProtocol: "tcp", fromPort: 22, toPort: 22, ...cidr }),
    );
    // The host pulls images and packages from the internet.
    const egressRules = everywhere.map(({ family, cidr }) => rule("egress", `egress-${family}`, { description: "All outbound", ipProtocol: "-1", ...cidr }));
    const securityGroupRules = [...httpRules, ...sshRules, ...egressRules];

    let keyName: pulumi.Input<string>;
    let privateKey: pulumi.Output<string>;
    let keyPair: aws.ec2.KeyPair | undefined;
    if (args.existingKeyPair) {
      keyName = args.existingKeyPair.name;
      privateKey = pulumi.secret(args.existingKeyPair.privateKey);
      this.sshPrivateKey = pulumi.output(undefined);
    } else {
      const key = new tls.PrivateKey(`${name}-ssh-key`, { algorithm: "ED25519" }, child);
      keyPair = new aws.ec2.KeyPair(`${name}-key`, ...transformed(transform.keyPair, { publicKey: key.publicKeyOpenssh, tags: tags("key") }, child));
      keyName = keyPair.keyName;
      privateKey = pulumi.secret(key.privateKeyOpenssh);
      this.sshPrivateKey = privateKey;
    }

    // The host's own SSH key, made here so the deploy can pin it before the first connection.
    const hostKey = new tls.PrivateKey(`${name}-host-key`, { algorithm: "ED25519" }, child);
    const ami = aws.ssm.getParameterOutput({ name: AMI_PARAMETERS[settings.os][settings.architecture] }, { parent: this });
    const instance = new aws.ec2.Instance(
      `${name}-instance`,
      ...transformed(transform.instance, {
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
        // A secret: it holds the host key's private half.
        userData: pulumi.secret(pulumi.all([hostKey.privateKeyOpenssh, hostKey.publicKeyOpenssh]).apply(([privateHalf, publicHalf]) => hostKeyUserData(privateHalf, publicHalf))),
        // cloud-init installs host keys on an instance's first boot only: a new key needs a new instance.
        userDataReplaceOnChange: true,
        tags: tags("instance"),
      },
      // The SSM parameter moves to each new AMI release; replacing the host for that is a decision, not a side effect.
      { parent: this, ignoreChanges: ["ami"] }),
    );

    const address = settings.elasticIp ? new aws.ec2.Eip(`${name}-eip`, ...transformed(transform.eip, { domain: "vpc", instance: instance.id, tags: tags("eip") }, child)) : undefined;
    this.publicIp = address ? address.publicIp : instance.publicIp;
    this.publicDns = address ? address.publicDns : instance.publicDns;
    this.url = https ? pulumi.output(`https://${https.domain}/`) : pulumi.interpolate`http://${this.publicDns}/`;
    const keyFile = args.existingKeyPair ? `<private key of ${args.existingKeyPair.name}>` : `${name}.pem`;
    this.sshKeyFile = keyFile;
    this.sshCommand = args.existingKeyPair
      ? pulumi.interpolate`ssh -i ${keyFile} ${API_HOST_DEFAULTS.sshUser}@${this.publicIp}`
      : pulumi.interpolate`pulumi stack output --show-secrets sshPrivateKey > ${keyFile} && chmod 600 ${keyFile} && ssh -i ${keyFile} ${API_HOST_DEFAULTS.sshUser}@${this.publicIp}`;
    this.hostKey = hostKey.publicKeyOpenssh.apply((key) => key.trim());
    const connectionWith = (dials: SshDialBudget) =>
      pulumi.secret(
        pulumi.all([this.publicIp, privateKey, this.hostKey]).apply(([host, key, pinned]) => ({
          host,
          user: API_HOST_DEFAULTS.sshUser,
          privateKey: key,
          // Refuse any other host: the env file with the data tier's secrets travels this way.
          hostKey: pinned,
          ...dials,
        })),
      );
    this.connection = connectionWith(SSH_DIAL_BUDGET.runningHost);
    const remote = (role: string, commandArgs: Omit<command.remote.CommandArgs, "connection">, options: pulumi.CustomResourceOptions = {}, connection = this.connection) =>
      new command.remote.Command(`${name}-${role}`, ...transformed(transform.command, { connection, ...commandArgs }, { parent: this, ...options }));

    // Every script names the instance it is for: a new host is a changed script, so each step runs again there.
    const onThisHost = (script: pulumi.Input<string>, stamps: Record<string, pulumi.Input<string>> = {}) => stampedScript(script, { [STAMPS.host]: instance.id, ...stamps });
    const installScript = onThisHost(installDockerScript());
    const metrics = args.metrics;
    // Alertmanager's file names the alarm topic, known only once it exists: written like the others, its content an Output.
    const alertmanagerConfig = metrics ? pulumi.output(metrics.alarmTopicArn).apply((arn) => renderAlertmanagerConfig(arn, metrics.region)) : undefined;
    const files: HostFile[] = [...project.files, ...(alertmanagerConfig ? [{ path: `${settings.projectDirectory}/${ALERTMANAGER_CONFIG_FILE}`, content: alertmanagerConfig }] : [])];
    const fileScripts = files.map((file) => onThisHost(writeFileScript(file.path, file.mode ?? "644")));
    this.image = pulumi.output(args.app.image).apply((image) => requirePinnedImage(component, "app.image", image));
    const registry = args.app.registry;
    // The colours' nginx runs outside compose (edgeDeployScript): pulled here with the API's image.
    const pullScript = onThisHost(
      this.image.apply((image) => pullImagesScript({ projectDir: settings.projectDirectory, registry: registry?.server, username: registry?.username, images: [image, settings.proxyImage] })),
      { [STAMPS.composeFile]: project.composeHash },
    );

    // Before any step below runs, a local ssh-keyscan tells a host still booting (waited for) from
    // one that answers with another key (fails at once, saying so and how to accept a new key):
    // @pulumi/command retries both alike. It runs again whenever one of those steps will (their
    // scripts and file contents are in its stamp); the registry password (pull's stdin) is not.
    const hostSteps = pulumi
      .all([installScript, ...fileScripts, ...files.map((file) => file.content), pullScript])
      .apply((parts) => sha256(JSON.stringify(parts)));
    const hostKeyCheck = new command.local.Command(
      `${name}-host-key-check`,
      ...transformed(
        transform.hostKeyCheck,
        {
          // The script comes on stdin, so a failure prints "running \"bash -s\"" and the message, not the whole script.
          create: "bash -s",
          stdin: stampedScript(
            pulumi.all([this.publicIp, this.hostKey, hostKey.urn]).apply(([host, pinned, urn]) => hostKeyCheckScript({ host, pinnedHostKey: pinned, hostKeyUrn: urn })),
            { [STAMPS.host]: instance.id, [STAMPS.hostSteps]: hostSteps },
          ),
          // Its output (the scan's one line) is no use as an environment variable of a later run.
          addPreviousOutputInEnv: false,
        },
        // sshd answers only once the security group admits this machine.
        { parent: this, dependsOn: sshRules },
      ),
    );

    // dnf and the Compose download need the internet: wait for the subnet's route, not just the instance.
    const install = remote("install-docker", { create: installScript }, { dependsOn: [hostKeyCheck, ...(args.internetAccess ?? [])] });

    const timeZone = settings.timeZone;
    const copied = files.map((file, i) =>
      remote(
        `file-${file.path.slice(settings.projectDirectory.length + 1).replace(/[^A-Za-z0-9]+/g, "-")}`,
        { create: fileScripts[i]!, delete: removeFileScript(file.path), stdin: file.content },
        // An explicit --replace would otherwise remove the file right after writing it again.
        { dependsOn: [install], deleteBeforeReplace: true },
      ),
    );

    const pull = remote(
      "pull-images",
      { create: pullScript, stdin: registry ? pulumi.secret(registry.password) : undefined },
      // compose pull reads compose.yaml only; the nginx config files need not be there yet.
      { dependsOn: [install, copied[0]!] },
    );

    this.deployPrerequisites = [install, ...copied, pull];
    this.appEnvironment = { SPRING_PROFILES_ACTIVE: settings.springProfile, TZ: timeZone, ...(args.metrics ? MICROMETER_ENVIRONMENT : {}) };
    this.healthPath = settings.healthPath;
    this.composeHash = project.composeHash;
    this.proxyConfigHash = project.proxyConfigHash;
    this.proxyServiceHash = project.proxyServiceHash;
    this.logs = args.logs;
    this.metricsConfigHash =
      project.metricsConfigHash === undefined || alertmanagerConfig === undefined ? undefined : pulumi.all([project.metricsConfigHash, alertmanagerConfig]).apply(([hash, config]) => sha256(`${hash}\n${config}`));
    const prometheusPort = METRICS_SERVICES_DEFAULTS.prometheusLocalPort;
    // -N: no remote command, only the forward; the UI has no login of its own, so it stays on loopback at both ends.
    this.prometheusTunnelCommand = args.metrics
      ? pulumi.interpolate`ssh -i ${keyFile} -N -L 127.0.0.1:${prometheusPort}:127.0.0.1:${prometheusPort} ${API_HOST_DEFAULTS.sshUser}@${this.publicIp}  # then open http://localhost:${prometheusPort}/`
      : undefined;
    this.nodes = { securityGroup, securityGroupRules, keyPair, instance, eip: address, hostKeyCheck, commands: [install, ...copied, pull] };
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
