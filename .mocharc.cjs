// One mocha run over every package and the stacks; tsx compiles TypeScript without
// type-checking (that is `pnpm typecheck`), so the suite stays fast.
module.exports = {
  require: ["tsx/cjs"],
  extension: ["ts"],
  spec: ["packages/*/test/**/*.test.ts", "stacks/test/**/*.test.ts"],
  timeout: 60000,
  forbidOnly: true,
  reporter: "spec",
};
