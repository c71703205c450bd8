// `pnpm generate [--check]`: writes Pulumi.yaml's config block and the READMEs' generated
// tables from the code, docs/plan.md's samples from real pnpm plan runs, and .github/workflows
// from .github/ci-workflows.yaml; with --check, writes nothing and exits 1 when a file would change.
// `pnpm generate ci [--out DIR] [--stacks dev,prod=production] [--repo owner/name] [--branch main]
// [--region ap-northeast-2] [--api-context DIR] [--api-build-arg KEY=VALUE]...`: renders the
// GitHub workflows for the project in DIR (default: where pnpm was run) and records the flags.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { ROOT, drift, generatedFiles } from "./generate";
import { CiInputError, type CiFlags } from "./ci/model";
import { ciFiles, recordedFlags } from "./ci/project";

export const CI_USAGE = `usage: pnpm generate ci [--out DIR] [--stacks STACK[=ENVIRONMENT],...] [--repo OWNER/NAME] [--branch PATTERN]
                        [--region REGION] [--api-context DIR] [--api-build-arg KEY=VALUE]...
  --out DIR          the project to write .github/workflows/ into (default: the directory pnpm was run in)
  --stacks LIST      the stacks in deploy order (default dev,prod); the first deploys on every merge, each later
                     one after it in its GitHub environment (default: the stack's name, production for prod)
  --repo OWNER/NAME  deploy only from this repository (a fork with the same variables never deploys)
  --branch PATTERN   the branch whose pushes deploy and whose pull requests are previewed (default main)
  --region REGION    the Region of the ci stack's roles, ECR repository and state bucket (default ap-northeast-2)
  --api-context DIR  the API's Docker build context, relative to the project (default api)
  --api-build-arg K=V  a build argument of the API image (default DEPENDENCY=build/dependency); repeat for more`;

async function generate(check: boolean): Promise<number> {
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
  for (const [path, content] of files) {
    mkdirSync(dirname(join(ROOT, path)), { recursive: true });
    writeFileSync(join(ROOT, path), content);
  }
  console.log(`wrote ${[...files.keys()].join(", ")}`);
  return 0;
}

/** The flags of `pnpm generate ci`; a wrong command line throws CiInputError naming the flag. */
export function parseCiArguments(argv: readonly string[]): { out: string | undefined; flags: CiFlags } {
  const flags: CiFlags = {};
  let out: string | undefined;
  const problems: string[] = [];
  const names: Record<string, keyof Omit<CiFlags, "apiBuildArgs" | "out">> = { "--stacks": "stacks", "--repo": "repo", "--branch": "branch", "--region": "region", "--api-context": "apiContext" };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [option, inline] = arg.includes("=") && arg.startsWith("--") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const value = inline ?? argv[i + 1];
    const known = option === "--out" || option === "--api-build-arg" || option in names;
    if (!known) {
      problems.push(`${arg} is not an option of pnpm generate ci; expected one of --out, ${Object.keys(names).join(", ")}, --api-build-arg`);
      continue;
    }
    if (value === undefined || (inline === undefined && value.startsWith("--"))) {
      problems.push(`${option} needs a value`);
      continue;
    }
    if (inline === undefined) i++;
    if (option === "--out") out = value;
    else if (option === "--api-build-arg") {
      const at = value.indexOf("=");
      if (at <= 0) problems.push(`--api-build-arg ${JSON.stringify(value)} is not allowed; expected KEY=VALUE`);
      else flags.apiBuildArgs = { ...flags.apiBuildArgs, [value.slice(0, at)]: value.slice(at + 1) };
    } else flags[names[option]!] = value;
  }
  if (problems.length > 0) throw new CiInputError(problems);
  return { out, flags };
}

function generateCi(argv: readonly string[]): number {
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(CI_USAGE);
    return 0;
  }
  const { out, flags } = parseCiArguments(argv);
  const dir = resolve(process.env.INIT_CWD ?? process.cwd(), out ?? ".");
  // The flags given win over those recorded in the project by an earlier run.
  const files = ciFiles(dir, { ...recordedFlags(dir), ...flags });
  for (const [path, content] of files) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  console.log(`wrote ${[...files.keys()].map((path) => join(dir, path)).join(", ")}`);
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const args = argv.filter((arg) => arg !== "--");
  if (args[0] === "ci") return generateCi(args.slice(1));
  return generate(args.includes("--check"));
}

// Exit explicitly: the plan samples run the program under Pulumi's mocked runtime, which can keep handles open.
if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error));
      if (error instanceof CiInputError) console.error(CI_USAGE);
      process.exit(error instanceof CiInputError ? 2 : 1);
    },
  );
}
