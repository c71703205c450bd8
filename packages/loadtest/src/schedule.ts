/**
 * The open model's schedule: when each request is due, decided before the run and independent of
 * how fast the target answers. A request's latency is measured from its due time, so a target that
 * stalls is charged for the requests it held back (no coordinated omission).
 */
import type { Stage } from "./traffic-model";

/** The integral of the rate over the stages: requests, not rounded. */
export function expectedRequests(stages: readonly Stage[]): number {
  return stages.reduce((total, s) => total + (s.seconds > 0 ? ((s.fromRps + s.toRps) / 2) * s.seconds : 0), 0);
}

/** Requests the stages schedule in all: whole ones (float noise of 35 rps x 300 s rounded away). */
export function scheduledCount(stages: readonly Stage[]): number {
  return Math.floor(expectedRequests(stages) + 1e-9);
}

export function scheduleSeconds(stages: readonly Stage[]): number {
  return stages.reduce((total, s) => total + s.seconds, 0);
}

/** The rate the stages ask for `atSecond` seconds into the run (0 past the end). */
export function rateAt(stages: readonly Stage[], atSecond: number): number {
  let start = 0;
  for (const s of stages) {
    if (atSecond < start + s.seconds) return s.fromRps + ((s.toRps - s.fromRps) * (atSecond - start)) / s.seconds;
    start += s.seconds;
  }
  return 0;
}

/**
 * The due times, in ms from the start, of the requests the stages schedule, in order: request k
 * (from 0) is due when the integral of the rate reaches k, so a constant rate r spaces them 1/r
 * apart and a ramp packs them ever closer. Deterministic (no Poisson jitter): runs compare.
 */
export function* arrivalOffsetsMs(stages: readonly Stage[], maxRequests = Number.POSITIVE_INFINITY): Generator<number> {
  let stageStartS = 0;
  let countBefore = 0;
  let k = 0;
  for (const { seconds, fromRps: a, toRps: b } of stages) {
    if (seconds <= 0) continue;
    const inStage = ((a + b) / 2) * seconds;
    const slope = (b - a) / seconds;
    // Solve a t + slope t^2 / 2 = k - countBefore for t; this form stays exact when a = 0.
    for (; k < countBefore + inStage - 1e-9 && k < maxRequests; k++) {
      const n = k - countBefore;
      const t = n === 0 ? 0 : (2 * n) / (a + Math.sqrt(Math.max(0, a * a + 2 * slope * n)));
      yield (stageStartS + t) * 1000;
    }
    if (k >= maxRequests) return;
    stageStartS += seconds;
    countBefore += inStage;
  }
}

/** Time as the scheduler sees it, in ms; a fake one in tests. */
export interface Clock {
  now(): number;
  /** resolves once at least `ms` have passed */
  sleep(ms: number): Promise<void>;
}

export const REAL_CLOCK: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface ScheduleRun {
  /** requests fired */
  fired: number;
  /** the latest any request was fired after its due time, ms: the generator's own lag, already inside the latencies */
  maxLagMs: number;
  /** true when `shouldStop` ended the run before the schedule did */
  stopped: boolean;
}

/**
 * Fires `fire(dueAt, index)` for every offset at its due time (clock.now() based). It never waits
 * for a response: `fire` starts a request and returns. A request already overdue (the process was
 * busy) is fired at once with its original due time, so the lag counts against the latency.
 */
export async function runSchedule(options: {
  offsetsMs: Iterable<number>;
  clock?: Clock;
  fire: (dueAt: number, index: number) => void;
  shouldStop?: () => boolean;
  /** fired requests in a row, overdue, before yielding to I/O so responses are still timed */
  burst?: number;
}): Promise<ScheduleRun> {
  const clock = options.clock ?? REAL_CLOCK;
  const burst = options.burst ?? 50;
  const start = clock.now();
  let fired = 0;
  let maxLagMs = 0;
  let sinceYield = 0;
  for (const offset of options.offsetsMs) {
    if (options.shouldStop?.()) return { fired, maxLagMs, stopped: true };
    const dueAt = start + offset;
    const wait = dueAt - clock.now();
    if (wait > 0) {
      await clock.sleep(wait);
      sinceYield = 0;
    } else if (++sinceYield >= burst) {
      await clock.sleep(0);
      sinceYield = 0;
    }
    if (options.shouldStop?.()) return { fired, maxLagMs, stopped: true };
    maxLagMs = Math.max(maxLagMs, clock.now() - dueAt);
    options.fire(dueAt, fired++);
  }
  return { fired, maxLagMs, stopped: false };
}
