// `pnpm generate [--check]`: writes Pulumi.yaml's config block and the READMEs' generated
// tables from the code, and docs/plan.md's samples from real pnpm plan runs; with --check, writes nothing and exits 1 when a file would change.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, drift, generatedFiles } from "./generate";

async function main(check: boolean): Promise<number> {
  if (check) {
    const stale = await drift();
    if (stale.length > 0) {
      console.error(`generated files out of date (run pnpm generate): ${stale.join(", ")}`);
      return 1;
    }
    console.log("generated files are up to date");
    return 0;
  }
  const files = await generatedFiles();
  for (const [path, content] of files) writeFileSync(join(ROOT, path), content);
  console.log(`wrote ${[...files.keys()].join(", ")}`);
  return 0;
}

// Exit explicitly: the plan samples run the program under Pulumi's mocked runtime, which can keep handles open.
main(process.argv.includes("--check")).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
