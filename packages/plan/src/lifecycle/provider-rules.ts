/**
 * What the providers do with a changed input: which properties force a new resource (and so a
 * replacement), read from each provider's source, one source per rule. The AWS rules are
 * hashicorp/terraform-provider-aws v6.58.0, read function by function from
 * lonegunmanb/terraform-provider-aws-index (tag v6.58.0, commit 2f6e22c4; line numbers point
 * into its `func.<name>.goindex` copies). @pulumi/aws 7.48.0 bridges v6.63 or later; every input
 * of these resources in its typings matches v6.58's schema, apart from
 * rds.Instance.warningEventCategories and replicationGroup.authTokenWo*, which this project
 * does not set. Pulumi's own overrides (pulumi/pulumi-aws provider/resource_overrides.go)
 * change no ForceNew flag here; they auto-name `name`, `identifier`, `replicationGroupId` and
 * `keyName`, which is why those replace create-before-delete without a name clash.
 * A type missing from this table is reported by the model, never assumed safe.
 */

import { STAMPS, architectureOf, stampOf } from "@trafficlab/api-host";

export interface ReplaceRule {
  /** Input property path, dot-separated, without array indices. A change at or under it counts. */
  property: string;
  /** Where the rule was read. */
  source: string;
  /** For a conditional rule (a CustomizeDiff): replace only when this holds for the old and new value. */
  when?: (before: unknown, after: unknown, inputs: { before: Record<string, unknown>; after: Record<string, unknown> }) => boolean;
  note?: string;
}

/** An update the provider makes in place, but not quietly: what the user should know before `pulumi up`. */
export interface DisruptiveUpdate {
  property: string;
  effect: string;
  source: string;
  /** Only when this holds (e.g. applied now rather than in the maintenance window); `before` is the previous inputs. */
  when?: (inputs: Record<string, unknown>, before: Record<string, unknown>) => boolean;
}

/** A compose-up step on the same host whose compose project changed: compose recreates the changed services. */
function recreatesComposeServices(inputs: Record<string, unknown>, before: Record<string, unknown>): boolean {
  const script = inputs.update ?? inputs.create;
  if (typeof script !== "string" || !script.includes("docker compose up")) return false;
  const previous = before.update ?? before.create;
  const sameHost = stampOf(script, STAMPS.host) === stampOf(previous, STAMPS.host);
  if (!sameHost || stampOf(script, STAMPS.composeFile) === stampOf(previous, STAMPS.composeFile)) return false;
  // Only nginx's own definition recreates the edge; the ACME client beside it can change without an outage.
  // A stack recorded before the nginx stamp existed has none: then any compose change counts.
  const nginxBefore = stampOf(previous, STAMPS.proxyService);
  return nginxBefore === undefined || nginxBefore !== stampOf(script, STAMPS.proxyService);
}

const defined = (value: unknown) => value !== undefined && value !== null && value !== "";

function restoredFrom(_before: unknown, after: unknown): boolean {
  return defined(after);
}

function addedOrRemoved(before: unknown, after: unknown): boolean {
  return defined(before) !== defined(after);
}

function trueToFalse(before: unknown, after: unknown): boolean {
  return before === true && after !== true;
}

function engineChangeExceptValkeyUpgrade(before: unknown, after: unknown): boolean {
  return !(before === "redis" && after === "valkey");
}

function versionParts(version: unknown): number[] {
  return String(version ?? "").split(".").map((part) => Number(part) || 0);
}

function versionDowngrade(before: unknown, after: unknown): boolean {
  const [a, b] = [versionParts(before), versionParts(after)];
  for (let i = 0; i < Math.max(a.length, b.length); i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (b[i] ?? 0) < (a[i] ?? 0);
  return false;
}

function transitEncryptionBefore705(_before: unknown, _after: unknown, inputs: { before: Record<string, unknown> }): boolean {
  return versionDowngrade("7.0.5", inputs.before.engineVersion);
}

function userDataReplaceOnChange(_before: unknown, _after: unknown, inputs: { after: Record<string, unknown> }): boolean {
  return inputs.after.userDataReplaceOnChange === true;
}

function architectureChange(before: unknown, after: unknown): boolean {
  return architectureOf(String(before)) !== architectureOf(String(after));
}

/** A rule's source changes type (a CIDR becomes a security group): the framework resource's ModifyPlan replaces it. */
function sourceTypeChange(before: unknown, after: unknown): boolean {
  return defined(before) !== defined(after);
}

function isNetworkLoadBalancer(inputs: { before: Record<string, unknown>; after: Record<string, unknown> }): boolean {
  return inputs.after.loadBalancerType === "network" || inputs.before.loadBalancerType === "network";
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** An existing subnet mapping of an ALB changed: some went and others came; a pure addition or removal is in place. */
function albSubnetMappingChanged(before: unknown, after: unknown, inputs: { before: Record<string, unknown>; after: Record<string, unknown> }): boolean {
  if (isNetworkLoadBalancer(inputs)) return true;
  const [old, next] = [asList(before).map((m) => JSON.stringify(m)), asList(after).map((m) => JSON.stringify(m))];
  return old.some((m) => !next.includes(m)) && next.some((m) => !old.includes(m));
}

function nlbSubnetsRemoved(before: unknown, after: unknown, inputs: { before: Record<string, unknown>; after: Record<string, unknown> }): boolean {
  const next = asList(after).map(String);
  return isNetworkLoadBalancer(inputs) && asList(before).some((subnet) => !next.includes(String(subnet)));
}

function nlbSecurityGroupsAddedOrAllRemoved(before: unknown, after: unknown, inputs: { before: Record<string, unknown>; after: Record<string, unknown> }): boolean {
  return isNetworkLoadBalancer(inputs) && (asList(before).length === 0) !== (asList(after).length === 0);
}

function nlbDecrease(before: unknown, after: unknown, inputs: { before: Record<string, unknown>; after: Record<string, unknown> }): boolean {
  return isNetworkLoadBalancer(inputs) && Number(after ?? 0) < Number(before ?? 0);
}

function httpTargetGroup(_before: unknown, _after: unknown, inputs: { after: Record<string, unknown> }): boolean {
  return ["HTTP", "HTTPS"].includes(String(inputs.after.protocol)) && inputs.after.targetType !== "lambda";
}

function advancedToStandard(before: unknown, after: unknown): boolean {
  return before === "Advanced" && after !== "Advanced";
}

function notImported(_before: unknown, _after: unknown, inputs: { after: Record<string, unknown> }): boolean {
  return !defined(inputs.after.certificateBody);
}

const SG_RULE_SOURCE = "tf-aws v6.58.0 ec2/method.securityGroupRuleResource.ModifyPlan#L53";

export const REPLACE_RULES: Readonly<Record<string, readonly ReplaceRule[]>> = {
  "aws:rds/instance:Instance": [
    { property: "availabilityZone", source: "tf-aws v6.58.0 rds/func.resourceInstance#L126" },
    { property: "backupTarget", source: "tf-aws v6.58.0 rds/func.resourceInstance#L138" },
    { property: "characterSetName", source: "tf-aws v6.58.0 rds/func.resourceInstance#L172" },
    { property: "customIamInstanceProfile", source: "tf-aws v6.58.0 rds/func.resourceInstance#L188" },
    { property: "dbName", source: "tf-aws v6.58.0 rds/func.resourceInstance#L205" },
    { property: "engine", source: "tf-aws v6.58.0 rds/func.resourceInstance#L283" },
    { property: "kmsKeyId", source: "tf-aws v6.58.0 rds/func.resourceInstance#L349" },
    { property: "ncharCharacterSetName", source: "tf-aws v6.58.0 rds/func.resourceInstance#L456" },
    { property: "restoreToPointInTime", when: addedOrRemoved, note: "adding or removing the block", source: "tf-aws v6.58.0 rds/func.resourceInstance#L548" },
    { property: "s3Import.bucketName", source: "tf-aws v6.58.0 rds/func.resourceInstance#L595" },
    { property: "s3Import.bucketPrefix", source: "tf-aws v6.58.0 rds/func.resourceInstance#L600" },
    { property: "s3Import.ingestionRole", source: "tf-aws v6.58.0 rds/func.resourceInstance#L605" },
    { property: "s3Import.sourceEngine", source: "tf-aws v6.58.0 rds/func.resourceInstance#L610" },
    { property: "s3Import.sourceEngineVersion", source: "tf-aws v6.58.0 rds/func.resourceInstance#L615" },
    { property: "snapshotIdentifier", when: restoredFrom, note: "Optional+Computed: removing it keeps the computed value; only a new snapshot replaces", source: "tf-aws v6.58.0 rds/func.resourceInstance#L629" },
    { property: "storageEncrypted", source: "tf-aws v6.58.0 rds/func.resourceInstance#L638" },
    { property: "timezone", source: "tf-aws v6.58.0 rds/func.resourceInstance#L656" },
    { property: "username", source: "tf-aws v6.58.0 rds/func.resourceInstance#L673" },
  ],
  "aws:rds/parameterGroup:ParameterGroup": [
    { property: "description", source: "tf-aws v6.58.0 rds/func.resourceParameterGroup#L48" },
    { property: "family", source: "tf-aws v6.58.0 rds/func.resourceParameterGroup#L54" },
    { property: "name", source: "tf-aws v6.58.0 rds/func.resourceParameterGroup#L60" },
    { property: "namePrefix", source: "tf-aws v6.58.0 rds/func.resourceParameterGroup#L68" },
  ],
  "aws:rds/subnetGroup:SubnetGroup": [
    { property: "name", source: "tf-aws v6.58.0 rds/func.resourceSubnetGroup#L46" },
    { property: "namePrefix", source: "tf-aws v6.58.0 rds/func.resourceSubnetGroup#L54" },
  ],
  "aws:elasticache/replicationGroup:ReplicationGroup": [
    { property: "atRestEncryptionEnabled", source: "tf-aws v6.58.0 elasticache/func.resourceReplicationGroup#L65" },
    { property: "dataTieringEnabled", source: "tf-aws v6.58.0 elasticache/func.resourceReplicationGroup#L125" },
    { property: "durability", source: "tf-aws v6.58.0 elasticache/func.resourceReplicationGroup#L131" },
    { property: "globalReplicationGroupId", source: "tf-aws v6.58.0 elasticache/func.resourceReplicationGroup#L173" },
    { property: "kmsKeyId", source: "tf-aws v6.58.0 elasticache/func.resourceReplicationGroup#L197" },
    { property: "networkType", source: "tf-aws v6.58.0 elasticache/func.resourceReplicationGroup#L252" },
    { property: "port", source: "tf-aws v6.58.0 elasticache/func.resourceReplicationGroup#L341" },
    { property: "replicationGroupId", source: "tf-aws v6.58.0 elasticache/func.resourceReplicationGroup#L373" },
    { property: "securityGroupNames", source: "tf-aws v6.58.0 elasticache/func.resourceReplicationGroup#L383" },
    { property: "snapshotArns", source: "tf-aws v6.58.0 elasticache/func.resourceReplicationGroup#L395" },
    { property: "snapshotName", source: "tf-aws v6.58.0 elasticache/func.resourceReplicationGroup#L419" },
    { property: "subnetGroupName", source: "tf-aws v6.58.0 elasticache/func.resourceReplicationGroup#L425" },
    { property: "engine", when: engineChangeExceptValkeyUpgrade, note: "CustomizeDiff: any engine change except redis -> valkey", source: "tf-aws v6.58.0 elasticache/func.customizeDiffEngineForceNewOnDowngrade#L17" },
    { property: "engineVersion", when: versionDowngrade, note: "CustomizeDiff: only a downgrade", source: "tf-aws v6.58.0 elasticache/func.engineVersionForceNewOnDowngrade#L31" },
    { property: "transitEncryptionEnabled", when: transitEncryptionBefore705, note: "CustomizeDiff: only below engine 7.0.5", source: "tf-aws v6.58.0 elasticache/func.resourceReplicationGroup#L516" },
    { property: "nodeGroupConfigurations", source: "tf-aws v6.58.0 elasticache/func.resourceReplicationGroup#L488" },
  ],
  "aws:elasticache/parameterGroup:ParameterGroup": [
    { property: "description", source: "tf-aws v6.58.0 elasticache/func.resourceParameterGroup#L45" },
    { property: "family", source: "tf-aws v6.58.0 elasticache/func.resourceParameterGroup#L51" },
    { property: "name", source: "tf-aws v6.58.0 elasticache/func.resourceParameterGroup#L55" },
  ],
  "aws:elasticache/subnetGroup:SubnetGroup": [
    { property: "name", source: "tf-aws v6.58.0 elasticache/func.resourceSubnetGroup#L48" },
  ],
  "aws:elasticache/user:User": [
    { property: "userId", source: "tf-aws v6.58.0 elasticache/func.resourceUser#L126" },
    { property: "userName", source: "tf-aws v6.58.0 elasticache/func.resourceUser#L132" },
  ],
  "aws:elasticache/userGroup:UserGroup": [
    { property: "userGroupId", source: "tf-aws v6.58.0 elasticache/func.resourceUserGroup#L56" },
  ],
  "aws:elasticache/userGroupAssociation:UserGroupAssociation": [
    { property: "userGroupId", source: "tf-aws v6.58.0 elasticache/func.resourceUserGroupAssociation#L40" },
    { property: "userId", source: "tf-aws v6.58.0 elasticache/func.resourceUserGroupAssociation#L45" },
  ],
  "aws:ec2/instance:Instance": [
    { property: "ami", source: "tf-aws v6.58.0 ec2/func.resourceInstanceSchema#L47" },
    { property: "associatePublicIpAddress", source: "tf-aws v6.58.0 ec2/func.resourceInstanceSchema#L58" },
    { property: "availabilityZone", source: "tf-aws v6.58.0 ec2/func.resourceInstanceSchema#L66" },
    { property: "cpuOptions.amdSevSnp", source: "tf-aws v6.58.0 ec2/func.resourceInstanceSchema#L116" },
    { property: "ebsBlockDevices.deleteOnTermination", source: "tf-aws v6.58.0 ec2/func.resourceInstanceSchema#L195" },
    { property: "ebsBlockDevices.deviceName", source: "tf-aws v6.58.0 ec2/func.resourceInstanceSchema#L200" },
    { property: "ebsBlockDevices.encrypted", source: "tf-aws v6.58.0 ec2/func.resourceInstanceSchema#L206" },
    { property: "ebsBlockDevices.iops", source: "tf-aws v6.58.0 ec2/func.resourceInstanceSchema#L212" },
    { property: "ebsBlockDevices.kmsKeyId", source: "tf-aws v6.58.0 ec2/func.resourceInstanceSchema#L219" },
    { property: "ebsBlockDevices.snapshotId", source: "tf-aws v6.58.0 ec2/func.resourceInstanceSchema#L225" },
    { property: "ebsBlockDevices.throughput", source: "tf-aws v6.58.0 ec2/func.resourceInstanceSchema#L233" },
    { property: "ebsBlockDevices.volumeSize", source: "tf-aws v6.58.0 ec2/func.resourceInstanceSchema#L244" },
    { property: "ebsBlockDevices.volumeType", source: "tf-aws v6.58.0 ec2/func.resourceInstanceSchema#L250" },
    { property: "ebsOptimized", source: "tf-aws v6.58.0 ec2/func.resourceInstanceSchema#L267" },
    { property: "enclaveOptions.enabled", source: "tf-aws v6.58.0 ec2/func.resourceInstanceSchema#L280" },
    { property: "ephemeralBlockDevices", source: "tf-aws v6.58.0 ec2/func.resourceInstanceSchema#L294" },
    { property: "hibernation", source: "tf-aws v6.58.0 ec2/func.resourceInstanceSchema#L335" },
    { property: "hostId", source: "tf-aws v6.58.0 ec2/func.resourceInstanceSchema#L341" },
    { property: "instanceMarketOptions", source: "tf-aws v6.58.0 ec2/func.resourceInstanceSchema#L367" },
    { property: "keyName", source: "tf-aws v6.58.0 ec2/func.resourceInstanceSchema#L454" },
    { property: "launchTemplate", source: "tf-aws v6.58.0 ec2/func.resourceInstanceSchema#L461" },
    { property: "launchTemplate.version", note: "CustomizeDiff: when the resolved template version changes", source: "tf-aws v6.58.0 ec2/func.resourceInstance#L116" },
    { property: "networkInterfaces.deleteOnTermination", source: "tf-aws v6.58.0 ec2/func.resourceInstanceSchema#L562" },
    { property: "networkInterfaces.deviceIndex", source: "tf-aws v6.58.0 ec2/func.resourceInstanceSchema#L562" },
    { property: "networkInterfaces.networkCardIndex", source: "tf-aws v6.58.0 ec2/func.resourceInstanceSchema#L562" },
    { property: "networkInterfaces.networkInterfaceId", source: "tf-aws v6.58.0 ec2/func.resourceInstanceSchema#L562" },
    { property: "placementGroup", source: "tf-aws v6.58.0 ec2/func.resourceInstanceSchema#L597" },
    { property: "placementGroupId", source: "tf-aws v6.58.0 ec2/func.resourceInstanceSchema#L604" },
    { property: "placementPartitionNumber", source: "tf-aws v6.58.0 ec2/func.resourceInstanceSchema#L611" },
    { property: "primaryNetworkInterface.networkInterfaceId", source: "tf-aws v6.58.0 ec2/func.resourceInstanceSchema#L633" },
    { property: "privateDnsNameOptions", when: addedOrRemoved, note: "adding or removing the block", source: "tf-aws v6.58.0 ec2/func.resourceInstanceSchema#L646" },
    { property: "privateIp", source: "tf-aws v6.58.0 ec2/func.resourceInstanceSchema#L672" },
    { property: "rootBlockDevice.encrypted", source: "tf-aws v6.58.0 ec2/func.resourceInstanceSchema#L706" },
    { property: "rootBlockDevice.kmsKeyId", source: "tf-aws v6.58.0 ec2/func.resourceInstanceSchema#L718" },
    { property: "secondaryNetworkInterfaces.deleteOnTermination", source: "tf-aws v6.58.0 ec2/func.resourceInstanceSchema#L765" },
    { property: "secondaryNetworkInterfaces.deviceIndex", source: "tf-aws v6.58.0 ec2/func.resourceInstanceSchema#L765" },
    { property: "secondaryNetworkInterfaces.interfaceType", source: "tf-aws v6.58.0 ec2/func.resourceInstanceSchema#L765" },
    { property: "secondaryNetworkInterfaces.networkCardIndex", source: "tf-aws v6.58.0 ec2/func.resourceInstanceSchema#L765" },
    { property: "secondaryNetworkInterfaces.privateIpAddressCount", source: "tf-aws v6.58.0 ec2/func.resourceInstanceSchema#L765" },
    { property: "secondaryNetworkInterfaces.secondarySubnetId", source: "tf-aws v6.58.0 ec2/func.resourceInstanceSchema#L765" },
    { property: "securityGroups", source: "tf-aws v6.58.0 ec2/func.resourceInstanceSchema#L833" },
    { property: "subnetId", source: "tf-aws v6.58.0 ec2/func.resourceInstanceSchema#L855" },
    { property: "tenancy", source: "tf-aws v6.58.0 ec2/func.resourceInstanceSchema#L863" },
    { property: "userData", when: userDataReplaceOnChange, note: "CustomizeDiff: only with userDataReplaceOnChange; else stop, modify, start", source: "tf-aws v6.58.0 ec2/func.resourceInstance#L156" },
    { property: "userDataBase64", when: userDataReplaceOnChange, note: "CustomizeDiff: only with userDataReplaceOnChange; else stop, modify, start", source: "tf-aws v6.58.0 ec2/func.resourceInstance#L159" },
    { property: "enablePrimaryIpv6", when: trueToFalse, note: "CustomizeDiff: only true -> false", source: "tf-aws v6.58.0 ec2/func.resourceInstance#L162" },
    { property: "instanceType", when: architectureChange, note: "CustomizeDiff: only to a type of another CPU architecture; else stop, modify, start", source: "tf-aws v6.58.0 ec2/func.resourceInstance#L166" },
    { property: "ipv6Addresses", source: "tf-aws v6.58.0 ec2/func.resourceInstance#L203" },
  ],
  "aws:ec2/keyPair:KeyPair": [
    { property: "keyName", source: "tf-aws v6.58.0 ec2/func.resourceKeyPair#L52" },
    { property: "keyNamePrefix", source: "tf-aws v6.58.0 ec2/func.resourceKeyPair#L60" },
    { property: "publicKey", source: "tf-aws v6.58.0 ec2/func.resourceKeyPair#L75" },
  ],
  "aws:ec2/eip:Eip": [
    { property: "address", source: "tf-aws v6.58.0 ec2/func.resourceEIP#L42" },
    { property: "domain", source: "tf-aws v6.58.0 ec2/func.resourceEIP#L74" },
    { property: "ipamPoolId", source: "tf-aws v6.58.0 ec2/func.resourceEIP#L87" },
    { property: "networkBorderGroup", source: "tf-aws v6.58.0 ec2/func.resourceEIP#L94" },
    { property: "publicIpv4Pool", source: "tf-aws v6.58.0 ec2/func.resourceEIP#L124" },
  ],
  "aws:ec2/securityGroup:SecurityGroup": [
    { property: "description", source: "tf-aws v6.58.0 ec2/func.resourceSecurityGroup#L59" },
    { property: "name", source: "tf-aws v6.58.0 ec2/func.resourceSecurityGroup#L69" },
    { property: "namePrefix", source: "tf-aws v6.58.0 ec2/func.resourceSecurityGroup#L80" },
    { property: "vpcId", source: "tf-aws v6.58.0 ec2/func.resourceSecurityGroup#L101" },
  ],
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": [
    ...["cidrIpv4", "cidrIpv6", "referencedSecurityGroupId", "prefixListId"].map((property) => ({ property, when: sourceTypeChange, source: SG_RULE_SOURCE })),
    { property: "securityGroupId", source: "tf-aws v6.58.0 ec2/method.securityGroupRuleResource.Schema#L83" },
  ],
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": [
    ...["cidrIpv4", "cidrIpv6", "referencedSecurityGroupId", "prefixListId"].map((property) => ({ property, when: sourceTypeChange, source: SG_RULE_SOURCE })),
    { property: "securityGroupId", source: "tf-aws v6.58.0 ec2/method.securityGroupRuleResource.Schema#L83" },
  ],
  "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": [
    { property: "vpcId", source: "tf-aws v6.58.0 ec2/func.resourceDefaultSecurityGroup#L68" },
  ],
  "aws:ec2/vpc:Vpc": [
    { property: "cidrBlock", source: "tf-aws v6.58.0 ec2/func.resourceVPC#L64" },
    { property: "ipv4IpamPoolId", source: "tf-aws v6.58.0 ec2/func.resourceVPC#L108" },
    { property: "ipv4NetmaskLength", source: "tf-aws v6.58.0 ec2/func.resourceVPC#L113" },
  ],
  "aws:ec2/subnet:Subnet": [
    { property: "availabilityZone", source: "tf-aws v6.58.0 ec2/func.resourceSubnet#L62" },
    { property: "availabilityZoneId", source: "tf-aws v6.58.0 ec2/func.resourceSubnet#L69" },
    { property: "cidrBlock", source: "tf-aws v6.58.0 ec2/func.resourceSubnet#L76" },
    { property: "ipv4IpamPoolId", source: "tf-aws v6.58.0 ec2/func.resourceSubnet#L107" },
    { property: "ipv4NetmaskLength", source: "tf-aws v6.58.0 ec2/func.resourceSubnet#L113" },
    { property: "ipv6IpamPoolId", source: "tf-aws v6.58.0 ec2/func.resourceSubnet#L131" },
    { property: "ipv6Native", source: "tf-aws v6.58.0 ec2/func.resourceSubnet#L136" },
    { property: "ipv6NetmaskLength", source: "tf-aws v6.58.0 ec2/func.resourceSubnet#L142" },
    { property: "outpostArn", source: "tf-aws v6.58.0 ec2/func.resourceSubnet#L160" },
    { property: "vpcId", source: "tf-aws v6.58.0 ec2/func.resourceSubnet#L178" },
    { property: "ipv6CidrBlock", source: "tf-aws v6.58.0 ec2/func.resourceSubnet#L182" },
  ],
  "aws:ec2/routeTable:RouteTable": [
    { property: "vpcId", source: "tf-aws v6.58.0 ec2/func.resourceRouteTable#L138" },
  ],
  "aws:ec2/route:Route": [
    { property: "routeTableId", source: "tf-aws v6.58.0 ec2/func.resourceRoute#L41" },
    { property: "destinationCidrBlock", source: "tf-aws v6.58.0 ec2/func.resourceRoute#L50" },
    { property: "destinationIpv6CidrBlock", source: "tf-aws v6.58.0 ec2/func.resourceRoute#L57" },
    { property: "destinationPrefixListId", source: "tf-aws v6.58.0 ec2/func.resourceRoute#L65" },
  ],
  "aws:ec2/routeTableAssociation:RouteTableAssociation": [
    { property: "gatewayId", source: "tf-aws v6.58.0 ec2/func.resourceRouteTableAssociation#L43" },
    { property: "subnetId", source: "tf-aws v6.58.0 ec2/func.resourceRouteTableAssociation#L53" },
  ],
  "aws:ec2/internetGateway:InternetGateway": [
  ],
  "aws:ec2/natGateway:NatGateway": [
    { property: "allocationId", source: "tf-aws v6.58.0 ec2/func.resourceNATGateway#L44" },
    { property: "availabilityMode", source: "tf-aws v6.58.0 ec2/func.resourceNATGateway#L62" },
    { property: "connectivityType", source: "tf-aws v6.58.0 ec2/func.resourceNATGateway#L97" },
    { property: "privateIp", source: "tf-aws v6.58.0 ec2/func.resourceNATGateway#L109" },
    { property: "subnetId", source: "tf-aws v6.58.0 ec2/func.resourceNATGateway#L183" },
    { property: "vpcId", source: "tf-aws v6.58.0 ec2/func.resourceNATGateway#L191" },
    { property: "secondaryPrivateIpAddressCount", source: "tf-aws v6.58.0 ec2/func.resourceNATGatewayCustomizeDiff#L39" },
  ],
  // The fleet's types (@trafficlab/fleet), from /work/research/force-new-fleet.json: every input of
  // @pulumi/aws 7.48.0 compared with the v6.58.0 schema; conditional rules carry their CustomizeDiff.
  "aws:lb/loadBalancer:LoadBalancer": [
    { property: "customerOwnedIpv4Pool", source: "tf-aws v6.58.0 elbv2/func.resourceLoadBalancer#L137" },
    { property: "internal", source: "tf-aws v6.58.0 elbv2/func.resourceLoadBalancer#L256" },
    { property: "loadBalancerType", source: "tf-aws v6.58.0 elbv2/func.resourceLoadBalancer#L281" },
    { property: "name", source: "tf-aws v6.58.0 elbv2/func.resourceLoadBalancer#L304" },
    { property: "namePrefix", source: "tf-aws v6.58.0 elbv2/func.resourceLoadBalancer#L312" },
    { property: "subnetMappings", when: albSubnetMappingChanged, note: "CustomizeDiff (ALB): an existing mapping changed; pure additions and removals are in place (SetSubnets)", source: "tf-aws v6.58.0 elbv2/func.customizeDiffLoadBalancerALB#L64" },
    { property: "subnets", when: nlbSubnetsRemoved, note: "CustomizeDiff: Network Load Balancers only, when subnets are removed; an ALB's change is in place", source: "tf-aws v6.58.0 elbv2/func.customizeDiffLoadBalancerNLB#L104" },
    { property: "securityGroups", when: nlbSecurityGroupsAddedOrAllRemoved, note: "CustomizeDiff: Network Load Balancers only (groups added to one created without, or all removed); an ALB's change is in place", source: "tf-aws v6.58.0 elbv2/func.resourceLoadBalancerCustomizeDiff#L85" },
    { property: "secondaryIpsAutoAssignedPerSubnet", when: nlbDecrease, note: "CustomizeDiff: Network Load Balancers only, a decrease", source: "tf-aws v6.58.0 elbv2/func.resourceLoadBalancerCustomizeDiff#L94" },
  ],
  "aws:lb/targetGroup:TargetGroup": [
    { property: "ipAddressType", source: "tf-aws v6.58.0 elbv2/func.resourceTargetGroup#L145" },
    { property: "name", source: "tf-aws v6.58.0 elbv2/func.resourceTargetGroup#L180" },
    { property: "namePrefix", source: "tf-aws v6.58.0 elbv2/func.resourceTargetGroup#L188" },
    { property: "port", source: "tf-aws v6.58.0 elbv2/func.resourceTargetGroup#L195" },
    { property: "protocol", source: "tf-aws v6.58.0 elbv2/func.resourceTargetGroup#L209" },
    { property: "protocolVersion", when: httpTargetGroup, note: "DiffSuppressFunc: a change counts only for HTTP/HTTPS targets that are not Lambda", source: "tf-aws v6.58.0 elbv2/func.resourceTargetGroup#L217" },
    { property: "targetControlPort", source: "tf-aws v6.58.0 elbv2/func.resourceTargetGroup#L293" },
    { property: "targetType", source: "tf-aws v6.58.0 elbv2/func.resourceTargetGroup#L389" },
    { property: "vpcId", source: "tf-aws v6.58.0 elbv2/func.resourceTargetGroup#L395" },
  ],
  "aws:lb/listener:Listener": [
    { property: "loadBalancerArn", source: "tf-aws v6.58.0 elbv2/func.resourceListener#L380" },
  ],
  "aws:lb/listenerRule:ListenerRule": [
    { property: "listenerArn", source: "tf-aws v6.58.0 elbv2/func.resourceListenerRule#L503" },
  ],
  "aws:ec2/launchTemplate:LaunchTemplate": [
    { property: "name", source: "tf-aws v6.58.0 ec2/func.resourceLaunchTemplate#L706" },
    { property: "namePrefix", source: "tf-aws v6.58.0 ec2/func.resourceLaunchTemplate#L714" },
  ],
  "aws:autoscaling/group:Group": [
    { property: "initialLifecycleHooks", source: "tf-aws v6.58.0 autoscaling/func.resourceGroup#L191" },
    { property: "name", source: "tf-aws v6.58.0 autoscaling/func.resourceGroup#L877" },
    { property: "namePrefix", source: "tf-aws v6.58.0 autoscaling/func.resourceGroup#L885" },
  ],
  "aws:autoscaling/policy:Policy": [
    { property: "autoscalingGroupName", source: "tf-aws v6.58.0 autoscaling/func.resourcePolicy#L129" },
    { property: "name", source: "tf-aws v6.58.0 autoscaling/func.resourcePolicy#L157" },
  ],
  "aws:iam/role:Role": [
    { property: "name", source: "tf-aws v6.58.0 iam/func.resourceRole#L156" },
    { property: "namePrefix", source: "tf-aws v6.58.0 iam/func.resourceRole#L164" },
    { property: "path", source: "tf-aws v6.58.0 iam/func.resourceRole#L172" },
  ],
  // The ci stack's role boundary; its `policy` changes in place (CreatePolicyVersion, func.resourcePolicyUpdate).
  "aws:iam/policy:Policy": [
    { property: "description", source: "tf-aws v6.58.0 iam/func.resourcePolicy#L51" },
    { property: "name", source: "tf-aws v6.58.0 iam/func.resourcePolicy#L58" },
    { property: "namePrefix", source: "tf-aws v6.58.0 iam/func.resourcePolicy#L66" },
    { property: "path", source: "tf-aws v6.58.0 iam/func.resourcePolicy#L74" },
  ],
  "aws:iam/rolePolicy:RolePolicy": [
    { property: "name", source: "tf-aws v6.58.0 iam/func.resourceRolePolicy#L37" },
    { property: "namePrefix", source: "tf-aws v6.58.0 iam/func.resourceRolePolicy#L45" },
    { property: "role", source: "tf-aws v6.58.0 iam/func.resourceRolePolicy#L63" },
  ],
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment": [
    { property: "policyArn", source: "tf-aws v6.58.0 iam/func.resourceRolePolicyAttachment#L33" },
    { property: "role", source: "tf-aws v6.58.0 iam/func.resourceRolePolicyAttachment#L39" },
  ],
  "aws:iam/instanceProfile:InstanceProfile": [
    { property: "name", source: "tf-aws v6.58.0 iam/func.resourceInstanceProfile#L46" },
    { property: "namePrefix", source: "tf-aws v6.58.0 iam/func.resourceInstanceProfile#L54" },
    { property: "path", source: "tf-aws v6.58.0 iam/func.resourceInstanceProfile#L62" },
  ],
  "aws:ssm/parameter:Parameter": [
    { property: "dataType", source: "tf-aws v6.58.0 ssm/func.resourceParameter#L86" },
    { property: "name", source: "tf-aws v6.58.0 ssm/func.resourceParameter#L111" },
    { property: "tier", when: advancedToStandard, note: "customdiff.ForceNewIfChange: only Advanced -> Standard (AWS cannot downgrade)", source: "tf-aws v6.58.0 ssm/func.resourceParameter#L167" },
  ],
  "aws:acm/certificate:Certificate": [
    { property: "certificateAuthorityArn", source: "tf-aws v6.58.0 acm/func.resourceCertificate#L53" },
    { property: "keyAlgorithm", source: "tf-aws v6.58.0 acm/func.resourceCertificate#L110" },
    { property: "validationMethod", source: "tf-aws v6.58.0 acm/func.resourceCertificate#L223" },
    { property: "validationOptions", source: "tf-aws v6.58.0 acm/func.resourceCertificate#L230" },
    { property: "domainName", when: notImported, note: "CustomizeDiff: Amazon-issued certificates only (an imported one takes it from its body)", source: "tf-aws v6.58.0 acm/func.resourceCertificate#L345" },
    { property: "subjectAlternativeNames", when: notImported, note: "CustomizeDiff: Amazon-issued certificates only", source: "tf-aws v6.58.0 acm/func.resourceCertificate#L350" },
  ],
  "aws:acm/certificateValidation:CertificateValidation": [
    { property: "certificateArn", source: "tf-aws v6.58.0 acm/func.resourceCertificateValidation#L36" },
    { property: "validationRecordFqdns", source: "tf-aws v6.58.0 acm/func.resourceCertificateValidation#L41" },
  ],
  "aws:route53/record:Record": [
    { property: "name", source: "tf-aws v6.58.0 route53/func.resourceRecord#L262" },
    { property: "zoneId", source: "tf-aws v6.58.0 route53/func.resourceRecord#L317" },
  ],
  "aws:cloudwatch/metricAlarm:MetricAlarm": [
    { property: "name", source: "tf-aws v6.58.0 cloudwatch/func.resourceMetricAlarm#L71" },
  ],
  "aws:cloudwatch/logGroup:LogGroup": [
    // retention_in_days is not ForceNew: PutRetentionPolicy in place.
    { property: "name", source: "tf-aws internal/service/logs/group.go resourceGroup (name ForceNew)" },
    { property: "namePrefix", source: "tf-aws internal/service/logs/group.go resourceGroup (name_prefix ForceNew)" },
  ],
  "aws:sns/topic:Topic": [
    { property: "fifoTopic", source: "tf-aws v6.58.0 sns/var.topicSchema#L78" },
    { property: "name", source: "tf-aws v6.58.0 sns/var.topicSchema#L133" },
    { property: "namePrefix", source: "tf-aws v6.58.0 sns/var.topicSchema#L140" },
  ],
  "aws:sns/topicPolicy:TopicPolicy": [
    // policy is not ForceNew: SetTopicAttributes in place (the same upsert creates and updates).
    { property: "arn", source: "tf-aws internal/service/sns/topic_policy.go resourceTopicPolicy (arn ForceNew), read 2026-12 at 00a35305" },
  ],
  // Amazon Managed Service for Prometheus. alias, logging_configuration and tags change in place
  // (UpdateWorkspaceAlias, UpdateLoggingConfiguration); data and definition too (Put*).
  "aws:amp/workspace:Workspace": [
    { property: "kmsKeyArn", source: "tf-aws internal/service/amp/workspace.go resourceWorkspace (kms_key_arn ForceNew), read 2026-12 at 0620f2a6" },
    {
      property: "alias",
      when: (before, after) => defined(before) && !defined(after),
      note: "CustomizeDiff: an alias once set cannot be unset; a change of it is an update",
      source: "tf-aws internal/service/amp/workspace.go resourceWorkspace CustomizeDiff ForceNewIfChange(alias), read 2026-12 at 0620f2a6",
    },
  ],
  "aws:amp/ruleGroupNamespace:RuleGroupNamespace": [
    { property: "name", source: "tf-aws internal/service/amp/rule_group_namespace.go resourceRuleGroupNamespace (name ForceNew), read 2026-12 at 09537f61" },
    { property: "workspaceId", source: "tf-aws internal/service/amp/rule_group_namespace.go resourceRuleGroupNamespace (workspace_id ForceNew), read 2026-12 at 09537f61" },
  ],
  "aws:amp/alertManagerDefinition:AlertManagerDefinition": [
    { property: "workspaceId", source: "tf-aws internal/service/amp/alert_manager_definition.go ResourceAlertManagerDefinition (workspace_id ForceNew), read 2026-12 at 02910eec" },
  ],
  "aws:sns/topicSubscription:TopicSubscription": [
    { property: "endpoint", source: "tf-aws v6.58.0 sns/var.subscriptionSchema#L61" },
    { property: "protocol", source: "tf-aws v6.58.0 sns/var.subscriptionSchema#L86" },
    { property: "topic", source: "tf-aws v6.58.0 sns/var.subscriptionSchema#L104" },
  ],
  "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration": [
    { property: "configurationName", source: "tf-aws v6.58.0 chatbot/method.slackChannelConfigurationResource.Schema#L41" },
  ],
  "aws:kms/key:Key": [
    { property: "customKeyStoreId", source: "tf-aws v6.58.0 kms/func.resourceKey#L54" },
    { property: "customerMasterKeySpec", source: "tf-aws v6.58.0 kms/func.resourceKey#L60" },
    { property: "keyUsage", source: "tf-aws v6.58.0 kms/func.resourceKey#L92" },
    { property: "multiRegion", source: "tf-aws v6.58.0 kms/func.resourceKey#L100" },
    { property: "xksKeyId", source: "tf-aws v6.58.0 kms/func.resourceKey#L115" },
  ],
  // The ci stack (packages/ci), read in lonegunmanb/terraform-provider-aws-index v6.58.0 (commit 2f6e22c4).
  "aws:iam/openIdConnectProvider:OpenIdConnectProvider": [{ property: "url", source: "tf-aws v6.58.0 iam/func.resourceOpenIDConnectProvider#L53-L56" }],
  "aws:ecr/repository:Repository": [
    { property: "name", source: "tf-aws v6.58.0 ecr/func.resourceRepository#L119-L122" },
    { property: "encryptionConfigurations", source: "tf-aws v6.58.0 ecr/func.resourceRepository#L46-L67 (the block and encryption_type, kms_key)" },
  ],
  "aws:ecr/lifecyclePolicy:LifecyclePolicy": [
    { property: "policy", note: "ForceNew: a new policy is a delete and a PutLifecyclePolicy; nothing is lost between them", source: "tf-aws v6.58.0 ecr/func.resourceLifecyclePolicy#L33-L36" },
    { property: "repository", source: "tf-aws v6.58.0 ecr/func.resourceLifecyclePolicy#L49-L52" },
  ],
  "aws:kms/alias:Alias": [
    { property: "name", source: "tf-aws v6.58.0 kms/func.resourceAlias#L33-L37" },
    { property: "namePrefix", source: "tf-aws v6.58.0 kms/func.resourceAlias#L41-L45" },
  ],
  "aws:s3/bucket:Bucket": [
    { property: "bucket", source: "tf-aws v6.58.0 s3/func.resourceBucket#L88-L92" },
    { property: "bucketPrefix", source: "tf-aws v6.58.0 s3/func.resourceBucket#L110-L114" },
    { property: "bucketNamespace", source: "tf-aws v6.58.0 s3/func.resourceBucket#L103-L107" },
    { property: "objectLockEnabled", source: "tf-aws v6.58.0 s3/func.resourceBucket#L388-L392" },
  ],
  "aws:s3/bucketVersioning:BucketVersioning": [
    { property: "bucket", source: "tf-aws v6.58.0 s3/func.resourceBucketVersioning#L34-L37" },
    { property: "expectedBucketOwner", source: "tf-aws v6.58.0 s3/func.resourceBucketVersioning#L104 (CustomizeDiff ForceNew)" },
  ],
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": [
    { property: "bucket", source: "tf-aws v6.58.0 s3/func.resourceBucketServerSideEncryptionConfiguration#L32-L35" },
    { property: "expectedBucketOwner", source: "tf-aws v6.58.0 s3/func.resourceBucketServerSideEncryptionConfiguration#L101 (CustomizeDiff ForceNew)" },
  ],
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": [{ property: "bucket", source: "tf-aws v6.58.0 s3/func.resourceBucketPublicAccessBlock#L37-L40" }],
  "aws:s3/bucketPolicy:BucketPolicy": [{ property: "bucket", source: "tf-aws v6.58.0 s3/func.resourceBucketPolicy#L30-L33" }],
  "aws:secretsmanager/secret:Secret": [
    { property: "name", source: "tf-aws v6.58.0 secretsmanager/func.resourceSecret#L60" },
    { property: "namePrefix", source: "tf-aws v6.58.0 secretsmanager/func.resourceSecret#L68" },
    { property: "type", source: "tf-aws v6.58.0 secretsmanager/func.resourceSecret#L118" },
  ],
  "aws:secretsmanager/secretVersion:SecretVersion": [
    { property: "secretId", source: "tf-aws v6.58.0 secretsmanager/func.resourceSecretVersion#L51" },
    { property: "secretBinary", source: "tf-aws v6.58.0 secretsmanager/func.resourceSecretVersion#L56" },
    { property: "secretString", note: "CustomizeDiff: a new value is a new version (PutSecretValue); harmless", source: "tf-aws v6.58.0 secretsmanager/func.secretVersionForceNewCustomDiffInner#L62" },
    { property: "secretStringWo", note: "CustomizeDiff: a new value is a new version", source: "tf-aws v6.58.0 secretsmanager/func.secretVersionForceNewCustomDiffInner#L87" },
    { property: "secretStringWoVersion", note: "CustomizeDiff: a bumped version is a new version", source: "tf-aws v6.58.0 secretsmanager/func.secretVersionForceNewCustomDiffInner#L115" },
  ],
  "random:index/randomPassword:RandomPassword": [
    { property: "keepers", source: "hashicorp/terraform-provider-random@f8d869dc98d90785f6c8f7131081fa5ef88f9d95 internal/provider/resource_password.go#L576" },
    { property: "length", source: "hashicorp/terraform-provider-random@f8d869dc98d90785f6c8f7131081fa5ef88f9d95 internal/provider/resource_password.go#L585" },
    { property: "special", source: "hashicorp/terraform-provider-random@f8d869dc98d90785f6c8f7131081fa5ef88f9d95 internal/provider/resource_password.go#L604" },
    { property: "upper", source: "hashicorp/terraform-provider-random@f8d869dc98d90785f6c8f7131081fa5ef88f9d95 internal/provider/resource_password.go#L614" },
    { property: "lower", source: "hashicorp/terraform-provider-random@f8d869dc98d90785f6c8f7131081fa5ef88f9d95 internal/provider/resource_password.go#L624" },
    { property: "number", source: "hashicorp/terraform-provider-random@f8d869dc98d90785f6c8f7131081fa5ef88f9d95 internal/provider/resource_password.go#L637" },
    { property: "numeric", source: "hashicorp/terraform-provider-random@f8d869dc98d90785f6c8f7131081fa5ef88f9d95 internal/provider/resource_password.go#L657" },
    { property: "minNumeric", source: "hashicorp/terraform-provider-random@f8d869dc98d90785f6c8f7131081fa5ef88f9d95 internal/provider/resource_password.go#L674" },
    { property: "minUpper", source: "hashicorp/terraform-provider-random@f8d869dc98d90785f6c8f7131081fa5ef88f9d95 internal/provider/resource_password.go#L684" },
    { property: "minLower", source: "hashicorp/terraform-provider-random@f8d869dc98d90785f6c8f7131081fa5ef88f9d95 internal/provider/resource_password.go#L694" },
    { property: "minSpecial", source: "hashicorp/terraform-provider-random@f8d869dc98d90785f6c8f7131081fa5ef88f9d95 internal/provider/resource_password.go#L704" },
    { property: "overrideSpecial", source: "hashicorp/terraform-provider-random@f8d869dc98d90785f6c8f7131081fa5ef88f9d95 internal/provider/resource_password.go#L714" },
  ],
  "tls:index/privateKey:PrivateKey": [
    { property: "algorithm", source: "hashicorp/terraform-provider-tls@d72d90e1b47b7cb5ce6863f528af3154963d61b7 internal/provider/resource_private_key.go#L60" },
    { property: "rsaBits", source: "hashicorp/terraform-provider-tls@d72d90e1b47b7cb5ce6863f528af3154963d61b7 internal/provider/resource_private_key.go#L75" },
    { property: "ecdsaCurve", source: "hashicorp/terraform-provider-tls@d72d90e1b47b7cb5ce6863f528af3154963d61b7 internal/provider/resource_private_key.go#L84" },
  ],  "random:index/randomId:RandomId": [
    { property: "keepers", source: "hashicorp/terraform-provider-random@ad788e23 internal/provider/resource_id.go#L66" },
    { property: "byteLength", source: "hashicorp/terraform-provider-random@ad788e23 internal/provider/resource_id.go#L74" },
    { property: "prefix", source: "hashicorp/terraform-provider-random@ad788e23 internal/provider/resource_id.go#L82" },
  ],
  // Only `triggers` replaces a command (the Node SDK adds replaceOnChanges ["triggers[*]"] and
  // the schema replaces when triggers are added or removed); every other change is an update
  // that runs `update` (or `create` again) with the new inputs.
  "command:remote:Command": [{ property: "triggers", source: "pulumi/pulumi-command@v1.2.1 provider/pkg/provider/remote/command.go (Triggers: replaceOnChanges) and sdk/nodejs/remote/command.ts" }],
  "command:local:Command": [{ property: "triggers", source: "pulumi/pulumi-command@v1.2.1 provider/pkg/provider/local/command.go (Triggers: replaceOnChanges) and sdk/nodejs/local/command.ts" }],
};

/**
 * Outputs a provider recomputes on an in-place update: an input that reads one is unknown during
 * the update, so the engine updates its resource too. A launch template's latestVersion, a
 * parameter's version, a group's launch template specification. `changes` lists the inputs
 * whose change recomputes them (`except`: every input but these); `readBy` the inputs, by type,
 * that carry them (the record knows which resource an input reads, not which of its outputs:
 * an Auto Scaling policy reads the group's name, which never changes).
 */
export interface RecomputedOnUpdate {
  changes?: readonly string[];
  except?: readonly string[];
  outputs: readonly string[];
  readBy: Readonly<Record<string, readonly string[]>>;
  source: string;
}

export const RECOMPUTED_ON_UPDATE: Readonly<Record<string, RecomputedOnUpdate>> = {
  "aws:ec2/launchTemplate:LaunchTemplate": {
    // Tags too: the CustomizeDiff marks latestVersion unknown on a tags change (the preview shows
    // it), but the update creates a version only for its updateKeys, which leave tags out
    // (tf-aws v6.58.0 ec2/func.resourceLaunchTemplateUpdate#L67), so no instance refresh follows.
    except: ["name", "namePrefix", "description", "defaultVersion", "updateDefaultVersion", "tags", "tagsAll"],
    outputs: ["latestVersion", "defaultVersion"],
    readBy: { "aws:autoscaling/group:Group": ["launchTemplate", "mixedInstancesPolicy"], "aws:ec2/instance:Instance": ["launchTemplate"] },
    source: "tf-aws v6.58.0 ec2/func.resourceLaunchTemplate#L1069-L1092 (CustomizeDiff: latestVersion ComputedIf)",
  },
  "aws:ssm/parameter:Parameter": {
    changes: ["value", "description"],
    outputs: ["version"],
    readBy: { "aws:ec2/launchTemplate:LaunchTemplate": ["userData"], "aws:ec2/instance:Instance": ["userData"] },
    source: "tf-aws v6.58.0 ssm/func.resourceParameter#L170-L172 (CustomizeDiff: version)",
  },
  "aws:autoscaling/group:Group": {
    changes: ["launchTemplate"],
    outputs: ["launchTemplate"],
    readBy: { "command:local:Command": ["create", "update", "environment"] },
    source: "tf-aws v6.58.0 autoscaling/func.resourceGroupUpdate#L138-L143",
  },
};

/** A subnet that leaves a subnet group. */
function subnetRemoved(inputs: Record<string, unknown>, before: Record<string, unknown>): boolean {
  const next = asList(inputs.subnetIds).map(String);
  return asList(before.subnetIds).some((subnet) => !next.includes(String(subnet)));
}

export const DISRUPTIVE_UPDATES: Readonly<Record<string, readonly DisruptiveUpdate[]>> = {
  "aws:rds/subnetGroup:SubnetGroup": [
    {
      property: "subnetIds",
      effect: "CAUTION: a subnet leaves the group: RDS refuses it (SubnetAlreadyInUse) while the instance or its standby sits in that subnet, and RDS chose their zones: check them before `pulumi up`",
      source: "AWS RDS API ModifyDBSubnetGroup, errors: SubnetAlreadyInUse ('The DB subnet is already in use in the Availability Zone')",
      when: subnetRemoved,
    },
  ],
  "command:remote:Command": ["create", "update"].map((property) => ({
    property,
    effect:
      "DOWNTIME: nginx's compose service changed, so docker compose recreates it: nginx serves nothing for a moment and open connections drop (on a single host the edge front: its ports, e.g. a domain set, or once, on the first up after the move to the edge front; e2e before it: a 1.4 s outage). A new nginx image or config alone is a blue/green switch behind the front, no outage",
    source: "Docker Compose: `up` recreates a container whose configuration changed; @trafficlab/api-host stamps compose-up with the compose file's hash and nginx's service hash",
    when: recreatesComposeServices,
  })),
  "aws:autoscaling/group:Group": [
    {
      property: "launchTemplate",
      effect:
        "INSTANCE REFRESH: every instance is replaced, one at a time, each new one launched and healthy before an old one goes (min healthy 100 %), rolled back on failure; `pulumi up` returns once it has started (follow it with the fleet's followRefreshCommand output, or set waitForRefresh)",
      source: "tf-aws v6.58.0 autoscaling/func.resourceGroupUpdate#L138-L143, #L342-L376 (a launch template change starts an instance refresh; the provider does not wait)",
    },
  ],
  "aws:ssm/parameter:Parameter": [
    {
      property: "value",
      effect: "a new value in place (a new parameter version): instances read it at boot, so the running ones keep the old value until the instance refresh this starts replaces them",
      source: "tf-aws v6.58.0 ssm/func.resourceParameterUpdate (PutParameter, Overwrite)",
    },
  ],
  "aws:ec2/instance:Instance": [
    { property: "instanceType", effect: "DOWNTIME: stops the instance, changes its type and starts it: a single host serves nothing meanwhile (a minute or two)", source: "tf-aws v6.58.0 ec2/func.resourceInstanceUpdate (stop, ModifyInstanceAttribute, start)" },
    { property: "userData", effect: "DOWNTIME: stops and starts the instance: a single host serves nothing meanwhile", source: "tf-aws v6.58.0 ec2/func.resourceInstanceUpdate" },
  ],
  "aws:rds/instance:Instance": [
    ...["instanceClass", "allocatedStorage", "storageType", "engineVersion", "multiAz", "dbSubnetGroupName", "parameterGroupName"].map((property) => ({
      property,
      effect: "deferred to the maintenance window (applyImmediately is off): `pulumi up` reports success and shows the same diff until AWS applies it",
      source: "tf-aws v6.58.0 rds/func.dbInstancePopulateModify (ApplyImmediately from apply_immediately, default false)",
      when: (inputs: Record<string, unknown>) => inputs.applyImmediately !== true,
    })),
    {
      property: "instanceClass",
      effect: "DOWNTIME: applied now: the Single-AZ instance reboots into the new class, the database is unreachable for minutes",
      source: "AWS RDS User Guide, Settings for DB instances: DB instance class (an outage occurs during this change)",
      when: (inputs) => inputs.applyImmediately === true && inputs.multiAz !== true,
    },
    {
      property: "instanceClass",
      effect: "Multi-AZ: the standby is modified first, then RDS fails over to it (typically 60-120 s of reconnects, no longer outage)",
      source: "AWS RDS User Guide, Multi-AZ DB instance deployments: modifying the class applies to the standby, then a failover",
      when: (inputs) => inputs.multiAz === true,
    },
    {
      property: "engineVersion",
      effect: "DOWNTIME: an engine upgrade takes the database offline while it runs (Multi-AZ too: RDS upgrades the primary and the standby at the same time), now or, with applyImmediately off, in the next maintenance window",
      source: "AWS RDS User Guide, Upgrading the MySQL DB engine (Multi-AZ: both upgraded together, an outage); ModifyDBInstance EngineVersion: 'Changing this parameter results in an outage'",
    },
    {
      property: "backupRetentionPeriod",
      effect: "DOWNTIME: turning automated backups on or off (retention 0 <-> non-zero) is an outage: the instance restarts",
      source: "AWS RDS User Guide, Settings for DB instances: Backup retention period ('an outage occurs if you change the backup retention period from 0 to a nonzero value or from a nonzero value to 0')",
      when: (inputs, before) => (inputs.backupRetentionPeriod === 0) !== (before.backupRetentionPeriod === 0),
    },
  ],
  "aws:elasticache/replicationGroup:ReplicationGroup": [
    ...["nodeType", "engineVersion", "numCacheClusters", "parameterGroupName"].map((property) => ({
      property,
      effect: "deferred to the maintenance window (applyImmediately is off): `pulumi up` shows the same diff until AWS applies it",
      source: "tf-aws v6.58.0 elasticache/func.resourceReplicationGroupUpdate (ApplyImmediately from apply_immediately)",
      when: (inputs: Record<string, unknown>) => inputs.applyImmediately !== true,
    })),
  ],
};

/** An in-place update that AWS refuses: the update starts and fails there, so `pulumi up` fails. */
export interface UpdateRefusal {
  property: string;
  /** Why it is refused, or undefined when it is not (old and new inputs). */
  refuses: (before: Record<string, unknown>, after: Record<string, unknown>) => string | undefined;
}

/** MySQL's major version: 8.0, 8.4. */
function mysqlMajor(version: unknown): string {
  return String(version ?? "").split(".").slice(0, 2).join(".");
}

export const UPDATE_REFUSALS: Readonly<Record<string, readonly UpdateRefusal[]>> = {
  "aws:rds/instance:Instance": [
    {
      property: "engineVersion",
      refuses: (before, after) =>
        versionDowngrade(before.engineVersion, after.engineVersion)
          ? `RDS refuses to downgrade MySQL ${String(before.engineVersion)} to ${String(after.engineVersion)}: ModifyDBInstance only upgrades (EngineVersion is "the version number of the database engine to upgrade to"; a major or a minor version down is refused, the provider sends it as is: tf-aws v6.58.0 rds/func.resourceInstanceUpdate#L254). Going back means a new instance restored from a dump, or a snapshot taken before the upgrade`
          : undefined,
    },
    {
      property: "engineVersion",
      refuses: (before, after) =>
        !versionDowngrade(before.engineVersion, after.engineVersion) && mysqlMajor(before.engineVersion) !== mysqlMajor(after.engineVersion) && after.allowMajorVersionUpgrade !== true
          ? `RDS refuses a major version upgrade (${String(before.engineVersion)} -> ${String(after.engineVersion)}) unless allowMajorVersionUpgrade is true (ModifyDBInstance AllowMajorVersionUpgrade: "must be allowed when specifying a value for the EngineVersion parameter that's a different major version"; tf-aws v6.58.0 rds/func.resourceInstanceUpdate#L256 sends the input, default false)`
          : undefined,
    },
    {
      property: "allocatedStorage",
      refuses: (before, after) => {
        const [old, next] = [Number(before.allocatedStorage), Number(after.allocatedStorage)];
        if (next < old) return `RDS refuses to shrink allocated storage from ${old} to ${next} GiB ("You can't reduce the amount of storage for a DB instance after storage has been allocated", AWS RDS User Guide, Increasing DB instance storage capacity); a smaller volume means a new instance and a dump/restore`;
        if (next < old * 1.1) return `RDS refuses a storage increase of less than 10 % (${old} -> ${next} GiB; AWS RDS User Guide, Increasing DB instance storage capacity: "it must be by at least 10 percent")`;
        return undefined;
      },
    },
  ],
};

/**
 * What a change of the default provider's configuration (an `aws:` key) does to the resources it
 * manages. The engine asks the NEW provider's DiffConfig whether the provider must be replaced;
 * if so, every resource of that provider is replaced with it (pulumi/pulumi v3.260
 * pkg/resource/deploy/step_generator.go providerChanged: "If there is a replacement diff, we must
 * also replace this resource", ReplaceKeys ["provider"]). The bridge's DiffConfig replaces only for
 * config keys marked ForcesProviderReplace (pulumi/pulumi-terraform-bridge v3.136
 * pkg/tfbridge/provider.go configDiffer.forcesProviderReplace); pulumi-aws marks only `region`
 * (pulumi/pulumi-aws@00ba5ea5 provider/resources.go, ProviderInfo.Config). Any other key updates
 * the provider in place, and its resources are diffed as usual with the new configuration.
 */
export interface ProviderConfigRule {
  effect: "replaces-every-resource" | "updates-tags" | "no-resource-change";
  why: string;
  source: string;
}

const DIFF_CONFIG_SOURCE = "pulumi/pulumi v3.260 step_generator.go providerChanged; pulumi-terraform-bridge v3.136 pkg/tfbridge/provider.go DiffConfig; pulumi/pulumi-aws@00ba5ea5 provider/resources.go Config (ForcesProviderReplace on region only)";

const CREDENTIALS_OR_CLIENT = (why: string): ProviderConfigRule => ({ effect: "no-resource-change", why, source: DIFF_CONFIG_SOURCE });

/** Every key of `aws:` config the provider reads (@pulumi/aws 7.48.0 config/vars), and what its change does. */
export const AWS_PROVIDER_CONFIG_RULES: Readonly<Record<string, ProviderConfigRule>> = {
  region: {
    effect: "replaces-every-resource",
    why: "a new Region is a new default provider (ForcesProviderReplace): Pulumi replaces every resource it manages, each created anew in the new Region and the old one deleted; a database or cache comes back empty unless restored (in another Region: a copied snapshot)",
    // Both roads replace: the provider (ForcesProviderReplace), and in tf-aws v6 (pulumi-aws v7)
    // each resource's own `region`, defaulted from the provider's and ForceNew on a change.
    source: `${DIFF_CONFIG_SOURCE}; tf-aws v6.58.0 internal/provider/sdkv2/func.defaultRegion and func.forceNewIfRegionChanges ("Force resource replacement if the value of the top-level region attribute changes")`,
  },
  defaultTags: {
    effect: "updates-tags",
    why: "default tags merge into each tagged resource's tagsAll: every resource that takes tags is updated in place, nothing replaced",
    source: `${DIFF_CONFIG_SOURCE}; tf-aws v6.58.0 tags: tags_all = default_tags + tags, updated with TagResource`,
  },
  ignoreTags: CREDENTIALS_OR_CLIENT("which tag keys the provider leaves alone in diffs: no resource is updated for it (tags it stops ignoring may show a diff on the next refresh)"),
  profile: CREDENTIALS_OR_CLIENT("credentials only: which named profile signs the calls; the same account's resources are not changed (another account's would be invisible: the next update would try to create everything)"),
  accessKey: CREDENTIALS_OR_CLIENT("credentials only"),
  secretKey: CREDENTIALS_OR_CLIENT("credentials only"),
  token: CREDENTIALS_OR_CLIENT("credentials only"),
  assumeRoles: CREDENTIALS_OR_CLIENT("credentials only: the role assumed to sign the calls"),
  assumeRoleWithWebIdentity: CREDENTIALS_OR_CLIENT("credentials only"),
  sharedConfigFiles: CREDENTIALS_OR_CLIENT("credentials only: where profiles are read from"),
  sharedCredentialsFiles: CREDENTIALS_OR_CLIENT("credentials only"),
  allowedAccountIds: CREDENTIALS_OR_CLIENT("a guard: the provider refuses to run against other accounts"),
  forbiddenAccountIds: CREDENTIALS_OR_CLIENT("a guard: the provider refuses to run against these accounts"),
  skipCredentialsValidation: CREDENTIALS_OR_CLIENT("a client check only"),
  skipMetadataApiCheck: CREDENTIALS_OR_CLIENT("a client check only"),
  skipRegionValidation: CREDENTIALS_OR_CLIENT("a client check only"),
  skipRequestingAccountId: CREDENTIALS_OR_CLIENT("a client check only"),
  customCaBundle: CREDENTIALS_OR_CLIENT("how the client connects"),
  ec2MetadataServiceEndpoint: CREDENTIALS_OR_CLIENT("how the client finds credentials"),
  ec2MetadataServiceEndpointMode: CREDENTIALS_OR_CLIENT("how the client finds credentials"),
  endpoints: CREDENTIALS_OR_CLIENT("where the client sends calls (a wrong endpoint fails the update, but changes no resource)"),
  httpProxy: CREDENTIALS_OR_CLIENT("how the client connects"),
  httpsProxy: CREDENTIALS_OR_CLIENT("how the client connects"),
  noProxy: CREDENTIALS_OR_CLIENT("how the client connects"),
  insecure: CREDENTIALS_OR_CLIENT("how the client connects"),
  maxRetries: CREDENTIALS_OR_CLIENT("client retries"),
  retryMode: CREDENTIALS_OR_CLIENT("client retries"),
  tokenBucketRateLimiterCapacity: CREDENTIALS_OR_CLIENT("client retries"),
  s3UsEast1RegionalEndpoint: CREDENTIALS_OR_CLIENT("S3 endpoints: this stack has no bucket"),
  s3UsePathStyle: CREDENTIALS_OR_CLIENT("S3 addressing: this stack has no bucket"),
  stsRegion: CREDENTIALS_OR_CLIENT("where credentials are obtained"),
  useDualstackEndpoint: CREDENTIALS_OR_CLIENT("which endpoints the client uses"),
  useFipsEndpoint: CREDENTIALS_OR_CLIENT("which endpoints the client uses"),
  userAgents: CREDENTIALS_OR_CLIENT("the client's User-Agent"),
  tagPolicyCompliance: CREDENTIALS_OR_CLIENT("a check of tags against the organisation's tag policies at create and update; no resource changes for it"),
};

/**
 * Which resources `aws:defaultTags` reaches: those with a tags_all attribute. Read as "the
 * resources the program tags" (a `tags` input), corrected both ways for the types this stack
 * creates: an Auto Scaling group's `tags` are its `tag` blocks and it has no tags_all (tf-aws
 * v6.58.0 autoscaling/func.resourceGroup#L912: default tags never reach it); the VPC security
 * group rules take tags (and tags_all) even where the program sets none.
 */
export const DEFAULT_TAGS_REACH: { never: readonly string[]; always: readonly string[] } = {
  never: ["aws:autoscaling/group:Group"],
  always: ["aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"],
};

/** Why the provider refuses to delete a resource with these (old) inputs, if it does. */
export const DELETE_REFUSALS: Readonly<Record<string, readonly ((inputs: Record<string, unknown>) => string | undefined)[]>> = {
  "aws:rds/instance:Instance": [
    (inputs) =>
      inputs.deletionProtection === true
        ? "AWS refuses to delete an RDS instance while its deletionProtection is on, so this `pulumi up` fails at the delete (tf-aws v6.58.0 rds/func.resourceInstanceDelete: DeleteDBInstance; the provider turns protection off first only when the state says false)"
        : undefined,
    (inputs) =>
      inputs.skipFinalSnapshot !== true && !inputs.finalSnapshotIdentifier
        ? "the provider refuses to delete it: skipFinalSnapshot is false and no finalSnapshotIdentifier is set (tf-aws v6.58.0 rds/func.resourceInstanceDelete)"
        : undefined,
  ],
};

/** Resources that hold data: replacing or deleting one loses it unless retained. */
export const STATEFUL_TYPES: readonly string[] = [
  "aws:rds/instance:Instance",
  "aws:elasticache/replicationGroup:ReplicationGroup",
  // The fleet's metrics: 150 days of samples, gone with the workspace.
  "aws:amp/workspace:Workspace",
  // The ci stack: the state, the key every stack's secrets are encrypted with, the images.
  "aws:s3/bucket:Bucket",
  "aws:kms/key:Key",
  "aws:ecr/repository:Repository",
];
