import type { RegisteredResource } from "@trafficlab/testing";

export type SettingValue = string | number | boolean;

export interface InventoryEntry {
  urn: string;
  type: string;
  name: string;
  /** name of the parent resource (the component, or the stack) */
  parent: string | undefined;
  /** name of the nearest component above it; undefined for resources at the stack's top */
  component: string | undefined;
  componentType: string | undefined;
  custom: boolean;
  /** the settings that decide cost, size and placement */
  settings: Record<string, SettingValue>;
}

const STACK_TYPE = "pulumi:pulumi:Stack";

/** The recorded resources (without the stack itself and providers), each with its component and the settings that matter. */
export function inventoryOf(resources: readonly RegisteredResource[]): InventoryEntry[] {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const subnetsById = new Map(resources.filter((r) => r.type === "aws:ec2/subnet:Subnet").map((r) => [r.id, r]));
  const byPhysicalName = new Map(resources.filter((r) => typeof r.outputs.name === "string").map((r) => [`${r.type}|${String(r.outputs.name)}`, r]));
  const zonesOf = (subnetIds: unknown): string =>
    [...new Set((Array.isArray(subnetIds) ? subnetIds : [subnetIds]).map((id) => subnetsById.get(String(id))?.inputs.availabilityZone).filter((az) => typeof az === "string"))]
      .sort()
      .join(", ");
  const subnetGroupZones = (type: string, name: unknown) => zonesOf(byPhysicalName.get(`${type}|${String(name)}`)?.inputs.subnetIds ?? []);

  const componentOf = (r: RegisteredResource): RegisteredResource | undefined => {
    for (let p = r.parent ? byUrn.get(r.parent) : undefined; p; p = p.parent ? byUrn.get(p.parent) : undefined) {
      if (!p.custom && p.type !== STACK_TYPE) return p;
    }
    return undefined;
  };

  return resources
    .filter((r) => r.type !== STACK_TYPE && !r.type.startsWith("pulumi:providers:"))
    .map((r) => {
      const component = componentOf(r);
      return {
        urn: r.urn,
        type: r.type,
        name: r.name,
        parent: r.parent ? byUrn.get(r.parent)?.name : undefined,
        component: component?.name,
        componentType: component?.type,
        custom: r.custom,
        settings: settingsOf(r, { zonesOf, subnetGroupZones }),
      };
    });
}

interface Lookups {
  zonesOf(subnetIds: unknown): string;
  subnetGroupZones(type: string, name: unknown): string;
}

function defined(settings: Record<string, unknown>): Record<string, SettingValue> {
  return Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined && v !== "" && (typeof v === "string" || typeof v === "number" || typeof v === "boolean"))) as Record<
    string,
    SettingValue
  >;
}

function settingsOf(r: RegisteredResource, lookups: Lookups): Record<string, SettingValue> {
  const i = r.inputs;
  switch (r.type) {
    case "aws:ec2/vpc:Vpc":
      return defined({ cidrBlock: i.cidrBlock });
    case "aws:ec2/subnet:Subnet":
      return defined({ cidrBlock: i.cidrBlock, availabilityZone: i.availabilityZone, public: i.mapPublicIpOnLaunch === true });
    case "aws:ec2/natGateway:NatGateway":
      return defined({ connectivityType: i.connectivityType ?? "public", availabilityZone: lookups.zonesOf(i.subnetId) });
    case "aws:ec2/instance:Instance": {
      const root = (i.rootBlockDevice ?? {}) as Record<string, unknown>;
      return defined({
        instanceType: i.instanceType,
        availabilityZone: lookups.zonesOf(i.subnetId),
        rootVolume: root.volumeSize === undefined ? undefined : `${String(root.volumeSize)} GB ${String(root.volumeType ?? "")}${root.encrypted ? " encrypted" : ""}`.trim(),
        publicIp: i.associatePublicIpAddress === true,
        imdsTokens: (i.metadataOptions as Record<string, unknown> | undefined)?.httpTokens,
      });
    }
    case "aws:ec2/eip:Eip":
      return defined({ domain: i.domain, attached: i.instance !== undefined });
    case "aws:ec2/securityGroup:SecurityGroup":
      return defined({ ingressRules: Array.isArray(i.ingress) ? i.ingress.length : 0, egressRules: Array.isArray(i.egress) ? i.egress.length : 0 });
    case "aws:rds/instance:Instance":
      return defined({
        engine: `${String(i.engine)} ${String(i.engineVersion ?? "")}`.trim(),
        instanceClass: i.instanceClass,
        storage: `${String(i.allocatedStorage)} GB ${String(i.storageType ?? "gp3")}${i.storageEncrypted ? " encrypted" : ""}`,
        multiAz: i.multiAz === true,
        subnetGroupZones: lookups.subnetGroupZones("aws:rds/subnetGroup:SubnetGroup", i.dbSubnetGroupName),
        publiclyAccessible: i.publiclyAccessible === true,
        backupRetentionDays: i.backupRetentionPeriod,
        managedPassword: i.manageMasterUserPassword === true,
      });
    case "aws:elasticache/replicationGroup:ReplicationGroup":
      return defined({
        engine: `${String(i.engine ?? "redis")} ${String(i.engineVersion ?? "")}`.trim(),
        nodeType: i.nodeType,
        nodes: i.numCacheClusters ?? 1,
        multiAz: i.multiAzEnabled === true,
        subnetGroupZones: lookups.subnetGroupZones("aws:elasticache/subnetGroup:SubnetGroup", i.subnetGroupName),
        transitEncryption: i.transitEncryptionEnabled === true,
      });
    case "aws:rds/parameterGroup:ParameterGroup":
    case "aws:elasticache/parameterGroup:ParameterGroup":
      return defined({ family: i.family });
    case "aws:rds/subnetGroup:SubnetGroup":
    case "aws:elasticache/subnetGroup:SubnetGroup":
      return defined({ availabilityZones: lookups.zonesOf(i.subnetIds) });
    case "aws:lb/loadBalancer:LoadBalancer":
      return defined({ type: i.loadBalancerType ?? "application", internetFacing: i.internal !== true, availabilityZones: lookups.zonesOf(i.subnets) });
    case "aws:lb/targetGroup:TargetGroup": {
      const check = (i.healthCheck ?? {}) as Record<string, unknown>;
      return defined({ port: i.port, protocol: i.protocol, healthCheckPath: check.path, deregistrationDelaySeconds: i.deregistrationDelay });
    }
    case "aws:lb/listener:Listener":
      return defined({ port: i.port, protocol: i.protocol, sslPolicy: i.sslPolicy, action: ((i.defaultActions as Record<string, unknown>[] | undefined) ?? [])[0]?.type });
    case "aws:ec2/launchTemplate:LaunchTemplate": {
      const ebs = (((i.blockDeviceMappings as Record<string, unknown>[] | undefined) ?? [])[0]?.ebs ?? {}) as Record<string, unknown>;
      return defined({
        instanceType: i.instanceType,
        rootVolume: ebs.volumeSize === undefined ? undefined : `${String(ebs.volumeSize)} GB ${String(ebs.volumeType ?? "")}${String(ebs.encrypted) === "true" ? " encrypted" : ""}`.trim(),
        publicIp: String(((i.networkInterfaces as Record<string, unknown>[] | undefined) ?? [])[0]?.associatePublicIpAddress) === "true",
        imdsTokens: (i.metadataOptions as Record<string, unknown> | undefined)?.httpTokens,
      });
    }
    case "aws:autoscaling/group:Group":
      return defined({
        minSize: i.minSize,
        maxSize: i.maxSize,
        desiredCapacity: i.desiredCapacity,
        availabilityZones: lookups.zonesOf(i.vpcZoneIdentifiers),
        healthCheckType: i.healthCheckType,
        launchTemplateVersion: (i.launchTemplate as Record<string, unknown> | undefined)?.version,
      });
    case "aws:ssm/parameter:Parameter":
      return defined({ name: i.name, type: i.type, tier: i.tier });
    case "aws:cloudwatch/metricAlarm:MetricAlarm":
      return defined({ metric: `${String(i.namespace)} ${String(i.metricName)}`, threshold: i.threshold });
    case "tls:index/privateKey:PrivateKey":
      return defined({ algorithm: i.algorithm });
    case "random:index/randomPassword:RandomPassword":
      return defined({ length: i.length });
    default:
      return {};
  }
}
