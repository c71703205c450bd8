// renew.sh run by the machine's /bin/sh (dash, as the lego image's busybox sh a POSIX shell)
// with a stand-in lego on PATH that always fails: what PID 1 of the acme service does on a stop.
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { renderAcmeScripts } from "@trafficlab/edge-proxy";
import { requireTools } from "@trafficlab/testing";

describe("@trafficlab/edge-proxy renew.sh under a real shell", () => {
  const work = mkdtempSync(join(tmpdir(), "acme-renew-"));
  after(() => rmSync(work, { recursive: true, force: true }));

  it("stops at once on SIGTERM while it waits to retry, instead of waiting for the kill", async function () {
    const [sh] = requireTools(this, "sh");
    const bin = join(work, "bin");
    const calls = join(work, "lego-calls");
    writeFileSync(join(work, "renew.sh"), renderAcmeScripts()["renew.sh"]);
    mkdirSync(bin);
    writeFileSync(join(bin, "lego"), `#!/bin/sh\necho "$@" >> '${calls}'\nexit 1\n`);
    chmodSync(join(bin, "lego"), 0o755);

    // Its own process group, so the test can clean up whatever it leaves, as a stopped container would.
    const child = spawn(sh!, [join(work, "renew.sh")], {
      env: { PATH: `${bin}:/usr/bin:/bin`, ACME_DOMAIN: "api.example.com", ACME_EMAIL: "ops@example.com", ACME_SERVER: "https://localhost:14000/dir", ACME_RENEW_DAYS: "30", ACME_CHECK_EVERY: "43200", ACME_RETRY_EVERY: "300" },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    // "close": the script exited and nothing it started (the pending sleep) still holds its output.
    const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("close", (code, signal) => resolve({ code, signal })));
    try {
      // Wait until lego has failed once and the script is in its 300 s pause.
      for (let i = 0; i < 100 && !stderr.includes("trying again in 300 s"); i++) await new Promise((r) => setTimeout(r, 50));
      expect(stderr).to.include("acme: lego failed for api.example.com; trying again in 300 s");
      // Docker stops a container with SIGTERM to its PID 1 only.
      child.kill("SIGTERM");
      const result = await Promise.race([closed, new Promise((r) => setTimeout(() => r("still running 5 s after SIGTERM"), 5000))]);
      expect(result, "exit 0 by its TERM trap, its sleep stopped too").to.deep.equal({ code: 0, signal: null });
    } finally {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // the group is gone already
      }
    }
    // It found lego on PATH and asked for a first certificate over HTTP-01.
    expect(readFileSync(calls, "utf8")).to.match(/^--accept-tos --email ops@example.com --server https:\/\/localhost:14000\/dir --domains api.example.com --http --http.webroot \/webroot --path \/acme\/data run --run-hook \/acme\/install.sh\n$/);
  });
});
