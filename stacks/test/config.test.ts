import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { SECRET_KEYS, StackConfigError, parseStackSettings, loadStackConfig } from "../config";
import { STACK_SETTINGS, type SettingSpec } from "../settings";
import { applyStackConfig, installMocks, isSecretOutput, readStackConfigFiles, resolveOutput } from "@trafficlab/testing";

const root = join(__dirname, "..", "..");
/** The settings without a default, which every stack must give. */
const REQUIRED = { sshAllowedCidrs: ["198.51.100.7/32"], apiImage: "example/trafficlab-api:1.0.0" };
const REQUIRED_CONFIG = { "trafficlab:sshAllowedCidrs": JSON.stringify(REQUIRED.sshAllowedCidrs), "trafficlab:apiImage": REQUIRED.apiImage };

function problemsOf(raw: Record<string, unknown>): string {
  try {
    parseStackSettings("trafficlab", raw);
  } catch (error) {
    expect(error).to.be.instanceOf(StackConfigError);
    return (error as Error).message;
  }
  throw new Error("expected the config to be rejected");
}

describe("stack config", () => {
  it("declares in Pulumi.yaml exactly the settings the schema reads, with the same defaults", () => {
    const project = parse(readFileSync(join(root, "Pulumi.yaml"), "utf8")) as { config: Record<string, { default?: unknown; secret?: boolean }> };
    const schemaDefaults = Object.fromEntries(
      Object.entries(STACK_SETTINGS as Record<string, SettingSpec>)
        .filter(([, spec]) => spec.default !== undefined)
        .map(([key, spec]) => [key, spec.schema.parse(spec.default)]),
    );
    const declaredDefaults = Object.fromEntries(
      Object.entries(project.config).filter(([, spec]) => spec.default !== undefined).map(([key, spec]) => [key, spec.default]),
    );
    expect(declaredDefaults).to.deep.equal(schemaDefaults);
    expect(Object.keys(project.config).sort()).to.deep.equal(Object.keys(STACK_SETTINGS).sort());
    // Secrets cannot be declared: the CLI would require them, or store a default in plain text.
    for (const key of SECRET_KEYS) expect(project.config).not.to.have.property(key);
  });

  it("reads Pulumi.dev.yaml into typed values, the design document's environment", () => {
    installMocks({ stack: "dev" });
    const files = readStackConfigFiles(root, "dev");
    applyStackConfig({ ...files, values: { ...files.values, ...REQUIRED_CONFIG } });
    const config = loadStackConfig();
    expect(config).to.include({
      hostInstanceType: "t3.micro",
      hostOs: "al2023",
      springProfile: "dev",
      stack: "dev",
      region: "ap-northeast-2",
      timeZone: "Asia/Seoul",
      availabilityZones: 2,
      nat: "none",
      dbInstanceClass: "db.t3.micro",
      dbStorageGiB: 20,
      dbBackupRetentionDays: 1,
      dbDeletionProtection: false,
      dbSkipFinalSnapshot: true,
      cacheNodeType: "cache.t4g.micro",
      cacheReplicas: 0,
      cacheExpectedUsers: 886440,
    });
    expect(config.dbPassword).to.equal(undefined);
  });

  it("tells a new user of Pulumi.dev.yaml which two settings to give, and how", () => {
    installMocks({ stack: "dev" });
    applyStackConfig(readStackConfigFiles(root, "dev"));
    expect(() => loadStackConfig()).to.throw(StackConfigError, /apiImage \(missing\)[\s\S]*sshAllowedCidrs \(missing\) is required because hosting is single/);
  });

  it("requires sshAllowedCidrs only of a single host: a fleet opens no SSH", () => {
    expect(problemsOf({ apiImage: REQUIRED.apiImage })).to.include("trafficlab:sshAllowedCidrs (missing) is required because hosting is single");
    expect(problemsOf({ apiImage: REQUIRED.apiImage, sshAllowedCidrs: [] })).to.include("trafficlab:sshAllowedCidrs (missing) is required because hosting is single");
    expect(parseStackSettings("trafficlab", { apiImage: REQUIRED.apiImage, hosting: "fleet" }, { stack: "prod" })).to.include({ hosting: "fleet" });
    // Under the mocks, from Pulumi.prod.yaml and Pulumi.yaml's empty default, as `pulumi up -s prod` reads them.
    installMocks({ stack: "prod" });
    const files = readStackConfigFiles(root, "prod");
    applyStackConfig({ ...files, values: { ...files.values, "trafficlab:apiImage": REQUIRED.apiImage } });
    expect(loadStackConfig().sshAllowedCidrs).to.deep.equal([]);
  });

  it("reads dbPassword as a secret", async () => {
    installMocks({ stack: "dev" });
    applyStackConfig({ values: { ...REQUIRED_CONFIG, "trafficlab:dbPassword": "from-config-1" }, secretKeys: ["trafficlab:dbPassword"] });
    const config = loadStackConfig();
    expect(await isSecretOutput(config.dbPassword!)).to.equal(true);
    expect(await resolveOutput(config.dbPassword!)).to.equal("from-config-1");
  });

  it("names the key, the value and the expected type of each wrong value, all at once", () => {
    const message = problemsOf({ ...REQUIRED, dbStorageGiB: "twenty", availabilityZones: 2.5, nat: "double", dbDeletionProtection: "yes" });
    expect(message).to.include('trafficlab:dbStorageGiB = "twenty" is not allowed; expected number');
    expect(message).to.include("trafficlab:availabilityZones = 2.5 is not allowed; expected a whole number");
    expect(message).to.include('trafficlab:nat = "double" is not allowed; allowed: "none", "single"');
    expect(message).to.include('trafficlab:dbDeletionProtection = "yes" is not allowed; expected boolean');
  });

  it("says how to set each required setting that is missing", () => {
    const message = problemsOf({});
    expect(message).to.include("trafficlab:sshAllowedCidrs (missing) is required because hosting is single (pulumi up deploys the host over SSH); set it with: pulumi config set --path 'sshAllowedCidrs[0]'");
    expect(message).to.include("trafficlab:apiImage (missing) is required; set it with: pulumi config set apiImage");
  });

  it("requires registryPassword, a secret, once registryUsername is set", () => {
    installMocks({ stack: "dev" });
    applyStackConfig({ values: { ...REQUIRED_CONFIG, "trafficlab:registryUsername": "deployer" }, secretKeys: [] });
    expect(() => loadStackConfig()).to.throw(StackConfigError, "trafficlab:registryPassword (missing) is required because registryUsername is set");
  });

  it("refuses an empty dbPassword (it would replace the generated one) and one RDS would refuse, without showing it", () => {
    const problems = (dbPassword: string) => {
      try {
        parseStackSettings("trafficlab", REQUIRED, { secrets: { dbPassword } });
      } catch (error) {
        return (error as Error).message;
      }
      return "";
    };
    expect(problems("")).to.include("trafficlab:dbPassword is empty; remove it (pulumi config rm dbPassword)");
    for (const refused of ["short7!", "has space in it", "with@sign-long", "a".repeat(42)]) {
      expect(problems(refused), refused).to.include("trafficlab:dbPassword (value not shown) is not allowed; RDS for MySQL takes 8 to 41 printable ASCII characters");
      expect(problems(refused)).not.to.include(refused);
    }
    expect(problems("Corr3ct-Horse-Battery")).to.equal("");
  });

  it("refuses an unknown key, which is usually a typo", () => {
    expect(problemsOf({ ...REQUIRED, dbInstanceType: "db.t3.micro" })).to.include("trafficlab:dbInstanceType is not a setting of this project; did you mean dbInstanceClass?");
  });

  it("refuses a stack name AWS would refuse in the RDS and ElastiCache identifiers it starts", () => {
    const problems = (stack: string) => {
      try {
        parseStackSettings("trafficlab", REQUIRED, { stack });
      } catch (error) {
        return (error as Error).message;
      }
      return "";
    };
    for (const refused of ["my_stack", "qa.1", "9lives", "a--b", "dev-"]) expect(problems(refused), refused).to.include(`the stack name ${JSON.stringify(refused)} cannot start the RDS and ElastiCache identifiers`);
    expect(problems("a-very-long-stack-name")).to.include("is too long (22 characters)").and.include("at most 19 characters");
    for (const accepted of ["dev", "Staging-2", "a".repeat(19)]) expect(problems(accepted), accepted).to.equal("");
  });

  it("decodes numbers and booleans from the strings Pulumi stores", () => {
    installMocks({ stack: "dev" });
    applyStackConfig({ values: { ...REQUIRED_CONFIG, "trafficlab:dbStorageGiB": "50", "trafficlab:dbMultiAz": "true" }, secretKeys: [] });
    expect(loadStackConfig()).to.include({ dbStorageGiB: 50, dbMultiAz: true });
  });
});
