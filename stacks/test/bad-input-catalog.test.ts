import { expect } from "chai";
import { currentGraph } from "@trafficlab/testing";
import { runStack } from "./dev-stack";

/**
 * Wrong configurations a user can write in Pulumi.<stack>.yaml (or `pulumi config set`), each
 * with what its error must say: the key the user typed, the value and what is allowed. Every
 * one must fail before any resource is registered (only Pulumi's root Stack exists), so
 * nothing is half-made. Values are strings, as `pulumi config set` stores them.
 */
interface Case {
  case: string;
  config: Record<string, string>;
  says: string[];
  stack?: "dev" | "prod" | "ci";
  /** Secret keys of `config` set without --secret (plain text in the stack file). */
  plainText?: string[];
}

const k = (key: string) => `trafficlab:${key}`;
const manyCidrs = JSON.stringify(Array.from({ length: 59 }, (_, i) => `198.51.${i}.0/24`));

const CATALOG: Case[] = [
  // stack, Region, provider
  { case: "unknown environment", config: { [k("environment")]: "staging" }, says: ['trafficlab:environment = "staging"', '"dev", "prod"'] },
  { case: "a typo in a key", config: { [k("dbInstanceType")]: "db.t3.micro" }, says: ["trafficlab:dbInstanceType is not a setting of this project; did you mean dbInstanceClass?"] },
  { case: "a typo in the AWS provider's key", config: { "aws:regoin": "ap-northeast-2" }, says: ["aws:regoin is not a setting of the AWS provider, which would ignore it; did you mean aws:region?"] },
  { case: "a Region that does not exist", config: { "aws:region": "seoul" }, says: ['aws:region = "seoul"', "ap-northeast-2"] },
  { case: "more zones than the Region has", config: { [k("availabilityZones")]: "5" }, says: ["trafficlab:availabilityZones = 5", "ap-northeast-2 (Asia Pacific (Seoul)) has 4 Availability Zones"] },
  { case: "prod without deletion protection", stack: "prod", config: { [k("dbDeletionProtection")]: "false" }, says: ["trafficlab:dbDeletionProtection = false", "true in a prod stack"] },
  { case: "prod skipping the final snapshot", stack: "prod", config: { [k("dbSkipFinalSnapshot")]: "true" }, says: ["trafficlab:dbSkipFinalSnapshot = true", "false in a prod stack"] },
  { case: "prod with a day of backups", stack: "prod", config: { [k("dbBackupRetentionDays")]: "1" }, says: ["trafficlab:dbBackupRetentionDays = 1", "7 or more in a prod stack"] },
  { case: "prod without protectData", stack: "prod", config: { [k("protectData")]: "false" }, says: ["trafficlab:protectData = false", "retainOnDelete"] },
  // network
  { case: "malformed CIDR", config: { [k("vpcCidr")]: "10.0.0/16" }, says: ['trafficlab:vpcCidr = "10.0.0/16"', "10.0.0.0/16"] },
  { case: "octet out of range", config: { [k("vpcCidr")]: "300.0.0.0/16" }, says: ['trafficlab:vpcCidr = "300.0.0.0/16"'] },
  { case: "VPC larger than /16", config: { [k("vpcCidr")]: "10.0.0.0/8" }, says: ['trafficlab:vpcCidr = "10.0.0.0/8"', "/16"] },
  { case: "VPC smaller than /28", config: { [k("vpcCidr")]: "10.0.0.0/29" }, says: ['trafficlab:vpcCidr = "10.0.0.0/29"'] },
  { case: "host bits set", config: { [k("vpcCidr")]: "10.0.0.5/16" }, says: ['trafficlab:vpcCidr = "10.0.0.5/16"', "10.0.0.0/16"] },
  { case: "VPC too small for the subnet layout", config: { [k("vpcCidr")]: "10.0.0.0/25" }, says: ['trafficlab:vpcCidr = "10.0.0.0/25"', "/24"] },
  { case: "VPC on Docker's bridge network", config: { [k("vpcCidr")]: "172.17.0.0/16" }, says: ['trafficlab:vpcCidr = "172.17.0.0/16"', "overlaps 172.17.0.0/16 to 172.19.0.0/16"] },
  { case: "VPC on Docker's next network", config: { [k("vpcCidr")]: "172.18.0.0/20" }, says: ['trafficlab:vpcCidr = "172.18.0.0/20"', "Docker makes on the API host"] },
  { case: "one zone", config: { [k("availabilityZones")]: "1" }, says: ["trafficlab:availabilityZones = 1", "at least two availability zones"] },
  { case: "fractional zones", config: { [k("availabilityZones")]: "2.5" }, says: ["trafficlab:availabilityZones = 2.5", "whole number"] },
  { case: "unknown NAT mode", config: { [k("nat")]: "double" }, says: ['trafficlab:nat = "double"', '"none", "single"'] },
  // host
  { case: "refused instance type", config: { [k("hostInstanceType")]: "t1.micro" }, says: ['trafficlab:hostInstanceType = "t1.micro"', "t3.micro"] },
  { case: "a real instance type outside the tested families", config: { [k("hostInstanceType")]: "c7a.large" }, says: ['trafficlab:hostInstanceType = "c7a.large"', "not in the families the API host is tested on", "nearest allowed: c7i.large"] },
  { case: "a memory-optimised instance type for the host", config: { [k("hostInstanceType")]: "r7g.2xlarge" }, says: ['trafficlab:hostInstanceType = "r7g.2xlarge"', "memory-optimised families are not offered for the API host", "m7g.2xlarge"] },
  { case: "a size the family is not offered in", config: { [k("hostInstanceType")]: "t3.4xlarge" }, says: ['trafficlab:hostInstanceType = "t3.4xlarge"', "t3 is offered for the API host in micro", "nearest allowed: t3.2xlarge"] },
  { case: "an instance type in capitals", config: { [k("hostInstanceType")]: "T3.Micro" }, says: ['trafficlab:hostInstanceType = "T3.Micro"', "did you mean t3.micro?"] },
  { case: "unknown OS", config: { [k("hostOs")]: "ubuntu" }, says: ['trafficlab:hostOs = "ubuntu"', '"al2023", "al2"'] },
  { case: "SSH CIDR missing", config: { [k("sshAllowedCidrs")]: "[]" }, says: ["trafficlab:sshAllowedCidrs (missing) is required because hosting is single", "pulumi config set --path 'sshAllowedCidrs[0]'"] },
  { case: "SSH from 0.0.0.0/0", config: { [k("sshAllowedCidrs")]: '["0.0.0.0/0"]' }, says: ['trafficlab:sshAllowedCidrs = "0.0.0.0/0"', "the whole internet is refused"] },
  { case: "SSH from ::/0", config: { [k("sshAllowedCidrs")]: '["::/0"]' }, says: ['trafficlab:sshAllowedCidrs = "::/0"', "refused"] },
  { case: "SSH from the two halves of the internet", config: { [k("sshAllowedCidrs")]: '["0.0.0.0/1","128.0.0.0/1"]' }, says: ['trafficlab:sshAllowedCidrs = "0.0.0.0/1"', 'trafficlab:sshAllowedCidrs = "128.0.0.0/1"'] },
  { case: "SSH from a /4", config: { [k("sshAllowedCidrs")]: '["16.0.0.0/4"]' }, says: ['trafficlab:sshAllowedCidrs = "16.0.0.0/4"', "a /8 at the widest"] },
  { case: "SSH from an IPv6 /16", config: { [k("sshAllowedCidrs")]: '["2001::/16"]' }, says: ['trafficlab:sshAllowedCidrs = "2001::/16"', "a /32 at the widest"] },
  { case: "the same SSH CIDR twice", config: { [k("sshAllowedCidrs")]: '["198.51.100.7/32","198.51.100.7/32"]' }, says: ['trafficlab:sshAllowedCidrs = "198.51.100.7/32"', "duplicate"] },
  { case: "more SSH CIDRs than a security group holds", config: { [k("sshAllowedCidrs")]: manyCidrs }, says: ['trafficlab:sshAllowedCidrs = "59 IPv4 CIDRs"', "at most 58 IPv4 SSH CIDRs"] },
  { case: "malformed SSH CIDR", config: { [k("sshAllowedCidrs")]: '["my-laptop"]' }, says: ['trafficlab:sshAllowedCidrs = "my-laptop"', "203.0.113.7/32"] },
  { case: "SSH CIDR with host bits", config: { [k("sshAllowedCidrs")]: '["198.51.100.7/24"]' }, says: ['trafficlab:sshAllowedCidrs = "198.51.100.7/24"', "network form"] },
  { case: "SSH CIDR only inet_aton reads", config: { [k("sshAllowedCidrs")]: '["198.51.100/24"]' }, says: ['trafficlab:sshAllowedCidrs = "198.51.100/24"'] },
  { case: "SSH CIDRs as a string", config: { [k("sshAllowedCidrs")]: "198.51.100.7/32" }, says: ["trafficlab:sshAllowedCidrs", "expected array"] },
  { case: "image without a tag", config: { [k("apiImage")]: "user/trafficlab-api" }, says: ['trafficlab:apiImage = "user/trafficlab-api"', "version tag"] },
  { case: "image tagged latest", config: { [k("apiImage")]: "user/trafficlab-api:latest" }, says: ['trafficlab:apiImage = "user/trafficlab-api:latest"', "latest"] },
  { case: "image with a bad digest", config: { [k("apiImage")]: "user/trafficlab-api@sha256:abc" }, says: ['trafficlab:apiImage = "user/trafficlab-api@sha256:abc"'] },
  { case: "image with an upper-case repository", config: { [k("apiImage")]: "User/trafficlab-api:1.0.0" }, says: ['trafficlab:apiImage = "User/trafficlab-api:1.0.0"', "must be lower case"] },
  { case: "image digest of the wrong length", config: { [k("apiImage")]: `user/trafficlab-api@sha256:${"a".repeat(63)}` }, says: ["trafficlab:apiImage", "64 lower-case hex digits (this one has 63 characters)"] },
  { case: "image with ':' and no tag", config: { [k("apiImage")]: "user/trafficlab-api:" }, says: ['trafficlab:apiImage = "user/trafficlab-api:"', "':' must be followed by a tag"] },
  { case: "image with a space", config: { [k("apiImage")]: "user/trafficlab-api :1.0.0" }, says: ["trafficlab:apiImage", "has no spaces"] },
  { case: "image from another registry than the login's", config: { [k("apiImage")]: "ghcr.io/acme/api:1.0.0", [k("registryUsername")]: "deployer", [k("registryPassword")]: "s3cret-Registry-1", [k("registryServer")]: "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com" }, says: ['trafficlab:apiImage = "ghcr.io/acme/api:1.0.0" is not allowed because registryServer is', "pulled from ghcr.io"] },
  { case: "nginx image with an upper-case repository", config: { [k("nginxImage")]: "Nginx:1.28.0-alpine" }, says: ['trafficlab:nginxImage = "Nginx:1.28.0-alpine"', "must be lower case"] },
  { case: "image as an empty string (Pulumi.yaml's default: not given)", config: { [k("apiImage")]: "" }, says: ["trafficlab:apiImage (missing) is required; set it with: pulumi config set apiImage"] },
  { case: "health path without a leading slash", config: { [k("apiHealthPath")]: "actuator/health" }, says: ['trafficlab:apiHealthPath = "actuator/health"', "starting with /"] },
  { case: "Spring profile with a newline", config: { [k("springProfile")]: "prod\nSPRING_DATASOURCE_URL=x" }, says: ["trafficlab:springProfile", "Spring profile names"] },
  { case: "Spring profile with a space", config: { [k("springProfile")]: "prod metrics" }, says: ['trafficlab:springProfile = "prod metrics"', "separated by commas"] },
  { case: "nginx image tagged latest", config: { [k("nginxImage")]: "nginx:latest" }, says: ['trafficlab:nginxImage = "nginx:latest"'] },
  { case: "unknown time zone", config: { [k("timeZone")]: "Asia/Busan" }, says: ['trafficlab:timeZone = "Asia/Busan"', "Asia/Seoul"] },
  { case: "time zone in the wrong case", config: { [k("timeZone")]: "asia/seoul" }, says: ['trafficlab:timeZone = "asia/seoul"'] },
  { case: "a domain that is not a fully qualified name", config: { [k("domain")]: "localhost", [k("acmeEmail")]: "ops@example.com" }, says: ['trafficlab:domain = "localhost"', "fully qualified domain name"] },
  { case: "a domain without the ACME e-mail", config: { [k("domain")]: "api.example.com" }, says: ["trafficlab:acmeEmail (missing) is required because domain is set", "pulumi config set acmeEmail"] },
  { case: "an ACME e-mail without a domain", config: { [k("acmeEmail")]: "ops@example.com" }, says: ["trafficlab:domain (missing) is required because acmeEmail is set", "pulumi config rm acmeEmail"] },
  { case: "an ACME CA bundle that is a file path, not the PEM", config: { [k("domain")]: "api.example.com", [k("acmeEmail")]: "ops@example.com", [k("acmeCaCertificates")]: "/etc/ssl/acme-ca.pem" }, says: ['trafficlab:acmeCaCertificates = "/etc/ssl/acme-ca.pem"', "PEM CA certificates"] },
  { case: "an ACME directory over plain HTTP", config: { [k("domain")]: "api.example.com", [k("acmeEmail")]: "ops@example.com", [k("acmeServer")]: "http://acme.example.com/dir" }, says: ['trafficlab:acmeServer = "http://acme.example.com/dir"', "https://"] },
  // fleet (prod)
  { case: "unknown hosting", config: { [k("hosting")]: "cluster" }, says: ['trafficlab:hosting = "cluster"', '"single", "fleet"'] },
  { case: "a memory-optimised fleet instance type", stack: "prod", config: { [k("fleetInstanceType")]: "r7g.2xlarge" }, says: ['trafficlab:fleetInstanceType = "r7g.2xlarge"', "memory-optimised families are not offered for a fleet instance"] },
  { case: "a fleet instance type outside the tested families", stack: "prod", config: { [k("fleetInstanceType")]: "c7a.large" }, says: ['trafficlab:fleetInstanceType = "c7a.large"', "nearest allowed: c7i.large"] },
  { case: "a fleet whose maximum is below its minimum", stack: "prod", config: { [k("fleetMinSize")]: "3", [k("fleetMaxSize")]: "2" }, says: ["trafficlab:fleetMaxSize = 2 is not allowed; it must be at least fleetMinSize (3)"] },
  { case: "a fleet domain without its Route 53 zone", stack: "prod", config: { [k("domain")]: "api.example.com" }, says: ["trafficlab:hostedZoneId (missing) is required because domain is set and hosting is fleet"] },
  { case: "a CPU target the group could never hold", stack: "prod", config: { [k("fleetCpuTargetPercent")]: "95" }, says: ["trafficlab:fleetCpuTargetPercent = 95", "10 to 90"] },
  { case: "a Slack workspace without its channel", stack: "prod", config: { [k("alarmSlackWorkspaceId")]: "T0123456789" }, says: ["trafficlab:alarmSlackChannelId (missing) is required because alarmSlackWorkspaceId is set"] },
  { case: "an alarm address that is not one", stack: "prod", config: { [k("alarmEmails")]: "ops@example.com, oncall" }, says: ['trafficlab:alarmEmails = "oncall"'] },
  { case: "a Slack channel without its workspace", stack: "prod", config: { [k("alarmSlackChannelId")]: "C0123456789" }, says: ["trafficlab:alarmSlackWorkspaceId (missing) is required because alarmSlackChannelId is set"] },
  // alert routing on a single host (dev), and what prod refuses unless told
  { case: "a single host's alarm address that is not one", config: { [k("alarmEmails")]: "ops@example.com, oncall" }, says: ['trafficlab:alarmEmails = "oncall" is not allowed', "e-mail addresses such as ops@example.com"] },
  { case: "a single host's Slack channel without its workspace", config: { [k("alarmSlackChannelId")]: "C0123456789" }, says: ["trafficlab:alarmSlackWorkspaceId (missing) is required because alarmSlackChannelId is set"] },
  { case: "a single host's Slack workspace without its channel", config: { [k("alarmSlackWorkspaceId")]: "T0123456789" }, says: ["trafficlab:alarmSlackChannelId (missing) is required because alarmSlackWorkspaceId is set"] },
  { case: "a single host's Slack channel id that is not one", config: { [k("alarmSlackWorkspaceId")]: "T0123456789", [k("alarmSlackChannelId")]: "#ops" }, says: ['trafficlab:alarmSlackChannelId = "#ops"', "C (or G) followed by"] },
  { case: "prod alarms that reach nobody", stack: "prod", config: { [k("allowAlarmsToNobody")]: "false" }, says: ['trafficlab:alarmEmails = "" is not allowed', "alarms must reach someone", "allowAlarmsToNobody: true"] },
  { case: "prod without HTTPS", stack: "prod", config: { [k("allowPlainHttpInProd")]: "false" }, says: ['trafficlab:domain = "" is not allowed', "a prod stack serves HTTPS", "allowPlainHttpInProd: true"] },
  { case: "a log retention CloudWatch does not accept", config: { [k("logRetentionDays")]: "10" }, says: ["trafficlab:logRetentionDays = 10 is not allowed", "1, 3, 5, 7, 14, 30", "3653"] },
  { case: "a log retention as words", config: { [k("logRetentionDays")]: "week" }, says: ['trafficlab:logRetentionDays = "week"', "expected number"] },
  // fleet metrics
  { case: "a fleet metrics switch that is not auto, on or off", stack: "prod", config: { [k("fleetMetrics")]: "yes" }, says: ['trafficlab:fleetMetrics = "yes"', '"auto", "on", "off"'] },
  { case: "a scrape interval below 5 s", stack: "prod", config: { [k("fleetMetricsScrapeSeconds")]: "4" }, says: ["trafficlab:fleetMetricsScrapeSeconds = 4 is not allowed", "5 to 300 seconds"] },
  { case: "a scrape interval above 300 s", stack: "prod", config: { [k("fleetMetricsScrapeSeconds")]: "600" }, says: ["trafficlab:fleetMetricsScrapeSeconds = 600 is not allowed", "5 to 300 seconds"] },
  { case: "a fractional scrape interval", stack: "prod", config: { [k("fleetMetricsScrapeSeconds")]: "7.5" }, says: ["trafficlab:fleetMetricsScrapeSeconds = 7.5", "whole number"] },
  { case: "a Route 53 zone without a domain", stack: "prod", config: { [k("hostedZoneId")]: "Z0123456789ABCDEFGHIJ" }, says: ["trafficlab:domain (missing) is required because hostedZoneId is set"] },
  { case: "a desired capacity outside the fleet's bounds", stack: "prod", config: { [k("fleetDesiredCapacity")]: "5" }, says: ["trafficlab:fleetDesiredCapacity = 5 is not allowed", "fleetMinSize (1) to fleetMaxSize (2)"] },
  { case: "a registry password nothing uses", config: { [k("registryPassword")]: "s3cret-Registry-1" }, says: ["trafficlab:registryPassword (value not shown) is set but nothing uses it", "pulumi config rm registryPassword"] },
  { case: "a registry server nothing logs in to", config: { [k("registryServer")]: "ghcr.io" }, says: ['trafficlab:registryServer = "ghcr.io" is set but nothing uses it'] },
  { case: "an ACME directory without a domain", config: { [k("acmeServer")]: "https://acme-staging-v02.api.letsencrypt.org/directory" }, says: ["trafficlab:acmeServer", "there is no domain"] },
  { case: "registry user without its secret", config: { [k("registryUsername")]: "deployer" }, says: ["trafficlab:registryPassword (missing)", "pulumi config set --secret registryPassword"] },
  { case: "registry that is not a host name", config: { [k("registryUsername")]: "deployer", [k("registryPassword")]: "s3cret-Registry-1", [k("registryServer")]: "https://registry.example.com" }, says: ['trafficlab:registryServer = "https://registry.example.com"', "host name"] },
  // the API image built here, and the registry login (issue 17: accepted until then)
  { case: "a build context that does not exist", config: { [k("apiBuildContext")]: "./no-such-api" }, says: ['trafficlab:apiBuildContext = "./no-such-api" is not allowed', "no such directory", "a directory with a Dockerfile"] },
  { case: "a build context without a Dockerfile", config: { [k("apiBuildContext")]: "stacks" }, says: ['trafficlab:apiBuildContext = "stacks" is not allowed', "has no Dockerfile", "a directory with a Dockerfile"] },
  { case: "a build context that is a file", config: { [k("apiBuildContext")]: "package.json" }, says: ['trafficlab:apiBuildContext = "package.json" is not allowed', "is a file, not a directory"] },
  { case: "a registry user name with a space", config: { [k("registryUsername")]: "deploy user", [k("registryPassword")]: "s3cret-Registry-1" }, says: ['trafficlab:registryUsername = "deploy user" is not allowed', "no space"] },
  { case: "a registry user name with a colon", config: { [k("registryUsername")]: "deploy:er", [k("registryPassword")]: "s3cret-Registry-1" }, says: ['trafficlab:registryUsername = "deploy:er" is not allowed', "':'", "RFC 7617"] },
  { case: "a registry user name with a space and no password", config: { [k("registryUsername")]: "deploy user" }, says: ['trafficlab:registryUsername = "deploy user" is not allowed', "no space"] },
  // the roles' permissions boundary (the ci stack's stackRoleBoundaryArn)
  { case: "a boundary given by name, not ARN", config: { [k("iamPermissionsBoundary")]: "ci-github-stack-role-boundary" }, says: ['trafficlab:iamPermissionsBoundary = "ci-github-stack-role-boundary" is not allowed', "arn:aws:iam::<12-digit account>:policy/<name>"] },
  { case: "a role's ARN as the boundary", stack: "prod", config: { [k("iamPermissionsBoundary")]: "arn:aws:iam::123456789012:role/ci-github-deploy" }, says: ['trafficlab:iamPermissionsBoundary = "arn:aws:iam::123456789012:role/ci-github-deploy" is not allowed', "an IAM managed policy's ARN"] },
  // database
  { case: "MySQL 5.7", config: { [k("dbEngineVersion")]: "5.7" }, says: ['trafficlab:dbEngineVersion = "5.7"', "8.4"] },
  { case: "MySQL 8.5, which RDS does not offer", config: { [k("dbEngineVersion")]: "8.5" }, says: ['trafficlab:dbEngineVersion = "8.5"', "8.4 (LTS, default)"] },
  { case: "MySQL 9.0, an innovation release RDS does not offer", config: { [k("dbEngineVersion")]: "9.0" }, says: ['trafficlab:dbEngineVersion = "9.0"', "8.4 (LTS, default)"] },
  { case: "a snapshot identifier RDS refuses", config: { [k("dbRestoreFromSnapshot")]: "my--snapshot" }, says: ['trafficlab:dbRestoreFromSnapshot = "my--snapshot"', "single hyphens"] },
  { case: "a snapshot in another Region", config: { [k("dbRestoreFromSnapshot")]: "arn:aws:rds:us-east-1:123456789012:snapshot:nightly" }, says: ["trafficlab:dbRestoreFromSnapshot", "the snapshot is in us-east-1", "aws rds copy-db-snapshot"] },
  { case: "a Route 53 zone id that is not one", stack: "prod", config: { [k("domain")]: "api.example.com", [k("hostedZoneId")]: "example.com" }, says: ['trafficlab:hostedZoneId = "example.com"', "Z0123456789ABCDEFGHIJ"] },
  { case: "a Slack workspace id that is not one", stack: "prod", config: { [k("alarmSlackWorkspaceId")]: "acme", [k("alarmSlackChannelId")]: "C0123456789" }, says: ['trafficlab:alarmSlackWorkspaceId = "acme"', "T followed by"] },
  { case: "the document's MySQL 8.0.33", config: { [k("dbEngineVersion")]: "8.0.33" }, says: ['trafficlab:dbEngineVersion = "8.0.33"', "8.0.40 or later"] },
  { case: "previous-generation DB class", config: { [k("dbInstanceClass")]: "db.t2.micro" }, says: ['trafficlab:dbInstanceClass = "db.t2.micro"', "db.t2"] },
  { case: "EC2 type as DB class", config: { [k("dbInstanceClass")]: "t3.micro" }, says: ['trafficlab:dbInstanceClass = "t3.micro"', "db.t3.micro"] },
  { case: "a DB class outside the offered families", config: { [k("dbInstanceClass")]: "db.x2g.large" }, says: ['trafficlab:dbInstanceClass = "db.x2g.large"', "memory optimised", "nearest allowed: db.r6g.large"] },
  { case: "0 GiB of storage", config: { [k("dbStorageGiB")]: "0" }, says: ["trafficlab:dbStorageGiB = 0", "20 to 65536"] },
  { case: "storage beyond RDS's limit", config: { [k("dbStorageGiB")]: "70000" }, says: ["trafficlab:dbStorageGiB = 70000", "20 to 65536"] },
  { case: "storage as words", config: { [k("dbStorageGiB")]: "twenty" }, says: ['trafficlab:dbStorageGiB = "twenty"', "expected number"] },
  { case: "36 days of backups", config: { [k("dbBackupRetentionDays")]: "36" }, says: ["trafficlab:dbBackupRetentionDays = 36", "0 to 35"] },
  { case: "boolean written as yes", config: { [k("dbMultiAz")]: "yes" }, says: ['trafficlab:dbMultiAz = "yes"', "expected boolean"] },
  { case: "a database password in plain text", config: { [k("dbPassword")]: "hunter22-hunter22" }, plainText: [k("dbPassword")], says: ["trafficlab:dbPassword (value not shown) is stored in plain text", "pulumi config rm dbPassword && pulumi config set --secret dbPassword"] },
  { case: "a registry password in plain text", config: { [k("registryUsername")]: "deployer", [k("registryPassword")]: "s3cret-Registry-1" }, plainText: [k("registryPassword")], says: ["trafficlab:registryPassword (value not shown) is stored in plain text", "pulumi config set --secret registryPassword"] },
  { case: "an empty database password", config: { [k("dbPassword")]: "" }, says: ["trafficlab:dbPassword is empty", "pulumi config rm dbPassword"] },
  { case: "a database password RDS refuses (too short)", config: { [k("dbPassword")]: "Short1!" }, says: ["trafficlab:dbPassword (value not shown)", "8 to 41"] },
  { case: "a database password RDS refuses (an @)", config: { [k("dbPassword")]: "user@example-password" }, says: ["trafficlab:dbPassword (value not shown)", "other than /, ', \", @ and space"] },
  // cache
  { case: "the document's cache.t2.micro", config: { [k("cacheNodeType")]: "cache.t2.micro" }, says: ['trafficlab:cacheNodeType = "cache.t2.micro"', "T2"] },
  { case: "unknown cache node type", config: { [k("cacheNodeType")]: "cache.t4g.nano" }, says: ['trafficlab:cacheNodeType = "cache.t4g.nano"', "cache.t4g.micro"] },
  { case: "a cache node size the sizing table does not hold", config: { [k("cacheNodeType")]: "cache.r7g.2xlarge" }, says: ['trafficlab:cacheNodeType = "cache.r7g.2xlarge"', "cache.r7g is offered for the token cache in large, xlarge only"] },
  { case: "users that do not fit the node", config: { [k("cacheExpectedUsers")]: "3000000" }, says: ['trafficlab:cacheNodeType = "cache.t4g.micro"', "3000000 users", "smallest node type that fits is cache.t4g.small"] },
  { case: "failover without a replica", config: { [k("cacheAutomaticFailover")]: "true" }, says: ["trafficlab:cacheAutomaticFailover = true is not allowed because cacheReplicas = 0", "cacheReplicas >= 1"] },
  { case: "six replicas", config: { [k("cacheReplicas")]: "6" }, says: ["trafficlab:cacheReplicas = 6", "0 to 5"] },
  { case: "replicas as words", config: { [k("cacheReplicas")]: "one" }, says: ['trafficlab:cacheReplicas = "one"', "expected number"] },
  { case: "no users", config: { [k("cacheExpectedUsers")]: "0" }, says: ["trafficlab:cacheExpectedUsers = 0"] },
  { case: "Memcached", config: { [k("cacheEngine")]: "memcached" }, says: ['trafficlab:cacheEngine = "memcached"', '"valkey", "redis"'] },
  // the ci stack (hosting ci): what GitHub and the roles' sub claim refuse
  { case: "ci: no repository", stack: "ci", config: {}, says: ["trafficlab:githubRepository (missing) is required because hosting is ci", "pulumi config set githubRepository OWNER/NAME"] },
  { case: "ci: a repository without its owner", stack: "ci", config: { [k("githubRepository")]: "trafficlab" }, says: ['trafficlab:githubRepository = "trafficlab" is not allowed', "allowed: OWNER/NAME", "has 0 '/'"] },
  { case: "ci: a repository URL", stack: "ci", config: { [k("githubRepository")]: "https://github.com/octo-org/trafficlab" }, says: ['trafficlab:githubRepository = "https://github.com/octo-org/trafficlab"', "OWNER/NAME"] },
  { case: "ci: an owner with an underscore", stack: "ci", config: { [k("githubRepository")]: "octo_org/trafficlab" }, says: ['trafficlab:githubRepository = "octo_org/trafficlab"', 'the owner "octo_org" is not one'] },
  { case: "ci: a repository name with a space", stack: "ci", config: { [k("githubRepository")]: "octo-org/traffic lab" }, says: ['trafficlab:githubRepository = "octo-org/traffic lab"', 'the name "traffic lab"'] },
  { case: "ci: an environment with a semicolon", stack: "ci", config: { [k("githubRepository")]: "octo-org/trafficlab", [k("deployEnvironment")]: "prod;eu" }, says: ['trafficlab:deployEnvironment = "prod;eu" is not allowed', "GitHub environment name", 'contains ";"'] },
  { case: "ci: an environment with a colon (the sub claim's separator)", stack: "ci", config: { [k("githubRepository")]: "octo-org/trafficlab", [k("deployEnvironment")]: "prod:eu" }, says: ['trafficlab:deployEnvironment = "prod:eu"', 'contains ":"'] },
  { case: "ci: an environment with a trailing space", stack: "ci", config: { [k("githubRepository")]: "octo-org/trafficlab", [k("deployEnvironment")]: "production " }, says: ['trafficlab:deployEnvironment = "production "', "starts or ends with a space"] },
  { case: "ci: an environment longer than GitHub's 255", stack: "ci", config: { [k("githubRepository")]: "octo-org/trafficlab", [k("deployEnvironment")]: "e".repeat(256) }, says: ["trafficlab:deployEnvironment", "1 to 255 characters", "this has 256"] },
  { case: "ci: a deploy branch with a space", stack: "ci", config: { [k("githubRepository")]: "octo-org/trafficlab", [k("deployBranch")]: "main branch" }, says: ['trafficlab:deployBranch = "main branch" is not allowed', "contains a space"] },
  { case: "ci: a preview branch pattern with a space", stack: "ci", config: { [k("githubRepository")]: "octo-org/trafficlab", [k("previewBranches")]: JSON.stringify(["main", "release /*"]) }, says: ['trafficlab:previewBranches contains "release /*", which is not allowed', "contains a space"] },
  { case: "ci: a branch git refuses", stack: "ci", config: { [k("githubRepository")]: "octo-org/trafficlab", [k("deployBranch")]: "main..next" }, says: ['trafficlab:deployBranch = "main..next"', "'..'"] },
  { case: "ci: no preview branch", stack: "ci", config: { [k("githubRepository")]: "octo-org/trafficlab", [k("previewBranches")]: "[]" }, says: ["trafficlab:previewBranches = [] is not allowed"] },
  { case: "ci: the deploy role deploying the ci stack itself", stack: "ci", config: { [k("githubRepository")]: "octo-org/trafficlab", [k("deployStacks")]: JSON.stringify(["prod", "ci"]) }, says: ['trafficlab:deployStacks = ["prod","ci"] is not allowed', "it names this stack (ci)"] },
  { case: "ci: a stack name the roles cannot be scoped to", stack: "ci", config: { [k("githubRepository")]: "octo-org/trafficlab", [k("deployStacks")]: JSON.stringify(["prod*"]) }, says: ['trafficlab:deployStacks = "prod*" is not allowed'] },
  { case: "ci: another provider than GitHub's", stack: "ci", config: { [k("githubRepository")]: "octo-org/trafficlab", [k("githubOidcProviderArn")]: "arn:aws:iam::123456789012:oidc-provider/gitlab.com" }, says: ['trafficlab:githubOidcProviderArn = "arn:aws:iam::123456789012:oidc-provider/gitlab.com"', "token.actions.githubusercontent.com"] },
  { case: "ci: no image kept", stack: "ci", config: { [k("githubRepository")]: "octo-org/trafficlab", [k("ecrRetainImages")]: "0" }, says: ["trafficlab:ecrRetainImages = 0", "1 to 1000"] },
  { case: "ci: untagged images kept longer than a year", stack: "ci", config: { [k("githubRepository")]: "octo-org/trafficlab", [k("ecrUntaggedExpiryDays")]: "400" }, says: ["trafficlab:ecrUntaggedExpiryDays = 400", "1 to 365"] },
];

async function attempt(stack: "dev" | "prod" | "ci", config: Record<string, string>, plainText: string[] = []): Promise<{ error: Error | undefined; registered: string[] }> {
  let error: Error | undefined;
  try {
    await runStack(stack, config, plainText);
  } catch (caught) {
    error = caught as Error;
  }
  return { error, registered: currentGraph().inventory().filter((r) => !r.startsWith("pulumi:pulumi:Stack")) };
}

describe("bad input catalog: each wrong configuration fails before any resource exists, under the key the user typed", () => {
  it(`has at least 60 cases (${CATALOG.length})`, () => expect(CATALOG.length).to.be.at.least(60));

  for (const entry of CATALOG) {
    it(entry.case, async () => {
      const { error, registered } = await attempt(entry.stack ?? "dev", entry.config, entry.plainText);
      expect(error, "the configuration was accepted").to.be.instanceOf(Error);
      for (const fragment of entry.says) expect(error!.message).to.include(fragment);
      for (const secret of entry.plainText ?? []) expect(error!.message).not.to.include(entry.config[secret]!);
      expect(registered).to.deep.equal([]);
    });
  }

  it("reports every problem of one run at once: types, a component's refusal, the Region, a secret", async () => {
    const { error, registered } = await attempt("dev", {
      [k("dbStorageGiB")]: "twenty",
      [k("dbInstanceClass")]: "db.t2.micro",
      [k("cacheNodeType")]: "cache.t2.micro",
      [k("sshAllowedCidrs")]: '["0.0.0.0/0"]',
      [k("dbPassword")]: "",
      "aws:region": "seoul",
    });
    expect(registered).to.deep.equal([]);
    const lines = error!.message.split("\n").filter((line) => line.startsWith("  - "));
    for (const key of ["trafficlab:dbStorageGiB", "trafficlab:dbInstanceClass", "trafficlab:cacheNodeType", "trafficlab:sshAllowedCidrs", "trafficlab:dbPassword", "aws:region"]) {
      expect(lines.filter((line) => line.includes(key)), key).to.have.length(1);
    }
    expect(lines).to.have.length(6);
  });
});
