import { runLoad, type LoadOptions, type LoadResult } from "@trafficlab/loadtest";

/**
 * The load tester's stress profile against a deployment in the e2e world: the accounts its mix
 * logs in as, a ramp that stops itself once the target is clearly past its knee, and a line of
 * numbers for the run's output. Every run is bounded in requests and time.
 */

/** The stress DAU of the series (seed/initial-infra.md); the load tester's users are 1..DAU. */
export const STRESS_DAU = 45_000;

/** The accounts the default mix sends (packages/loadtest DEFAULT_MIX): user{n}, load-test-{n}, load-test-refresh-{n}. */
export const FIXTURES = { users: STRESS_DAU, email: "user{n}@trafficlab.invalid", password: "load-test-{n}", refreshToken: "load-test-refresh-{n}" };

/**
 * The stand-in's fixture and stall controls answer only to 127.0.0.1 inside its container:
 * a shell line that runs `docker exec <container> curl` on the host with the JSON on stdin.
 */
export function controlScript(container: string, path: "/e2e/fixtures" | "/e2e/stall"): string {
  return `docker exec -i ${container} curl -sS --fail-with-body -X POST -H 'content-type: application/json' --data-binary @- http://127.0.0.1:8080${path}`;
}

export interface RampOptions {
  target: string;
  /** the ramp's highest rate */
  peakRps: number;
  /** the ramp's length (3/4 ramp, 1/4 hold, as the stress profile) */
  seconds: number;
  /** never more requests than this */
  maxRequests: number;
  log: (line: string) => void;
}

/**
 * The stress profile (DAU 45,000) with requests per user raised so that its peak is `peakRps`:
 * the arrival rate the ramp reaches, with the mix and the users of the stress DAU. It stops
 * scheduling 4 s after the target has had more requests in flight than a second of arrivals for
 * 3 s in a row (each then waits for about a second: far past 500 ms), so the overload it causes is short; the
 * requests in flight still end, bounded by the load tester's timeout.
 */
export async function rampToKnee(options: RampOptions): Promise<LoadResult> {
  const abort = new AbortController();
  let overloadedAt: number | undefined;
  let overloadedTicks = 0;
  const requestsPerUserPerDay = (options.peakRps * 3600) / (STRESS_DAU * 0.1);
  const load: LoadOptions = {
    target: options.target,
    profile: "stress",
    dau: STRESS_DAU,
    seconds: options.seconds,
    model: { requestsPerUserPerDay, peakHourFactor: 0.1 },
    allowRateAboveProfile: true,
    maxRequests: options.maxRequests,
    timeoutMs: 10_000,
    signal: abort.signal,
    progressEveryMs: 1000,
    onProgress: (p) => {
      // Three ticks in a row: a generator that was itself held up (a busy machine) sends its late
      // requests in a burst, which a target below its knee clears within a second.
      overloadedTicks = p.inFlight > Math.max(50, p.targetRps) ? overloadedTicks + 1 : 0;
      if (overloadedAt === undefined && p.elapsedS > 3 && overloadedTicks >= 3) {
        overloadedAt = p.elapsedS;
        options.log(`overloaded at ${p.elapsedS.toFixed(0)} s (target ${p.targetRps.toFixed(0)}/s, ${p.inFlight} in flight): stopping the ramp in 4 s`);
      }
      if (overloadedAt !== undefined && p.elapsedS >= overloadedAt + 4) abort.abort();
    },
  };
  return runLoad(load);
}

/**
 * The stress profile (its DAU, 3/4 ramp then hold) with its peak at `peakRps`, or at its own
 * rate (62.5 requests/s, the default model) when that is lower: the rate a deployment must hold.
 */
export function stressAt(target: string, peakRps: number, seconds: number): Promise<LoadResult> {
  const own = (STRESS_DAU * 50 * 0.1) / 3600;
  const requestsPerUserPerDay = (Math.min(own, peakRps) * 3600) / (STRESS_DAU * 0.1);
  return runLoad({ target, profile: "stress", dau: STRESS_DAU, seconds, model: { requestsPerUserPerDay, peakHourFactor: 0.1 }, maxRequests: Math.ceil(own * seconds) + 100 });
}

/** One line of a run's numbers. */
export function describeRun(result: LoadResult): string {
  const f = (n: number) => n.toFixed(0);
  return (
    `${result.verdict}: ${result.requests} requests, ${result.errors} errors (${(result.errorRate * 100).toFixed(2)} %), ` +
    `achieved ${result.achievedRps.toFixed(1)}/s of ${result.targetRps.toFixed(1)}/s scheduled (peak ${result.peakTargetRps.toFixed(0)}/s); ` +
    `p50 ${f(result.p50Ms)} p95 ${f(result.p95Ms)} p99 ${f(result.p99Ms)} max ${f(result.maxMs)} ms; ` +
    `knee ${result.kneeRps === null ? "not reached" : `${result.kneeRps.toFixed(0)} requests/s`}; generator lag at most ${f(result.maxSendLagMs)} ms` +
    (result.stoppedEarly ? "; stopped early" : "") +
    (result.warnings.length > 0 ? `; warnings: ${result.warnings.join("; ")}` : "")
  );
}
