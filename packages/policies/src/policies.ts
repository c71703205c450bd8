import type {
  PolicyResource,
  ReportViolation,
  ResourceValidation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy/policy";
import { ENVIRONMENT_CONFIG_SCHEMA, environmentOf } from "./environment";
import { composeImages, floatingImageProblem, holdsComposeFile } from "./image-references";
import { admitsTcpPort, ingressRulesOf, internetCidrs, INGRESS_RULE, LEGACY_RULE, SECURITY_GROUP } from "./ingress-rules";
import { gunzipSync } from "node:zlib";
import { secretLookingValues } from "./secret-patterns";
import { withoutCloudConfigHostKeys } from "./host-keys";
import { githubTrustProblems } from "./github-trust";

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
export const AUTOSCALING_GROUP = "aws:autoscaling/group:Group";
export const LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer";
export const LISTENER = "aws:lb/listener:Listener";
const ROUTE53_RECORD = "aws:route53/record:Record";

/**
 * TLS policies an HTTPS listener may use: AWS's current recommendation and the TLS 1.3/1.2
 * policy it superseded (AWS ALB guide, "Security policies for your Application Load Balancer",
 * read 2026-11-30). The API's default, ELBSecurityPolicy-2016-08, still offers TLS 1.0 and 1.1.
 * Kept equal to @trafficlab/fleet's CURRENT_TLS_POLICIES (its tests compare them).
 */
export const CURRENT_TLS_POLICIES: readonly string[] = [
  "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
  "ELBSecurityPolicy-TLS13-1-2-FIPS-PQ-2025-09",
  "ELBSecurityPolicy-TLS13-1-2-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
];

/** The least grace an instance behind a load balancer gets before failed health checks count. */
export const MIN_HEALTH_CHECK_GRACE_SECONDS = 60;

/**
 * `read()`, or `unknown` when the value is not known yet: during a preview the policy runtime
 * throws on an output that does not exist yet (its UnknownValueError). A value computed from
 * another resource (an id, a version number) is never a literal a rule looks for, so callers
 * treat `unknown` as "not the bad literal".
 */
const UNKNOWN = Symbol("unknown during preview");
function known<T>(read: () => T): T | typeof UNKNOWN {
  try {
    return read();
  } catch (error) {
    if (error instanceof Error && (error.constructor.name === "UnknownValueError" || /can't be known during preview/.test(error.message))) return UNKNOWN;
    throw error;
  }
}

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
  if (type === EC2_INSTANCE) {
    if (typeof props.userData === "string") texts.push({ where: "userData", text: withoutCloudConfigHostKeys(props.userData) });
    if (typeof props.userDataBase64 === "string") texts.push({ where: "userDataBase64", text: withoutCloudConfigHostKeys(userDataText(props.userDataBase64)) });
  }
  // A launch template's user data is base64, and gzipped when it is large (cloud-init unpacks it).
  if (type === LAUNCH_TEMPLATE && typeof props.userData === "string") texts.push({ where: "userData", text: withoutCloudConfigHostKeys(userDataText(props.userData)) });
  const tags = record(props.tags);
  for (const [key, value] of Object.entries(tags)) texts.push({ where: `tags.${key}`, text: `${key}=${String(value)}` });
  return texts;
}

/** User data as the instance sees it: base64-decoded, and gunzipped when it is gzip. */
export function userDataText(base64: string): string {
  const bytes = Buffer.from(base64, "base64");
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      return gunzipSync(bytes).toString("utf8");
    } catch {
      return bytes.toString("utf8");
    }
  }
  return bytes.toString("utf8");
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

// ---------------------------------------------------------------------------------------------
// Fleets: Auto Scaling groups behind a load balancer

/** The launch template version an Auto Scaling group names, wherever it names it. */
function launchTemplateVersionOf(props: Props): unknown {
  const direct = record(props.launchTemplate);
  if (Object.keys(direct).length > 0) return direct.version;
  const mixed = record(record(record(props.mixedInstancesPolicy).launchTemplate).launchTemplateSpecification);
  return Object.keys(mixed).length > 0 ? mixed.version : undefined;
}

export const noLatestWithInstanceRefresh: ResourceValidationPolicy = {
  name: "asg-refresh-needs-numbered-version",
  description: "An Auto Scaling group with an instance refresh names its launch template by version number, never $Latest or $Default.",
  enforcementLevel: "mandatory",
  validateResource: forTypes([AUTOSCALING_GROUP], (props, args, reportViolation) => {
    if (props.instanceRefresh === undefined || props.instanceRefresh === null) return;
    const version = known(() => launchTemplateVersionOf(props));
    // Unknown during a preview: an output such as launchTemplate.latestVersion, a number.
    if (version === UNKNOWN) return;
    if (typeof version !== "string" || !/^\d+$/.test(version)) {
      reportViolation(
        `Auto Scaling group "${args.name}" has an instanceRefresh but launchTemplate.version ${JSON.stringify(version ?? null)}${version === undefined ? " (AWS then uses $Default)" : ""}: ` +
          "$Latest and $Default never change, so a new launch template version is no change of the group and no instance refresh starts " +
          "(and auto rollback refuses them). Use the template's number: version: launchTemplate.latestVersion.apply(String).",
      );
    }
  }),
};

export const elbHealthChecks: ResourceValidationPolicy = {
  name: "asg-elb-health-checks",
  description: `An Auto Scaling group behind a load balancer uses its health checks (healthCheckType ELB), with a grace period of at least ${MIN_HEALTH_CHECK_GRACE_SECONDS} s.`,
  enforcementLevel: "mandatory",
  validateResource: forTypes([AUTOSCALING_GROUP], (props, args, reportViolation) => {
    const attached = known(() => ["targetGroupArns", "loadBalancers", "trafficSources"].some((key) => Array.isArray(props[key]) && (props[key] as unknown[]).length > 0));
    if (attached !== UNKNOWN && !attached) return;
    const type = known(() => props.healthCheckType);
    if (type !== UNKNOWN && type !== "ELB") {
      reportViolation(
        `Auto Scaling group "${args.name}" sits behind a load balancer with healthCheckType ${JSON.stringify(type ?? null)}${type === undefined ? " (EC2 by default)" : ""}: ` +
          'an instance whose API has died passes EC2 checks and is never replaced. Set healthCheckType: "ELB".',
      );
    }
    const grace = known(() => props.healthCheckGracePeriod);
    if (typeof grace === "number" && grace < MIN_HEALTH_CHECK_GRACE_SECONDS) {
      reportViolation(
        `Auto Scaling group "${args.name}" has healthCheckGracePeriod: ${grace}: with ELB health checks a booting instance fails them until its app is up, ` +
          `and is replaced before it ever serves. Give it the boot's length (at least ${MIN_HEALTH_CHECK_GRACE_SECONDS} s).`,
      );
    }
  }),
};

function dependsOnAny(resource: PolicyResource, property: string, targets: ReadonlySet<string>): boolean {
  return (resource.propertyDependencies[property] ?? []).some((dependency) => targets.has(dependency.urn));
}

export const httpsListenerWhenDomain: StackValidationPolicy = {
  name: "https-listener-when-domain",
  description: "A load balancer a domain points at serves HTTPS with a current TLS policy and redirects HTTP to it; every HTTPS listener names a current TLS policy.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const listeners = args.resources.filter((r) => r.type === LISTENER);
    for (const listener of listeners) {
      const protocol = known(() => listener.props.protocol);
      const policy = known(() => listener.props.sslPolicy);
      if (protocol === "HTTPS" && policy !== UNKNOWN && !CURRENT_TLS_POLICIES.includes(String(policy))) {
        reportViolation(
          `HTTPS listener "${listener.name}" has sslPolicy ${JSON.stringify(policy ?? null)}${policy === undefined ? " (AWS then applies ELBSecurityPolicy-2016-08, with TLS 1.0 and 1.1)" : ""}; ` +
            `use one of ${CURRENT_TLS_POLICIES.join(", ")}.`,
          listener.urn,
        );
      }
    }
    for (const lb of args.resources.filter((r) => r.type === LOAD_BALANCER)) {
      const target = new Set([lb.urn]);
      const aliased = args.resources.some((r) => r.type === ROUTE53_RECORD && dependsOnAny(r, "aliases", target));
      if (!aliased) continue;
      const own = listeners.filter((listener) => dependsOnAny(listener, "loadBalancerArn", target));
      if (!own.some((listener) => known(() => listener.props.protocol) === "HTTPS")) {
        reportViolation(
          `Load balancer "${lb.name}" has a domain pointing at it but no HTTPS listener: logins and tokens would cross the internet in clear. ` +
            "Give the fleet its domain and Route 53 zone (https: { domain, hostedZoneId }): it then gets an ACM certificate and a 443 listener.",
          lb.urn,
        );
      }
      for (const listener of own.filter((l) => known(() => l.props.protocol) === "HTTP")) {
        const actions = known(() => (Array.isArray(listener.props.defaultActions) ? (listener.props.defaultActions as Props[]) : []));
        if (actions === UNKNOWN) continue;
        const redirects = actions.length > 0 && actions.every((action) => action.type === "redirect" && record(action.redirect).protocol === "HTTPS");
        if (!redirects) {
          reportViolation(`HTTP listener "${listener.name}" of "${lb.name}", which has a domain, serves requests instead of redirecting them to HTTPS (type: "redirect", protocol: "HTTPS", statusCode: "HTTP_301").`, listener.urn);
        }
      }
    }
  },
};

export const dataTierOnlyFromFleet: StackValidationPolicy = {
  name: "data-tier-only-from-fleet",
  description: "In a stack with an Auto Scaling fleet, the database and the cache admit only the fleet's instance security group: no CIDR, no other group.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const groups = args.resources.filter((r) => r.type === AUTOSCALING_GROUP);
    if (groups.length === 0) return;
    const urnsOf = (r: PolicyResource, ...properties: string[]) => properties.flatMap((p) => (r.propertyDependencies[p] ?? []).map((d) => d.urn));
    const templates = new Set(groups.flatMap((g) => urnsOf(g, "launchTemplate", "mixedInstancesPolicy")));
    const fleetGroups = new Set(
      args.resources.filter((r) => r.type === LAUNCH_TEMPLATE && templates.has(r.urn)).flatMap((lt) => urnsOf(lt, "networkInterfaces", "vpcSecurityGroupIds", "securityGroupNames")),
    );
    const dataGroups = new Set(
      args.resources.flatMap((r) => (r.type === RDS_INSTANCE ? urnsOf(r, "vpcSecurityGroupIds") : r.type === CACHE_GROUP ? urnsOf(r, "securityGroupIds") : [])),
    );
    const describe = (r: PolicyResource) => `${r.type.split(":").pop()} "${r.name}"`;
    for (const r of args.resources) {
      if (r.type === SECURITY_GROUP && dataGroups.has(r.urn)) {
        const inline = known(() => (Array.isArray(r.props.ingress) ? r.props.ingress.length : 0));
        if (inline !== UNKNOWN && inline > 0) {
          reportViolation(`${describe(r)} of the data tier has inline ingress rules; it admits the fleet by separate rules from its instance security group only.`, r.urn);
        }
        continue;
      }
      const isRule = r.type === INGRESS_RULE || (r.type === LEGACY_RULE && known(() => r.props.type) === "ingress");
      if (!isRule || !dependsOnAny(r, "securityGroupId", dataGroups)) continue;
      const cidrs = known(() => [r.props.cidrIpv4, r.props.cidrIpv6, r.props.prefixListId, ...(Array.isArray(r.props.cidrBlocks) ? r.props.cidrBlocks : [])].filter((c) => typeof c === "string"));
      if (cidrs !== UNKNOWN && cidrs.length > 0) {
        reportViolation(`${describe(r)} admits ${cidrs.join(", ")} to the data tier; only the fleet's instance security group may reach it.`, r.urn);
        continue;
      }
      const sources = urnsOf(r, "referencedSecurityGroupId", "sourceSecurityGroupId");
      if (sources.length === 0 || !sources.every((source) => fleetGroups.has(source))) {
        const names = sources.map((source) => args.resources.find((x) => x.urn === source)?.name ?? source);
        reportViolation(
          `${describe(r)} admits ${names.length > 0 ? `the security group ${names.join(", ")}` : "a source that is not the fleet's instance security group"} to the data tier; ` +
            "in a stack with a fleet only its instances may reach the database and the cache (remove the single host's rule when moving to the fleet).",
          r.urn,
        );
      }
    }
  },
};

// ---------------------------------------------------------------------------------------------
// Roles GitHub Actions assumes

export const IAM_ROLE = "aws:iam/role:Role";

export const githubOidcTrustNarrow: ResourceValidationPolicy = {
  name: "github-oidc-trust-narrow",
  description: "A role that trusts GitHub's OIDC provider checks aud (sts.amazonaws.com) and a sub naming one repository, with no wildcard.",
  enforcementLevel: "mandatory",
  validateResource: forTypes([IAM_ROLE], (props, args, reportViolation) => {
    const policy = known(() => props.assumeRolePolicy);
    if (policy === UNKNOWN) return;
    for (const problem of githubTrustProblems(policy)) reportViolation(`IAM role "${args.name}": ${problem}.`);
  }),
};

/**
 * A stack that bounds its roles bounds all of them, with one boundary: a role added without it
 * is refused by the CI deploy role (`iam:CreateRole` needs `iam:PermissionsBoundary`), or,
 * created by a person, escapes what the boundary is for. Judged only where the boundary is known.
 */
export const iamRolesShareBoundary: StackValidationPolicy = {
  name: "iam-roles-share-boundary",
  description: "When one IAM role of the stack has a permissions boundary, every role has the same one (trafficlab:iamPermissionsBoundary).",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const roles = args.resources.filter((r) => r.type === IAM_ROLE);
    const boundaryOf = (role: PolicyResource) => known(() => role.props.permissionsBoundary as unknown);
    if (roles.some((role) => boundaryOf(role) === UNKNOWN)) return;
    const boundaries = [...new Set(roles.map((role) => boundaryOf(role)).filter((b): b is string => typeof b === "string" && b !== ""))];
    if (boundaries.length === 0) return;
    for (const role of roles) {
      const boundary = boundaryOf(role);
      if (boundary === boundaries[0]) continue;
      reportViolation(
        `IAM role "${role.name}" has ${typeof boundary === "string" && boundary !== "" ? `the permissions boundary ${boundary}` : "no permissions boundary"}, ` +
          `while the stack bounds its roles with ${boundaries[0]}: give it the same one (trafficlab:iamPermissionsBoundary; a component's role takes its permissionsBoundary argument).`,
        role.urn,
      );
    }
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
  noLatestWithInstanceRefresh,
  elbHealthChecks,
  httpsListenerWhenDomain,
  dataTierOnlyFromFleet,
  prodDeletionProtection,
  prodFinalSnapshot,
  prodBackupRetention,
  prodProtectStatefulResources,
  prodRdsMultiAz,
  prodCacheReplica,
  publicIpWithoutElasticIp,
  privateSubnetsWithoutNat,
  githubOidcTrustNarrow,
  iamRolesShareBoundary,
];
