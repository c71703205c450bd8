import * as pulumi from "@pulumi/pulumi";
import * as ipaddr from "ipaddr.js";
import { NGINX_IMAGE, type NginxOptions } from "@trafficlab/edge-proxy";
import { componentLabel, InvalidArgumentError, requireIntegerInRange, requireOneOf, requirePinnedImage, requireSecretInput } from "@trafficlab/validation";

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
  /** The VPC of the host. Required. */
  vpcId: pulumi.Input<string>;
  /** A public subnet. Required. */
  subnetId: pulumi.Input<string>;
  /** CIDRs allowed to SSH in. Required, no default: the stack must say who may. 0.0.0.0/0 and ::/0 are refused. */
  sshAllowedCidrs: string[];
  /** Default `t3.micro`; the design document's `t2.micro` is accepted. */
  instanceType?: string;
  /** `al2023` (default) or `al2` (end of support 2026-06-30). */
  os?: HostOs;
  /** GiB of the encrypted gp3 root volume. Default 10 (Amazon Linux needs 8; the rest holds the images). */
  rootVolumeGiB?: number;
  /**
   * CPU credits of burstable types: `standard` (default: throttled when credits run out, never
   * billed extra) or `unlimited` (AWS's T3 default: bursts on, surplus credits billed).
   */
  cpuCredits?: "standard" | "unlimited";
  /** Attach an Elastic IP, so the address survives a stop/start. Default false. */
  elasticIp?: boolean;
  /** Use this key pair instead of generating one. Default: an ED25519 key generated with @pulumi/tls. */
  existingKeyPair?: ExistingKeyPair;
  /**
   * Resources the host needs before it can reach the internet (e.g. Network.publicInternetAccess:
   * the subnet's route to the internet gateway); the Docker install waits for them. Default none.
   */
  internetAccess?: pulumi.Resource[];
  /** Where the compose project lives on the host. Default `/opt/trafficlab`. */
  projectDirectory?: string;
  /** Added to every resource's tags. Default {}. */
  tags?: Record<string, string>;
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
  /** SPRING_PROFILES_ACTIVE. Default `prod`. */
  springProfile?: string;
  /** The API's health endpoint the compose healthcheck calls. Default `/actuator/health`. */
  healthPath?: string;
  /** Container TZ. Default `Asia/Seoul`. */
  timeZone?: string;
  /** For a private registry. Default: none (public images). */
  registry?: RegistryCredentials;
}

export interface ApiHostDeployArgs extends ApiHostArgs {
  /** The API container. Required. */
  app: ApiAppArgs;
  /** nginx settings (see @trafficlab/edge-proxy); upstream is the `api` service on 8080. */
  proxy?: Partial<NginxOptions>;
  /** The nginx image, a tag or digest (never latest). Default `nginx:1.28.0-alpine`. */
  proxyImage?: string;
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

/** Checks every plain argument of ApiHost, including the app's; throws before anything is registered. */
export function resolveApiHostSettings(name: string, args: ApiHostDeployArgs): ApiHostSettings {
  const component = componentLabel(API_HOST_TYPE, name);
  const instanceType = args.instanceType ?? API_HOST_DEFAULTS.instanceType;
  if (!HOST_INSTANCE_TYPES.includes(instanceType)) {
    throw new InvalidArgumentError(component, "instanceType", instanceType, `Allowed: ${HOST_INSTANCE_TYPES.join(", ")}.`);
  }
  const os = requireOneOf(component, "os", args.os ?? API_HOST_DEFAULTS.os, ["al2023", "al2"] as const, "Amazon Linux 2 reached end of support on 2026-06-30.");
  const rootVolumeGiB = requireIntegerInRange(component, "rootVolumeGiB", args.rootVolumeGiB ?? API_HOST_DEFAULTS.rootVolumeGiB, 8, 1024, "Amazon Linux AMIs need at least 8 GiB.");
  if (!Array.isArray(args.sshAllowedCidrs) || args.sshAllowedCidrs.length === 0) {
    throw new InvalidArgumentError(component, "sshAllowedCidrs", args.sshAllowedCidrs, "Required: one or more CIDRs that may SSH in, e.g. your address as 203.0.113.7/32. There is no default.");
  }
  const sshCidrsV4: string[] = [];
  const sshCidrsV6: string[] = [];
  for (const cidr of args.sshAllowedCidrs) {
    const parsed = parseCidr(cidr);
    if (!parsed) {
      throw new InvalidArgumentError(component, "sshAllowedCidrs", cidr, "Allowed: IPv4 or IPv6 CIDRs in network form, e.g. 203.0.113.7/32 or 2001:db8::/64.");
    }
    if (parsed.prefix === 0) {
      throw new InvalidArgumentError(component, "sshAllowedCidrs", cidr, "SSH from the whole internet is refused; name the addresses that may connect, e.g. 203.0.113.7/32.");
    }
    (parsed.family === "ipv4" ? sshCidrsV4 : sshCidrsV6).push(cidr);
  }
  const projectDirectory = args.projectDirectory ?? API_HOST_DEFAULTS.projectDirectory;
  if (!/^\/[A-Za-z0-9._/-]+$/.test(projectDirectory) || projectDirectory.split("/").includes("..")) {
    throw new InvalidArgumentError(component, "projectDirectory", projectDirectory, "Allowed: an absolute path of letters, digits, '.', '_', '-' and '/'.");
  }
  if (args.existingKeyPair) requireSecretInput(component, "existingKeyPair.privateKey", args.existingKeyPair.privateKey);
  if (!args.app?.image) throw new InvalidArgumentError(component, "app.image", args.app?.image, "Required: the API image, e.g. user/image:1.0.0.");
  if (typeof args.app.image === "string") requirePinnedImage(component, "app.image", args.app.image);
  if (args.app.registry) requireSecretInput(component, "app.registry.password", args.app.registry.password);
  const springProfile = args.app.springProfile ?? API_HOST_DEFAULTS.springProfile;
  if (typeof springProfile !== "string" || !/^[A-Za-z0-9_.-]+(,[A-Za-z0-9_.-]+)*$/.test(springProfile)) {
    throw new InvalidArgumentError(component, "app.springProfile", springProfile, "Allowed: Spring profile names of letters, digits, '_', '.' and '-', separated by commas, e.g. prod or prod,metrics.");
  }
  const healthPath = args.app.healthPath ?? API_HOST_DEFAULTS.healthPath;
  if (typeof healthPath !== "string" || !/^\/[A-Za-z0-9._~/%?=&+-]*$/.test(healthPath)) {
    throw new InvalidArgumentError(component, "app.healthPath", healthPath, "Allowed: a URI path starting with /, of letters, digits and . _ ~ / % ? = & + -, e.g. /actuator/health.");
  }
  const timeZone = args.app.timeZone ?? API_HOST_DEFAULTS.timeZone;
  if (timeZone !== "UTC" && !Intl.supportedValuesOf("timeZone").includes(timeZone)) {
    throw new InvalidArgumentError(component, "app.timeZone", timeZone, "Allowed: UTC or an IANA zone name such as Asia/Seoul.");
  }
  const proxyImage = requirePinnedImage(component, "proxyImage", args.proxyImage ?? API_HOST_DEFAULTS.proxyImage);
  const cpuCredits = requireOneOf(component, "cpuCredits", args.cpuCredits ?? API_HOST_DEFAULTS.cpuCredits, ["standard", "unlimited"] as const);
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
  };
}
