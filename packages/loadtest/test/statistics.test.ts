import { expect } from "chai";
import { kneeOf } from "../src/run";
import { LatencyRecorder, newHistogram, summarise, type SecondStats } from "../src/statistics";

/** HdrHistogram with 3 significant digits: a value is kept within 0.1 %. */
const PRECISION = 0.001;

describe("loadtest statistics: percentiles against known distributions", () => {
  it("uniform 1..10,000 ms, each once: p50 5,000, p95 9,500, p99 9,900, max 10,000 ms, within the histogram's precision", () => {
    const histogram = newHistogram();
    for (let ms = 1; ms <= 10_000; ms++) histogram.recordValue(ms * 1000);
    const s = summarise(histogram);
    for (const [got, want] of [
      [s.p50Ms, 5000],
      [s.p90Ms, 9000],
      [s.p95Ms, 9500],
      [s.p99Ms, 9900],
      [s.maxMs, 10_000],
      [s.meanMs, 5000.5],
    ] as const) {
      expect(got).to.be.closeTo(want, want * PRECISION);
    }
  });

  it("exponential, mean 40 ms (the quantiles of 100,000 evenly spaced probabilities): p50 = 40 ln 2, p99 = 40 ln 100", () => {
    const histogram = newHistogram();
    const n = 100_000;
    for (let i = 0; i < n; i++) histogram.recordValue(Math.round(-40 * Math.log(1 - (i + 0.5) / n) * 1000));
    const s = summarise(histogram);
    expect(s.p50Ms).to.be.closeTo(40 * Math.log(2), 40 * Math.log(2) * PRECISION + 0.001);
    expect(s.p95Ms).to.be.closeTo(40 * Math.log(20), 40 * Math.log(20) * PRECISION + 0.001);
    expect(s.p99Ms).to.be.closeTo(40 * Math.log(100), 40 * Math.log(100) * PRECISION + 0.001);
    expect(s.p99Ms).to.be.at.most(s.maxMs);
  });

  it("an empty histogram summarises to zeros, not NaN", () => {
    expect(summarise(newHistogram())).to.deep.equal({ p50Ms: 0, p90Ms: 0, p95Ms: 0, p99Ms: 0, maxMs: 0, meanMs: 0 });
  });

  it("the recorder: per-second series by the second requests were due in, completions by the second they ended, errors without a latency", () => {
    const recorder = new LatencyRecorder();
    recorder.due(0);
    recorder.due(0);
    recorder.settle("read", 0, 0, 10, false);
    recorder.due(1);
    // due in second 0, answered in second 2 after 1.5 s: charged to second 0
    recorder.settle("read", 0, 2, 1500, false);
    recorder.settle("write", 1, 1, undefined, true);
    const series = recorder.series();
    expect(series.map((s) => [s.second, s.targetRps, s.responses, s.errors, s.completedRps])).to.deep.equal([
      [0, 2, 2, 0, 1],
      [1, 1, 0, 1, 0],
      [2, 0, 0, 0, 1],
    ]);
    expect(series[0]!.maxMs).to.be.closeTo(1500, 1500 * PRECISION);
    expect(recorder.summary().p50Ms).to.be.closeTo(10, 10 * PRECISION);
    expect(recorder.byRoute().write).to.include({ requests: 1, errors: 1, p99Ms: 0 });
  });

  it("the knee: the target rate of the first of three seconds in a row with p99 above the limit", () => {
    const second = (s: number, targetRps: number, p99Ms: number): SecondStats => ({ second: s, targetRps, completedRps: targetRps, responses: targetRps, errors: 0, p50Ms: 1, p90Ms: 1, p95Ms: 1, p99Ms, maxMs: p99Ms, meanMs: 1 });
    const ramp = [second(0, 10, 20), second(1, 20, 600), second(2, 30, 40), second(3, 40, 700), second(4, 50, 800), second(5, 60, 900)];
    expect(kneeOf(ramp, 500)).to.equal(40);
    expect(kneeOf(ramp.slice(0, 5), 500)).to.equal(null);
  });
});
