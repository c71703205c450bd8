import { createHash } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";

export const MOCK_ACCOUNT_ID = "123456789012";

/** A short, stable hex id derived from the resource name, so outputs are the same every run. */
function stableHex(seed: string, length: number): string {
  return createHash("sha256").update(seed).digest("hex").slice(0, length);
}

function byteFrom(seed: string): number {
  return parseInt(stableHex(seed, 2), 16) % 250 + 2;
}

const ID_PREFIXES: Record<string, string> = {
  "aws:ec2/vpc:Vpc": "vpc-",
  "aws:amp/workspace:Workspace": "ws-",
  "aws:ec2/subnet:Subnet": "subnet-",
  "aws:ec2/internetGateway:InternetGateway": "igw-",
  "aws:ec2/routeTable:RouteTable": "rtb-",
  "aws:ec2/routeTableAssociation:RouteTableAssociation": "rtbassoc-",
  "aws:ec2/securityGroup:SecurityGroup": "sg-",
  "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "sg-",
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "sgr-",
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "sgr-",
  "aws:ec2/natGateway:NatGateway": "nat-",
  "aws:ec2/eip:Eip": "eipalloc-",
  "aws:ec2/instance:Instance": "i-",
  "aws:ec2/keyPair:KeyPair": "key-",
  "aws:ec2/launchTemplate:LaunchTemplate": "lt-",
};

/** Where Pulumi puts the auto-name of a type that is not named by `name`. */
const AUTO_NAMED_PROPERTY: Record<string, string> = {
  "aws:ec2/keyPair:KeyPair": "keyName",
  "aws:rds/instance:Instance": "identifier",
  "aws:elasticache/replicationGroup:ReplicationGroup": "replicationGroupId",
  "aws:s3/bucket:Bucket": "bucket",
};

/** The state AWS (or another provider) would report back for a new resource of this type. */
export function awsLikeState(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  region: string,
): { id: string; state: Record<string, unknown> } {
  const id = (ID_PREFIXES[type] ?? "") + stableHex(`${type}/${name}`, 17);
  const service = type.split(":")[1]?.split("/")[0] ?? "mock";
  const state: Record<string, unknown> = {
    ...inputs,
    arn: `arn:aws:${service}:${region}:${MOCK_ACCOUNT_ID}:${name}/${id}`,
  };
  // Pulumi auto-names AWS resources `<name>-<7 random chars>` when no physical name is given,
  // in the property that names each type (pulumi-aws provider/resource_overrides.go).
  const namedBy = AUTO_NAMED_PROPERTY[type] ?? "name";
  if (type.startsWith("aws:") && inputs[namedBy] === undefined) state[namedBy] = `${name}-${stableHex(name, 7)}`;
  switch (type) {
    case "aws:ec2/vpc:Vpc":
      state.defaultSecurityGroupId = "sg-" + stableHex(`${name}/default-sg`, 17);
      state.mainRouteTableId = "rtb-" + stableHex(`${name}/main-rtb`, 17);
      break;
    case "aws:rds/instance:Instance": {
      const identifier = String(inputs.identifier ?? name);
      const address = `${identifier}.c${stableHex(region, 11)}.${region}.rds.amazonaws.com`;
      const port = Number(inputs.port ?? 3306);
      Object.assign(state, { address, port, endpoint: `${address}:${port}`, resourceId: `db-${stableHex(name, 26).toUpperCase()}` });
      if (inputs.manageMasterUserPassword) {
        state.masterUserSecrets = [
          {
            secretArn: `arn:aws:secretsmanager:${region}:${MOCK_ACCOUNT_ID}:secret:rds!db-${stableHex(name, 36)}-AbCdEf`,
            secretStatus: "active",
            kmsKeyId: `arn:aws:kms:${region}:${MOCK_ACCOUNT_ID}:key/aws-rds`,
          },
        ];
      }
      break;
    }
    case "aws:elasticache/replicationGroup:ReplicationGroup": {
      const groupId = String(inputs.replicationGroupId ?? name);
      const suffix = `${stableHex(groupId, 6)}.${region.replace(/^(\w+)-(\w)\w*-(\d)$/, "$1$2$3")}.cache.amazonaws.com`;
      Object.assign(state, {
        primaryEndpointAddress: `master.${groupId}.${suffix}`,
        readerEndpointAddress: `replica.${groupId}.${suffix}`,
        port: Number(inputs.port ?? 6379),
        memberClusters: [`${groupId}-001`],
      });
      break;
    }
    case "aws:ec2/instance:Instance": {
      const last = byteFrom(name);
      Object.assign(state, {
        publicIp: `203.0.113.${last}`,
        publicDns: `ec2-203-0-113-${last}.${region}.compute.amazonaws.com`,
        privateIp: `10.0.0.${last}`,
        privateDns: `ip-10-0-0-${last}.${region}.compute.internal`,
      });
      break;
    }
    case "aws:ec2/eip:Eip": {
      const last = byteFrom(`${name}/eip`);
      Object.assign(state, { publicIp: `198.51.100.${last}`, allocationId: id, publicDns: `ec2-198-51-100-${last}.${region}.compute.amazonaws.com` });
      break;
    }
    case "aws:lb/loadBalancer:LoadBalancer": {
      const lbName = String(state.name);
      const suffix = `app/${lbName}/${stableHex(`${name}/lb`, 16)}`;
      Object.assign(state, {
        arn: `arn:aws:elasticloadbalancing:${region}:${MOCK_ACCOUNT_ID}:loadbalancer/${suffix}`,
        arnSuffix: suffix,
        dnsName: `${lbName}-${parseInt(stableHex(`${name}/dns`, 8), 16)}.${region}.elb.amazonaws.com`,
        // The Route 53 zone of Application Load Balancers in Seoul (AWS's Elastic Load Balancing endpoints table).
        zoneId: region === "ap-northeast-2" ? "ZWKZPGTI48KDX" : `Z${stableHex(`${region}/elb`, 12).toUpperCase()}`,
      });
      break;
    }
    case "aws:lb/targetGroup:TargetGroup": {
      const suffix = `targetgroup/${String(state.name)}/${stableHex(`${name}/tg`, 16)}`;
      Object.assign(state, { arn: `arn:aws:elasticloadbalancing:${region}:${MOCK_ACCOUNT_ID}:${suffix}`, arnSuffix: suffix });
      break;
    }
    case "aws:ec2/launchTemplate:LaunchTemplate":
      Object.assign(state, { latestVersion: 1, defaultVersion: 1, arn: `arn:aws:ec2:${region}:${MOCK_ACCOUNT_ID}:launch-template/${id}` });
      break;
    case "aws:ssm/parameter:Parameter": {
      const parameterName = String(state.name);
      // A hierarchical name keeps its leading slash in the ARN: parameter/trafficlab/..., not parameter//trafficlab.
      Object.assign(state, { version: 1, arn: `arn:aws:ssm:${region}:${MOCK_ACCOUNT_ID}:parameter${parameterName.startsWith("/") ? "" : "/"}${parameterName}` });
      break;
    }
    case "aws:acm/certificate:Certificate": {
      const domain = String(inputs.domainName);
      Object.assign(state, {
        arn: `arn:aws:acm:${region}:${MOCK_ACCOUNT_ID}:certificate/${stableHex(`${name}/cert`, 32)}`,
        domainValidationOptions: [
          {
            domainName: domain,
            resourceRecordName: `_${stableHex(`${domain}/name`, 32)}.${domain}.`,
            resourceRecordType: "CNAME",
            resourceRecordValue: `_${stableHex(`${domain}/value`, 32)}.acm-validations.aws.`,
          },
        ],
        status: "ISSUED",
      });
      break;
    }
    case "aws:route53/record:Record":
      state.fqdn = String(inputs.name ?? name).replace(/\.$/, "");
      break;
    case "aws:iam/role:Role":
    case "aws:iam/instanceProfile:InstanceProfile":
      state.arn = `arn:aws:iam::${MOCK_ACCOUNT_ID}:${type === "aws:iam/role:Role" ? "role" : "instance-profile"}/${String(state.name)}`;
      break;
    case "aws:cloudwatch/logGroup:LogGroup":
      // The provider's arn has no ":*" (tf-aws v5 and later); the policies add it.
      state.arn = `arn:aws:logs:${region}:${MOCK_ACCOUNT_ID}:log-group:${String(state.name)}`;
      break;
    case "aws:sns/topic:Topic":
      state.arn = `arn:aws:sns:${region}:${MOCK_ACCOUNT_ID}:${String(state.name)}`;
      break;
    case "aws:cloudwatch/metricAlarm:MetricAlarm":
      state.arn = `arn:aws:cloudwatch:${region}:${MOCK_ACCOUNT_ID}:alarm:${String(state.name)}`;
      break;
    case "aws:amp/workspace:Workspace":
      // AMP's shapes: the ARN names the workspace id; the endpoint ends in a slash.
      state.arn = `arn:aws:aps:${region}:${MOCK_ACCOUNT_ID}:workspace/${id}`;
      state.prometheusEndpoint = `https://aps-workspaces.${region}.amazonaws.com/workspaces/${id}/`;
      break;
    case "aws:autoscaling/group:Group":
      state.arn = `arn:aws:autoscaling:${region}:${MOCK_ACCOUNT_ID}:autoScalingGroup:${stableHex(name, 8)}-0000-0000-0000-${stableHex(`${name}/asg`, 12)}:autoScalingGroupName/${String(state.name)}`;
      break;
    // @trafficlab/ci: the OIDC provider, the boundary policy, ECR repository, state bucket and key, as AWS reports them.
    case "aws:iam/policy:Policy":
      state.arn = `arn:aws:iam::${MOCK_ACCOUNT_ID}:policy${String(inputs.path ?? "/")}${String(state.name)}`;
      break;
    case "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
      state.arn = `arn:aws:iam::${MOCK_ACCOUNT_ID}:oidc-provider/${String(inputs.url ?? "").replace(/^https:\/\//, "")}`;
      break;
    case "aws:ecr/repository:Repository":
      state.arn = `arn:aws:ecr:${region}:${MOCK_ACCOUNT_ID}:repository/${String(state.name)}`;
      state.repositoryUrl = `${MOCK_ACCOUNT_ID}.dkr.ecr.${region}.amazonaws.com/${String(state.name)}`;
      state.registryId = MOCK_ACCOUNT_ID;
      break;
    case "aws:s3/bucket:Bucket":
      state.arn = `arn:aws:s3:::${String(state.bucket)}`;
      break;
    case "aws:kms/key:Key": {
      const keyId = `${stableHex(`${name}/key`, 8)}-0000-4000-8000-${stableHex(`${name}/key-id`, 12)}`;
      Object.assign(state, { keyId, arn: `arn:aws:kms:${region}:${MOCK_ACCOUNT_ID}:key/${keyId}` });
      break;
    }
    case "tls:index/privateKey:PrivateKey":
      Object.assign(state, {
        privateKeyOpenssh: `-----BEGIN OPENSSH PRIVATE KEY-----\nmock-${stableHex(name, 32)}\n-----END OPENSSH PRIVATE KEY-----\n`,
        privateKeyPem: `-----BEGIN PRIVATE KEY-----\nmock-${stableHex(name, 32)}\n-----END PRIVATE KEY-----\n`,
        publicKeyOpenssh: `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA${stableHex(name, 32)} mock\n`,
      });
      break;
    case "random:index/randomPassword:RandomPassword": {
      const length = Number(inputs.length ?? 32);
      state.result = stableHex(`${name}/password`, 64).repeat(4).slice(0, length);
      break;
    }
    case "random:index/randomId:RandomId": {
      const bytes = Number(inputs.byteLength ?? 8);
      const hex = stableHex(`${name}/id`, bytes * 2);
      Object.assign(state, { hex, dec: BigInt(`0x${hex}`).toString(), b64Std: Buffer.from(hex, "hex").toString("base64"), b64Url: Buffer.from(hex, "hex").toString("base64url") });
      break;
    }
    case "docker:index/image:Image": {
      // The registry answers the push with the image's content digest.
      const repository = String(inputs.imageName ?? name).replace(/:[^/:]+$/, "");
      state.repoDigest = `${repository}@sha256:${createHash("sha256").update(JSON.stringify(inputs)).digest("hex")}`;
      break;
    }
    case "command:remote:Command":
    case "command:local:Command":
      Object.assign(state, { stdout: "", stderr: "" });
      break;
  }
  return { id, state };
}

/** Results of the provider functions the components call (data sources). */
export function awsLikeCall(token: string, inputs: Record<string, unknown>, region: string): Record<string, unknown> {
  switch (token) {
    case "aws:index/getAvailabilityZones:getAvailabilityZones":
      return {
        names: ["a", "b", "c", "d"].map((letter) => `${region}${letter}`),
        zoneIds: ["az1", "az2", "az3", "az4"].map((az) => `apne2-${az}`),
        state: "available",
        id: region,
      };
    case "aws:index/getRegion:getRegion":
      return { name: region, region, id: region };
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return { accountId: MOCK_ACCOUNT_ID, arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:user/mock`, userId: "AIDAMOCK" };
    case "aws:ssm/getParameter:getParameter":
      return { name: inputs.name, type: "String", value: `ami-${stableHex(String(inputs.name), 17)}`, id: inputs.name };
    case "aws:ec2/getAmi:getAmi":
      return { id: `ami-${stableHex(JSON.stringify(inputs), 17)}`, architecture: "x86_64" };
    default:
      throw new Error(`@trafficlab/testing has no mock for the provider function ${token}; add one in aws-mocks.ts`);
  }
}

export function awsLikeMocks(region: string): pulumi.runtime.Mocks {
  return {
    newResource: (args) => awsLikeState(args.type, args.name, args.inputs as Record<string, unknown>, region),
    call: (args) => awsLikeCall(args.token, args.inputs as Record<string, unknown>, region),
  };
}
