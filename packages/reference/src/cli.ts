// `pnpm generate [--check]`: writes Pulumi.yaml's config block and the READMEs' generated
// tables from the code; with --check, writes nothing and exits 1 when a file would change.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, drift, generatedFiles } from "./generate";

const check = process.argv.includes("--check");
if (check) {
  const stale = drift();
  if (stale.length > 0) {
    console.error(`generated files out of date (run pnpm generate): ${stale.join(", ")}`);
    process.exit(1);
  }
  console.log("generated files are up to date");
} else {
  for (const [path, content] of generatedFiles()) writeFileSync(join(ROOT, path), content);
  console.log(`wrote ${[...generatedFiles().keys()].join(", ")}`);
}
