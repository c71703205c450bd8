import type { HostMetricsOptions } from "./host-project";
import * as pulumi from "@pulumi/pulumi";
import * as ipaddr from "ipaddr.js";
import { NGINX_IMAGE, requireAcmeCaCertificates, type NginxOptions } from "@trafficlab/edge-proxy";
import type * as aws from "@pulumi/aws";
import type * as command from "@pulumi/command";
import { ArgumentChecks, componentLabel, explainRefusedType, isRegistryUsername, isTimeZone, REGISTRY_USERNAME_ALLOWED, requireIntegerInRange, requireOneOf, requirePinnedImage, requireSecretInput, type AllowList, type ChildTransform } from "@trafficlab/validation";
import type { CentralLogsOptions } from "./compose-project";

export const API_HOST_TYPE = "trafficlab:api-host:ApiHost";

/** Amazon Linux AMIs, looked up in AWS's public SSM parameters (never a hard-coded id). */
export const AMI_PARAMETERS = {
  al2023: { x86_64: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64", arm64: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64" },
  // Amazon Linux 2 reached end of support on 2026-06-30; kept for fidelity with the design document.
  al2: { x86_64: "/aws/service/ami-amazon-linux-latest/amzn2-ami-hvm-x86_64-gp2", arm64: "/aws/service/ami-amazon-linux-latest/amzn2-ami-hvm-arm64-gp2" },
} as const;

export type HostOs = keyof typeof AMI_PARAMETERS;

const SIZES = ["micro", "small", "medium", "large", "xlarge", "2xlarge"];
/** Instance types the host accepts: burstable and compute families the series uses. */
export const HOST_INSTANCE_TYPES: readonly string[] = [
  "t2.micro",
  "t2.small",
  "t2.medium",
  ...["t3", "t3a", "t4g"].flatMap((family) => SIZES.map((size) => `${family}.${size}`)),
  ...["c5a", "c6i", "c7i", "c7g", "m6i", "m7i", "m7g"].flatMap((family) => ["large", "xlarge", "2xlarge", "4xlarge"].map((size) => `${family}.${size}`)),
];

/** Why a type is refused for the API host or a fleet instance, for explainRefusedType. */
export function hostInstanceAllowList(what: string, defaultType: string): AllowList {
  const accelerated = `accelerated families are not offered for ${what}: nothing in the API uses a GPU or an accelerator`;
  const memory = `memory-optimised families are not offered for ${what}: the API is CPU-bound, and an m type already gives 4 GiB per vCPU`;
  const storage = `storage-optimised families are not offered for ${what}: it keeps nothing on local disks`;
  return {
    prefix: "",
    default: defaultType,
    allowed: HOST_INSTANCE_TYPES,
    what,
    why: `the families ${what} is tested on (t2/t3/t3a/t4g, c5a/c6i/c7i/c7g, m6i/m7i/m7g)`,
    refusedClasses: { r: memory, x: memory, z: memory, u: memory, p: accelerated, g: accelerated, gr: accelerated, inf: accelerated, trn: accelerated, dl: accelerated, f: accelerated, vt: accelerated, i: storage, im: storage, is: storage, d: storage, h: storage },
    previousGenerations: { families: ["t1", "m1", "m2", "m3", "m4", "c1", "c3", "c4", "r3", "r4"], reason: "AWS advises current generations, and the host is not tested on it" },
  };
}

export function architectureOf(instanceType: string): "x86_64" | "arm64" {
  return /^[a-z]\d+g\./.test(instanceType) ? "arm64" : "x86_64";
}

export interface ExistingKeyPair {
  /** Name of a key pair already registered in the region. */
  name: string;
  /** Its private key, as a Pulumi secret (the deploy connects over SSH with it). */
  privateKey: pulumi.Input<string>;
}

export interface ApiHostArgs {
  /** The VPC of the host. */
  vpcId: pulumi.Input<string>;
  /** A public subnet. */
  subnetId: pulumi.Input<string>;
  /** CIDRs allowed to SSH in. Required, no default: the stack must say who may. 0.0.0.0/0 and ::/0 are refused. */
  sshAllowedCidrs: string[];
  /** EC2 type: t3/t3a/t4g micro to 2xlarge, c5a/c6i/c7i/c7g/m6i/m7i/m7g large to 4xlarge (`*g` types get arm64 AMIs); the design document's `t2.micro` is accepted. */
  instanceType?: string;
  /** `al2023` (default) or `al2` (end of support 2026-06-30). */
  os?: HostOs;
  /** GiB of the encrypted gp3 root volume, 8 to 1024 (Amazon Linux needs 8; the rest holds the images). */
  rootVolumeGiB?: number;
  /**
   * CPU credits of burstable types: `standard` (default: throttled when credits run out, never
   * billed extra) or `unlimited` (AWS's T3 default: bursts on, surplus credits billed).
   */
  cpuCredits?: "standard" | "unlimited";
  /** Attach an Elastic IP, so the address survives a stop/start. */
  elasticIp?: boolean;
  /**
   * Use this key pair instead of generating one.
   * @default an ED25519 key generated with tls.PrivateKey
   */
  existingKeyPair?: ExistingKeyPair;
  /**
   * Resources the host needs before it can reach the internet (e.g. Network.publicInternetAccess:
   * the subnet's route to the internet gateway); the Docker install waits for them.
   */
  internetAccess?: pulumi.Resource[];
  /** Where the compose project lives on the host. */
  projectDirectory?: string;
  /** Added to every resource's tags. */
  tags?: Record<string, string>;
  /** Changes to the child resources the component does not offer as arguments: the security group, key pair, instance, EIP, host steps. */
  transform?: ApiHostTransforms;
  /** The containers' logs (nginx, the ACME client, the API's blue/green colours) to CloudWatch Logs; the instance needs a profile that may write there (transform.instance). Default none. */
  logs?: CentralLogsOptions;
}

/** Per-child changes: arguments merged over the component's, or a function editing args and options. */
export interface ApiHostTransforms {
  securityGroup?: ChildTransform<aws.ec2.SecurityGroupArgs>;
  keyPair?: ChildTransform<aws.ec2.KeyPairArgs>;
  instance?: ChildTransform<aws.ec2.InstanceArgs>;
  eip?: ChildTransform<aws.ec2.EipArgs>;
  /** Every host step (install, file copies, pull). */
  command?: ChildTransform<command.remote.CommandArgs>;
  /** The local host key check before them. */
  hostKeyCheck?: ChildTransform<command.local.CommandArgs>;
}

export const API_HOST_DEFAULTS = {
  instanceType: "t3.micro",
  os: "al2023",
  rootVolumeGiB: 10,
  cpuCredits: "standard",
  elasticIp: false,
  projectDirectory: "/opt/trafficlab",
  sshUser: "ec2-user",
  springProfile: "prod",
  healthPath: "/actuator/health",
  timeZone: "Asia/Seoul",
  proxyImage: NGINX_IMAGE,
} as const;

export interface RegistryCredentials {
  /** e.g. `docker.io`, `123456789012.dkr.ecr.ap-northeast-2.amazonaws.com` */
  server: string;
  username: string;
  /** A Pulumi secret; reaches the host on stdin for `docker login --password-stdin`. */
  password: pulumi.Input<string>;
}

export interface ApiAppArgs {
  /** `user/image:tag` or a digest reference. A tag or digest is required; `latest` is refused. */
  image: pulumi.Input<string>;
  /** SPRING_PROFILES_ACTIVE: profile names separated by commas. */
  springProfile?: string;
  /** The API's health path, which its container health check requests. */
  healthPath?: string;
  /** TZ of the containers: UTC or an IANA name. */
  timeZone?: string;
  /**
   * The login for a private registry, the password a Pulumi secret.
   * @default none: public images
   */
  registry?: RegistryCredentials;
}

export interface ApiHostDeployArgs extends ApiHostArgs {
  /** The API container. */
  app: ApiAppArgs;
  /** nginx settings (see @trafficlab/edge-proxy); upstream is the `api` service on 8080. */
  proxy?: Partial<NginxOptions>;
  /** The nginx image, a tag or digest (never latest). */
  proxyImage?: string;
  /**
   * HTTPS for a domain that resolves to this host: a Let's Encrypt certificate (ACME HTTP-01,
   * renewed by a client beside nginx without a reload), HTTP redirected to HTTPS, HSTS.
   * @default none: HTTP only, in clear, and port 443 closed
   */
  https?: HttpsArgs;
  /**
   * Prometheus (on the host's 127.0.0.1, reached through an SSH tunnel), the node, nginx and
   * redis exporters beside the API, and the API's Micrometer endpoint with the request histogram
   * the p99 alert needs. The cache's monitoring user comes with AppDeployment's metricsCache.
   * @default none
   */
  metrics?: ApiHostMetricsArgs;
}

/** The host's metrics, and where its alerts go: the stack's alarm topic, as its CloudWatch alarms. */
export interface ApiHostMetricsArgs extends HostMetricsOptions {
  /** The SNS topic Alertmanager publishes to (the instance role must be allowed sns:Publish on it). */
  alarmTopicArn: pulumi.Input<string>;
  /** The topic's Region, for SigV4. */
  region: string;
}

export interface HttpsArgs {
  /** The domain, e.g. api.example.com; its A record must point at the host (use elasticIp). */
  domain: string;
  /** Where the CA writes about expiry and problems. */
  email: string;
  /** The ACME directory. Default Let's Encrypt's production one. */
  acmeServer?: string;
  /** The ACME client's image (lego). */
  acmeImage?: string;
  /**
   * PEM of the CA certificates that sign a private ACME server's HTTPS certificate; lego trusts
   * these instead of the system pool for that server.
   * @default none: the system pool (Let's Encrypt needs nothing)
   */
  acmeCaCertificates?: string;
}

export interface ApiHostSettings {
  instanceType: string;
  /** undefined for non-burstable types, which have no credits */
  cpuCredits: "standard" | "unlimited" | undefined;
  architecture: "x86_64" | "arm64";
  os: HostOs;
  rootVolumeGiB: number;
  elasticIp: boolean;
  projectDirectory: string;
  sshCidrsV4: string[];
  sshCidrsV6: string[];
  /** SPRING_PROFILES_ACTIVE of the API container. */
  springProfile: string;
  /** The path the API container's healthcheck requests. */
  healthPath: string;
  /** TZ of the containers. */
  timeZone: string;
  proxyImage: string;
  /** HTTPS, checked; undefined: HTTP only. */
  https: HttpsArgs | undefined;
}

/** Parses a CIDR; undefined when malformed or when host bits are set. */
export function parseCidr(cidr: string): { family: "ipv4" | "ipv6"; prefix: number } | undefined {
  // Four-part decimal only: ipaddr.js would otherwise read `10.0/8` or `010.0.0.0/8` the way inet_aton does.
  if (!ipaddr.IPv4.isValidCIDRFourPartDecimal(cidr) && !ipaddr.IPv6.isValidCIDR(cidr)) return undefined;
  try {
    const [address, prefix] = ipaddr.parseCIDR(cidr);
    const network = address.kind() === "ipv4" ? ipaddr.IPv4.networkAddressFromCIDR(cidr) : ipaddr.IPv6.networkAddressFromCIDR(cidr);
    if (network.toString() !== address.toString()) return undefined;
    return { family: address.kind(), prefix };
  } catch {
    return undefined;
  }
}

/** Inbound rules a security group holds, counted per IP family (VPC quotas: 60 by default). */
export const SECURITY_GROUP_INBOUND_RULES = 60;
/** The host's own inbound rules per IP family besides SSH: HTTP and HTTPS. */
const WEB_RULES_PER_FAMILY = 2;
/** Wider than any one organisation's range: SSH from such a block is SSH from strangers. */
const WIDEST_SSH_PREFIX = { ipv4: 8, ipv6: 32 } as const;

/** How many addresses a set of CIDRs of one family covers together (overlaps counted once). */
function addressesCovered(cidrs: string[], bits: number): bigint {
  const ranges = cidrs
    .map((cidr) => {
      const [address, prefix] = ipaddr.parseCIDR(cidr);
      const start = address.toByteArray().reduce((value, byte) => (value << 8n) | BigInt(byte), 0n);
      return [start, start + (1n << BigInt(bits - prefix))] as const;
    })
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  let covered = 0n;
  let end = -1n;
  for (const [from, to] of ranges) {
    if (from > end) covered += to - from;
    else if (to > end) covered += to - end;
    if (to > end) end = to;
  }
  return covered;
}

/** Checks the SSH CIDRs as AWS and common sense would; returns them by family. */
function checkSshCidrs(checks: ArgumentChecks, cidrs: unknown): { sshCidrsV4: string[]; sshCidrsV6: string[] } {
  const result = { sshCidrsV4: [] as string[], sshCidrsV6: [] as string[] };
  if (!Array.isArray(cidrs) || cidrs.length === 0) {
    checks.refuse("sshAllowedCidrs", cidrs, "Required: one or more CIDRs that may SSH in, e.g. your address as 203.0.113.7/32. There is no default.");
    return result;
  }
  for (const cidr of cidrs as string[]) {
    const parsed = parseCidr(cidr);
    if (!parsed) {
      checks.refuse("sshAllowedCidrs", cidr, "Allowed: IPv4 or IPv6 CIDRs in network form, e.g. 203.0.113.7/32 or 2001:db8::/64.");
    } else if (parsed.prefix < WIDEST_SSH_PREFIX[parsed.family]) {
      const widest = WIDEST_SSH_PREFIX[parsed.family];
      checks.refuse("sshAllowedCidrs", cidr, `SSH from ${parsed.prefix === 0 ? "the whole internet" : "so wide a block"} is refused; name the addresses that may connect, e.g. 203.0.113.7/32 (a /${widest} at the widest).`);
    } else if ((parsed.family === "ipv4" ? result.sshCidrsV4 : result.sshCidrsV6).includes(cidr)) {
      checks.refuse("sshAllowedCidrs", cidr, "Each CIDR once: AWS refuses a duplicate security-group rule.");
    } else {
      (parsed.family === "ipv4" ? result.sshCidrsV4 : result.sshCidrsV6).push(cidr);
    }
  }
  for (const [family, list, bits] of [["IPv4", result.sshCidrsV4, 32], ["IPv6", result.sshCidrsV6, 128]] as const) {
    if (list.length > 1 && addressesCovered(list, bits) === 1n << BigInt(bits)) {
      checks.refuse("sshAllowedCidrs", list, `Together these cover every ${family} address: that is SSH from the whole internet, which is refused.`);
    }
    const room = SECURITY_GROUP_INBOUND_RULES - WEB_RULES_PER_FAMILY;
    if (list.length > room) {
      checks.refuse("sshAllowedCidrs", `${list.length} ${family} CIDRs`, `A security group holds ${SECURITY_GROUP_INBOUND_RULES} inbound ${family} rules (AWS's default quota) and the host needs ${WEB_RULES_PER_FAMILY} for HTTP(S): at most ${room} ${family} SSH CIDRs. Merge them into wider blocks or use a VPN.`);
    }
  }
  return result;
}

/** Checks every plain argument of ApiHost, including the app's; throws one InvalidArgumentError naming all the problems before anything is registered. */
export function resolveApiHostSettings(name: string, args: ApiHostDeployArgs): ApiHostSettings {
  const component = componentLabel(API_HOST_TYPE, name);
  const checks = new ArgumentChecks(component);
  const instanceType = args.instanceType ?? API_HOST_DEFAULTS.instanceType;
  if (!HOST_INSTANCE_TYPES.includes(instanceType)) checks.refuse("instanceType", instanceType, explainRefusedType(instanceType, hostInstanceAllowList("the API host", API_HOST_DEFAULTS.instanceType)));
  const os = checks.take(() => requireOneOf(component, "os", args.os ?? API_HOST_DEFAULTS.os, ["al2023", "al2"] as const, "Amazon Linux 2 reached end of support on 2026-06-30."), API_HOST_DEFAULTS.os);
  const rootVolumeGiB = checks.take(
    () => requireIntegerInRange(component, "rootVolumeGiB", args.rootVolumeGiB ?? API_HOST_DEFAULTS.rootVolumeGiB, 8, 1024, "Amazon Linux AMIs need at least 8 GiB."),
    API_HOST_DEFAULTS.rootVolumeGiB,
  );
  const { sshCidrsV4, sshCidrsV6 } = checkSshCidrs(checks, args.sshAllowedCidrs);
  const projectDirectory = args.projectDirectory ?? API_HOST_DEFAULTS.projectDirectory;
  if (!/^\/[A-Za-z0-9._/-]+$/.test(projectDirectory) || projectDirectory.split("/").includes("..")) {
    checks.refuse("projectDirectory", projectDirectory, "Allowed: an absolute path of letters, digits, '.', '_', '-' and '/'.");
  }
  if (args.existingKeyPair) checks.take(() => requireSecretInput(component, "existingKeyPair.privateKey", args.existingKeyPair!.privateKey), undefined);
  if (!args.app?.image) checks.refuse("app.image", args.app?.image, "Required: the API image, e.g. user/image:1.0.0.");
  else if (typeof args.app.image === "string") checks.take(() => requirePinnedImage(component, "app.image", args.app.image as string), undefined);
  const registry = args.app?.registry;
  if (registry) {
    if (!/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:\d{1,5})?$/.test(registry.server ?? "")) {
      checks.refuse("app.registry.server", registry.server, "Allowed: a registry host name with an optional port, e.g. docker.io or 123456789012.dkr.ecr.ap-northeast-2.amazonaws.com (no https://).");
    }
    if (!isRegistryUsername(registry.username)) checks.refuse("app.registry.username", registry.username, `Allowed: ${REGISTRY_USERNAME_ALLOWED}.`);
    checks.take(() => requireSecretInput(component, "app.registry.password", registry.password), undefined);
  }
  const springProfile = args.app?.springProfile ?? API_HOST_DEFAULTS.springProfile;
  if (typeof springProfile !== "string" || !/^[A-Za-z0-9_.-]+(,[A-Za-z0-9_.-]+)*$/.test(springProfile)) {
    checks.refuse("app.springProfile", springProfile, "Allowed: Spring profile names of letters, digits, '_', '.' and '-', separated by commas, e.g. prod or prod,metrics.");
  }
  const healthPath = args.app?.healthPath ?? API_HOST_DEFAULTS.healthPath;
  if (typeof healthPath !== "string" || !/^\/[A-Za-z0-9._~/%?=&+-]*$/.test(healthPath)) {
    checks.refuse("app.healthPath", healthPath, "Allowed: a URI path starting with /, of letters, digits and . _ ~ / % ? = & + -, e.g. /actuator/health.");
  }
  const timeZone = args.app?.timeZone ?? API_HOST_DEFAULTS.timeZone;
  if (!isTimeZone(timeZone)) checks.refuse("app.timeZone", timeZone, "Allowed: UTC or an IANA zone name such as Asia/Seoul.");
  const proxyImage = checks.take(() => requirePinnedImage(component, "proxyImage", args.proxyImage ?? API_HOST_DEFAULTS.proxyImage), API_HOST_DEFAULTS.proxyImage);
  let https: HttpsArgs | undefined;
  if (args.https) {
    const h = args.https;
    if (!/^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/.test(h.domain ?? "")) checks.refuse("https.domain", h.domain, "Allowed: a fully qualified domain name such as api.example.com.");
    if (!/^[^\s@'"]+@[^\s@'"]+\.[^\s@'"]+$/.test(h.email ?? "")) checks.refuse("https.email", h.email, "Allowed: an e-mail address the certificate authority can write to about expiry.");
    if (h.acmeServer !== undefined && !/^https:\/\/[^\s'"]+$/.test(h.acmeServer)) checks.refuse("https.acmeServer", h.acmeServer, "Allowed: an https:// ACME directory URL.");
    if (h.acmeImage !== undefined) checks.take(() => requirePinnedImage(component, "https.acmeImage", h.acmeImage!), undefined);
    const acmeCaCertificates = h.acmeCaCertificates === undefined ? undefined : checks.take(() => requireAcmeCaCertificates(component, "https.acmeCaCertificates", h.acmeCaCertificates!), undefined);
    https = { ...h, ...(acmeCaCertificates !== undefined ? { acmeCaCertificates } : {}) };
  }
  const cpuCredits = checks.take(() => requireOneOf(component, "cpuCredits", args.cpuCredits ?? API_HOST_DEFAULTS.cpuCredits, ["standard", "unlimited"] as const), API_HOST_DEFAULTS.cpuCredits);
  checks.done();
  return {
    instanceType,
    cpuCredits: /^t\d/.test(instanceType) ? cpuCredits : undefined,
    architecture: architectureOf(instanceType),
    os,
    rootVolumeGiB,
    elasticIp: args.elasticIp ?? API_HOST_DEFAULTS.elasticIp,
    projectDirectory,
    sshCidrsV4,
    sshCidrsV6,
    springProfile,
    healthPath,
    timeZone,
    proxyImage,
    https,
  };
}
