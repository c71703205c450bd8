import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { LITERAL_DIRECTIVE } from "../src/script-prelude";
import { HOST_SCRIPT_CASES } from "./host-script-cases";

const GOLDEN = join(__dirname, "golden");
const SCRIPTS = join(__dirname, "..", "src", "scripts");
/** `UPDATE_GOLDEN=1 pnpm test` rewrites the golden files from the current rendering. */
const UPDATE = process.env.UPDATE_GOLDEN === "1";

/** The variables a rendered script's header assigns, in order. */
function headerNames(script: string): string[] {
  const header = script.slice(0, script.indexOf("\n\n"));
  return [...header.matchAll(/^([a-z_][a-z0-9_]*)=/gm)].map((match) => match[1]!);
}

/** The header variables a `.sh` file says it expects: `: "${name:?}"`, `"${name?}"` (may be empty), `: "${#name[@]}"` (an array). */
function declaredNames(file: string): string[] {
  const lines = readFileSync(join(SCRIPTS, file), "utf8").split("\n").filter((line) => line.startsWith(": "));
  return lines.flatMap((line) => [...line.matchAll(/"\$\{#?([a-z_][a-z0-9_]*)(?::?\?|\[@\])\}"/g)].map((match) => match[1]!));
}

describe("@trafficlab/api-host host scripts: golden files (UPDATE_GOLDEN=1 pnpm test rewrites them)", () => {
  before(() => {
    if (UPDATE) mkdirSync(GOLDEN, { recursive: true });
  });

  for (const { name, render } of HOST_SCRIPT_CASES) {
    it(`${name}.sh is the rendering committed in test/golden`, () => {
      const path = join(GOLDEN, `${name}.sh`);
      const script = render();
      if (UPDATE) writeFileSync(path, script);
      expect(existsSync(path), `${path} is missing: UPDATE_GOLDEN=1 pnpm test writes it`).to.equal(true);
      expect(script, `${name} differs from ${path}; if the change is meant, UPDATE_GOLDEN=1 pnpm test and review the diff`).to.equal(readFileSync(path, "utf8"));
    });
  }

  it("test/golden holds no file without a case", () => {
    const expected = HOST_SCRIPT_CASES.map(({ name }) => `${name}.sh`).sort();
    if (UPDATE) for (const file of readdirSync(GOLDEN)) if (!expected.includes(file)) rmSync(join(GOLDEN, file));
    expect(readdirSync(GOLDEN).sort()).to.deep.equal(expected);
  });
});

describe("@trafficlab/api-host host scripts: the .sh files and the header TypeScript renders", () => {
  for (const { name, file, render } of HOST_SCRIPT_CASES) {
    it(`${name}: the header assigns exactly the variables ${file} expects`, () => {
      expect(headerNames(render())).to.have.members(declaredNames(file));
    });
  }

  it("every rendering is the shebang, a header of quoted assignments, then the .sh files as they are", () => {
    for (const { name, file, render } of HOST_SCRIPT_CASES) {
      const script = render();
      const header = script.slice(0, script.indexOf("\n\n")).split("\n");
      expect(header[0], name).to.equal("#!/usr/bin/env bash");
      expect(header[1], name).to.equal(`# @trafficlab/api-host scripts/${file}, rendered with:`);
      // One word or an array of words, each in single quotes ('\'' for a quote): never code.
      for (const line of header.slice(2).filter((line) => line !== LITERAL_DIRECTIVE)) expect(line, name).to.match(/^[a-z_][a-z0-9_]*=(?:'(?:[^']|'\\'')*'|\((?:'(?:[^']|'\\'')*'(?: '(?:[^']|'\\'')*')*)?\))$/);
      const body = readFileSync(join(SCRIPTS, file), "utf8");
      expect(script.endsWith(body.replace(/^# shellcheck shell=bash\n/, "")), name).to.equal(true);
    }
  });

  it("every .sh file is for shellcheck as it is (a shell directive), and every script is strict", () => {
    const files = readdirSync(SCRIPTS).filter((file) => file.endsWith(".sh"));
    expect(files).to.include.members([...new Set(HOST_SCRIPT_CASES.map(({ file }) => file)), "prelude.sh", "host-lock.sh"]);
    for (const file of files) {
      const text = readFileSync(join(SCRIPTS, file), "utf8");
      expect(text.startsWith("# shellcheck shell=bash\n"), file).to.equal(true);
      if (HOST_SCRIPT_CASES.some((c) => c.file === file)) expect(text, file).to.match(/^set -euo pipefail$/m);
    }
  });
});
