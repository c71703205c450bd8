// The fast tier (`pnpm test`): unit tests and the program under Pulumi mocks, no real tool, no
// child process. tsx compiles TypeScript without type-checking (that is `pnpm typecheck`).
// Tests that need real tools are *.integration.test.ts (`pnpm test:integration`). The examples'
// tests run here against the workspace's sources too; `pnpm test:publish` runs them again
// against the published packages.
// @pulumi/awsguard (the AWSGuard pack the policy tests run) brings the AWS SDK v2, which prints
// an end-of-support notice when loaded; it is not ours to migrate, and the tiers stay quiet.
process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE = "1";

module.exports = {
  require: ["tsx/cjs"],
  extension: ["ts"],
  spec: ["packages/*/test/**/*.test.ts", "stacks/test/**/*.test.ts", "examples/*/test/**/*.test.ts"],
  ignore: ["**/*.integration.test.ts"],
  timeout: 20000,
  forbidOnly: true,
  reporter: "dot",
};
