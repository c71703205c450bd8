// The e2e tier (`pnpm test:e2e`): a real Docker engine, a host container reached over real SSH,
// a TLS data tier, the recorded program's commands run with a real `pulumi up`'s lifecycle
// (README.md here). The scenarios build on each other, so the first failure stops the rest.
// Without an engine it skips with the reason; with CI=true it fails instead.
const path = require("node:path");

module.exports = {
  require: ["tsx/cjs"],
  extension: ["ts"],
  spec: [path.join(__dirname, "test", "**", "*.e2e.test.ts")],
  timeout: 900000,
  bail: true,
  forbidOnly: true,
  reporter: "spec",
};
