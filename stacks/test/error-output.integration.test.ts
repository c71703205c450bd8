import { expect } from "chai";
import { execFile } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { validateStackConfig } from "@trafficlab/testing";
import { USER_SETTINGS } from "./dev-stack";

const root = join(__dirname, "..", "..");
const fixture = join(__dirname, "fixtures", "pulumi-up-entry.js");

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCommand(file: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<Finished> {
  return new Promise((resolve) => {
    execFile(file, args, { ...options, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

/** What a user must see of a refused configuration: the list, once; nothing of Node's crash dump. */
function expectCleanList(stderr: string, problems: string[]): void {
  for (const crashDump of [/^\s+at /m, /\^/, /Node\.js v\d/, /problems:/, /__pulumiRunError/]) expect(stderr, stderr).not.to.match(crashDump);
  for (const problem of problems) expect(stderr.split(problem).length - 1, problem).to.equal(1);
}

/**
 * The two ways a user runs the program, each as a child process, with a wrong configuration:
 * `pnpm plan` (plain and --change) and `pulumi up`'s runner (the SDK's cmd/run entry).
 */
describe("a refused configuration prints only its list of problems, once", function () {
  this.timeout(180_000);

  it("pnpm plan --change with a mistyped key", async () => {
    const { code, stdout, stderr } = await runCommand("pnpm", ["plan", "dev", "--change", "hostInstanceTyp=t3.small", "--change", "timeZone=Asia/Busan"], { cwd: root });
    expect(code).to.equal(1);
    expect(stdout).to.equal("");
    expect(stderr).to.equal(
      "plan: Invalid stack configuration:\n" +
        "  - trafficlab:hostInstanceTyp is not a setting of this project; did you mean hostInstanceType?\n" +
        '  - trafficlab:timeZone = "Asia/Busan" is not allowed; allowed: UTC or an IANA zone name such as Asia/Seoul.\n',
    );
    expectCleanList(stderr, ["trafficlab:hostInstanceTyp is", "Asia/Busan"]);
  });

  describe("pnpm plan of a stack file with a plain-text password", () => {
    const stackFile = join(root, "Pulumi.errorcheck.yaml");
    before(() =>
      writeFileSync(stackFile, ["config:", "  trafficlab:dbPassword: hunter22-hunter22", "  trafficlab:timeZone: Asia/Busan", "  trafficlab:cacheNodeTyp: cache.t4g.small", ""].join("\n")),
    );
    after(() => rmSync(stackFile, { force: true }));

    it("refuses it without showing it, with the fix", async () => {
      const { code, stdout, stderr } = await runCommand("pnpm", ["plan", "errorcheck"], { cwd: root });
      expect(code).to.equal(1);
      expect(stdout).to.equal("");
      expect(stderr).not.to.include("hunter22");
      expect(stderr).to.equal(
        "plan: Invalid stack configuration:\n" +
          "  - trafficlab:cacheNodeTyp is not a setting of this project; did you mean cacheNodeType?\n" +
          "  - trafficlab:dbPassword (value not shown) is stored in plain text in the stack's config; a password must be a secret: pulumi config rm dbPassword && pulumi config set --secret dbPassword\n" +
          '  - trafficlab:timeZone = "Asia/Busan" is not allowed; allowed: UTC or an IANA zone name such as Asia/Seoul.\n',
      );
      expectCleanList(stderr, ["trafficlab:cacheNodeTyp is", "Asia/Busan", "dbPassword (value not shown)"]);
    });
  });

  it("pulumi up's runner (cmd/run/index.js, config as the CLI passes it): the list once, exit 32", async () => {
    // The config the CLI would hand the program: Pulumi.yaml's defaults, Pulumi.dev.yaml, the
    // user's settings, a typo, and dbPassword without --secret (so not in the secret keys).
    const stackYaml =
      readFileSync(join(root, "Pulumi.dev.yaml"), "utf8") +
      // JSON is YAML: the list stays a list, as `pulumi config set --path` writes it.
      Object.entries({ ...USER_SETTINGS, "trafficlab:sshAllowedCidrs": JSON.parse(USER_SETTINGS["trafficlab:sshAllowedCidrs"]) as string[], "trafficlab:hostInstanceTyp": "t3.small", "trafficlab:dbPassword": "hunter22-hunter22" })
        .map(([key, value]) => `  ${key}: ${JSON.stringify(value)}\n`)
        .join("");
    const cli = validateStackConfig(readFileSync(join(root, "Pulumi.yaml"), "utf8"), "dev", stackYaml);
    expect(cli.error).to.equal(undefined);
    const config = Object.fromEntries(Object.entries(cli.config).map(([key, value]) => [key, value.text]));
    const secretKeys = Object.entries(cli.config).filter(([, value]) => value.secure).map(([key]) => key);
    const { code, stderr } = await runCommand(process.execPath, [fixture, "dev"], {
      cwd: join(root, "stacks"),
      env: { ...process.env, PULUMI_CONFIG: JSON.stringify(config), PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(secretKeys) },
    });
    // 32: "exited after logging a user-actionable message"; the CLI then adds nothing of its own.
    expect(code).to.equal(32);
    expect(stderr).to.equal(
      "error: [runtime] Invalid stack configuration:\n" +
        "  - trafficlab:hostInstanceTyp is not a setting of this project; did you mean hostInstanceType?\n" +
        "  - trafficlab:dbPassword (value not shown) is stored in plain text in the stack's config; a password must be a secret: pulumi config rm dbPassword && pulumi config set --secret dbPassword\n",
    );
    expectCleanList(stderr, ["trafficlab:hostInstanceTyp is", "dbPassword (value not shown)"]);
  });
});
