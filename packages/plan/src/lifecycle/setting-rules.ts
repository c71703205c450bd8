/**
 * What a change of each setting does to a running stack, per hosting mode, with the rule and its
 * source: the table `pnpm plan --change` is held to. `packages/plan/test/lifecycle-setting-rules.test.ts`
 * fails when a setting of stacks/settings.ts (or a secret, or an `aws:` provider key) has no
 * entry here, and runs every case through the real plan (dev = single, prod = fleet), expecting
 * its verdict. A new setting without a verdict rule breaks the build.
 *
 * `REFUSED` is not a verdict of the plan: the stack's own checks (stacks/config.ts) refuse the
 * value before any cloud call, and `pnpm plan` exits 1 with the problem under the key typed.
 */

import type { VerdictClass } from "./report";

export type ExpectedVerdict = VerdictClass | "REFUSED";

export interface SettingCase {
  /** What `--change` sets: the key itself, plus any setting it needs with it. */
  set: Record<string, string>;
  /** The running stack's settings where they differ from its file (`pulumi config set` earlier): the "before", kept in the "after". */
  from?: Record<string, string>;
  verdict: ExpectedVerdict;
  /** For REFUSED: a fragment of the stack's message. */
  refusal?: string;
}

export interface SettingRule {
  /** What a change does, in a sentence. */
  does: string;
  /** Where the rule was read. */
  source: string;
  /** Representative changes of the dev stack (hosting single) and the prod stack (hosting fleet). */
  single: readonly SettingCase[];
  fleet: readonly SettingCase[];
  /** ... and of the ci stack (hosting ci), for the settings it reads. */
  ci?: readonly SettingCase[];
}

const PROTECTED = "prod's protectData: Pulumi refuses to replace a protected resource (pulumi/pulumi step_generator.go, protect)";
const TF_RDS = "tf-aws v6.58.0 rds/func.resourceInstanceUpdate, rds/func.dbInstancePopulateModify (ModifyDBInstance)";
const TF_CACHE = "tf-aws v6.58.0 elasticache/func.resourceReplicationGroupUpdate (ModifyReplicationGroup)";
const UNUSED_IN_FLEET = (key: string, value: string): SettingCase[] => [{ set: { [key]: value }, verdict: "UNUSED" }];
const UNUSED_IN_SINGLE = UNUSED_IN_FLEET;
/** A CA certificate's public half (packages/edge-proxy/test/fixtures/acme-ca.pem), for the acmeCaCertificates cases. */
const SAMPLE_CA_PEM = `-----BEGIN CERTIFICATE-----
MIIBqzCCAVGgAwIBAgIUDENJlFWQQ3dPZ7SdLcmv3JMbYlMwCgYIKoZIzj0EAwIw
IjEgMB4GA1UEAwwXdHJhZmZpY2xhYiB0ZXN0IEFDTUUgQ0EwIBcNMjYxMjA2MjE0
MjAwWhgPMjEyNjExMTIyMTQyMDBaMCIxIDAeBgNVBAMMF3RyYWZmaWNsYWIgdGVz
dCBBQ01FIENBMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEMOsX0dPf82MqBxLn
6tRRUCNeurfZJkggOd972Vr5jz0usJij/IVfLIIf1zn45OEkvpEheF/B22aSTvKm
TdQ/x6NjMGEwHQYDVR0OBBYEFB8BXbpeZHNFdDD7I6ZMWbJ2D2wTMB8GA1UdIwQY
MBaAFB8BXbpeZHNFdDD7I6ZMWbJ2D2wTMA8GA1UdEwEB/wQFMAMBAf8wDgYDVR0P
AQH/BAQDAgEGMAoGCCqGSM49BAMCA0gAMEUCIQDMeXgVSjpjjwIWZT62P5gKCMgb
PtIoE0eVmzq6Ux0wVgIgNVih9DnagrnSAOGLTCvZSL1hAtb/300WV/1B8T/jM4Q=
-----END CERTIFICATE-----`;

export const SETTING_RULES: Readonly<Record<string, SettingRule>> = {
  environment: {
    does: "decides the prod rules stacks/config.ts enforces, and what the auto settings mean: prod -> dev on a fleet turns fleetMetrics auto off, so the AMP workspace and its samples are deleted (DATA LOSS) unless fleetMetrics is set to on. dev -> prod is refused while dev's settings break the prod rules",
    source: "stacks/config.ts PRODUCTION_RULES; packages/fleet FLEET_METRICS_DEFAULTS (auto: on in prod)",
    single: [{ set: { environment: "prod" }, verdict: "REFUSED", refusal: "is not allowed; true in a prod stack" }],
    fleet: [{ set: { environment: "dev" }, verdict: "DATA LOSS" }, { set: { environment: "dev", fleetMetrics: "on" }, verdict: "NO-OP" }],
  },
  timeZone: {
    does: "MySQL's time_zone parameter (an in-place parameter group update, dynamic) and the containers' TZ: the API redeploys blue/green (single) or the fleet refreshes",
    source: "tf-aws v6.58.0 rds/func.resourceParameterGroupUpdate (ModifyDBParameterGroup); AWS RDS User Guide, Local time zone for MySQL DB instances ('all new connections to the database reflect the change'; open ones keep the old zone)",
    single: [{ set: { timeZone: "UTC" }, verdict: "OK" }],
    fleet: [{ set: { timeZone: "UTC" }, verdict: "OK" }],
  },
  vpcCidr: {
    does: "replaces the VPC (cidr_block is ForceNew) and every subnet and security group in it; the database and cache cannot move to another VPC in place",
    source: "tf-aws v6.58.0 ec2/func.resourceVPC (cidr_block ForceNew); AWS RDS User Guide, Working with a DB instance in a VPC (moving needs a new subnet group in the new VPC)",
    single: [{ set: { vpcCidr: "10.1.0.0/16" }, verdict: "FAILS" }],
    fleet: [{ set: { vpcCidr: "10.21.0.0/16" }, verdict: "FAILS" }],
  },
  availabilityZones: {
    does: "more zones add subnets and grow the subnet groups in place (and the load balancer's subnets); fewer removes them from the groups in place, unless the database or its standby sits in a subnet that goes (RDS refuses, SubnetAlreadyInUse: the report says CAUTION; what ElastiCache does with a node's subnet is not modelled); fewer than 2 is refused",
    source: "tf-aws v6.58.0 rds/func.resourceSubnetGroupUpdate, elasticache/func.resourceSubnetGroupUpdate (subnet_ids updatable); AWS RDS API ModifyDBSubnetGroup errors (SubnetAlreadyInUse); stacks/config.ts",
    single: [
      { set: { availabilityZones: "3" }, verdict: "OK" },
      { from: { availabilityZones: "3" }, set: { availabilityZones: "2" }, verdict: "OK" },
      { set: { availabilityZones: "1" }, verdict: "REFUSED", refusal: "availabilityZones" },
    ],
    fleet: [{ set: { availabilityZones: "3" }, verdict: "OK" }, { from: { availabilityZones: "3" }, set: { availabilityZones: "2" }, verdict: "OK" }],
  },
  nat: {
    does: "single adds a NAT gateway, its Elastic IP and the private default route; nothing running is touched",
    source: "packages/network; tf-aws route create",
    single: [{ set: { nat: "single" }, verdict: "OK" }],
    fleet: [{ set: { nat: "single" }, verdict: "OK" }],
  },
  dbEngineVersion: {
    does: "an in-place ModifyDBInstance. A downgrade (major or minor; pinning a minor below the one autoMinorVersionUpgrade installed too) is refused by RDS: FAILS. A major upgrade needs allowMajorVersionUpgrade (the database component sets it) and a parameter group of the new family (replaced first; never protected); any engine upgrade is an outage, now with dbApplyImmediately, else in the maintenance window",
    source: `${TF_RDS}#L254-L256; AWS RDS API ModifyDBInstance EngineVersion, AllowMajorVersionUpgrade; AWS RDS User Guide, Upgrading the MySQL DB engine`,
    single: [
      { set: { dbEngineVersion: "8.0" }, verdict: "FAILS" },
      { set: { dbEngineVersion: "8.4.6" }, verdict: "DOWNTIME" },
      { from: { dbEngineVersion: "8.0" }, set: { dbEngineVersion: "8.4" }, verdict: "DOWNTIME" },
    ],
    fleet: [
      { set: { dbEngineVersion: "8.0" }, verdict: "FAILS" },
      { set: { dbEngineVersion: "8.4.6" }, verdict: "DOWNTIME" },
      { from: { dbEngineVersion: "8.0" }, set: { dbEngineVersion: "8.4" }, verdict: "DOWNTIME" },
    ],
  },
  dbInstanceClass: {
    does: "in place: Single-AZ reboots into the new class (an outage, now with dbApplyImmediately); Multi-AZ modifies the standby and fails over; with dbApplyImmediately=false it waits for the maintenance window",
    source: `${TF_RDS}; AWS RDS User Guide, Settings for DB instances (DB instance class: an outage occurs)`,
    single: [{ set: { dbInstanceClass: "db.t3.small" }, verdict: "DOWNTIME" }],
    fleet: [{ set: { dbInstanceClass: "db.t4g.medium" }, verdict: "OK" }],
  },
  dbStorageGiB: {
    does: "an increase of at least 10 % grows the volume in place, online; a decrease (or a smaller increase) is refused by RDS",
    source: "AWS RDS User Guide, Increasing DB instance storage capacity",
    single: [{ set: { dbStorageGiB: "30" }, verdict: "OK" }, { set: { dbStorageGiB: "21" }, verdict: "FAILS" }],
    fleet: [{ set: { dbStorageGiB: "60" }, verdict: "OK" }, { set: { dbStorageGiB: "40" }, verdict: "FAILS" }],
  },
  dbBackupRetentionDays: {
    does: "in place; turning backups off (0) or on from 0 is an outage; prod refuses fewer than 7",
    source: "AWS RDS User Guide, Settings for DB instances (Backup retention period); stacks/config.ts PRODUCTION_RULES",
    single: [{ set: { dbBackupRetentionDays: "7" }, verdict: "OK" }, { set: { dbBackupRetentionDays: "0" }, verdict: "DOWNTIME" }],
    fleet: [{ set: { dbBackupRetentionDays: "14" }, verdict: "OK" }, { set: { dbBackupRetentionDays: "3" }, verdict: "REFUSED", refusal: "7 or more in a prod stack" }],
  },
  dbDeletionProtection: {
    does: "in place, no outage; prod refuses false",
    source: `${TF_RDS} (DeletionProtection); stacks/config.ts PRODUCTION_RULES`,
    single: [{ set: { dbDeletionProtection: "true" }, verdict: "OK" }],
    fleet: [{ set: { dbDeletionProtection: "false" }, verdict: "REFUSED", refusal: "true in a prod stack" }],
  },
  dbSkipFinalSnapshot: {
    does: "state only for the provider (read at delete); prod refuses true",
    source: `${TF_RDS} (skip_final_snapshot is left out of ModifyDBInstance); stacks/config.ts PRODUCTION_RULES`,
    single: [{ set: { dbSkipFinalSnapshot: "false" }, verdict: "OK" }],
    fleet: [{ set: { dbSkipFinalSnapshot: "true" }, verdict: "REFUSED", refusal: "keep a final snapshot" }],
  },
  dbMultiAz: {
    does: "in place and online: RDS snapshots the primary's volume and builds the standby from it (or drops it); no downtime, but synchronous replication and the standby's volume hydrating slow writes meanwhile; cost doubles or halves",
    source: "AWS RDS User Guide, Converting a DB instance to a Multi-AZ deployment (creating the standby from a snapshot avoids downtime, can affect performance)",
    single: [{ set: { dbMultiAz: "true" }, verdict: "OK" }],
    fleet: [{ set: { dbMultiAz: "false" }, verdict: "OK" }],
  },
  dbApplyImmediately: {
    does: "only how later modifications are sent; changes nothing running",
    source: `${TF_RDS} (ApplyImmediately)`,
    single: [{ set: { dbApplyImmediately: "false" }, verdict: "OK" }],
    fleet: [{ set: { dbApplyImmediately: "true" }, verdict: "OK" }],
  },
  dbRestoreFromSnapshot: {
    does: "a new snapshot id replaces the instance with one restored from it (snapshot_identifier is ForceNew): what was written since the snapshot is lost; prod's protect refuses it (README, Restore: unprotect deliberately)",
    source: "tf-aws v6.58.0 rds/func.resourceInstance#L629 (snapshot_identifier ForceNew)",
    single: [{ set: { dbRestoreFromSnapshot: "snap-plan-1" }, verdict: "DATA LOSS" }],
    fleet: [{ set: { dbRestoreFromSnapshot: "snap-plan-1" }, verdict: "FAILS" }],
  },
  cacheEngine: {
    does: "redis -> valkey upgrades in place (a new parameter group of the valkey family first); valkey -> redis is refused in place by ElastiCache, so the provider replaces the group (every refresh token gone: users log in again); prod's protect refuses it",
    source: `tf-aws v6.58.0 elasticache/func.customizeDiffEngineForceNewOnDowngrade#L17; AWS ElastiCache User Guide, Upgrading from Redis OSS to Valkey; ${PROTECTED}`,
    single: [{ set: { cacheEngine: "redis" }, verdict: "DATA LOSS" }, { from: { cacheEngine: "redis" }, set: { cacheEngine: "valkey" }, verdict: "OK" }],
    fleet: [{ set: { cacheEngine: "redis" }, verdict: "FAILS" }, { from: { cacheEngine: "redis" }, set: { cacheEngine: "valkey" }, verdict: "OK" }],
  },
  cacheNodeType: {
    does: "online vertical scaling in place (now with cacheApplyImmediately, else in the maintenance window); the node must still hold cacheExpectedUsers' tokens",
    source: `${TF_CACHE}; AWS ElastiCache User Guide, Scaling Valkey or Redis OSS clusters (online vertical scaling)`,
    single: [{ set: { cacheNodeType: "cache.t4g.small" }, verdict: "OK" }],
    fleet: [{ set: { cacheNodeType: "cache.t4g.medium" }, verdict: "OK" }],
  },
  cacheReplicas: {
    does: "adds or removes replicas in place (numCacheClusters); the fleet adds per-node alarms",
    source: `${TF_CACHE}#L62-L65, #L332-L335 (IncreaseReplicaCount / DecreaseReplicaCount, online)`,
    single: [{ set: { cacheReplicas: "1" }, verdict: "OK" }],
    fleet: [{ set: { cacheReplicas: "2" }, verdict: "OK" }],
  },
  cacheAutomaticFailover: {
    does: "in place; true needs a replica (refused with cacheReplicas 0)",
    source: `${TF_CACHE} (AutomaticFailoverEnabled); packages/token-cache`,
    single: [{ set: { cacheAutomaticFailover: "true" }, verdict: "REFUSED", refusal: "cacheAutomaticFailover" }],
    fleet: [{ set: { cacheAutomaticFailover: "false" }, verdict: "OK" }],
  },
  cacheExpectedUsers: {
    does: "a sizing check of cacheNodeType only: no resource changes while the node still holds the tokens",
    source: "packages/token-cache sizing",
    single: [{ set: { cacheExpectedUsers: "900000" }, verdict: "NO-OP" }],
    fleet: [{ set: { cacheExpectedUsers: "900000" }, verdict: "NO-OP" }],
  },
  cacheApplyImmediately: {
    does: "only how later modifications are sent",
    source: `${TF_CACHE} (ApplyImmediately)`,
    single: [{ set: { cacheApplyImmediately: "false" }, verdict: "OK" }],
    fleet: [{ set: { cacheApplyImmediately: "true" }, verdict: "OK" }],
  },
  protectData: {
    does: "protect and retainOnDelete are resource options: `pulumi up` writes them to the state without touching a resource; prod refuses false",
    source: "pulumi/pulumi step_generator.go (protect/retainOnDelete changes are state updates, no provider call); stacks/config.ts PRODUCTION_RULES",
    single: [{ set: { protectData: "true" }, verdict: "NO-OP" }],
    fleet: [{ set: { protectData: "false" }, verdict: "REFUSED", refusal: "true in a prod stack" }],
  },
  hostInstanceType: {
    does: "single: stops the host, changes its type, starts it (the API is down meanwhile); another CPU architecture is a new host with a new address (the AMI follows the architecture). Unused by a fleet",
    source: "tf-aws v6.58.0 ec2/func.resourceInstanceUpdate (stop, ModifyInstanceAttribute, start); provider-rules.ts ec2 instance ami (ForceNew)",
    single: [{ set: { hostInstanceType: "t3.small" }, verdict: "DOWNTIME" }, { set: { hostInstanceType: "t4g.small" }, verdict: "DOWNTIME" }],
    fleet: UNUSED_IN_FLEET("hostInstanceType", "t3.small"),
  },
  hostOs: {
    does: "single: changes nothing on the running host: its AMI is ignoreChanges, so only a new host (pulumi up --replace the instance) runs the new OS. Unused by a fleet",
    source: "packages/api-host (instance ignoreChanges: [\"ami\"]); DESIGN.md, Deploying onto a host",
    single: [{ set: { hostOs: "al2" }, verdict: "NO-OP" }],
    fleet: UNUSED_IN_FLEET("hostOs", "al2"),
  },
  hostElasticIp: {
    does: "single: an Elastic IP replaces the host's public address (clients and DNS on the old one lose the API) and the host steps follow the new address. Unused by a fleet",
    source: "tf-aws v6.58.0 ec2/func.resourceEIPCreate (AssociateAddress replaces the public IPv4)",
    single: [{ set: { hostElasticIp: "true" }, verdict: "DOWNTIME" }],
    fleet: UNUSED_IN_FLEET("hostElasticIp", "false"),
  },
  sshAllowedCidrs: {
    does: "single: one security-group rule per CIDR, added or removed. A fleet opens no SSH",
    source: "packages/api-host (a rule resource per CIDR)",
    single: [{ set: { sshAllowedCidrs: JSON.stringify(["192.0.2.10/32", "198.51.100.0/24"]) }, verdict: "OK" }],
    fleet: UNUSED_IN_FLEET("sshAllowedCidrs", JSON.stringify(["192.0.2.10/32", "198.51.100.0/24"])),
  },
  apiImage: {
    does: "single: pull and a blue/green redeploy (nginx switches when the new colour is healthy); fleet: a new launch template version and an instance refresh",
    source: "packages/api-host AppDeployment; tf-aws v6.58.0 autoscaling/func.resourceGroupUpdate#L138-L143 (instance refresh)",
    single: [{ set: { apiImage: "example/trafficlab-api:plan-2" }, verdict: "OK" }],
    fleet: [{ set: { apiImage: "example/trafficlab-api:plan-2" }, verdict: "OK" }],
  },
  apiBuildContext: {
    does: "builds and pushes apiImage from a local directory (a local command); the image it names is what deploys",
    source: "stacks/program.ts ApiImage; packages/api-host api-image.ts buildContextProblem (checked before any resource)",
    // A directory with a Dockerfile (e2e's stand-in API); one without is refused before any resource.
    single: [{ set: { apiBuildContext: "e2e/images/api" }, verdict: "OK" }, { set: { apiBuildContext: "./no-such-api" }, verdict: "REFUSED", refusal: "apiBuildContext" }],
    fleet: [{ set: { apiBuildContext: "e2e/images/api" }, verdict: "OK" }],
  },
  springProfile: {
    does: "the API's environment: single redeploys it blue/green; fleet refreshes",
    source: "packages/api-host AppDeployment; packages/fleet user data",
    single: [{ set: { springProfile: "staging" }, verdict: "OK" }],
    fleet: [{ set: { springProfile: "staging" }, verdict: "OK" }],
  },
  apiHealthPath: {
    does: "the API's health check: single redeploys it; fleet updates the target group's check and refreshes",
    source: "packages/api-host; tf-aws v6.58.0 elbv2 target group health_check (updatable)",
    single: [{ set: { apiHealthPath: "/health" }, verdict: "OK" }],
    fleet: [{ set: { apiHealthPath: "/health" }, verdict: "OK" }],
  },
  nginxImage: {
    does: "single: a new nginx colour blue/green behind the edge front, no connection reset (the front and compose.yaml stay); fleet: an instance refresh, one instance at a time",
    source: "packages/api-host edge-deploy.sh (blue/green behind the edge front; e2e scenario e: 0 errors); tf-aws autoscaling instance refresh",
    single: [{ set: { nginxImage: "nginx:1.30.0-alpine" }, verdict: "OK" }],
    fleet: [{ set: { nginxImage: "nginx:1.30.0-alpine" }, verdict: "OK" }],
  },
  domain: {
    does: "single: HTTPS with Let's Encrypt: new files, port 443 rules, compose recreates nginx (a few seconds); needs acmeEmail. Fleet: an ACM certificate, an HTTPS listener and the alias record; needs hostedZoneId",
    source: "packages/edge-proxy, packages/fleet https",
    single: [{ set: { domain: "api.example.com", acmeEmail: "ops@example.com" }, verdict: "DOWNTIME" }, { set: { domain: "api.example.com" }, verdict: "REFUSED", refusal: "acmeEmail" }],
    fleet: [{ set: { domain: "api.example.com", hostedZoneId: "Z0123456789ABCDEFGHIJ" }, verdict: "OK" }],
  },
  acmeEmail: {
    does: "single with domain: the ACME account's address. Without domain it is refused; unused by a fleet",
    source: "packages/edge-proxy ACME",
    single: [{ set: { acmeEmail: "ops@example.com" }, verdict: "REFUSED", refusal: "domain" }],
    fleet: UNUSED_IN_FLEET("acmeEmail", "ops@example.com"),
  },
  acmeServer: {
    does: "single with domain: where certificates come from (set with domain, as domain does); without domain nothing reads it, so the stack refuses it. Unused by a fleet",
    source: "packages/edge-proxy ACME; stacks/config.ts",
    single: [
      { set: { acmeServer: "https://acme-staging-v02.api.letsencrypt.org/directory" }, verdict: "REFUSED", refusal: "nothing uses it" },
      { set: { domain: "api.example.com", acmeEmail: "ops@example.com", acmeServer: "https://acme-staging-v02.api.letsencrypt.org/directory" }, verdict: "DOWNTIME" },
    ],
    fleet: UNUSED_IN_FLEET("acmeServer", "https://acme-staging-v02.api.letsencrypt.org/directory"),
  },
  acmeCaCertificates: {
    does: "single with domain: the PEM of the CA a private ACME server's TLS chains to, a file beside lego; a change recreates only the ACME client in compose, nginx keeps serving. Without domain nothing reads it, so the stack refuses it. Unused by a fleet",
    source: "packages/edge-proxy ACME (LEGO_CA_CERTIFICATES); packages/api-host host-project (nginx's own service hash stamps compose-up)",
    single: [
      { set: { acmeCaCertificates: SAMPLE_CA_PEM }, verdict: "REFUSED", refusal: "nothing uses it" },
      { from: { domain: "api.example.com", acmeEmail: "ops@example.com" }, set: { acmeCaCertificates: SAMPLE_CA_PEM }, verdict: "OK" },
    ],
    fleet: UNUSED_IN_FLEET("acmeCaCertificates", SAMPLE_CA_PEM),
  },
  hosting: {
    does: "single <-> fleet: the new tier is created first, then the old one deleted; the data tier stays. The API's address changes (host IP <-> load balancer DNS): clients and DNS must move. fleet -> single also deletes the fleet's AMP workspace and its samples (DATA LOSS)",
    source: "stacks/program.ts; lifecycle model (creates before deletes); packages/fleet managed-prometheus.ts",
    single: [{ set: { hosting: "fleet" }, verdict: "DOWNTIME" }],
    fleet: [{ set: { hosting: "single" }, verdict: "DATA LOSS" }, { set: { hosting: "single", fleetMetrics: "off" }, from: { fleetMetrics: "off" }, verdict: "DOWNTIME" }],
    // The ci stack holds no API: turning it into one deletes the state backend, which is protected.
    ci: [{ set: { hosting: "single" }, verdict: "FAILS" }],
  },
  fleetInstanceType: {
    does: "fleet: a new launch template version and an instance refresh (min healthy 100 %). Unused by a single host",
    source: "tf-aws v6.58.0 autoscaling/func.resourceGroupUpdate#L138-L143",
    single: UNUSED_IN_SINGLE("fleetInstanceType", "c5a.xlarge"),
    fleet: [{ set: { fleetInstanceType: "c5a.xlarge" }, verdict: "OK" }],
  },
  fleetMinSize: {
    does: "fleet: the group's bounds in place (and the scaling policy/alarm when min = max). Unused by a single host",
    source: "tf-aws v6.58.0 autoscaling/func.resourceGroupUpdate (UpdateAutoScalingGroup)",
    single: UNUSED_IN_SINGLE("fleetMinSize", "2"),
    fleet: [{ set: { fleetMinSize: "2" }, verdict: "OK" }],
  },
  fleetMaxSize: {
    does: "fleet: the group's bound and its at-maximum alarm, in place. Unused by a single host",
    source: "tf-aws v6.58.0 autoscaling/func.resourceGroupUpdate",
    single: UNUSED_IN_SINGLE("fleetMaxSize", "3"),
    fleet: [{ set: { fleetMaxSize: "3" }, verdict: "OK" }],
  },
  fleetDesiredCapacity: {
    does: "fleet: read at creation only (the group ignores later changes of desiredCapacity; the scaling policy owns the count). Unused by a single host",
    source: "packages/fleet (ignoreChanges desiredCapacity)",
    single: UNUSED_IN_SINGLE("fleetDesiredCapacity", "2"),
    fleet: [{ set: { fleetDesiredCapacity: "2" }, verdict: "NO-OP" }],
  },
  fleetCpuTargetPercent: {
    does: "fleet: the target tracking policy, in place. Unused by a single host",
    source: "tf-aws v6.58.0 autoscaling/func.resourcePolicyUpdate (PutScalingPolicy)",
    single: UNUSED_IN_SINGLE("fleetCpuTargetPercent", "60"),
    fleet: [{ set: { fleetCpuTargetPercent: "60" }, verdict: "OK" }],
  },
  fleetWaitForRefresh: {
    does: "fleet: adds or removes the local command that waits for an instance refresh. Unused by a single host",
    source: "packages/fleet",
    single: UNUSED_IN_SINGLE("fleetWaitForRefresh", "false"),
    fleet: [{ set: { fleetWaitForRefresh: "false" }, verdict: "OK" }],
  },
  hostedZoneId: {
    does: "fleet with domain: where the certificate is validated and the alias record goes; without domain nothing reads it. Unused by a single host",
    source: "packages/fleet https",
    single: UNUSED_IN_SINGLE("hostedZoneId", "Z0123456789ABCDEFGHIJ"),
    fleet: [{ set: { hostedZoneId: "Z0123456789ABCDEFGHIJ" }, verdict: "REFUSED", refusal: "domain" }],
  },
  alarmEmails: {
    does: "SNS e-mail subscriptions on the stack's alarm topic (both hosting modes), added or removed; a new address confirms once by mail",
    source: "tf-aws v6.58.0 sns/var.subscriptionSchema (endpoint ForceNew: a new address is a new subscription)",
    single: [{ set: { alarmEmails: "ops@example.com" }, verdict: "OK" }],
    fleet: [{ set: { alarmEmails: "ops@example.com" }, verdict: "OK" }],
  },
  alarmSlackWorkspaceId: {
    does: "an AWS Chatbot Slack channel configuration and its role on the alarm topic (both hosting modes); needs alarmSlackChannelId",
    source: "packages/fleet alarms",
    single: [{ set: { alarmSlackWorkspaceId: "T01234567", alarmSlackChannelId: "C01234567" }, verdict: "OK" }],
    fleet: [{ set: { alarmSlackWorkspaceId: "T01234567", alarmSlackChannelId: "C01234567" }, verdict: "OK" }],
  },
  alarmSlackChannelId: {
    does: "the Slack channel; required with alarmSlackWorkspaceId (and it with this)",
    source: "packages/fleet alarms",
    single: [{ set: { alarmSlackChannelId: "C01234567" }, verdict: "REFUSED", refusal: "alarmSlack" }],
    fleet: [{ set: { alarmSlackChannelId: "C01234567" }, verdict: "REFUSED", refusal: "alarmSlack" }],
  },
  allowAlarmsToNobody: {
    does: "read by the prod rules only (stacks/config.ts PRODUCTION_RULES); changes no resource. Turning it off in a prod stack without alarmEmails or Slack is refused",
    source: "stacks/config.ts PRODUCTION_RULES",
    single: [{ set: { allowAlarmsToNobody: "true" }, verdict: "NO-OP" }],
    fleet: [{ set: { allowAlarmsToNobody: "false" }, verdict: "REFUSED", refusal: "alarms must reach someone" }],
  },
  allowPlainHttpInProd: {
    does: "read by the prod rules only (stacks/config.ts PRODUCTION_RULES); changes no resource. Turning it off in a prod stack without domain is refused",
    source: "stacks/config.ts PRODUCTION_RULES",
    single: [{ set: { allowPlainHttpInProd: "true" }, verdict: "NO-OP" }],
    fleet: [{ set: { allowPlainHttpInProd: "false" }, verdict: "REFUSED", refusal: "a prod stack serves HTTPS" }],
  },
  logRetentionDays: {
    does: "the log groups' retention, in place (PutRetentionPolicy); no container restarts: the compose logging options do not name it. Older events past the new retention are deleted by CloudWatch",
    source: "tf-aws internal/service/logs/group.go resourceGroupUpdate (retention_in_days: PutRetentionPolicy, DeleteRetentionPolicy)",
    single: [
      { set: { logRetentionDays: "14" }, verdict: "OK" },
      { set: { logRetentionDays: "10" }, verdict: "REFUSED", refusal: "a retention CloudWatch Logs accepts" },
    ],
    fleet: [{ set: { logRetentionDays: "90" }, verdict: "OK" }],
  },
  registryServer: {
    does: "the registry to log in to, with registryUsername (a login) and an apiImage in that registry: single pulls and redeploys, fleet refreshes; alone nothing reads it, so the stack refuses it",
    source: "stacks/components.ts (registry credentials only when registryUsername and registryPassword are set); stacks/config.ts",
    single: [
      { set: { registryServer: "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com" }, verdict: "REFUSED", refusal: "nothing uses it" },
      { set: { registryServer: "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com", registryUsername: "AWS", registryPassword: "plan-registry-password", apiImage: "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/trafficlab-api:plan" }, verdict: "OK" },
    ],
    fleet: [
      { set: { registryServer: "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com" }, verdict: "REFUSED", refusal: "nothing uses it" },
      { set: { registryServer: "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com", registryUsername: "AWS", registryPassword: "plan-registry-password", apiImage: "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/trafficlab-api:plan" }, verdict: "OK" },
    ],
  },
  registryUsername: {
    does: "a registry login before pulls (with registryPassword, required then): single pulls and redeploys; fleet refreshes",
    source: "packages/api-host registry login; stacks/config.ts; packages/validation registry-login.ts (RFC 7617 section 2: a user-id with ':' is invalid in HTTP Basic authentication)",
    single: [
      { set: { registryUsername: "bot", registryPassword: "plan-registry-password" }, verdict: "OK" },
      { set: { registryUsername: "bot" }, verdict: "REFUSED", refusal: "registryPassword" },
      { set: { registryUsername: "deploy:er", registryPassword: "plan-registry-password" }, verdict: "REFUSED", refusal: "registryUsername" },
    ],
    fleet: [{ set: { registryUsername: "bot", registryPassword: "plan-registry-password" }, verdict: "OK" }],
  },
  fleetMetrics: {
    does:
      "fleet: on (auto in prod) creates the AMP workspace, its rules, its Alertmanager and the topic policy, and a launch template version with the agent (an instance refresh, min healthy 100 %); off deletes the workspace and its metrics (DATA LOSS) and refreshes the instances without the agent. Unused by a single host",
    source: "packages/fleet managed-prometheus.ts; tf-aws internal/service/amp/workspace.go (DeleteWorkspace); tf-aws v6.58.0 autoscaling/func.resourceGroupUpdate#L138-L143",
    single: UNUSED_IN_SINGLE("fleetMetrics", "on"),
    fleet: [
      { set: { fleetMetrics: "off" }, verdict: "DATA LOSS" },
      { set: { fleetMetrics: "on" }, verdict: "NO-OP" },
      { set: { fleetMetrics: "yes" }, verdict: "REFUSED", refusal: "fleetMetrics" },
    ],
  },
  fleetMetricsScrapeSeconds: {
    does:
      "fleet with metrics: the agent's interval is in the user data (a new launch template version, an instance refresh), the rule group's interval and the workspace's cost tags change in place. Unused by a single host",
    source: "tf-aws internal/service/amp/rule_group_namespace.go resourceRuleGroupNamespaceUpdate (PutRuleGroupsNamespace); tf-aws v6.58.0 autoscaling/func.resourceGroupUpdate#L138-L143",
    single: UNUSED_IN_SINGLE("fleetMetricsScrapeSeconds", "60"),
    fleet: [
      { set: { fleetMetricsScrapeSeconds: "60" }, verdict: "OK" },
      { set: { fleetMetricsScrapeSeconds: "4" }, verdict: "REFUSED", refusal: "allowed: 5 to 300 seconds" },
    ],
  },
  hostMetrics: {
    does:
      "single: on (auto in prod) adds the cache's monitoring user (its own association: the app's membership is untouched), a log group per metrics service, the instance role's sns:Publish to the alarm topic, the exporter's env file, and Prometheus, Alertmanager and the exporters in compose (the edge front is not recreated); the API rolls blue/green with its Micrometer settings and nginx rolls a colour with the stub_status socket: no outage. off removes them (compose --remove-orphans, then their network; the prometheus-data and alertmanager-data volumes stay on the host's disk). Unused by a fleet (fleetMetrics)",
    source:
      "packages/api-host host-project.ts (metrics), app-deployment.ts (metrics-env), packages/token-cache token-cache.ts (monitor user); tf-aws internal/service/elasticache/user_group_association.go (create and delete only: ModifyUserGroup UserIdsToAdd/UserIdsToRemove); Docker Compose `up --remove-orphans`",
    single: [
      { set: { hostMetrics: "on" }, verdict: "OK" },
      { set: { hostMetrics: "off" }, from: { hostMetrics: "on" }, verdict: "OK" },
      { set: { hostMetrics: "yes" }, verdict: "REFUSED", refusal: "hostMetrics" },
    ],
    fleet: UNUSED_IN_FLEET("hostMetrics", "on"),
  },
  hostMetricsRetentionDays: {
    does: "single with hostMetrics: Prometheus' --storage.tsdb.retention.time, in compose.yaml: compose-up recreates the Prometheus container (its samples stay in the prometheus-data volume; a few seconds without scrapes), nothing else restarts. Unused without hostMetrics and by a fleet",
    source: "packages/observability compose-services.ts (retention is a flag of the Prometheus service); Docker Compose recreates a service whose definition changed",
    single: [
      { set: { hostMetricsRetentionDays: "30" }, verdict: "NO-OP" },
      { set: { hostMetricsRetentionDays: "30" }, from: { hostMetrics: "on" }, verdict: "OK" },
      { set: { hostMetricsRetentionDays: "0" }, verdict: "REFUSED", refusal: "allowed: 1 to 3650 days" },
    ],
    fleet: UNUSED_IN_FLEET("hostMetricsRetentionDays", "30"),
  },
  hostMetricsImages: {
    does: "single with hostMetrics: the metrics services' images (a private mirror's, say): pulled, then compose-up recreates the services whose image changed; nginx and the API are untouched. Unused without hostMetrics and by a fleet",
    source: "packages/observability compose-services.ts (images); Docker Compose recreates a service whose image changed",
    single: [
      { set: { hostMetricsImages: JSON.stringify(["prometheus=mirror.example.com/prom/prometheus:v3.5.0"]) }, from: { hostMetrics: "on" }, verdict: "OK" },
      { set: { hostMetricsImages: JSON.stringify(["grafana=grafana/grafana:12.0.0"]) }, verdict: "REFUSED", refusal: "SERVICE one of prometheus, nodeExporter, nginxExporter, redisExporter" },
      { set: { hostMetricsImages: JSON.stringify(["prometheus=prom/prometheus:latest"]) }, verdict: "REFUSED", refusal: "hostMetricsImages" },
    ],
    fleet: UNUSED_IN_FLEET("hostMetricsImages", JSON.stringify(["prometheus=mirror.example.com/prom/prometheus:v3.5.0"])),
  },
  // hosting: ci (stacks/ci.ts, packages/ci). The API's stacks do not read these.
  githubRepository: {
    does: "ci: the repository in both roles' trust (the sub condition) and their descriptions, updated in place (iam:UpdateAssumeRolePolicy, UpdateRole): the role ARNs stay; the old repository's workflows can no longer assume them. Required, in OWNER/NAME form",
    source: "tf-aws v6.58.0 iam/func.resourceRole (assume_role_policy, description updatable; name ForceNew only); packages/ci github.ts (GitHub's name rules)",
    single: UNUSED_IN_SINGLE("githubRepository", "other-org/trafficlab"),
    fleet: UNUSED_IN_FLEET("githubRepository", "other-org/trafficlab"),
    ci: [
      { set: { githubRepository: "other-org/trafficlab" }, verdict: "OK" },
      { set: { githubRepository: "trafficlab" }, verdict: "REFUSED", refusal: "OWNER/NAME" },
    ],
  },
  deployEnvironment: {
    does: "ci: the environment in the deploy role's trust, updated in place; jobs of the old environment can no longer deploy",
    source: "tf-aws v6.58.0 iam/func.resourceRole (assume_role_policy updatable); docs.github.com, Managing environments for deployment (255 characters)",
    single: UNUSED_IN_SINGLE("deployEnvironment", "staging"),
    fleet: UNUSED_IN_FLEET("deployEnvironment", "staging"),
    ci: [
      { set: { deployEnvironment: "staging" }, verdict: "OK" },
      { set: { deployEnvironment: "prod;eu" }, verdict: "REFUSED", refusal: "GitHub environment name" },
    ],
  },
  deployStacks: {
    does: "ci: the stacks in both roles' permissions (tags and name prefixes), the inline policies updated in place (iam:PutRolePolicy); naming the ci stack itself is refused",
    source: "tf-aws v6.58.0 iam/func.resourceRolePolicy (policy updatable; name and role ForceNew); stacks/config.ts",
    single: UNUSED_IN_SINGLE("deployStacks", JSON.stringify(["dev", "prod", "staging"])),
    fleet: UNUSED_IN_FLEET("deployStacks", JSON.stringify(["dev", "prod", "staging"])),
    ci: [
      { set: { deployStacks: JSON.stringify(["dev", "prod", "staging"]) }, verdict: "OK" },
      { set: { deployStacks: JSON.stringify(["prod", "ci"]) }, verdict: "REFUSED", refusal: "it names this stack" },
    ],
  },
  previewBranches: {
    does: "ci: a stack output the workflows read (on.pull_request.branches); no resource changes. A pattern with a space (or anything git refuses) is refused",
    source: "stacks/ci.ts outputs; docs.github.com, Workflow syntax (filter patterns); git check-ref-format",
    single: [{ set: { previewBranches: JSON.stringify(["main", "release/*"]) }, verdict: "NO-OP" }],
    fleet: [{ set: { previewBranches: JSON.stringify(["main", "release/*"]) }, verdict: "NO-OP" }],
    ci: [
      { set: { previewBranches: JSON.stringify(["main", "release/*"]) }, verdict: "NO-OP" },
      { set: { previewBranches: JSON.stringify(["main branch"]) }, verdict: "REFUSED", refusal: "contains a space" },
    ],
  },
  deployBranch: {
    does: "ci: a stack output the workflows read (on.push.branches; set the deploy environment's deployment branch rule to it in GitHub); no resource changes. A branch with a space is refused",
    source: "stacks/ci.ts outputs; git check-ref-format",
    single: [{ set: { deployBranch: "release" }, verdict: "NO-OP" }],
    fleet: [{ set: { deployBranch: "release" }, verdict: "NO-OP" }],
    ci: [
      { set: { deployBranch: "release" }, verdict: "NO-OP" },
      { set: { deployBranch: "main branch" }, verdict: "REFUSED", refusal: "contains a space" },
    ],
  },
  githubOidcProviderArn: {
    does: "ci: an existing provider's ARN deletes the one the stack made (the roles trust the given one, updated in place); back to \"\" creates one, which fails if the account has one already (one per URL: EntityAlreadyExists)",
    source: "tf-aws v6.58.0 iam/func.resourceOpenIDConnectProvider (url ForceNew); AWS IAM User Guide, Creating OIDC identity providers (one provider per URL)",
    single: UNUSED_IN_SINGLE("githubOidcProviderArn", "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"),
    fleet: UNUSED_IN_FLEET("githubOidcProviderArn", "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"),
    ci: [
      { set: { githubOidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }, verdict: "OK" },
      { set: { githubOidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/gitlab.com" }, verdict: "REFUSED", refusal: "githubOidcProviderArn" },
    ],
  },
  iamPermissionsBoundary: {
    does: "sets, changes or removes the permissions boundary of every IAM role of the stack in place (PutRolePermissionsBoundary, DeleteRolePermissionsBoundary; the CI deploy role is denied the removal): the role, its ARN and the instance profiles stay, nothing restarts. What the roles may do is cut to the boundary at once, so a boundary narrower than their policies breaks them (the ci stack's stackRoleBoundaryArn covers them). A value that is not an IAM policy ARN is refused",
    source: "tf-aws v6.58.0 iam/func.resourceRole#L175 (permissions_boundary, no ForceNew), iam/func.resourceRoleUpdate#L97-L115; stacks/settings.ts",
    single: [
      { set: { iamPermissionsBoundary: "arn:aws:iam::123456789012:policy/ci-github-stack-role-boundary" }, verdict: "OK" },
      { set: { iamPermissionsBoundary: "ci-github-stack-role-boundary" }, verdict: "REFUSED", refusal: "iamPermissionsBoundary" },
    ],
    fleet: [
      { set: { iamPermissionsBoundary: "arn:aws:iam::123456789012:policy/ci-github-stack-role-boundary" }, verdict: "OK" },
      { from: { iamPermissionsBoundary: "arn:aws:iam::123456789012:policy/ci-github-stack-role-boundary" }, set: { iamPermissionsBoundary: "" }, verdict: "OK" },
    ],
    // The ci stack's own roles take none: a person deploys it.
    ci: [{ set: { iamPermissionsBoundary: "arn:aws:iam::123456789012:policy/ci-github-stack-role-boundary" }, verdict: "NO-OP" }],
  },
  ecrRetainImages: {
    does: "ci: the ECR lifecycle policy's count; its policy is force-new, so the policy is replaced (put again): no image is touched until ECR's next lifecycle evaluation expires the ones beyond the new count",
    source: "tf-aws v6.58.0 ecr/func.resourceLifecyclePolicy#L33-L36 (policy ForceNew); AWS ECR User Guide, Lifecycle policies (evaluated within 24 hours)",
    single: UNUSED_IN_SINGLE("ecrRetainImages", "50"),
    fleet: UNUSED_IN_FLEET("ecrRetainImages", "50"),
    ci: [
      { set: { ecrRetainImages: "50" }, verdict: "OK" },
      { set: { ecrRetainImages: "0" }, verdict: "REFUSED", refusal: "ecrRetainImages" },
    ],
  },
  ecrUntaggedExpiryDays: {
    does: "ci: the lifecycle policy's untagged rule, the policy replaced as for ecrRetainImages",
    source: "tf-aws v6.58.0 ecr/func.resourceLifecyclePolicy#L33-L36 (policy ForceNew)",
    single: UNUSED_IN_SINGLE("ecrUntaggedExpiryDays", "14"),
    fleet: UNUSED_IN_FLEET("ecrUntaggedExpiryDays", "14"),
    ci: [
      { set: { ecrUntaggedExpiryDays: "14" }, verdict: "OK" },
      { set: { ecrUntaggedExpiryDays: "400" }, verdict: "REFUSED", refusal: "ecrUntaggedExpiryDays" },
    ],
  },
  measuredRpsPerInstance: {
    does: "read only by pnpm plan's capacity line: no resource has it, so a change does nothing to the stack; a negative value is refused",
    source: "packages/plan/src/capacity.ts (its only reader); stacks/config.ts",
    single: [{ set: { measuredRpsPerInstance: "40" }, verdict: "NO-OP" }, { set: { measuredRpsPerInstance: "-5" }, verdict: "REFUSED", refusal: "allowed: 0 (not measured)" }],
    fleet: [{ set: { measuredRpsPerInstance: "120" }, verdict: "NO-OP" }],
  },
};

/** The secrets (stacks/settings.ts SECRET_SETTINGS): never printed, same table. */
export const SECRET_RULES: Readonly<Record<string, SettingRule>> = {
  dbPassword: {
    does: "the master password, in place (no outage); the API redeploys with it (single) or the fleet's SSM parameter changes and refreshes",
    source: `${TF_RDS} (MasterUserPassword)`,
    single: [{ set: { dbPassword: "A-new-Passw0rd-for-plan" }, verdict: "OK" }],
    fleet: [{ set: { dbPassword: "A-new-Passw0rd-for-plan" }, verdict: "OK" }],
  },
  registryPassword: {
    does: "read only with registryUsername (see registryUsername); alone nothing reads it, so the stack refuses it",
    source: "stacks/config.ts",
    single: [{ set: { registryPassword: "plan-registry-password" }, verdict: "REFUSED", refusal: "nothing uses it" }],
    fleet: [{ set: { registryPassword: "plan-registry-password" }, verdict: "REFUSED", refusal: "nothing uses it" }],
  },
};

/** The AWS provider's keys (provider-rules.ts AWS_PROVIDER_CONFIG_RULES has the why and source of each). */
export const PROVIDER_KEY_CASES: Readonly<Record<string, { single: readonly SettingCase[]; fleet: readonly SettingCase[]; ci?: readonly SettingCase[] }>> = {
  "aws:region": {
    single: [{ set: { "aws:region": "ap-northeast-1" }, verdict: "DATA LOSS" }],
    fleet: [{ set: { "aws:region": "ap-northeast-1" }, verdict: "FAILS" }],
    // The state bucket and key are protected.
    ci: [{ set: { "aws:region": "ap-northeast-1" }, verdict: "FAILS" }],
  },
  "aws:profile": { single: [{ set: { "aws:profile": "other" }, verdict: "NO-OP" }], fleet: [{ set: { "aws:profile": "other" }, verdict: "NO-OP" }] },
  "aws:defaultTags": {
    single: [{ set: { "aws:defaultTags": JSON.stringify({ tags: { team: "api" } }) }, verdict: "OK" }],
    fleet: [{ set: { "aws:defaultTags": JSON.stringify({ tags: { team: "api" } }) }, verdict: "OK" }],
  },
};
