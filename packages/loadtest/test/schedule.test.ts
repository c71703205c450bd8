import { expect } from "chai";
import { arrivalOffsetsMs, rateAt, runSchedule, scheduledCount, type Clock } from "../src/schedule";
import { resolveProfile } from "../src/traffic-model";

/** Time that moves only when the scheduler sleeps or a test says so. */
class FakeClock implements Clock {
  t = 1000;
  sleeps: number[] = [];
  now(): number {
    return this.t;
  }
  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.t += ms;
    return Promise.resolve();
  }
}

describe("loadtest schedule: arrival times of the open model", () => {
  it("a constant 10/s over 1 s: 10 requests, 100 ms apart, from 0", () => {
    expect([...arrivalOffsetsMs([{ seconds: 1, fromRps: 10, toRps: 10 }])]).to.deep.equal([0, 100, 200, 300, 400, 500, 600, 700, 800, 900]);
  });

  it("a ramp 0 -> 10/s over 2 s: request k is due at sqrt(2k / 5) s, 10 in all, 3 of them in the first second", () => {
    const offsets = [...arrivalOffsetsMs([{ seconds: 2, fromRps: 0, toRps: 10 }])];
    expect(offsets).to.have.length(10);
    offsets.forEach((ms, k) => expect(ms).to.be.closeTo(Math.sqrt((2 * k) / 5) * 1000, 1e-6));
    // the integral of 5t from 0 to 1 is 2.5: requests 0, 1 and 2
    expect(offsets.filter((ms) => ms < 1000)).to.have.length(3);
    // ever closer together
    const gaps = offsets.slice(1).map((ms, i) => ms - offsets[i]!);
    gaps.slice(1).forEach((gap, i) => expect(gap).to.be.below(gaps[i]!));
  });

  it("stages follow each other: a ramp 10 -> 20/s over 1 s then 20/s for 1 s holds 15 + 20 requests", () => {
    const stages = [
      { seconds: 1, fromRps: 10, toRps: 20 },
      { seconds: 1, fromRps: 20, toRps: 20 },
    ];
    const offsets = [...arrivalOffsetsMs(stages)];
    expect(offsets).to.have.length(35).and.to.have.length(scheduledCount(stages));
    expect(offsets.filter((ms) => ms < 1000)).to.have.length(15);
    // the second stage is the constant 20/s: 50 ms apart
    const second = offsets.filter((ms) => ms >= 1000);
    second.slice(1).forEach((ms, i) => expect(ms - second[i]!).to.be.closeTo(50, 1e-6));
    expect(rateAt(stages, 0.5)).to.equal(15);
    expect(rateAt(stages, 1.5)).to.equal(20);
    expect(rateAt(stages, 2)).to.equal(0);
  });

  it("maxRequests cuts the schedule short", () => {
    expect([...arrivalOffsetsMs([{ seconds: 10, fromRps: 100, toRps: 100 }], 7)]).to.have.length(7);
  });

  it("the stress profile: a ramp to the stress DAU's peak rate over 3/4 of the run, then held", () => {
    const stress = resolveProfile("stress", { seconds: 80 });
    expect(stress.peakRps).to.equal(62.5);
    expect(stress.stages).to.deep.equal([
      { seconds: 60, fromRps: 0, toRps: 62.5 },
      { seconds: 20, fromRps: 62.5, toRps: 62.5 },
    ]);
    expect(scheduledCount(stress.stages)).to.equal(60 * 31.25 + 20 * 62.5);
  });

  it("runSchedule fires each request at its due time on a fake clock, without waiting for any answer", async () => {
    const clock = new FakeClock();
    const fired: { due: number; at: number }[] = [];
    const run = await runSchedule({ offsetsMs: [0, 100, 250], clock, fire: (due) => fired.push({ due, at: clock.now() }) });
    expect(fired).to.deep.equal([
      { due: 1000, at: 1000 },
      { due: 1100, at: 1100 },
      { due: 1250, at: 1250 },
    ]);
    expect(run).to.deep.equal({ fired: 3, maxLagMs: 0, stopped: false });
    expect(clock.sleeps).to.deep.equal([100, 150]);
  });

  it("a generator that falls behind fires the overdue requests at once, with their original due times, and reports its lag", async () => {
    const clock = new FakeClock();
    const fired: { due: number; at: number }[] = [];
    // the first fire blocks the process for 330 ms: three more requests are overdue by then
    const run = await runSchedule({
      offsetsMs: [0, 100, 200, 300, 400],
      clock,
      fire: (due, index) => {
        fired.push({ due, at: clock.now() });
        if (index === 0) clock.t += 330;
      },
    });
    expect(fired.map((f) => f.due)).to.deep.equal([1000, 1100, 1200, 1300, 1400]);
    expect(fired.map((f) => f.at)).to.deep.equal([1000, 1330, 1330, 1330, 1400]);
    expect(run.maxLagMs).to.equal(230);
  });

  it("shouldStop ends the schedule before the next request", async () => {
    const clock = new FakeClock();
    let count = 0;
    const run = await runSchedule({ offsetsMs: [0, 10, 20, 30], clock, fire: () => count++, shouldStop: () => count === 2 });
    expect(run).to.include({ fired: 2, stopped: true });
  });
});
