import { expect } from "chai";
import { Pool } from "undici";
import { runLoad } from "../src/run";
import { startLoopback } from "./loopback";

const STALL_MS = 200;

/**
 * What a closed-model tool (wrk, autocannon, ab) measures: one connection sends its next request
 * only after the previous answer, and times each from its own send.
 */
async function closedModel(url: string, seconds: number): Promise<number[]> {
  const pool = new Pool(url, { connections: 1 });
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  try {
    while (performance.now() < end) {
      const sent = performance.now();
      const response = await pool.request({ path: "/", method: "GET" });
      await response.body.dump();
      latencies.push(performance.now() - sent);
    }
  } finally {
    await pool.close();
  }
  return latencies;
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
      expect(open.verdict).to.equal("PASS"); // 500 ms target still met by a 200 ms stall
      // the ~20 requests due in the stall's first 100 ms all waited more than 100 ms: over 10 % of them
      expect(open.p90Ms).to.be.at.least(STALL_MS / 2);
      // the closed model sent nothing while it waited: the stall is one sample, whatever the machine's speed
      expect(closed.filter((ms) => ms >= STALL_MS / 2)).to.have.length.at.most(1);
      expect(closed.length).to.be.above(1);
    } finally {
      await Promise.all([openServer.close(), closedServer.close()]);
    }
  });

  it("concurrency is not capped by responses: a stalled server gets every due request, up to the in-flight limit, past which they are dropped as errors", async () => {
    const server = await startLoopback({ stall: { afterMs: 0, ms: 400 } });
    try {
      // 100/s for 0.3 s = 30 requests due while nothing answers; at most 10 in flight
      const result = await runLoad({ target: server.url, profile: "load", dau: 72_000, seconds: 0.3, allowRateAboveProfile: true, maxInFlight: 10 });
      expect(result.requests).to.equal(30);
      expect(result.maxInFlight).to.equal(10);
      expect(result.dropped).to.equal(20);
      expect(result.errorKinds).to.deep.equal({ "dropped: in-flight limit": 20 });
      expect(result.errorRate).to.be.closeTo(20 / 30, 1e-6);
      expect(result.verdict).to.equal("FAIL");
      expect(result.reasons.join()).to.include("error rate 66.67 % is above 0.10 %");
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
