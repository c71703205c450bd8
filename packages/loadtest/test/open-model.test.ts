import { expect } from "chai";
import { Pool } from "undici";
import { runLoad } from "../src/run";
import { startLoopback } from "./loopback";

const STALL_MS = 200;

/**
 * What a closed-model tool (wrk, autocannon, ab) measures: one connection sends its next request
 * only after the previous answer, and times each from its own send.
 */
async function closedModel(url: string, seconds: number): Promise<{ sent: number; ms: number }[]> {
  const pool = new Pool(url, { connections: 1 });
  const samples: { sent: number; ms: number }[] = [];
  const end = performance.now() + seconds * 1000;
  try {
    while (performance.now() < end) {
      const sent = performance.now();
      const response = await pool.request({ path: "/", method: "GET" });
      await response.body.dump();
      samples.push({ sent, ms: performance.now() - sent });
    }
  } finally {
    await pool.close();
  }
  return samples;
}

describe("loadtest open model: no coordinated omission", () => {
  it(`a server that stalls ${STALL_MS} ms: the open model's p99 shows the stall, a closed model counts it once`, async () => {
    const stall = { afterMs: 150, ms: STALL_MS };
    const [openServer, closedServer] = await Promise.all([startLoopback({ stall }), startLoopback({ stall })]);
    try {
      // 200 requests/s for 0.5 s; the 40 due during the stall wait for its end
      const [open, closed] = await Promise.all([
        runLoad({
          target: openServer.url,
          profile: "load",
          dau: 144_000,
          seconds: 0.5,
          allowRateAboveProfile: true,
          model: { mix: [{ name: "root", method: "GET", path: "/", weight: 1 }] },
        }),
        closedModel(closedServer.url, 0.5),
      ]);
      expect(open.requests).to.equal(100);
      expect(open.responses).to.equal(100);
      // ~8 % of the schedule was due in the stall's first 40 ms: p99 is within it
      expect(open.p99Ms).to.be.at.least(STALL_MS * 0.8);
      expect(open.maxMs).to.be.at.least(STALL_MS * 0.9);
      // (no verdict asserted: on a loaded machine loopback alone can pass 500 ms)
      // the ~20 requests due in the stall's first 100 ms all waited more than 100 ms: over 10 % of them
      expect(open.p90Ms).to.be.at.least(STALL_MS / 2);
      // the closed model sent nothing while it waited: during the stall it sent one request, the one that
      // got stuck, so the stall is one sample among all it took, whatever this machine's speed
      const window = closedServer.stallWindow!;
      expect(closed.filter((s) => s.sent >= window.from && s.sent < window.to)).to.have.length.at.most(1);
      expect(closed.length).to.be.at.least(1);
    } finally {
      await Promise.all([openServer.close(), closedServer.close()]);
    }
  });

  it("concurrency is not capped by responses: a stalled server gets every due request, up to the in-flight limit, past which they are dropped as errors", async () => {
    const server = await startLoopback({ stall: { afterMs: 0, ms: 5000 } });
    try {
      // 100/s for 0.2 s = 20 requests due while nothing answers; at most 5 in flight, each given up after 600 ms
      const result = await runLoad({ target: server.url, profile: "load", dau: 72_000, seconds: 0.2, allowRateAboveProfile: true, maxInFlight: 5, timeoutMs: 600 });
      expect(result.requests).to.equal(20);
      expect(result.maxInFlight).to.equal(5);
      expect(result.dropped).to.equal(15);
      expect(result.errorKinds).to.deep.equal({ "dropped: in-flight limit": 15, timeout: 5 });
      expect(result.errorRate).to.equal(1);
      expect(result.verdict).to.equal("FAIL");
      expect(result.reasons.join()).to.include("error rate 100.00 % is above 0.10 %");
    } finally {
      await server.close();
    }
  });

  it("a request without an answer in time is a timeout error; the run still ends", async () => {
    const server = await startLoopback({ stall: { afterMs: 0, ms: 5000 } });
    try {
      const result = await runLoad({ target: server.url, profile: "load", dau: 7200, seconds: 0.2, timeoutMs: 100 });
      expect(result.requests).to.equal(2);
      expect(result.errorKinds).to.deep.equal({ timeout: 2 });
      expect(result.responses).to.equal(0);
      expect(result.verdict).to.equal("FAIL");
      expect(result.reasons).to.include("no request got a response");
    } finally {
      await server.close();
    }
  });
});
