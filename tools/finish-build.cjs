#!/usr/bin/env node
// Finishes a package's build after `tsc --build`, so dist/src is exactly what src/ says:
// - copies every file of src/ that tsc does not compile (host scripts `*.sh`, templates,
//   hand-written `.d.ts`) to the same place under dist/src, because the code reads them at run
//   time relative to the compiled module (e.g. dist/src/scripts/deploy.sh);
// - deletes outputs whose source is gone (a renamed or removed module), which tsc leaves
//   behind and `pnpm publish` would otherwise ship.
// Usage: `node tools/finish-build.cjs [packageDir...]` (default: the current directory).
const fs = require("node:fs");
const path = require("node:path");

const COMPILED = /\.(c|m)?tsx?$/;
const DECLARATION = /\.d\.(c|m)?ts$/;
// What tsc emits for src/x.ts: dist/src/x.js, .js.map, .d.ts, .d.ts.map (and the .cjs/.mjs forms).
const EMITTED = /\.(d\.(c|m)?ts\.map|d\.(c|m)?ts|(c|m)?js\.map|(c|m)?js)$/;

function filesUnder(directory) {
  if (!fs.existsSync(directory)) return [];
  return fs.readdirSync(directory, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(directory, path.join(entry.parentPath ?? entry.path, entry.name)));
}

function isAsset(file) {
  return !COMPILED.test(file) || DECLARATION.test(file);
}

function hasSource(sources, output) {
  if (sources.has(output)) return true; // a copied asset
  if (!EMITTED.test(output)) return false;
  const stem = output.replace(EMITTED, "");
  return [".ts", ".tsx", ".mts", ".cts", ".d.ts"].some((extension) => sources.has(stem + extension));
}

function finishBuild(packageDir) {
  const sourceDir = path.join(packageDir, "src");
  const outputDir = path.join(packageDir, "dist", "src");
  if (!fs.existsSync(outputDir)) throw new Error(`${outputDir} does not exist: run tsc --build first`);
  const sources = new Set(filesUnder(sourceDir));
  let copied = 0;
  let removed = 0;
  for (const file of sources) {
    if (!isAsset(file)) continue;
    const target = path.join(outputDir, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(path.join(sourceDir, file), target);
    fs.chmodSync(target, fs.statSync(path.join(sourceDir, file)).mode);
    copied++;
  }
  for (const output of filesUnder(outputDir)) {
    if (hasSource(sources, output)) continue;
    fs.rmSync(path.join(outputDir, output));
    removed++;
  }
  if (removed > 0) console.log(`${path.basename(path.resolve(packageDir))}: removed ${removed} output(s) whose source is gone`);
  return copied;
}

const packageDirs = process.argv.length > 2 ? process.argv.slice(2) : ["."];
for (const packageDir of packageDirs) {
  if (fs.existsSync(path.join(packageDir, "src")) && fs.existsSync(path.join(packageDir, "dist", "src"))) finishBuild(packageDir);
  else if (packageDirs.length === 1) throw new Error(`${path.resolve(packageDir)} has no src/ and dist/src/ to finish`);
}
