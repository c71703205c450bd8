/**
 * The picture in the README ("Does it hold the traffic?"): `pnpm loadtest --profile stress`,
 * through the real CLI, against a local stand-in that serves one request at a time in 20 ms (so
 * at most 50 requests/s, whatever this machine's other load), ramping to 60 requests/s. The
 * knee shows where the arrival rate passes 50/s: the queue, and p99 with it, grows without bound.
 *
 *   pnpm --filter @trafficlab/loadtest demo-report [OUT.svg]   (default docs/loadtest-stress-knee.svg)
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { runCli } from "../src/cli";
import { peakRps } from "../src/traffic-model";

const SERVICE_MS = 20;
const PEAK_RPS = 60;

async function main(): Promise<number> {
  const out = resolve(process.env.INIT_CWD ?? process.cwd(), process.argv[2] ?? join(__dirname, "../../../docs/loadtest-stress-knee.svg"));
  // A single FIFO server: each request starts when the previous one is done and takes SERVICE_MS.
  let busyUntil = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const now = performance.now();
      busyUntil = Math.max(now, busyUntil) + SERVICE_MS;
      setTimeout(() => res.end('{"ok":true}'), busyUntil - now);
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  // the DAU whose peak hour is PEAK_RPS with the default model (50 requests a user, 10 % in the peak hour)
  const dau = Math.round(PEAK_RPS / peakRps(1));
  try {
    return await runCli(
      ["--target", `http://127.0.0.1:${port}`, "--profile", "stress", "--dau", String(dau), "--duration", "40s", "--allow-rate-above-profile", "--report", out, "--progress-every", "5s"],
      { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t), tty: false },
    );
  } finally {
    server.closeAllConnections();
    server.close();
    process.stdout.write(`wrote ${out}\n`);
  }
}

// The stand-in is meant to fail the stress profile: the exit code is the CLI's, 1 for this FAIL.
main().then((code) => process.exit(code === 2 ? 2 : 0));
