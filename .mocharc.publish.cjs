// The publish tier (`pnpm test:publish`): every public package published with pnpm to a
// Verdaccio on 127.0.0.1 that the test starts and stops, then each project in examples/
// installed by name from it with npm and with pnpm, compiled and tested. Needs the npm
// registry for @pulumi/* and the other third-party packages; a few minutes.
module.exports = {
  require: ["tsx/cjs"],
  extension: ["ts"],
  spec: ["examples/test/**/*.test.ts"],
  timeout: 600000,
  forbidOnly: true,
  reporter: "spec",
};
