// pnpm test:publish: every public package is published (with pnpm, as a release does, so
// `workspace:^` becomes a real range and `publishConfig` swaps in dist/) to a Verdaccio started
// on 127.0.0.1 for this test; each tarball is checked; then each project in examples/ is copied
// out of the repository, installs the packages by name from that registry with npm and with
// pnpm (no overrides, no links), compiles with its own strict ES2020 tsconfig and runs its
// mocked tests. @pulumi/* and the other third-party packages come from the usual registry.
// Also the tarball route: `pnpm pack` of @trafficlab/database and its @trafficlab dependencies,
// installed with npm from those files, with no registry of ours at all.
import { expect } from "chai";
import { spawn } from "node:child_process";
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, normalize, relative, sep } from "node:path";
import { LocalRegistry, type PackageManifest } from "./local-registry";

const REPO = join(__dirname, "..", "..");
const EXAMPLES = ["data-tier", "platform", "policy-checks"];
/** @trafficlab/database and the @trafficlab packages it depends on (packages/<name>): one tarball each. */
const TARBALL_ROUTE = ["validation", "network", "database"];
const MANAGERS = ["npm", "pnpm"] as const;
type Manager = (typeof MANAGERS)[number];
/** The @pulumi/pulumi every example pins: mocks work only if the whole tree shares this one copy. */
const PULUMI_SDK = "3.248.0";
/** Consumer jobs at once: each is mostly tsc over @pulumi/aws's typings, on a 2-core machine. */
const CONCURRENCY = 2;

interface Outcome {
  ok: boolean;
  log: string;
  /** seconds taken by each step: install, test (tsc + mocha) */
  seconds: Record<string, number>;
}

/** The workspace packages that are published: every packages/* without `private`. */
function publicPackages(): { dir: string; manifest: PackageManifest }[] {
  return readdirSync(join(REPO, "packages"))
    .map((dir) => join(REPO, "packages", dir))
    .filter((dir) => existsSync(join(dir, "package.json")))
    .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as PackageManifest }))
    .filter(({ manifest }) => !manifest.private);
}

/**
 * The environment of a child command: this one's, less what the `pnpm test:publish` around it put
 * there (lower-case npm_* and pnpm_* settings, the script's package); a user's own NPM_CONFIG_*
 * (a registry mirror, a cache) stays.
 */
function cleanEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(npm_|pnpm_|INIT_CWD$|PNPM_PACKAGE_NAME$|PNPM_SCRIPT_SRC_DIR$)/.test(key)) env[key] = value;
  }
  return { ...env, npm_config_update_notifier: "false", ...extra };
}

// Each command runs in a process group of its own (so a timeout ends npm's whole tree); if this
// test is itself stopped (CI's timeout, ^C), it ends those groups before going.
const runningGroups = new Set<number>();
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    for (const group of runningGroups) killGroup(group);
    process.exit(signal === "SIGINT" ? 130 : 143);
  });
}

function killGroup(group: number): void {
  try {
    process.kill(-group, "SIGKILL");
  } catch {
    // already gone
  }
}

/** Runs a command, collecting its output; never rejects, so every failure can show its log. */
function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    if (child.pid !== undefined) runningGroups.add(child.pid);
    let output = `$ ${command} ${args.join(" ")}   (in ${cwd})\n`;
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      output += `\n[killed after ${timeoutMs} ms]\n`;
      if (child.pid !== undefined) killGroup(child.pid);
    }, timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      resolve({ code: null, output: output + `\n${error.message}\n` });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      if (child.pid !== undefined) runningGroups.delete(child.pid);
      resolve({ code, output });
    });
  });
}

function filesUnder(directory: string): string[] {
  return readdirSync(directory, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(directory, join(entry.parentPath, entry.name)).split(sep).join("/"));
}

/**
 * Every distinct copy of `@scope/name` on disk under a project's node_modules (npm's nested
 * folders, pnpm's .pnpm store), by real path: two copies of @pulumi/pulumi mean two runtimes,
 * and mocks set through one are invisible to resources registered through the other.
 */
function copiesOf(projectDir: string, packageName: string): string[] {
  const found = new Set<string>();
  const seen = new Set<string>();
  const visitNodeModules = (nodeModules: string): void => {
    if (!existsSync(nodeModules)) return;
    const real = realpathSync(nodeModules);
    if (seen.has(real)) return;
    seen.add(real);
    for (const entry of readdirSync(nodeModules)) {
      if (entry === ".pnpm") {
        for (const store of readdirSync(join(nodeModules, entry))) visitNodeModules(join(nodeModules, entry, store, "node_modules"));
      } else if (entry.startsWith("@")) {
        for (const scoped of readdirSync(join(nodeModules, entry))) visitPackage(join(nodeModules, entry, scoped), `${entry}/${scoped}`);
      } else if (!entry.startsWith(".")) {
        visitPackage(join(nodeModules, entry), entry);
      }
    }
  };
  const visitPackage = (dir: string, name: string): void => {
    if (!existsSync(dir)) return;
    if (name === packageName) found.add(realpathSync(dir));
    // pnpm's links point into .pnpm, visited on its own; npm nests real folders.
    if (!lstatSync(dir).isSymbolicLink()) visitNodeModules(join(dir, "node_modules"));
  };
  visitNodeModules(join(projectDir, "node_modules"));
  return [...found].sort();
}

/** Whether `version` satisfies a caret range (`^0.1.0`, `^1.2.3`): enough for the examples' @trafficlab ranges. */
function satisfiesCaret(version: string, range: string): boolean {
  const match = /^\^(\d+)\.(\d+)\.(\d+)$/.exec(range);
  if (!match) return true; // not a caret range: leave the judgement to the package manager
  const [major, minor, patch] = version.split(".").map(Number) as [number, number, number];
  const [rMajor, rMinor, rPatch] = match.slice(1).map(Number) as [number, number, number];
  if (rMajor > 0) return major === rMajor && (minor > rMinor || (minor === rMinor && patch >= rPatch));
  return major === 0 && minor === rMinor && patch >= rPatch;
}

/** A limiter: at most `limit` jobs run at once. */
function limiter(limit: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(job: () => Promise<T>): Promise<T> => {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await job();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

describe("publish every package to a local registry, then install, compile and test examples/ by name", function () {
  this.timeout(600_000);
  const workDir = mkdtempSync(join(tmpdir(), "trafficlab-publish-"));
  const packages = publicPackages();
  let registry: LocalRegistry | undefined;
  const tarballDirs = new Map<string, string>();
  const consumers = new Map<string, Promise<Outcome>>();
  const packedDir = join(workDir, "packed");

  before(async function () {
    const started = Date.now();
    registry = await LocalRegistry.start(join(workDir, "registry"));
    const token = await registry.addUser("trafficlab-ci", "publish-and-consume");
    const userConfig = join(workDir, "publisher.npmrc");
    writeFileSync(userConfig, `${registry.authKey}:_authToken=${token}\n`);

    // prepack builds each package (tsc --build, then its non-TypeScript files), so nothing is built beforehand.
    const publish = await run(
      "pnpm",
      ["--recursive", "--filter", "./packages/*", "publish", "--registry", registry.url, "--no-git-checks"],
      REPO,
      // A cache of pnpm's own: its cache of registry metadata would remember an earlier run's registry on the same port.
      cleanEnvironment({ NPM_CONFIG_USERCONFIG: userConfig, npm_config_cache_dir: join(workDir, "pnpm-cache") }),
      300_000,
    );
    if (publish.code !== 0) throw new Error(`pnpm publish failed (exit ${publish.code}):\n${publish.output.slice(-6000)}`);
    console.log(`      published ${packages.length} packages in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    for (const { manifest } of packages) {
      const packument = await registry.packument(manifest.name);
      const published = packument.versions[manifest.version];
      if (!published?.dist) throw new Error(`${manifest.name}@${manifest.version} is not in the registry after publishing`);
      const dir = join(workDir, "tarballs", manifest.name);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "package.tgz"), await registry.download(published.dist.tarball));
      const untar = await run("tar", ["-xzf", "package.tgz"], dir, cleanEnvironment(), 60_000);
      if (untar.code !== 0) throw new Error(untar.output);
      tarballDirs.set(manifest.name, join(dir, "package"));
    }

    // The tarball route of the README: `pnpm pack` of a package and of each @trafficlab package it needs.
    mkdirSync(packedDir, { recursive: true });
    for (const name of TARBALL_ROUTE) {
      const pack = await run("pnpm", ["pack", "--pack-destination", packedDir], join(REPO, "packages", name), cleanEnvironment(), 300_000);
      if (pack.code !== 0) throw new Error(`pnpm pack of ${name} failed (exit ${pack.code}):\n${pack.output.slice(-4000)}`);
    }
    // Start every consumer now, a few at a time; each `it` below waits for its own.
    const slot = limiter(CONCURRENCY);
    consumers.set("tarballs", slot(() => consumeTarballs()));
    for (const example of EXAMPLES) {
      for (const manager of MANAGERS) consumers.set(`${manager}/${example}`, slot(() => consume(example, manager)));
    }
  });

  after(async () => {
    await Promise.allSettled(consumers.values());
    await registry?.stop();
    if (process.env.KEEP_PUBLISH_DIR) console.log(`      kept ${workDir}`);
    else rmSync(workDir, { recursive: true, force: true });
  });

  async function consume(example: string, manager: Manager): Promise<Outcome> {
    const seconds: Record<string, number> = {};
    const timed = async <T>(step: string, work: () => Promise<T>): Promise<T> => {
      const started = Date.now();
      try {
        return await work();
      } finally {
        seconds[step] = (Date.now() - started) / 1000;
      }
    };
    const projectDir = join(workDir, "consumers", `${example}-${manager}`);
    // Copied out of the repository: no workspace above it, nothing of ours to link to.
    cpSync(join(REPO, "examples", example), projectDir, {
      recursive: true,
      filter: (source) => !/[\\/](node_modules|bin)$/.test(source) && !/(package-lock\.json|pnpm-lock\.yaml)$/.test(source),
    });
    writeFileSync(join(projectDir, ".npmrc"), `@trafficlab:registry=${registry!.url}\n`);
    // pnpm's metadata cache of its own (as for publishing); the package store and npm's cache are the usual ones.
    const env = cleanEnvironment(manager === "pnpm" ? { npm_config_cache_dir: join(workDir, `pnpm-cache-${example}`) } : {});
    const install = await timed("install", () =>
      manager === "npm"
        ? run("npm", ["install", "--no-audit", "--no-fund"], projectDir, env, 300_000)
        : run("pnpm", ["install", "--no-frozen-lockfile"], projectDir, env, 300_000),
    );
    let log = install.output;
    if (install.code !== 0) return { ok: false, log, seconds };
    const sdkCopies = copiesOf(projectDir, "@pulumi/pulumi");
    const sdkVersions = sdkCopies.map((dir) => (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as PackageManifest).version);
    log += `\n@pulumi/pulumi copies: ${sdkCopies.map((dir, i) => `${relative(projectDir, dir)} (${sdkVersions[i]})`).join(", ")}\n`;
    if (sdkCopies.length !== 1 || sdkVersions[0] !== PULUMI_SDK) return { ok: false, log: log + `expected exactly one @pulumi/pulumi, ${PULUMI_SDK}\n`, seconds };
    const test = await timed("tsc+mocha", () => run(manager, ["test"], projectDir, env, 300_000));
    log += test.output;
    return { ok: test.code === 0, log, seconds };
  }

  /**
   * A project that installs @trafficlab/database from `pnpm pack` tarballs with npm, as the README
   * says: the database's tarball and those of the @trafficlab packages it depends on, on one
   * command line; @pulumi/* and TypeScript come from the usual registry, nothing from ours. Then
   * an import compiles (strict, ES2020, node resolution) and the compiled module runs.
   */
  async function consumeTarballs(): Promise<Outcome> {
    const seconds: Record<string, number> = {};
    const projectDir = join(workDir, "consumers", "tarballs");
    mkdirSync(projectDir, { recursive: true });
    writeFileSync(join(projectDir, "package.json"), JSON.stringify({ name: "tarball-consumer", version: "0.0.0", private: true }, null, 2));
    writeFileSync(join(projectDir, "tsconfig.json"), readFileSync(join(REPO, "examples", "data-tier", "tsconfig.json"), "utf8").replace(/"include": \[[^\]]*\]/, '"include": ["*.ts"]'));
    writeFileSync(
      join(projectDir, "index.ts"),
      [
        'import * as pulumi from "@pulumi/pulumi";',
        'import { Database, DATABASE_DEFAULTS, type DatabaseArgs } from "@trafficlab/database";',
        "export const engineVersion: string = DATABASE_DEFAULTS.engineVersion;",
        "export const make = (args: DatabaseArgs): Database => new Database(\"orders\", args);",
        "export const isOutput = (value: unknown): boolean => pulumi.Output.isInstance(value);",
        "",
      ].join("\n"),
    );
    const tarballs = readdirSync(packedDir).filter((f) => f.endsWith(".tgz")).map((f) => join(packedDir, f));
    const env = cleanEnvironment();
    const started = Date.now();
    const install = await run("npm", ["install", "--no-audit", "--no-fund", ...tarballs, `@pulumi/pulumi@${PULUMI_SDK}`, "@pulumi/aws@7.48.0", "typescript@~5.9.3", "@types/node@^20.19.0"], projectDir, env, 300_000);
    seconds.install = (Date.now() - started) / 1000;
    let log = install.output;
    if (install.code !== 0) return { ok: false, log, seconds };
    const compile = await run("npx", ["tsc"], projectDir, env, 300_000);
    log += compile.output;
    if (compile.code !== 0) return { ok: false, log, seconds };
    const load = await run("node", ["-e", "const m = require('./bin/index.js'); console.log('engineVersion ' + m.engineVersion + ', Database ' + typeof require('@trafficlab/database').Database)"], projectDir, env, 120_000);
    log += load.output;
    return { ok: load.code === 0 && load.output.includes("engineVersion 8.4, Database function"), log, seconds };
  }

  describe("the tarball route: pnpm pack, then npm install of the tarballs", () => {
    it(`packs ${TARBALL_ROUTE.join(", ")} as trafficlab-<name>-<version>.tgz`, () => {
      const versions = new Map(packages.map(({ manifest }) => [manifest.name, manifest.version]));
      expect(readdirSync(packedDir).sort()).to.deep.equal(TARBALL_ROUTE.map((name) => `trafficlab-${name}-${versions.get(`@trafficlab/${name}`)}.tgz`).sort());
    });

    it("installs @trafficlab/database with its @trafficlab dependencies' tarballs, compiles an import and runs it", async () => {
      const outcome = await consumers.get("tarballs")!;
      console.log(`      tarballs: install ${outcome.seconds.install?.toFixed(1)} s`);
      if (!outcome.ok) expect.fail(`the tarball route failed:\n${outcome.log.slice(-8000)}`);
      expect(copiesOf(join(workDir, "consumers", "tarballs"), "@trafficlab/validation")).to.have.length(1);
    });
  });

  describe("the published tarballs", () => {
    it("are every public package, at its workspace version", () => {
      expect(packages.map(({ manifest }) => manifest.name).sort()).to.include.members(["@trafficlab/database", "@trafficlab/token-cache", "@trafficlab/network", "@trafficlab/validation", "@trafficlab/testing"]);
      for (const { manifest } of packages) expect(tarballDirs.has(manifest.name), manifest.name).to.equal(true);
    });

    it("point main, types and exports at built files they contain, with no workspace: range left", () => {
      for (const [name, dir] of tarballDirs) {
        const raw = readFileSync(join(dir, "package.json"), "utf8");
        expect(raw, name).not.to.include("workspace:");
        const manifest = JSON.parse(raw) as PackageManifest;
        expect(manifest.main, name).to.equal("dist/src/index.js");
        expect(manifest.types, name).to.equal("dist/src/index.d.ts");
        expect(manifest.exports, name).to.deep.equal({ ".": { types: "./dist/src/index.d.ts", default: "./dist/src/index.js" }, "./package.json": "./package.json" });
        for (const file of [manifest.main, manifest.types]) expect(existsSync(join(dir, file!)), `${name}: ${file}`).to.equal(true);
      }
    });

    it("hold, for every module, its JavaScript, declarations and both maps, and no tests or build state", () => {
      for (const [name, dir] of tarballDirs) {
        const files = filesUnder(dir);
        const sources = files.filter((f) => /^src\/.*\.ts$/.test(f) && !f.endsWith(".d.ts"));
        expect(sources.length, name).to.be.greaterThan(0);
        for (const source of sources) {
          const stem = source.replace(/^src\//, "dist/src/").replace(/\.ts$/, "");
          for (const output of [".js", ".js.map", ".d.ts", ".d.ts.map"]) expect(files, `${name}: ${stem}${output}`).to.include(stem + output);
        }
        const builtModules = files.filter((f) => f.startsWith("dist/src/") && f.endsWith(".js"));
        expect(builtModules.length, `${name}: a built module without a source, or a source not built`).to.equal(sources.length);
        expect(files.filter((f) => /(^|\/)test\/|\.tsbuildinfo$|^dist\/(?!src\/)/.test(f)), name).to.deep.equal([]);
      }
    });

    it("have source maps and declaration maps whose sources are in the tarball", () => {
      for (const [name, dir] of tarballDirs) {
        for (const map of filesUnder(dir).filter((f) => f.endsWith(".map"))) {
          const { sources, sourceRoot } = JSON.parse(readFileSync(join(dir, map), "utf8")) as { sources: string[]; sourceRoot?: string };
          for (const source of sources) {
            const resolved = normalize(join(dir, dirname(map), sourceRoot ?? "", source));
            expect(resolved.startsWith(dir + sep), `${name}: ${map} points outside the package at ${source}`).to.equal(true);
            expect(existsSync(resolved), `${name}: ${map} -> ${source}`).to.equal(true);
          }
        }
      }
    });

    it("carry every non-TypeScript file of src/ (host scripts) next to the compiled modules", () => {
      for (const [name, dir] of tarballDirs) {
        const files = filesUnder(dir);
        for (const asset of files.filter((f) => f.startsWith("src/") && !/\.ts$/.test(f))) {
          expect(files, `${name}: ${asset}`).to.include(`dist/${asset}`);
          expect(statSync(join(dir, `dist/${asset}`)).size, `${name}: dist/${asset}`).to.equal(statSync(join(dir, asset)).size);
        }
      }
    });

    it("depend on each other by ranges the registry satisfies, and on @pulumi/* only as peers", async () => {
      for (const [name, dir] of tarballDirs) {
        const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as PackageManifest;
        for (const [dependency, range] of Object.entries(manifest.dependencies ?? {})) {
          expect(dependency.startsWith("@pulumi/pulumi") || /^@pulumi\/(aws|command|random|tls|docker)$/.test(dependency), `${name} depends on ${dependency}: make it a peer`).to.equal(false);
          if (!dependency.startsWith("@trafficlab/")) continue;
          const versions = Object.keys((await registry!.packument(dependency)).versions);
          expect(versions.some((version) => satisfiesCaret(version, range)), `${name} -> ${dependency}@${range}, registry has ${versions.join(", ")}`).to.equal(true);
        }
      }
    });

    it("@trafficlab/database: lists what it ships", () => {
      const files = filesUnder(tarballDirs.get("@trafficlab/database")!).sort();
      console.log(`      @trafficlab/database tarball (${files.length} files): ${files.join(" ")}`);
      expect(files).to.include.members(["package.json", "README.md", "CHANGELOG.md", "dist/src/index.js", "dist/src/index.d.ts", "src/index.ts"]);
    });
  });

  describe("examples/, installed by name from the registry", () => {
    it("ask for @trafficlab versions that the workspace publishes", () => {
      const versions = new Map(packages.map(({ manifest }) => [manifest.name, manifest.version]));
      for (const example of EXAMPLES) {
        const manifest = JSON.parse(readFileSync(join(REPO, "examples", example, "package.json"), "utf8")) as PackageManifest;
        for (const [name, range] of Object.entries({ ...manifest.dependencies, ...manifest.devDependencies })) {
          if (!name.startsWith("@trafficlab/")) continue;
          const version = versions.get(name);
          expect(version, `examples/${example} wants ${name}, which is not published`).to.be.a("string");
          expect(satisfiesCaret(version!, range), `examples/${example}/package.json asks for ${name}@${range}, the workspace has ${version}: update the example`).to.equal(true);
        }
      }
    });

    for (const example of EXAMPLES) {
      for (const manager of MANAGERS) {
        it(`${manager}: ${example} installs, compiles (strict, ES2020) and passes its mocked tests`, async () => {
          const outcome = await consumers.get(`${manager}/${example}`)!;
          console.log(`      ${manager}/${example}: ${Object.entries(outcome.seconds).map(([step, s]) => `${step} ${s.toFixed(1)} s`).join(", ")}`);
          if (!outcome.ok) expect.fail(`${manager}/${example} failed:\n${outcome.log.slice(-8000)}`);
        });
      }
    }
  });
});
