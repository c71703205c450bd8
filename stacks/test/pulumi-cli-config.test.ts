import { expect } from "chai";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parseDocument } from "yaml";
import { loadProjectConfig, validateConfigValue, validateStackConfig } from "@trafficlab/testing";
import { PROJECT_DIR } from "../under-mocks";

const projectYaml = readFileSync(join(PROJECT_DIR, "Pulumi.yaml"), "utf8");
const stacks = readdirSync(PROJECT_DIR)
  .map((file) => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1])
  .filter((stack): stack is string => stack !== undefined);

/** The `pulumi config set` lines of README's Deploy section under "# required", as keys. */
function keysTheReadmeRequires(): string[] {
  const readme = readFileSync(join(PROJECT_DIR, "README.md"), "utf8");
  const deploy = readme.slice(readme.indexOf("## Deploy"));
  const block = /```sh\n([\s\S]*?)```/.exec(deploy)![1]!.split("\n");
  const start = block.findIndex((line) => line.startsWith("# required"));
  const end = block.findIndex((line, i) => i > start && line.startsWith("#"));
  return block
    .slice(start + 1, end)
    .map((line) => /^pulumi config set (?:--path '(\w+)\[0\]'|(\w+)) /.exec(line))
    .map((match) => match?.[1] ?? match?.[2])
    .filter((key): key is string => key !== undefined)
    .sort();
}

/** Pulumi.<stack>.yaml after the README's required `pulumi config set` commands, as the CLI writes them. */
function withUserSettings(stackYaml: string): string {
  const document = parseDocument(stackYaml);
  document.setIn(["config", "trafficlab:sshAllowedCidrs"], ["198.51.100.7/32"]);
  document.setIn(["config", "trafficlab:apiImage"], "example/trafficlab-api:1.0.0");
  return document.toString();
}

function stackYaml(stack: string): string {
  return readFileSync(join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8");
}

describe("the Pulumi CLI's project config rules (ValidateStackConfigAndApplyProjectConfig) over our stacks", () => {
  it("has the dev and prod stacks", () => expect(stacks).to.include.members(["dev", "prod"]));

  for (const stack of ["dev", "prod"]) {
    it(`accepts ${stack} once the user gives the settings the README tells them to set, and nothing else`, () => {
      expect(validateStackConfig(projectYaml, stack, withUserSettings(stackYaml(stack))).error).to.equal(undefined);
    });

    it(`leaves the README's required settings to the program when ${stack} is used as it ships (the ci stack runs no API)`, () => {
      // apiImage has an empty default, so the CLI requires it of no stack; loadStackConfig refuses
      // an API stack without it, with the README's line (config.test.ts).
      expect(keysTheReadmeRequires()).to.deep.equal(["apiImage"]);
      expect(validateStackConfig(projectYaml, stack, stackYaml(stack)).error).to.equal(undefined);
    });
  }

  it("accepts the ci stack as it ships: no key the CLI requires (githubRepository is the program's to require)", () => {
    expect(stacks).to.include("ci");
    expect(validateStackConfig(projectYaml, "ci", stackYaml("ci")).error).to.equal(undefined);
  });

  it("fails when Pulumi.yaml declares a key with a type and no default", () => {
    const withOptional = projectYaml.replace("config:\n", "config:\n  replicaRegion:\n    type: string\n    description: optional\n");
    expect(validateStackConfig(withOptional, "dev", withUserSettings(stackYaml("dev"))).error).to.equal("Stack 'dev' is missing configuration value 'replicaRegion'");
  });

  it("keeps secrets out of Pulumi.yaml: a declared secret with a default fails whenever the stack leaves it unset", () => {
    const withSecret = projectYaml.replace("config:\n", 'config:\n  dbPassword:\n    type: string\n    secret: true\n    default: ""\n');
    expect(validateStackConfig(withSecret, "dev", withUserSettings(stackYaml("dev"))).error).to.equal("Stack 'dev' with configuration key 'dbPassword' must be encrypted as it's secret");
    for (const [key, spec] of Object.entries(loadProjectConfig(projectYaml).config)) expect(spec.secret, key).to.not.equal(true);
  });

  it("checks the stack's values against the declared types", () => {
    const bad = withUserSettings(stackYaml("dev")).replace("trafficlab:dbStorageGiB: 20", "trafficlab:dbStorageGiB: 20.5");
    expect(validateStackConfig(projectYaml, "dev", bad).error).to.equal("Stack 'dev' with configuration key 'dbStorageGiB' must be of type 'integer'");
    const notAList = parseDocument(withUserSettings(stackYaml("dev")));
    notAList.setIn(["config", "trafficlab:sshAllowedCidrs"], "198.51.100.7/32");
    expect(validateStackConfig(projectYaml, "dev", notAList.toString()).error).to.equal("Stack 'dev' with configuration key 'sshAllowedCidrs' must be of type 'array<string>'");
  });

  it("follows the CLI's value rules: integers by strconv.Atoi, booleans only true/false, any scalar for a string", () => {
    expect(["2", "-3", "+4"].every((v) => validateConfigValue("integer", undefined, v))).to.equal(true);
    expect(["2.5", "hello", " 2", "0x10", "1_000", "18446744073709551615"].some((v) => validateConfigValue("integer", undefined, v))).to.equal(false);
    expect(validateConfigValue("boolean", undefined, "yes")).to.equal(false);
    expect(validateConfigValue("array", { type: "integer" }, [1, "3"])).to.equal(true);
    expect(validateConfigValue("array", undefined, ["a"])).to.equal(false);
  });

  it("refuses a project file the CLI would not load", () => {
    expect(() => loadProjectConfig("name: p\nconfig:\n  a:\n    type: string\n    default: x\n    value: y\n")).to.throw("cannot have both a 'default' and 'value' attribute");
    expect(() => loadProjectConfig("name: p\nconfig:\n  a:\n    type: array\n")).to.throw("does not specify the underlying type via the 'items' attribute");
    expect(() => loadProjectConfig("name: p\nconfig:\n  a:\n    type: string\n    default: 2\n")).to.throw("is not of the expected type 'string'");
    expect(() => loadProjectConfig("name: p\nconfig:\n  aws:region:\n    type: string\n    value: x\n")).to.throw("should not define a type");
    expect(() => loadProjectConfig("name: p\nconfig:\n  a:\n    required: true\n")).to.throw("additional property required");
  });
});
