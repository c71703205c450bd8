// The fast tier (`pnpm test`): unit tests and the program under Pulumi mocks, no real tool, no
// child process. tsx compiles TypeScript without type-checking (that is `pnpm typecheck`).
// Tests that need real tools are *.integration.test.ts (`pnpm test:integration`).
module.exports = {
  require: ["tsx/cjs"],
  extension: ["ts"],
  spec: ["packages/*/test/**/*.test.ts", "stacks/test/**/*.test.ts"],
  ignore: ["**/*.integration.test.ts"],
  timeout: 20000,
  forbidOnly: true,
  reporter: "dot",
};
