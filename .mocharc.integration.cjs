// The integration tier (`pnpm test:integration`): real tools on loopback and in a sandbox
// (nginx, shellcheck, bash, flock, wrk) and Pulumi's own Node.js runners. A missing tool
// skips its test with the reason, except with CI=true, where it fails.
// See .mocharc.cjs: @pulumi/awsguard's AWS SDK v2 would print an end-of-support notice.
process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE = "1";

module.exports = {
  require: ["tsx/cjs"],
  extension: ["ts"],
  spec: ["packages/*/test/**/*.integration.test.ts", "stacks/test/**/*.integration.test.ts"],
  timeout: 180000,
  forbidOnly: true,
  reporter: "spec",
};
