import { expect } from "chai";
import { currentGraph } from "@trafficlab/testing";
import { runStack } from "./dev-stack";

/**
 * Wrong configurations a user can write in Pulumi.<stack>.yaml (or `pulumi config set`), each
 * with what its error must say: the setting, the value and what is allowed. Every one must fail
 * before any resource is registered (only Pulumi's root Stack exists), so nothing is half-made.
 */
const CATALOG: { case: string; config: Record<string, string>; says: string[] }[] = [
  // network
  { case: "malformed CIDR", config: { "trafficlab:vpcCidr": "10.0.0/16" }, says: ["cidrBlock", '"10.0.0/16"', "10.0.0.0/16"] },
  { case: "octet out of range", config: { "trafficlab:vpcCidr": "300.0.0.0/16" }, says: ["cidrBlock", '"300.0.0.0/16"'] },
  { case: "VPC larger than /16", config: { "trafficlab:vpcCidr": "10.0.0.0/8" }, says: ["cidrBlock", '"10.0.0.0/8"', "/16"] },
  { case: "VPC smaller than /28", config: { "trafficlab:vpcCidr": "10.0.0.0/29" }, says: ["cidrBlock", '"10.0.0.0/29"'] },
  { case: "host bits set", config: { "trafficlab:vpcCidr": "10.0.0.5/16" }, says: ["cidrBlock", '"10.0.0.5/16"', "10.0.0.0/16"] },
  { case: "VPC too small for the subnet layout", config: { "trafficlab:vpcCidr": "10.0.0.0/25" }, says: ["cidrBlock", '"10.0.0.0/25"', "/24"] },
  { case: "one AZ", config: { "trafficlab:availabilityZones": "1" }, says: ["availabilityZoneCount = 1", "at least two availability zones"] },
  { case: "fractional AZs", config: { "trafficlab:availabilityZones": "2.5" }, says: ["trafficlab:availabilityZones = 2.5", "whole number"] },
  { case: "more AZs than the Region has", config: { "trafficlab:availabilityZones": "5" }, says: ["trafficlab:availabilityZones = 5", "ap-northeast-2 (Asia Pacific (Seoul)) has 4 Availability Zones"] },
  { case: "a Region that does not exist", config: { "aws:region": "seoul" }, says: ['aws:region = "seoul"', "ap-northeast-2"] },
  { case: "unknown NAT mode", config: { "trafficlab:nat": "double" }, says: ['trafficlab:nat = "double"', '"none", "single"'] },
  // host
  { case: "refused instance type", config: { "trafficlab:hostInstanceType": "t1.micro" }, says: ['instanceType = "t1.micro"', "t3.micro"] },
  { case: "unknown OS", config: { "trafficlab:hostOs": "ubuntu" }, says: ['trafficlab:hostOs = "ubuntu"', '"al2023", "al2"'] },
  { case: "SSH CIDR missing", config: { "trafficlab:sshAllowedCidrs": "[]" }, says: ["trafficlab:sshAllowedCidrs (missing) is required", "pulumi config set --path 'sshAllowedCidrs[0]'"] },
  { case: "SSH from 0.0.0.0/0", config: { "trafficlab:sshAllowedCidrs": '["0.0.0.0/0"]' }, says: ['sshAllowedCidrs = "0.0.0.0/0"', "refused"] },
  { case: "SSH from ::/0", config: { "trafficlab:sshAllowedCidrs": '["::/0"]' }, says: ['sshAllowedCidrs = "::/0"', "refused"] },
  { case: "malformed SSH CIDR", config: { "trafficlab:sshAllowedCidrs": '["my-laptop"]' }, says: ['sshAllowedCidrs = "my-laptop"', "203.0.113.7/32"] },
  { case: "SSH CIDRs as a string", config: { "trafficlab:sshAllowedCidrs": "198.51.100.7/32" }, says: ["trafficlab:sshAllowedCidrs", "expected array"] },
  { case: "image without a tag", config: { "trafficlab:apiImage": "user/trafficlab-api" }, says: ['app.image = "user/trafficlab-api"', "version tag"] },
  { case: "image tagged latest", config: { "trafficlab:apiImage": "user/trafficlab-api:latest" }, says: ['app.image = "user/trafficlab-api:latest"', "latest"] },
  { case: "health path without a leading slash", config: { "trafficlab:apiHealthPath": "actuator/health" }, says: ['app.healthPath = "actuator/health"', "starting with /"] },
  { case: "Spring profile with a newline", config: { "trafficlab:springProfile": "prod\nSPRING_DATASOURCE_URL=x" }, says: ["app.springProfile", "Spring profile names"] },
  { case: "nginx image tagged latest", config: { "trafficlab:nginxImage": "nginx:latest" }, says: ['proxyImage = "nginx:latest"'] },
  { case: "registry user without its secret", config: { "trafficlab:registryUsername": "deployer" }, says: ["trafficlab:registryPassword (missing)", "pulumi config set --secret registryPassword"] },
  // database
  { case: "MySQL 5.7", config: { "trafficlab:dbEngineVersion": "5.7" }, says: ['engineVersion = "5.7"', "8.4"] },
  { case: "the document's MySQL 8.0.33", config: { "trafficlab:dbEngineVersion": "8.0.33" }, says: ['engineVersion = "8.0.33"', "8.0.40 or later"] },
  { case: "previous-generation DB class", config: { "trafficlab:dbInstanceClass": "db.t2.micro" }, says: ['instanceClass = "db.t2.micro"', "db.t2"] },
  { case: "EC2 type as DB class", config: { "trafficlab:dbInstanceClass": "t3.micro" }, says: ['instanceClass = "t3.micro"', "db.t3.micro"] },
  { case: "0 GiB of storage", config: { "trafficlab:dbStorageGiB": "0" }, says: ["allocatedStorageGiB = 0", "20 to 65536"] },
  { case: "storage beyond RDS's limit", config: { "trafficlab:dbStorageGiB": "70000" }, says: ["allocatedStorageGiB = 70000", "20 to 65536"] },
  { case: "storage as words", config: { "trafficlab:dbStorageGiB": "twenty" }, says: ['trafficlab:dbStorageGiB = "twenty"', "expected number"] },
  { case: "36 days of backups", config: { "trafficlab:dbBackupRetentionDays": "36" }, says: ["backupRetentionDays = 36", "0 to 35"] },
  { case: "unknown time zone", config: { "trafficlab:timeZone": "Asia/Busan" }, says: ['timeZone = "Asia/Busan"', "Asia/Seoul"] },
  { case: "boolean written as yes", config: { "trafficlab:dbMultiAz": "yes" }, says: ['trafficlab:dbMultiAz = "yes"', "expected boolean"] },
  // cache
  { case: "the document's cache.t2.micro", config: { "trafficlab:cacheNodeType": "cache.t2.micro" }, says: ['nodeType = "cache.t2.micro"', "T2"] },
  { case: "unknown cache node type", config: { "trafficlab:cacheNodeType": "cache.t4g.nano" }, says: ['nodeType = "cache.t4g.nano"', "cache.t4g.micro"] },
  { case: "users that do not fit the node", config: { "trafficlab:cacheExpectedUsers": "3000000" }, says: ['nodeType = "cache.t4g.micro"', "3000000 users", "smallest node type that fits is cache.t4g.small"] },
  { case: "failover without a replica", config: { "trafficlab:cacheAutomaticFailover": "true" }, says: ["automaticFailover = true", "replicas >= 1"] },
  { case: "six replicas", config: { "trafficlab:cacheReplicas": "6" }, says: ["replicas = 6", "0 to 5"] },
  { case: "Memcached", config: { "trafficlab:cacheEngine": "memcached" }, says: ['trafficlab:cacheEngine = "memcached"', '"valkey", "redis"'] },
  // stack
  { case: "unknown environment", config: { "trafficlab:environment": "staging" }, says: ['trafficlab:environment = "staging"', '"dev", "prod"'] },
  { case: "a typo in a key", config: { "trafficlab:dbInstanceType": "db.t3.micro" }, says: ["trafficlab:dbInstanceType is not a setting of this project"] },
  { case: "prod without deletion protection", config: { "trafficlab:environment": "prod", "trafficlab:dbDeletionProtection": "false" }, says: ["trafficlab:dbDeletionProtection = false", "true in a prod stack"] },
];

describe("bad input catalog: each wrong configuration fails before any resource exists", () => {
  it(`has at least 30 cases (${CATALOG.length})`, () => expect(CATALOG.length).to.be.at.least(30));

  for (const entry of CATALOG) {
    it(entry.case, async () => {
      let error: Error | undefined;
      let registered: string[] = [];
      try {
        await runStack("dev", entry.config);
      } catch (caught) {
        error = caught as Error;
      } finally {
        registered = currentGraph().inventory();
      }
      expect(error, "the configuration was accepted").to.be.instanceOf(Error);
      for (const fragment of entry.says) expect(error!.message).to.include(fragment);
      expect(registered.filter((r) => !r.startsWith("pulumi:pulumi:Stack"))).to.deep.equal([]);
    });
  }
});
