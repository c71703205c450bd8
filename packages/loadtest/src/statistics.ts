/**
 * Latency statistics: HdrHistogram (hdr-histogram-js) in microseconds, 3 significant digits, so a
 * percentile is within 0.1 % of the true one. Kept overall, per route and per second of the
 * schedule (the second a request was due in), plus completions per wall-clock second.
 */
import * as hdr from "hdr-histogram-js";

type Histogram = ReturnType<typeof hdr.build>;

/** 1 µs to 1 h, 3 digits; the request timeout keeps values far below the top. */
export function newHistogram(): Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3, autoResize: false });
}

export interface LatencySummary {
  p50Ms: number;
  p90Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

const ms = (micros: number) => Math.round(micros) / 1000;

export function summarise(histogram: Histogram): LatencySummary {
  if (histogram.totalCount === 0) return { p50Ms: 0, p90Ms: 0, p95Ms: 0, p99Ms: 0, maxMs: 0, meanMs: 0 };
  // A percentile is the top of its bucket (within 0.1 %); never report one above the largest value recorded.
  const at = (percentile: number) => ms(Math.min(histogram.getValueAtPercentile(percentile), histogram.maxValue));
  return {
    p50Ms: at(50),
    p90Ms: at(90),
    p95Ms: at(95),
    p99Ms: at(99),
    maxMs: ms(histogram.maxValue),
    meanMs: ms(histogram.mean),
  };
}

/** One second of the schedule: the requests due in it and what became of them. */
export interface SecondStats extends LatencySummary {
  /** seconds from the start */
  second: number;
  /** the rate the schedule asked for in this second (requests due in it) */
  targetRps: number;
  /** responses received in this wall-clock second, whenever they were due */
  completedRps: number;
  /** requests due in this second that got a response (any status) */
  responses: number;
  /** requests due in this second that failed: status >= 400, timeout, connection error or dropped */
  errors: number;
}

interface OpenSecond {
  histogram: Histogram | undefined;
  due: number;
  outstanding: number;
  responses: number;
  errors: number;
}

export interface RouteStats extends LatencySummary {
  requests: number;
  errors: number;
}

/**
 * Collects outcomes. `due(second)` when a request is scheduled, `settle(...)` once when it ends.
 * A second's histogram is summarised and freed once the schedule is past it and every request due
 * in it has settled, so at most the last request timeout's worth of seconds is held.
 */
export class LatencyRecorder {
  readonly overall = newHistogram();
  private readonly routes = new Map<string, { histogram: Histogram; requests: number; errors: number }>();
  private readonly open = new Map<number, OpenSecond>();
  private readonly closed = new Map<number, SecondStats>();
  private readonly completedBySecond = new Map<number, number>();
  private latestDueSecond = -1;

  /** A request due in `second` of the schedule. */
  due(second: number): void {
    if (second > this.latestDueSecond) {
      this.latestDueSecond = second;
      for (const [earlier, s] of this.open) if (earlier < second && s.outstanding === 0) this.close(earlier, s);
    }
    const s = this.openSecond(second);
    s.due++;
    s.outstanding++;
  }

  /**
   * A request due in `dueSecond` ended `latencyMs` after its due time, at wall second `endSecond`;
   * `latencyMs` undefined: no response (timeout, connection error, dropped), counted as an error only.
   */
  settle(route: string, dueSecond: number, endSecond: number, latencyMs: number | undefined, error: boolean): void {
    const s = this.openSecond(dueSecond);
    s.outstanding--;
    if (error) s.errors++;
    let r = this.routes.get(route);
    if (!r) this.routes.set(route, (r = { histogram: newHistogram(), requests: 0, errors: 0 }));
    r.requests++;
    if (error) r.errors++;
    if (latencyMs !== undefined) {
      const micros = Math.max(1, Math.round(latencyMs * 1000));
      this.overall.recordValue(micros);
      r.histogram.recordValue(micros);
      (s.histogram ??= newHistogram()).recordValue(micros);
      s.responses++;
      this.completedBySecond.set(endSecond, (this.completedBySecond.get(endSecond) ?? 0) + 1);
    }
    // The schedule has moved past this second and nothing in it is pending: nothing more can come.
    if (s.outstanding === 0 && dueSecond < this.latestDueSecond) this.close(dueSecond, s);
  }

  /** Latency of the responses so far. */
  summary(): LatencySummary {
    return summarise(this.overall);
  }

  byRoute(): Record<string, RouteStats> {
    return Object.fromEntries([...this.routes].map(([name, r]) => [name, { requests: r.requests, errors: r.errors, ...summarise(r.histogram) }]));
  }

  /** Every second from 0 to the last one anything happened in, in order; call once all requests settled. */
  series(): SecondStats[] {
    for (const [second, s] of this.open) this.close(second, s);
    const last = Math.max(-1, ...this.closed.keys(), ...this.completedBySecond.keys());
    const out: SecondStats[] = [];
    for (let second = 0; second <= last; second++) {
      const s = this.closed.get(second) ?? { second, targetRps: 0, completedRps: 0, responses: 0, errors: 0, ...summarise(newHistogram()) };
      out.push({ ...s, completedRps: this.completedBySecond.get(second) ?? 0 });
    }
    return out;
  }

  private openSecond(second: number): OpenSecond {
    let s = this.open.get(second);
    if (!s) this.open.set(second, (s = { histogram: undefined, due: 0, outstanding: 0, responses: 0, errors: 0 }));
    return s;
  }

  private close(second: number, s: OpenSecond): void {
    this.closed.set(second, { second, targetRps: s.due, completedRps: 0, responses: s.responses, errors: s.errors, ...summarise(s.histogram ?? newHistogram()) });
    s.histogram?.destroy();
    this.open.delete(second);
  }
}
