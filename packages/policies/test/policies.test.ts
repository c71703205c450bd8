import { expect } from "chai";
import { gzipSync } from "node:zlib";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import { installMocks } from "@trafficlab/testing";
import { runPolicies, trafficlabPolicies, type Environment, type Violation } from "@trafficlab/policies";

/** Builds resources under fresh mocks and runs the trafficlab policies over what was registered. */
async function violationsOf(build: () => void, environment: Environment = "dev"): Promise<Violation[]> {
  const program = installMocks({ stack: environment });
  build();
  const graph = await program.settled();
  return runPolicies(graph.resources, { environment });
}

const COMPOSE_HEAD = "name: trafficlab\nservices:\n";
const connection = { host: "203.0.113.10", user: "ec2-user", privateKey: pulumi.secret("-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----\n") };
const goodDatabase: aws.rds.InstanceArgs = {
  instanceClass: "db.t3.micro",
  engine: "mysql",
  publiclyAccessible: false,
  storageEncrypted: true,
  deletionProtection: true,
  skipFinalSnapshot: false,
  finalSnapshotIdentifier: "db-final",
  backupRetentionPeriod: 7,
  multiAz: true,
};
const goodCache: aws.elasticache.ReplicationGroupArgs = {
  description: "tokens",
  engine: "valkey",
  atRestEncryptionEnabled: true,
  transitEncryptionEnabled: true,
  numCacheClusters: 2,
  automaticFailoverEnabled: true,
};
const goodHost: aws.ec2.InstanceArgs = {
  ami: "ami-1",
  instanceType: "t3.micro",
  metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 2 },
  rootBlockDevice: { encrypted: true, volumeType: "gp3" },
};

const AUD = "token.actions.githubusercontent.com:aud";
const SUB = "token.actions.githubusercontent.com:sub";
/** A trust policy of GitHub's OIDC provider with these conditions. */
function githubTrust(condition: Record<string, Record<string, string | string[]>> | undefined) {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" },
        Action: "sts:AssumeRoleWithWebIdentity",
        ...(condition ? { Condition: condition } : {}),
      },
    ],
  };
}

interface BadCase {
  /** what is wrong */
  title: string;
  policy: string;
  environment?: Environment;
  build: () => void;
  /** each must appear in one reported message */
  fragments: string[];
  /** how many violations this policy reports (default 1) */
  count?: number;
}

const BAD_CASES: BadCase[] = [
  {
    title: "an RDS instance with publiclyAccessible: true",
    policy: "no-public-database",
    build: () => new aws.rds.Instance("db", { ...goodDatabase, publiclyAccessible: true }),
    fragments: ['RDS instance "db"', "publiclyAccessible: true"],
  },
  {
    title: "a security group admitting 0.0.0.0/0 to MySQL inline",
    policy: "no-internet-ingress-to-data-ports",
    build: () => new aws.ec2.SecurityGroup("db-sg", { ingress: [{ protocol: "tcp", fromPort: 3306, toPort: 3306, cidrBlocks: ["0.0.0.0/0"] }] }),
    fragments: ['SecurityGroup "db-sg" ingress[0] admits 0.0.0.0/0 to port 3306'],
  },
  {
    title: "a standalone ingress rule admitting ::/0 to Valkey",
    policy: "no-internet-ingress-to-data-ports",
    build: () => new aws.vpc.SecurityGroupIngressRule("cache-in", { securityGroupId: "sg-1", ipProtocol: "tcp", fromPort: 6379, toPort: 6379, cidrIpv6: "::/0" }),
    fragments: ['SecurityGroupIngressRule "cache-in" rule admits ::/0 to port 6379'],
  },
  {
    title: "a legacy SecurityGroupRule whose port range covers both data ports",
    policy: "no-internet-ingress-to-data-ports",
    build: () => new aws.ec2.SecurityGroupRule("wide", { type: "ingress", securityGroupId: "sg-1", protocol: "tcp", fromPort: 1024, toPort: 65535, cidrBlocks: ["0.0.0.0/0"] }),
    fragments: ["admits 0.0.0.0/0 to port 3306, 6379", "ports 1024-65535"],
  },
  {
    title: "an all-protocols rule from anywhere (protocol -1 ignores the ports)",
    policy: "no-internet-ingress-to-data-ports",
    build: () => new aws.ec2.SecurityGroup("open", { ingress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }] }),
    fragments: ["admits 0.0.0.0/0 to port 3306, 6379", "protocol -1"],
  },
  {
    title: "SSH from ::/0 inline",
    policy: "no-ssh-from-internet",
    build: () => new aws.ec2.SecurityGroup("host-sg", { ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["198.51.100.7/32"], ipv6CidrBlocks: ["::/0"] }] }),
    fragments: ['SecurityGroup "host-sg" ingress[0] admits ::/0 to SSH', "sshAllowedCidrs"],
  },
  {
    title: "SSH from 0.0.0.0/0 through a rule for every TCP port",
    policy: "no-ssh-from-internet",
    build: () => new aws.vpc.SecurityGroupIngressRule("all-tcp", { securityGroupId: "sg-1", ipProtocol: "tcp", fromPort: 0, toPort: 65535, cidrIpv4: "0.0.0.0/0" }),
    fragments: ['SecurityGroupIngressRule "all-tcp" rule admits 0.0.0.0/0 to SSH'],
  },
  {
    title: "an unencrypted RDS instance",
    policy: "rds-encrypted-at-rest",
    build: () => new aws.rds.Instance("db", { ...goodDatabase, storageEncrypted: false }),
    fragments: ['RDS instance "db" has storageEncrypted: false'],
  },
  {
    title: "an RDS instance that does not say storageEncrypted",
    policy: "rds-encrypted-at-rest",
    build: () => new aws.rds.Instance("db", { instanceClass: "db.t3.micro" }),
    fragments: ["storageEncrypted: null"],
  },
  {
    title: "a cache without encryption at rest",
    policy: "cache-encrypted-at-rest",
    build: () => new aws.elasticache.ReplicationGroup("tokens", { ...goodCache, atRestEncryptionEnabled: false }),
    fragments: ['ElastiCache replication group "tokens" has atRestEncryptionEnabled: false'],
  },
  {
    title: "a cache without TLS",
    policy: "cache-encrypted-in-transit",
    build: () => new aws.elasticache.ReplicationGroup("tokens", { ...goodCache, transitEncryptionEnabled: undefined }),
    fragments: ["transitEncryptionEnabled: null", "clear text"],
  },
  {
    title: "a cache whose TLS mode still accepts plain-text clients",
    policy: "cache-encrypted-in-transit",
    build: () => new aws.elasticache.ReplicationGroup("tokens", { ...goodCache, transitEncryptionMode: "preferred" }),
    fragments: ['transitEncryptionMode: "preferred"'],
  },
  {
    title: "an EC2 instance with no rootBlockDevice settings and an unencrypted extra volume",
    policy: "ebs-encrypted",
    build: () =>
      new aws.ec2.Instance("host", { ...goodHost, rootBlockDevice: undefined, ebsBlockDevices: [{ deviceName: "/dev/sdf", volumeSize: 10 }] }),
    fragments: ['EC2 instance "host" has rootBlockDevice.encrypted: null', "ebsBlockDevices[0] (/dev/sdf) unencrypted"],
    count: 2,
  },
  {
    title: "an unencrypted standalone EBS volume",
    policy: "ebs-encrypted",
    build: () => new aws.ebs.Volume("data", { availabilityZone: "ap-northeast-2a", size: 10 }),
    fragments: ['EBS volume "data" has encrypted: null'],
  },
  {
    title: "an EC2 instance that still answers IMDSv1",
    policy: "imdsv2-required",
    build: () => new aws.ec2.Instance("host", { ...goodHost, metadataOptions: { httpTokens: "optional" } }),
    fragments: ['EC2 instance "host" has metadataOptions.httpTokens: "optional"'],
  },
  {
    title: "a launch template without metadata options",
    policy: "imdsv2-required",
    build: () => new aws.ec2.LaunchTemplate("hosts", { imageId: "ami-1" }),
    fragments: ['Launch template "hosts" has metadataOptions.httpTokens: null'],
  },
  {
    title: "a compose file on stdin with an untagged and a `latest` image",
    policy: "no-floating-image-tags",
    build: () =>
      new command.remote.Command("compose", {
        connection,
        create: "tee /opt/app/compose.yaml",
        stdin: `${COMPOSE_HEAD}  api:\n    image: example/api:latest\n  nginx:\n    image: "nginx"\n  cache:\n    image: valkey/valkey:8.1\n`,
      }),
    fragments: ['image "example/api:latest", which is tagged `latest`', 'image "nginx", which has no tag'],
    count: 2,
  },
  {
    title: "a compose file written by a heredoc in the create command",
    policy: "no-floating-image-tags",
    build: () =>
      new command.remote.Command("compose", { connection, create: `cat > compose.yaml <<'EOF'\n${COMPOSE_HEAD}  api:\n    image: registry.example.com:5000/api\nEOF\n` }),
    fragments: ['The compose file in create of "compose" runs image "registry.example.com:5000/api", which has no tag'],
  },
  {
    title: "Docker provider resources without a pinned image",
    policy: "no-floating-image-tags",
    build: () => {
      new docker.RemoteImage("redis", { name: "redis:latest" });
      new docker.Container("web", { image: "nginx" });
    },
    fragments: ['name of "redis" runs image "redis:latest"', 'image of "web" runs image "nginx"'],
    count: 2,
  },
  {
    title: "a password on a command line",
    policy: "no-secrets-in-plain-inputs",
    build: () => new command.remote.Command("login", { connection, create: "docker login -u deploy --password hunter2hunter2 registry.example.com" }),
    fragments: ['Command "login" create holds a password given on a command line (--password …)'],
  },
  {
    title: "a password assigned in a plain compose file",
    policy: "no-secrets-in-plain-inputs",
    build: () =>
      new command.remote.Command("compose", {
        connection,
        create: "tee compose.yaml",
        stdin: `${COMPOSE_HEAD}  api:\n    image: example/api:1.0.0\n    environment:\n      SPRING_DATASOURCE_PASSWORD: s3cr3t-value\n`,
      }),
    fragments: ["stdin (compose file) holds a password or secret assigned in plain text (SPRING_DATASOURCE_PASSWORD=…)"],
  },
  {
    title: "an AWS access key and a Redis URL with its password in EC2 user data",
    policy: "no-secrets-in-plain-inputs",
    build: () =>
      new aws.ec2.Instance("host", { ...goodHost, userData: "#!/bin/sh\nexport KEY_ID=AKIAABCDEFGHIJKLMNOP\nexport CACHE=rediss://:tok3n-value@cache.example:6379\n" }),
    fragments: ["userData holds an AWS access key id (AKIA…)", "userData holds a URL with a password in it (rediss://…:…@)"],
    count: 2,
  },
  {
    title: "a private key in a tag, and in base64 launch-template user data",
    policy: "no-secrets-in-plain-inputs",
    build: () => {
      new aws.ec2.Vpc("vpc", { cidrBlock: "10.0.0.0/16", tags: { DeployKey: "-----BEGIN RSA PRIVATE KEY-----\nMIIE..." } });
      new aws.ec2.LaunchTemplate("hosts", {
        imageId: "ami-1",
        metadataOptions: { httpTokens: "required" },
        userData: Buffer.from("-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n").toString("base64"),
      });
    },
    fragments: ['Vpc "vpc" tags.DeployKey holds a private key (-----BEGIN RSA PRIVATE KEY-----)', 'LaunchTemplate "hosts" userData holds a private key'],
    count: 2,
  },
  {
    title: "a private key written by a cloud-config besides the host key it may install",
    policy: "no-secrets-in-plain-inputs",
    build: () =>
      new aws.ec2.Instance("host", {
        ...goodHost,
        userData:
          "#cloud-config\nssh_keys:\n  ed25519_private: |\n    -----BEGIN OPENSSH PRIVATE KEY-----\n    host\n  ed25519_public: ssh-ed25519 AAAA\n" +
          "write_files:\n  - path: /root/.ssh/id_rsa\n    content: |\n      -----BEGIN RSA PRIVATE KEY-----\n      deploy\n",
      }),
    fragments: ['Instance "host" userData holds a private key (-----BEGIN RSA PRIVATE KEY-----)'],
  },
  {
    title: "a production database without deletion protection",
    policy: "prod-rds-deletion-protection",
    environment: "prod",
    build: () => new aws.rds.Instance("db", { ...goodDatabase, deletionProtection: false }, { protect: true }),
    fragments: ['RDS instance "db" has deletionProtection: false in a production stack', "trafficlab:dbDeletionProtection"],
  },
  {
    title: "a production database that skips its final snapshot",
    policy: "prod-rds-final-snapshot",
    environment: "prod",
    build: () => new aws.rds.Instance("db", { ...goodDatabase, skipFinalSnapshot: true, finalSnapshotIdentifier: undefined }, { protect: true }),
    fragments: ["skipFinalSnapshot: true in a production stack"],
  },
  {
    title: "a production database that keeps a final snapshot without naming it",
    policy: "prod-rds-final-snapshot",
    environment: "prod",
    build: () => new aws.rds.Instance("db", { ...goodDatabase, finalSnapshotIdentifier: undefined }, { protect: true }),
    fragments: ["no finalSnapshotIdentifier"],
  },
  {
    title: "a production database with 1-day backups",
    policy: "prod-rds-backup-retention",
    environment: "prod",
    build: () => new aws.rds.Instance("db", { ...goodDatabase, backupRetentionPeriod: 1 }, { protect: true }),
    fragments: ["backupRetentionPeriod: 1 in a production stack; at least 7 days"],
  },
  {
    title: "a production database that leaves the backup period to AWS",
    policy: "prod-rds-backup-retention",
    environment: "prod",
    build: () => new aws.rds.Instance("db", { ...goodDatabase, backupRetentionPeriod: undefined }, { protect: true }),
    fragments: ["backupRetentionPeriod: null (AWS then keeps 1 day)"],
  },
  {
    title: "unprotected production data: the database, the cache and their components",
    policy: "prod-protect-stateful-resources",
    environment: "prod",
    build: () => {
      const database = new pulumi.ComponentResource("trafficlab:database:Database", "db");
      new aws.rds.Instance("db-mysql", goodDatabase, { parent: database });
      const cache = new pulumi.ComponentResource("trafficlab:token-cache:TokenCache", "tokens");
      new aws.elasticache.ReplicationGroup("tokens-group", goodCache, { parent: cache });
    },
    fragments: [
      'trafficlab:database:Database "db" is not protected',
      'aws:rds/instance:Instance "db-mysql" is not protected',
      'trafficlab:token-cache:TokenCache "tokens" is not protected',
      'aws:elasticache/replicationGroup:ReplicationGroup "tokens-group" is not protected',
    ],
    count: 4,
  },
  {
    title: "a single-AZ production database (advisory)",
    policy: "prod-rds-multi-az",
    environment: "prod",
    build: () => new aws.rds.Instance("db", { ...goodDatabase, multiAz: false }, { protect: true }),
    fragments: ['RDS instance "db" is single-AZ in a production stack'],
  },
  {
    title: "a production cache without a replica (advisory)",
    policy: "prod-cache-replica-failover",
    environment: "prod",
    build: () => new aws.elasticache.ReplicationGroup("tokens", { ...goodCache, numCacheClusters: 1, automaticFailoverEnabled: false }, { protect: true }),
    fragments: ['"tokens" has 1 node(s) and automaticFailoverEnabled: false'],
  },
  {
    title: "an instance refresh on a group that runs $Latest",
    policy: "asg-refresh-needs-numbered-version",
    build: () =>
      new aws.autoscaling.Group("fleet", { minSize: 1, maxSize: 2, launchTemplate: { id: "lt-1", version: "$Latest" }, instanceRefresh: { strategy: "Rolling" }, healthCheckType: "ELB", targetGroupArns: ["arn:tg"] }),
    fragments: ['Auto Scaling group "fleet" has an instanceRefresh but launchTemplate.version "$Latest"', "latestVersion.apply(String)"],
  },
  {
    title: "an instance refresh on a group that names no version ($Default)",
    policy: "asg-refresh-needs-numbered-version",
    build: () => new aws.autoscaling.Group("fleet", { minSize: 1, maxSize: 2, launchTemplate: { id: "lt-1" }, instanceRefresh: { strategy: "Rolling" }, healthCheckType: "ELB", targetGroupArns: ["arn:tg"] }),
    fragments: ["launchTemplate.version null (AWS then uses $Default)"],
  },
  {
    title: "a group behind a load balancer on EC2 health checks, with no grace period",
    policy: "asg-elb-health-checks",
    build: () => new aws.autoscaling.Group("fleet", { minSize: 1, maxSize: 2, launchTemplate: { id: "lt-1", version: "1" }, targetGroupArns: ["arn:tg"], healthCheckType: "EC2", healthCheckGracePeriod: 0 }),
    fragments: ['sits behind a load balancer with healthCheckType "EC2"', "healthCheckGracePeriod: 0"],
    count: 2,
  },
  {
    title: "a domain pointing at a load balancer that serves HTTP only",
    policy: "https-listener-when-domain",
    build: () => {
      const lb = new aws.lb.LoadBalancer("alb", { loadBalancerType: "application", subnets: ["subnet-a", "subnet-b"] });
      new aws.lb.Listener("alb-http", { loadBalancerArn: lb.arn, port: 80, protocol: "HTTP", defaultActions: [{ type: "forward", targetGroupArn: "arn:tg" }] });
      new aws.route53.Record("alias", { zoneId: "Z1", name: "api.example.com", type: "A", aliases: [{ name: lb.dnsName, zoneId: lb.zoneId, evaluateTargetHealth: true }] });
    },
    fragments: ['Load balancer "alb" has a domain pointing at it but no HTTPS listener', 'HTTP listener "alb-http" of "alb", which has a domain, serves requests instead of redirecting'],
    count: 2,
  },
  {
    title: "an HTTPS listener on the API's default TLS policy",
    policy: "https-listener-when-domain",
    build: () => new aws.lb.Listener("alb-https", { loadBalancerArn: "arn:lb", port: 443, protocol: "HTTPS", certificateArn: "arn:cert", defaultActions: [{ type: "forward", targetGroupArn: "arn:tg" }] }),
    fragments: ['HTTPS listener "alb-https" has sslPolicy null (AWS then applies ELBSecurityPolicy-2016-08'],
  },
  {
    title: "a fleet's database that still admits the single host and a CIDR",
    policy: "data-tier-only-from-fleet",
    build: () => {
      const fleetSg = new aws.ec2.SecurityGroup("fleet-sg", {});
      const hostSg = new aws.ec2.SecurityGroup("host-sg", {});
      const dbSg = new aws.ec2.SecurityGroup("db-sg", {});
      new aws.rds.Instance("db", { ...goodDatabase, vpcSecurityGroupIds: [dbSg.id] });
      const lt = new aws.ec2.LaunchTemplate("fleet-lt", { networkInterfaces: [{ deviceIndex: 0, securityGroups: [fleetSg.id] }], metadataOptions: { httpTokens: "required" } });
      new aws.autoscaling.Group("fleet", { minSize: 1, maxSize: 2, launchTemplate: { id: lt.id, version: lt.latestVersion.apply(String) }, targetGroupArns: ["arn:tg"], healthCheckType: "ELB" });
      new aws.vpc.SecurityGroupIngressRule("db-from-fleet", { securityGroupId: dbSg.id, ipProtocol: "tcp", fromPort: 3306, toPort: 3306, referencedSecurityGroupId: fleetSg.id });
      new aws.vpc.SecurityGroupIngressRule("db-from-host", { securityGroupId: dbSg.id, ipProtocol: "tcp", fromPort: 3306, toPort: 3306, referencedSecurityGroupId: hostSg.id });
      new aws.vpc.SecurityGroupIngressRule("db-from-office", { securityGroupId: dbSg.id, ipProtocol: "tcp", fromPort: 3306, toPort: 3306, cidrIpv4: "10.20.0.0/16" });
    },
    fragments: ['SecurityGroupIngressRule "db-from-host" admits the security group host-sg to the data tier', 'SecurityGroupIngressRule "db-from-office" admits 10.20.0.0/16 to the data tier'],
    count: 2,
  },
  {
    title: "a password in gzipped launch template user data",
    policy: "no-secrets-in-plain-inputs",
    build: () =>
      new aws.ec2.LaunchTemplate("fleet-lt", {
        metadataOptions: { httpTokens: "required" },
        userData: gzipSync(Buffer.from("#cloud-config\nruncmd:\n  - [sh, -c, 'export SPRING_DATASOURCE_PASSWORD=Hunter2-Secret-Value']\n")).toString("base64"),
      }),
    fragments: ['LaunchTemplate "fleet-lt" userData holds'],
  },
  {
    title: "a host on an auto-assigned public IPv4 address (advisory)",
    policy: "host-public-ip-without-eip",
    build: () => new aws.ec2.Instance("host", { ...goodHost, associatePublicIpAddress: true }),
    fragments: ['EC2 instance "host" has an auto-assigned public IPv4 address', "trafficlab:hostElasticIp"],
  },
  {
    title: "private subnets and no NAT gateway (advisory)",
    policy: "private-subnets-without-nat",
    build: () => {
      const vpc = new aws.ec2.Vpc("vpc", { cidrBlock: "10.0.0.0/16" });
      new aws.ec2.Subnet("public", { vpcId: vpc.id, cidrBlock: "10.0.0.0/20", mapPublicIpOnLaunch: true });
      new aws.ec2.Subnet("private", { vpcId: vpc.id, cidrBlock: "10.0.128.0/20" });
    },
    fragments: ["1 private subnet(s) (private) have no NAT gateway"],
  },
  {
    title: "a role trusting GitHub's OIDC provider for any repository (StringLike repo:*)",
    policy: "github-oidc-trust-narrow",
    build: () => new aws.iam.Role("ci", { assumeRolePolicy: JSON.stringify(githubTrust({ StringEquals: { [AUD]: "sts.amazonaws.com" }, StringLike: { [SUB]: "repo:*" } })) }),
    fragments: ['IAM role "ci"', "trusts any repository", '"repo:*"'],
  },
  {
    title: "a role trusting GitHub without an aud check",
    policy: "github-oidc-trust-narrow",
    build: () => new aws.iam.Role("ci", { assumeRolePolicy: JSON.stringify(githubTrust({ StringEquals: { [SUB]: "repo:octo-org/trafficlab:pull_request" } })) }),
    fragments: ["without an aud check"],
  },
  {
    title: "a role trusting every branch of a repository with a StringLike wildcard",
    policy: "github-oidc-trust-narrow",
    build: () => new aws.iam.Role("ci", { assumeRolePolicy: JSON.stringify(githubTrust({ StringEquals: { [AUD]: "sts.amazonaws.com" }, StringLike: { [SUB]: "repo:octo-org/trafficlab:*" } })) }),
    fragments: ["wildcard sub", '"repo:octo-org/trafficlab:*"'],
  },
  {
    title: "a stack bounding one role and not another",
    policy: "iam-roles-share-boundary",
    build: () => {
      const assumeRolePolicy = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] });
      new aws.iam.Role("bounded", { assumeRolePolicy, permissionsBoundary: "arn:aws:iam::123456789012:policy/ci-github-stack-role-boundary" });
      new aws.iam.Role("forgotten", { assumeRolePolicy });
    },
    fragments: ['IAM role "forgotten" has no permissions boundary', "arn:aws:iam::123456789012:policy/ci-github-stack-role-boundary", "trafficlab:iamPermissionsBoundary"],
  },
];

describe("@trafficlab/policies: each rule fires on a bad resource", () => {
  for (const bad of BAD_CASES) {
    it(`${bad.policy}: ${bad.title}`, async () => {
      const violations = await violationsOf(bad.build, bad.environment);
      const mine = violations.filter((v) => v.policyName === bad.policy);
      const messages = mine.map((v) => v.message);
      expect(mine, `violations of ${bad.policy}:\n${messages.join("\n")}`).to.have.length(bad.count ?? 1);
      for (const fragment of bad.fragments) {
        expect(messages.some((m) => m.includes(fragment)), `no message contains ${JSON.stringify(fragment)}:\n${messages.join("\n")}`).to.equal(true);
      }
      const declared = trafficlabPolicies.find((p) => p.name === bad.policy)!.enforcementLevel;
      expect(mine.every((v) => v.enforcementLevel === declared)).to.equal(true);
    });
  }

  it("has a failing case for every policy in the pack", () => {
    const covered = new Set(BAD_CASES.map((c) => c.policy));
    expect(trafficlabPolicies.map((p) => p.name).filter((name) => !covered.has(name))).to.deep.equal([]);
  });
});

describe("@trafficlab/policies: stays quiet where it should", () => {
  it("raises nothing over well-configured resources of every kind, in production", async () => {
    const violations = await violationsOf(() => {
      const host = new aws.ec2.Instance("host", { ...goodHost, associatePublicIpAddress: true });
      new aws.ec2.Eip("host-ip", { domain: "vpc", instance: host.id });
      new aws.ec2.SecurityGroup("host-sg", {
        ingress: [
          { protocol: "tcp", fromPort: 80, toPort: 80, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] },
          { protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["198.51.100.7/32"] },
        ],
      });
      new aws.ec2.SecurityGroup("db-sg", { ingress: [{ protocol: "tcp", fromPort: 3306, toPort: 3306, securityGroups: ["sg-api"] }] });
      new aws.vpc.SecurityGroupIngressRule("cache-in", { securityGroupId: "sg-1", ipProtocol: "tcp", fromPort: 6379, toPort: 6379, referencedSecurityGroupId: "sg-api" });
      new aws.rds.Instance("db", goodDatabase, { protect: true });
      new aws.elasticache.ReplicationGroup("tokens", goodCache, { protect: true });
      new aws.ebs.Volume("data", { availabilityZone: "ap-northeast-2a", size: 10, encrypted: true });
      new command.remote.Command("compose", {
        connection,
        create: 'docker login -u deploy --password-stdin registry.example.com <<<"$REGISTRY_PASSWORD" && tee compose.yaml',
        stdin: `${COMPOSE_HEAD}  api:\n    image: example/api:1.4.0\n    env_file: .env\n    environment:\n      SPRING_DATASOURCE_PASSWORD: \${DB_PASSWORD}\n  proxy:\n    image: nginx@sha256:${"a".repeat(64)}\n`,
      });
      // Secrets belong in an env file on stdin: not a compose file, so not scanned.
      new command.remote.Command("env", { connection, create: "tee .env", stdin: "SPRING_DATASOURCE_PASSWORD='s3cr3t-value'\n" });
      new docker.Container("web", { image: `sha256:${"b".repeat(64)}` });
    }, "prod");
    expect(violations.map((v) => `${v.policyName}: ${v.message}`)).to.deep.equal([]);
  });

  it("raises nothing over a well-configured fleet: numbered version, ELB checks, HTTPS for its domain, the data tier for its instances only", async () => {
    const violations = await violationsOf(() => {
      const fleetSg = new aws.ec2.SecurityGroup("fleet-sg", {});
      const dbSg = new aws.ec2.SecurityGroup("db-sg", {});
      new aws.rds.Instance("db", { ...goodDatabase, vpcSecurityGroupIds: [dbSg.id] }, { protect: true });
      const lt = new aws.ec2.LaunchTemplate("fleet-lt", { networkInterfaces: [{ deviceIndex: 0, securityGroups: [fleetSg.id] }], metadataOptions: { httpTokens: "required" } });
      const lb = new aws.lb.LoadBalancer("alb", { loadBalancerType: "application", subnets: ["subnet-a", "subnet-b"] });
      new aws.lb.Listener("alb-http", { loadBalancerArn: lb.arn, port: 80, protocol: "HTTP", defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }] });
      new aws.lb.Listener("alb-https", { loadBalancerArn: lb.arn, port: 443, protocol: "HTTPS", sslPolicy: "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09", certificateArn: "arn:cert", defaultActions: [{ type: "forward", targetGroupArn: "arn:tg" }] });
      new aws.route53.Record("alias", { zoneId: "Z1", name: "api.example.com", type: "A", aliases: [{ name: lb.dnsName, zoneId: lb.zoneId, evaluateTargetHealth: true }] });
      new aws.autoscaling.Group("fleet", {
        minSize: 1,
        maxSize: 2,
        launchTemplate: { id: lt.id, version: lt.latestVersion.apply(String) },
        instanceRefresh: { strategy: "Rolling", preferences: { minHealthyPercentage: 100, maxHealthyPercentage: 200, autoRollback: true } },
        targetGroupArns: ["arn:tg"],
        healthCheckType: "ELB",
        healthCheckGracePeriod: 600,
      });
      new aws.vpc.SecurityGroupIngressRule("db-from-fleet", { securityGroupId: dbSg.id, ipProtocol: "tcp", fromPort: 3306, toPort: 3306, referencedSecurityGroupId: fleetSg.id });
    }, "prod");
    expect(violations.map((v) => `${v.policyName}: ${v.message}`)).to.deep.equal([]);
  });

  it("leaves production-only rules alone in dev", async () => {
    const violations = await violationsOf(() => {
      new aws.rds.Instance("db", { ...goodDatabase, deletionProtection: false, skipFinalSnapshot: true, backupRetentionPeriod: 1, multiAz: false });
      new aws.elasticache.ReplicationGroup("tokens", { ...goodCache, numCacheClusters: 1, automaticFailoverEnabled: false });
    }, "dev");
    expect(violations.map((v) => v.policyName)).to.deep.equal([]);
  });

  it("does not count a secret input as plain: the same compose file, sent as a secret, passes", async () => {
    const stdin = `${COMPOSE_HEAD}  api:\n    image: example/api:1.0.0\n    environment:\n      SPRING_DATASOURCE_PASSWORD: s3cr3t-value\n`;
    const plain = await violationsOf(() => new command.remote.Command("compose", { connection, create: "tee compose.yaml", stdin }));
    const secret = await violationsOf(() => new command.remote.Command("compose", { connection, create: "tee compose.yaml", stdin: pulumi.secret(stdin) }));
    expect(plain.map((v) => v.policyName)).to.deep.equal(["no-secrets-in-plain-inputs"]);
    expect(secret).to.deep.equal([]);
  });
});
