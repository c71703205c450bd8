import { expect } from "chai";
import { parse } from "yaml";
import { drift, projectConfigBlock } from "../src/generate";
import { interfaceMembers } from "../src/interface-table";
import { join } from "node:path";

describe("generated reference: Pulumi.yaml's config block and the README tables come from the code", () => {
  it("has no drift: `pnpm generate` would change no file (docs/plan.md's samples included)", async () => {
    expect(await drift(), "run pnpm generate and commit the result").to.deep.equal([]);
  });

  it("declares each setting with its type, and a default unless the user must choose it", () => {
    const { config } = parse(projectConfigBlock().split("\n").filter((line) => !line.startsWith("#")).join("\n")) as { config: Record<string, { type: string; default?: unknown }> };
    expect(config.dbInstanceClass).to.include({ type: "string", default: "db.t3.micro" });
    // Empty: a fleet opens no SSH; stacks/config.ts requires it for a single host.
    expect(config.sshAllowedCidrs).to.deep.include({ type: "array", default: [] });
    // Empty too: the ci stack runs no API; stacks/config.ts requires it for single and fleet.
    expect(config.apiImage).to.deep.include({ type: "string", default: "" });
    expect(config.githubRepository).to.deep.include({ type: "string", default: "" });
    expect(Object.values(config).filter((spec) => spec.default === undefined)).to.have.length(0);
  });

  it("reads an interface's members, their types, docs and @default tags from the source", () => {
    const members = interfaceMembers(join(__dirname, "..", "..", "database", "src", "settings.ts"), "DatabaseArgs");
    const password = members.find((m) => m.name === "password")!;
    expect(password).to.include({ optional: true, type: "pulumi.Input<string>" });
    expect(members.find((m) => m.name === "vpcId")).to.include({ optional: false });
  });
});
