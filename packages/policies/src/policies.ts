import type {
  PolicyResource,
  ReportViolation,
  ResourceValidation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";
import { ENVIRONMENT_CONFIG_SCHEMA, environmentOf } from "./environment";
import { composeImages, floatingImageProblem, holdsComposeFile } from "./image-references";
import { admitsTcpPort, ingressRulesOf, internetCidrs, INGRESS_RULE, LEGACY_RULE, SECURITY_GROUP } from "./ingress-rules";
import { secretLookingValues } from "./secret-patterns";

export const RDS_INSTANCE = "aws:rds/instance:Instance";
export const CACHE_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup";
export const EC2_INSTANCE = "aws:ec2/instance:Instance";
export const EBS_VOLUME = "aws:ebs/volume:Volume";
export const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
export const REMOTE_COMMAND = "command:remote:Command";
export const LOCAL_COMMAND = "command:local:Command";
export const DATABASE_COMPONENT = "trafficlab:database:Database";
export const TOKEN_CACHE_COMPONENT = "trafficlab:token-cache:TokenCache";
const EIP = "aws:ec2/eip:Eip";
const EIP_ASSOCIATION = "aws:ec2/eipAssociation:EipAssociation";
const NAT_GATEWAY = "aws:ec2/natGateway:NatGateway";
const SUBNET = "aws:ec2/subnet:Subnet";
const VPC = "aws:ec2/vpc:Vpc";

/** Docker provider resources and the input that names their image. */
const DOCKER_IMAGE_INPUTS: Record<string, string> = {
  "docker:index/image:Image": "imageName",
  "docker:index/remoteImage:RemoteImage": "name",
  "docker:index/registryImage:RegistryImage": "name",
  "docker:index/container:Container": "image",
};

/** MySQL and Valkey/Redis: the ports the data tier listens on, unless the policy config says otherwise. */
export const DEFAULT_DATA_PORTS = [3306, 6379];
const SSH_PORT = 22;
export const MIN_PROD_BACKUP_DAYS = 7;

type Props = Record<string, unknown>;
type TypedValidation = (props: Props, args: ResourceValidationArgs, reportViolation: ReportViolation) => void | Promise<void>;

/** Like @pulumi/policy's validateResourceOfType, keyed by type token so the pack needs no @pulumi/aws. */
function forTypes(types: string[], validate: TypedValidation): ResourceValidation {
  return (args, reportViolation) => (types.includes(args.type) ? validate(args.props, args, reportViolation) : undefined);
}

function isProd(args: ResourceValidationArgs): boolean {
  return environmentOf(args.getConfig<{ environment?: unknown }>(), args.urn) === "prod";
}

function record(value: unknown): Props {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Props) : {};
}

// ---------------------------------------------------------------------------------------------
// Nothing of the data tier reachable from the internet

export const noPublicDatabase: ResourceValidationPolicy = {
  name: "no-public-database",
  description: "RDS instances are reachable only inside the VPC (publiclyAccessible is false).",
  enforcementLevel: "mandatory",
  validateResource: forTypes([RDS_INSTANCE], (props, args, reportViolation) => {
    if (props.publiclyAccessible === true) {
      reportViolation(
        `RDS instance "${args.name}" has publiclyAccessible: true, which gives it a public DNS name and address. ` +
          "Set publiclyAccessible: false and reach it from the API host (the stack's mysqlCommand output).",
      );
    }
  }),
};

export const noInternetIngressToDataPorts: ResourceValidationPolicy = {
  name: "no-internet-ingress-to-data-ports",
  description: "No security group rule admits 0.0.0.0/0 or ::/0 to a database or cache port (3306, 6379).",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      dataPorts: { type: "array", items: { type: "integer" }, default: DEFAULT_DATA_PORTS, description: "ports of the data tier" },
    },
  },
  validateResource: forTypes([SECURITY_GROUP, INGRESS_RULE, LEGACY_RULE], (props, args, reportViolation) => {
    const { dataPorts = DEFAULT_DATA_PORTS } = args.getConfig<{ dataPorts?: number[] }>();
    for (const rule of ingressRulesOf(args.type, props)) {
      const open = internetCidrs(rule);
      const ports = dataPorts.filter((dataPort) => admitsTcpPort(rule, dataPort));
      if (open.length > 0 && ports.length > 0) {
        reportViolation(
          `${args.type.split(":").pop()} "${args.name}" ${rule.where} admits ${open.join(" and ")} to port ${ports.join(", ")} ` +
            `(protocol ${rule.protocol}, ports ${rule.fromPort}-${rule.toPort}). The database and cache admit only the ` +
            "security groups of their clients (allowedSecurityGroupIds), never a CIDR open to the internet.",
        );
      }
    }
  }),
};

export const noSshFromInternet: ResourceValidationPolicy = {
  name: "no-ssh-from-internet",
  description: "No security group rule admits 0.0.0.0/0 or ::/0 to SSH (port 22).",
  enforcementLevel: "mandatory",
  validateResource: forTypes([SECURITY_GROUP, INGRESS_RULE, LEGACY_RULE], (props, args, reportViolation) => {
    for (const rule of ingressRulesOf(args.type, props)) {
      const open = internetCidrs(rule);
      if (open.length > 0 && admitsTcpPort(rule, SSH_PORT)) {
        reportViolation(
          `${args.type.split(":").pop()} "${args.name}" ${rule.where} admits ${open.join(" and ")} to SSH (port 22, ` +
            `protocol ${rule.protocol}, ports ${rule.fromPort}-${rule.toPort}). Admit only named addresses: ` +
            "set trafficlab:sshAllowedCidrs to your address as a /32 (curl -s https://checkip.amazonaws.com).",
        );
      }
    }
  }),
};

// ---------------------------------------------------------------------------------------------
// Encryption

export const rdsEncryptedAtRest: ResourceValidationPolicy = {
  name: "rds-encrypted-at-rest",
  description: "RDS instances encrypt their storage (storageEncrypted is true).",
  enforcementLevel: "mandatory",
  validateResource: forTypes([RDS_INSTANCE], (props, args, reportViolation) => {
    // A read replica takes its encryption from the source and ignores storageEncrypted.
    if (props.replicateSourceDb !== undefined) return;
    if (props.storageEncrypted !== true) {
      reportViolation(
        `RDS instance "${args.name}" has storageEncrypted: ${JSON.stringify(props.storageEncrypted ?? null)}; ` +
          "set storageEncrypted: true (it cannot be turned on after creation without a snapshot restore).",
      );
    }
  }),
};

export const cacheEncryptedAtRest: ResourceValidationPolicy = {
  name: "cache-encrypted-at-rest",
  description: "ElastiCache replication groups encrypt data at rest (atRestEncryptionEnabled is true).",
  enforcementLevel: "mandatory",
  validateResource: forTypes([CACHE_GROUP], (props, args, reportViolation) => {
    if (props.atRestEncryptionEnabled !== true && props.atRestEncryptionEnabled !== "true") {
      reportViolation(
        `ElastiCache replication group "${args.name}" has atRestEncryptionEnabled: ${JSON.stringify(props.atRestEncryptionEnabled ?? null)}; ` +
          "set atRestEncryptionEnabled: true.",
      );
    }
  }),
};

export const cacheEncryptedInTransit: ResourceValidationPolicy = {
  name: "cache-encrypted-in-transit",
  description: "ElastiCache replication groups accept only TLS connections (transitEncryptionEnabled, mode not 'preferred').",
  enforcementLevel: "mandatory",
  validateResource: forTypes([CACHE_GROUP], (props, args, reportViolation) => {
    if (props.transitEncryptionEnabled !== true) {
      reportViolation(
        `ElastiCache replication group "${args.name}" has transitEncryptionEnabled: ${JSON.stringify(props.transitEncryptionEnabled ?? null)}, ` +
          "so tokens and the AUTH password cross the VPC in clear text; set transitEncryptionEnabled: true.",
      );
    } else if (props.transitEncryptionMode === "preferred") {
      reportViolation(
        `ElastiCache replication group "${args.name}" has transitEncryptionMode: "preferred", which still accepts plain-text clients; ` +
          'use "required" (or leave it unset) once the clients speak TLS.',
      );
    }
  }),
};

export const ebsEncrypted: ResourceValidationPolicy = {
  name: "ebs-encrypted",
  description: "EBS volumes are encrypted: an EC2 instance's root and extra block devices, and standalone volumes.",
  enforcementLevel: "mandatory",
  validateResource: forTypes([EC2_INSTANCE, EBS_VOLUME], (props, args, reportViolation) => {
    if (args.type === EBS_VOLUME) {
      if (props.encrypted !== true) {
        reportViolation(`EBS volume "${args.name}" has encrypted: ${JSON.stringify(props.encrypted ?? null)}; set encrypted: true.`);
      }
      return;
    }
    const root = record(props.rootBlockDevice);
    if (root.encrypted !== true) {
      reportViolation(
        `EC2 instance "${args.name}" has rootBlockDevice.encrypted: ${JSON.stringify(root.encrypted ?? null)}; ` +
          "set rootBlockDevice: { encrypted: true } (the AMI's snapshot setting or the account default is not enough to rely on).",
      );
    }
    const extra = Array.isArray(props.ebsBlockDevices) ? (props.ebsBlockDevices as unknown[]) : [];
    extra.forEach((device, index) => {
      if (record(device).encrypted !== true) {
        reportViolation(`EC2 instance "${args.name}" has ebsBlockDevices[${index}] (${String(record(device).deviceName ?? "?")}) unencrypted; set encrypted: true.`);
      }
    });
  }),
};

// ---------------------------------------------------------------------------------------------
// Hosts

export const imdsv2Required: ResourceValidationPolicy = {
  name: "imdsv2-required",
  description: "EC2 instances and launch templates require IMDSv2 (metadataOptions.httpTokens is 'required').",
  enforcementLevel: "mandatory",
  validateResource: forTypes([EC2_INSTANCE, LAUNCH_TEMPLATE], (props, args, reportViolation) => {
    const metadata = record(props.metadataOptions);
    // With the metadata endpoint off there is nothing to steal credentials from.
    if (metadata.httpEndpoint === "disabled") return;
    if (metadata.httpTokens !== "required") {
      reportViolation(
        `${args.type === EC2_INSTANCE ? "EC2 instance" : "Launch template"} "${args.name}" has metadataOptions.httpTokens: ` +
          `${JSON.stringify(metadata.httpTokens ?? null)}, so IMDSv1 answers unauthenticated requests (an SSRF in the app leaks the ` +
          'instance credentials); set metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 2 }.',
      );
    }
  }),
};

export const noFloatingImageTags: ResourceValidationPolicy = {
  name: "no-floating-image-tags",
  description: "Every container image is pinned: a tag other than `latest`, or a digest (compose files sent by commands, Docker resources).",
  enforcementLevel: "mandatory",
  validateResource: forTypes([REMOTE_COMMAND, LOCAL_COMMAND, ...Object.keys(DOCKER_IMAGE_INPUTS)], (props, args, reportViolation) => {
    const explain = (where: string, image: string, problem: string) =>
      reportViolation(
        `${where} of "${args.name}" runs image "${image}", which ${problem}: a redeploy or a host replacement could run ` +
          "a different build than the one tested. Pin a version tag (user/image:1.4.0) or a digest (user/image@sha256:...).",
      );
    const imageInput = DOCKER_IMAGE_INPUTS[args.type];
    if (imageInput !== undefined) {
      const image = props[imageInput];
      if (typeof image === "string") {
        const problem = floatingImageProblem(image);
        if (problem) explain(imageInput, image, problem);
      }
      return;
    }
    for (const field of ["stdin", "create", "update"]) {
      const text = props[field];
      if (typeof text !== "string" || !holdsComposeFile(text)) continue;
      for (const image of composeImages(text)) {
        const problem = floatingImageProblem(image);
        if (problem) explain(`The compose file in ${field}`, image, problem);
      }
    }
  }),
};

// ---------------------------------------------------------------------------------------------
// Secrets

/** Where a resource of each type carries text that must never hold a secret, by input name. */
function plainTextsOf(type: string, props: Props): { where: string; text: string }[] {
  const texts: { where: string; text: string }[] = [];
  if (type === REMOTE_COMMAND || type === LOCAL_COMMAND) {
    // Command strings reach the host's process list and logs; a compose file is written world-readable.
    for (const field of ["create", "update", "delete"]) {
      if (typeof props[field] === "string") texts.push({ where: field, text: props[field] as string });
    }
    // An env file sent on stdin is where secrets belong; only a compose file there must stay clean.
    if (typeof props.stdin === "string" && holdsComposeFile(props.stdin)) texts.push({ where: "stdin (compose file)", text: props.stdin });
  }
  // User data is readable by anything on the host through the metadata service, and in the console.
  const base64 = (text: string) => Buffer.from(text, "base64").toString("utf8");
  if (type === EC2_INSTANCE) {
    if (typeof props.userData === "string") texts.push({ where: "userData", text: props.userData });
    if (typeof props.userDataBase64 === "string") texts.push({ where: "userDataBase64", text: base64(props.userDataBase64) });
  }
  if (type === LAUNCH_TEMPLATE && typeof props.userData === "string") texts.push({ where: "userData", text: base64(props.userData) });
  const tags = record(props.tags);
  for (const [key, value] of Object.entries(tags)) texts.push({ where: `tags.${key}`, text: `${key}=${String(value)}` });
  return texts;
}

/** The policy the in-process runner gives only the inputs that were not sent as secrets. */
export const NO_SECRETS_IN_PLAIN_INPUTS = "no-secrets-in-plain-inputs";

export const noSecretsInPlainInputs: ResourceValidationPolicy = {
  name: NO_SECRETS_IN_PLAIN_INPUTS,
  description: "No secret-looking value (password=..., AWS key, private key, URL with a password) in command strings, compose files, user data or tags.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    for (const { where, text } of plainTextsOf(args.type, args.props)) {
      for (const match of secretLookingValues(text)) {
        reportViolation(
          `${args.type.split(":").pop()} "${args.name}" ${where} holds ${match.kind} (${match.hint}). Command strings, compose files, ` +
            "user data and tags end up in process lists, logs and the console: pass the value as a secret on stdin or in the " +
            "env file (mode 600), and reference it (${VAR}) instead.",
        );
      }
    }
  },
};

// ---------------------------------------------------------------------------------------------
// Production data

export const prodDeletionProtection: ResourceValidationPolicy = {
  name: "prod-rds-deletion-protection",
  description: "In production, RDS instances have deletion protection.",
  enforcementLevel: "mandatory",
  configSchema: ENVIRONMENT_CONFIG_SCHEMA,
  validateResource: forTypes([RDS_INSTANCE], (props, args, reportViolation) => {
    if (isProd(args) && props.deletionProtection !== true) {
      reportViolation(
        `RDS instance "${args.name}" has deletionProtection: ${JSON.stringify(props.deletionProtection ?? null)} in a production stack; ` +
          "set trafficlab:dbDeletionProtection: true.",
      );
    }
  }),
};

export const prodFinalSnapshot: ResourceValidationPolicy = {
  name: "prod-rds-final-snapshot",
  description: "In production, deleting an RDS instance keeps a final snapshot (skipFinalSnapshot false, finalSnapshotIdentifier set).",
  enforcementLevel: "mandatory",
  configSchema: ENVIRONMENT_CONFIG_SCHEMA,
  validateResource: forTypes([RDS_INSTANCE], (props, args, reportViolation) => {
    if (!isProd(args)) return;
    if (props.skipFinalSnapshot === true) {
      reportViolation(`RDS instance "${args.name}" has skipFinalSnapshot: true in a production stack; set trafficlab:dbSkipFinalSnapshot: false.`);
    } else if (typeof props.finalSnapshotIdentifier !== "string" || props.finalSnapshotIdentifier === "") {
      // AWS refuses the delete (and so the snapshot) without an identifier when the snapshot is not skipped.
      reportViolation(`RDS instance "${args.name}" keeps a final snapshot but has no finalSnapshotIdentifier, so AWS would refuse the delete; set one.`);
    }
  }),
};

export const prodBackupRetention: ResourceValidationPolicy = {
  name: "prod-rds-backup-retention",
  description: `In production, RDS instances keep automated backups for at least ${MIN_PROD_BACKUP_DAYS} days.`,
  enforcementLevel: "mandatory",
  configSchema: ENVIRONMENT_CONFIG_SCHEMA,
  validateResource: forTypes([RDS_INSTANCE], (props, args, reportViolation) => {
    if (!isProd(args)) return;
    const days = props.backupRetentionPeriod;
    if (typeof days !== "number" || days < MIN_PROD_BACKUP_DAYS) {
      reportViolation(
        `RDS instance "${args.name}" has backupRetentionPeriod: ${JSON.stringify(days ?? null)}${days === undefined ? " (AWS then keeps 1 day)" : ""} ` +
          `in a production stack; at least ${MIN_PROD_BACKUP_DAYS} days are required: set trafficlab:dbBackupRetentionDays (7 to 35).`,
      );
    }
  }),
};

export const prodProtectStatefulResources: ResourceValidationPolicy = {
  name: "prod-protect-stateful-resources",
  description: "In production, the database and the cache (and their trafficlab components) carry Pulumi's `protect` option.",
  enforcementLevel: "mandatory",
  configSchema: ENVIRONMENT_CONFIG_SCHEMA,
  validateResource: forTypes([RDS_INSTANCE, CACHE_GROUP, DATABASE_COMPONENT, TOKEN_CACHE_COMPONENT], (_props, args, reportViolation) => {
    if (isProd(args) && !args.opts.protect) {
      reportViolation(
        `${args.type} "${args.name}" is not protected in a production stack, so \`pulumi destroy\` or a replacement would delete its data; ` +
          "set trafficlab:protectData: true (the components pass `protect` to their children).",
      );
    }
  }),
};

// ---------------------------------------------------------------------------------------------
// Advisory: judgement calls

export const prodRdsMultiAz: ResourceValidationPolicy = {
  name: "prod-rds-multi-az",
  description: "In production, RDS runs Multi-AZ (a standby in a second AZ takes over in about a minute).",
  enforcementLevel: "advisory",
  configSchema: ENVIRONMENT_CONFIG_SCHEMA,
  validateResource: forTypes([RDS_INSTANCE], (props, args, reportViolation) => {
    if (isProd(args) && props.multiAz !== true) {
      reportViolation(
        `RDS instance "${args.name}" is single-AZ in a production stack: an AZ outage or a host failure stops the API until ` +
          "RDS recovers it. Set trafficlab:dbMultiAz: true (doubles the instance cost) or accept the risk.",
      );
    }
  }),
};

export const prodCacheReplica: ResourceValidationPolicy = {
  name: "prod-cache-replica-failover",
  description: "In production, the cache has a replica and automatic failover (losing the node logs every user out).",
  enforcementLevel: "advisory",
  configSchema: ENVIRONMENT_CONFIG_SCHEMA,
  validateResource: forTypes([CACHE_GROUP], (props, args, reportViolation) => {
    if (!isProd(args)) return;
    const nodes = typeof props.numCacheClusters === "number" ? props.numCacheClusters : 1 + Number(props.replicasPerNodeGroup ?? 0);
    if (nodes < 2 || props.automaticFailoverEnabled !== true) {
      reportViolation(
        `ElastiCache replication group "${args.name}" has ${nodes} node(s) and automaticFailoverEnabled: ${JSON.stringify(props.automaticFailoverEnabled ?? null)} ` +
          "in a production stack: a node failure loses every refresh token. Set trafficlab:cacheReplicas: 1 and trafficlab:cacheAutomaticFailover: true.",
      );
    }
  }),
};

function dependsOnVia(resource: PolicyResource, property: string, target: PolicyResource): boolean {
  return (resource.propertyDependencies[property] ?? []).some((dependency) => dependency.urn === target.urn);
}

export const publicIpWithoutElasticIp: StackValidationPolicy = {
  name: "host-public-ip-without-eip",
  description: "A host reached on its public IPv4 address keeps it through a stop/start only with an Elastic IP.",
  enforcementLevel: "advisory",
  validateStack: (args, reportViolation) => {
    for (const instance of args.resources.filter((r) => r.type === EC2_INSTANCE && r.props.associatePublicIpAddress === true)) {
      const pinned = args.resources.some(
        (r) => (r.type === EIP && dependsOnVia(r, "instance", instance)) || (r.type === EIP_ASSOCIATION && dependsOnVia(r, "instanceId", instance)),
      );
      if (!pinned) {
        reportViolation(
          `EC2 instance "${instance.name}" has an auto-assigned public IPv4 address: it changes when the instance is stopped ` +
            "or replaced, breaking DNS records and SSH allow-lists. Set trafficlab:hostElasticIp: true for a stable address.",
          instance.urn,
        );
      }
    }
  },
};

export const privateSubnetsWithoutNat: StackValidationPolicy = {
  name: "private-subnets-without-nat",
  description: "Private subnets without a NAT gateway cannot reach the internet (fine for RDS and ElastiCache, not for private hosts).",
  enforcementLevel: "advisory",
  validateStack: (args, reportViolation) => {
    if (args.resources.some((r) => r.type === NAT_GATEWAY)) return;
    const privateSubnets = args.resources.filter((r) => r.type === SUBNET && r.props.mapPublicIpOnLaunch !== true);
    if (privateSubnets.length === 0) return;
    const vpc = args.resources.find((r) => r.type === VPC);
    reportViolation(
      `${privateSubnets.length} private subnet(s) (${privateSubnets.map((s) => s.name).join(", ")}) have no NAT gateway: ` +
        "nothing in them can reach the internet or public AWS endpoints. The data tier needs none; set trafficlab:nat: single " +
        "before putting hosts there.",
      vpc?.urn ?? privateSubnets[0]!.urn,
    );
  },
};

/** Every trafficlab policy, in the order the README lists them. */
export const trafficlabPolicies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
  noPublicDatabase,
  noInternetIngressToDataPorts,
  noSshFromInternet,
  rdsEncryptedAtRest,
  cacheEncryptedAtRest,
  cacheEncryptedInTransit,
  ebsEncrypted,
  imdsv2Required,
  noFloatingImageTags,
  noSecretsInPlainInputs,
  prodDeletionProtection,
  prodFinalSnapshot,
  prodBackupRetention,
  prodProtectStatefulResources,
  prodRdsMultiAz,
  prodCacheReplica,
  publicIpWithoutElasticIp,
  privateSubnetsWithoutNat,
];
