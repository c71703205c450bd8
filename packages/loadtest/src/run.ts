/**
 * runLoad: one open-model run against a target, the object `pnpm loadtest --json` prints.
 * Requests leave on the schedule whatever the target does; concurrency is whatever the schedule
 * and the target's latency make it, up to `maxInFlight`, past which a due request is dropped and
 * counted as an error (never queued: a queue would hide the stall it waits out).
 */
import { Pool } from "undici";
import { arrivalOffsetsMs, rateAt, runSchedule, scheduledCount, expectedRequests, scheduleSeconds, REAL_CLOCK, type Clock } from "./schedule";
import { LatencyRecorder, type LatencySummary, type RouteStats, type SecondStats } from "./statistics";
import { DEFAULT_TRAFFIC_MODEL, PROFILES, SERIES_TARGET_P99_MS, resolveProfile, type ProfileName, type RouteSpec, type Stage, type TrafficModel } from "./traffic-model";

/** A setting runLoad refuses; the message names the command-line flag, the value and what is allowed. */
export class LoadOptionsError extends Error {}

export interface LoadOptions {
  /** the base URL, http:// or https://; no default */
  target: string;
  profile: ProfileName;
  /** the DAU the rate is derived from (default: the profile's, SERIES_DAU) */
  dau?: number;
  /** run length in seconds (default: the profile's) */
  seconds?: number;
  /** requests per user per day, peak-hour factor, mix (default DEFAULT_TRAFFIC_MODEL) */
  model?: Partial<TrafficModel>;
  /** never more requests than this (default: what the schedule holds) */
  maxRequests?: number;
  /** requests in flight at once before a due one is dropped as an error (default 1000) */
  maxInFlight?: number;
  /** a request without a full response after this long is an error (default 10,000 ms) */
  timeoutMs?: number;
  /** PASS needs p99 at most this (default 500 ms, the series' target) */
  p99Ms?: number;
  /** PASS needs errors / requests at most this (default 0.001) */
  maxErrorRate?: number;
  /** a peak rate above the profile's own (its DAU with the default model) is refused without it */
  allowRateAboveProfile?: boolean;
  /** PEM certificates to trust for an https target, instead of the system's */
  ca?: string;
  /** extra request headers (e.g. Host) */
  headers?: Record<string, string>;
  /** seed of the route and user choice: the same seed sends the same sequence */
  seed?: number;
  /** called every progressEveryMs (default 1000) while the schedule runs */
  onProgress?: (progress: Progress) => void;
  progressEveryMs?: number;
  /** stops scheduling; requests in flight still end (bounded by timeoutMs) */
  signal?: AbortSignal;
  clock?: Clock;
}

export interface Progress {
  elapsedS: number;
  /** the schedule's rate now */
  targetRps: number;
  /** responses a second over the last interval */
  completedRps: number;
  inFlight: number;
  requests: number;
  errors: number;
  /** of every response so far */
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
}

export type Verdict = "PASS" | "FAIL";

/** What `pnpm loadtest --json` prints. */
export interface LoadResult extends LatencySummary {
  tool: "trafficlab-loadtest";
  target: string;
  profile: ProfileName;
  /** the DAU the rate came from; null for smoke */
  dau: number | null;
  model: { requestsPerUserPerDay: number; peakHourFactor: number; mix: RouteSpec[] };
  stages: Stage[];
  startedAt: string;
  /** from the first due time to the last request's end */
  elapsedS: number;
  /** requests due and sent (or dropped) */
  requests: number;
  /** requests that got a response, of any status */
  responses: number;
  /** status >= 400, timeouts, connection errors and drops */
  errors: number;
  errorRate: number;
  /** errors by kind: "http 503", "timeout", "dropped: in-flight limit", an error code */
  errorKinds: Record<string, number>;
  statusCodes: Record<string, number>;
  /** responses per second over elapsedS */
  achievedRps: number;
  /** the schedule's mean rate: requests scheduled / its seconds */
  targetRps: number;
  /** the schedule's highest rate */
  peakTargetRps: number;
  /** requests the schedule held; `requests` is less when maxRequests or a stop cut it short */
  scheduledRequests: number;
  maxInFlight: number;
  inFlightLimit: number;
  dropped: number;
  /** the latest a request left after its due time: the generator's own lag (included in the latencies) */
  maxSendLagMs: number;
  stoppedEarly: boolean;
  thresholds: { p99Ms: number; maxErrorRate: number };
  verdict: Verdict;
  /** why FAIL, or what to mistrust about a PASS */
  reasons: string[];
  warnings: string[];
  /** the target rate of the first of three seconds in a row whose p99 is above thresholds.p99Ms; null if none */
  kneeRps: number | null;
  byRoute: Record<string, RouteStats>;
  /** one entry a second of the run, by the second requests were due in (completedRps: by the second they ended) */
  series: SecondStats[];
}

const DEFAULTS = { maxInFlight: 1000, timeoutMs: 10_000, maxErrorRate: 0.001, progressEveryMs: 1000, seed: 1 } as const;
/** No run is longer than a day, whatever the flags say: every run is bounded in time. */
export const MAX_SECONDS = 24 * 3600;

function check(condition: boolean, message: string): void {
  if (!condition) throw new LoadOptionsError(message);
}

const isWhole = (n: unknown, min: number) => typeof n === "number" && Number.isInteger(n) && n >= min;
const isPositive = (n: unknown) => typeof n === "number" && Number.isFinite(n) && n > 0;

/** Refuses what the run must not start with; returns the parsed target. */
export function validateLoadOptions(options: LoadOptions): URL {
  check(typeof options.target === "string" && options.target.length > 0, "--target is required: the URL of your deployment, e.g. --target http://203.0.113.10 (there is no default)");
  let url: URL;
  try {
    url = new URL(options.target);
  } catch {
    throw new LoadOptionsError(`--target ${options.target}: not a URL; allowed: an http:// or https:// URL, e.g. http://203.0.113.10`);
  }
  check(url.protocol === "http:" || url.protocol === "https:", `--target ${options.target}: the scheme ${url.protocol.slice(0, -1)} is refused; allowed: http or https`);
  check((PROFILES as Record<string, unknown>)[options.profile] !== undefined, `--profile ${options.profile}: unknown; allowed: ${Object.keys(PROFILES).join(", ")}`);
  if (options.dau !== undefined) {
    check(options.profile !== "smoke", `--dau ${options.dau}: the smoke profile's rate is fixed; allowed: --dau with load, soak or stress`);
    check(isWhole(options.dau, 1), `--dau ${options.dau}: allowed: a whole number of daily users, at least 1`);
  }
  if (options.seconds !== undefined) check(isPositive(options.seconds) && options.seconds <= MAX_SECONDS, `--duration ${options.seconds}s: allowed: more than 0 s, at most ${MAX_SECONDS / 3600} h`);
  if (options.maxRequests !== undefined) check(isWhole(options.maxRequests, 1), `--max-requests ${options.maxRequests}: allowed: a whole number, at least 1`);
  if (options.maxInFlight !== undefined) check(isWhole(options.maxInFlight, 1), `--max-in-flight ${options.maxInFlight}: allowed: a whole number, at least 1`);
  if (options.timeoutMs !== undefined) check(isPositive(options.timeoutMs) && options.timeoutMs <= 600_000, `--timeout-ms ${options.timeoutMs}: allowed: more than 0, at most 600000`);
  if (options.p99Ms !== undefined) check(isPositive(options.p99Ms), `--p99-ms ${options.p99Ms}: allowed: a number of milliseconds above 0`);
  if (options.maxErrorRate !== undefined) check(typeof options.maxErrorRate === "number" && options.maxErrorRate >= 0 && options.maxErrorRate <= 1, `--max-error-rate ${options.maxErrorRate}: allowed: a fraction from 0 to 1 (0.001 is 0.1 %)`);
  const model = options.model ?? {};
  if (model.requestsPerUserPerDay !== undefined) check(isPositive(model.requestsPerUserPerDay), `--requests-per-user ${model.requestsPerUserPerDay}: allowed: a number of requests a daily user makes a day, above 0`);
  if (model.peakHourFactor !== undefined) check(typeof model.peakHourFactor === "number" && model.peakHourFactor >= 1 / 24 - 1e-9 && model.peakHourFactor <= 1, `--peak-hour-factor ${model.peakHourFactor}: allowed: the share of a day's requests in its busiest hour, from 1/24 (0.0417, flat) to 1`);
  if (model.mix !== undefined) {
    check(Array.isArray(model.mix) && model.mix.length > 0, "--mix: allowed: a non-empty JSON array of routes { name, method, path, weight, body? }");
    for (const [i, route] of model.mix.entries()) {
      check(typeof route.name === "string" && route.name.length > 0, `--mix route ${i}: name is missing; allowed: a non-empty string`);
      check(["GET", "POST", "PUT", "PATCH", "DELETE"].includes(route.method), `--mix route ${route.name}: method ${route.method}; allowed: GET, POST, PUT, PATCH, DELETE`);
      check(typeof route.path === "string" && route.path.startsWith("/"), `--mix route ${route.name}: path ${route.path}; allowed: a path starting with /`);
      check(isPositive(route.weight), `--mix route ${route.name}: weight ${route.weight}; allowed: a number above 0`);
      check(route.body === undefined || typeof route.body === "string", `--mix route ${route.name}: body; allowed: a string (JSON text)`);
    }
  }
  return url;
}

/** A small seeded generator (mulberry32): the same seed gives the same routes and users. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The arrival schedule the options ask for, checked against the profile's own rate. */
export function planLoad(options: LoadOptions): { url: URL; model: TrafficModel; stages: Stage[]; peakRps: number; profileRps: number; dau: number | undefined } {
  const url = validateLoadOptions(options);
  const model: TrafficModel = { ...DEFAULT_TRAFFIC_MODEL, ...options.model };
  const resolved = resolveProfile(options.profile, { dau: options.dau, seconds: options.seconds, model });
  const raisedBy = [
    options.dau !== undefined ? `--dau ${options.dau}` : "",
    options.model?.requestsPerUserPerDay !== undefined ? `--requests-per-user ${options.model.requestsPerUserPerDay}` : "",
    options.model?.peakHourFactor !== undefined ? `--peak-hour-factor ${options.model.peakHourFactor}` : "",
  ].filter(Boolean);
  check(
    options.allowRateAboveProfile === true || resolved.peakRps <= resolved.profileRps * (1 + 1e-9),
    `${raisedBy.join(" ")}: the ${options.profile} profile would send up to ${resolved.peakRps.toFixed(1)} requests/s, above the ${resolved.profileRps.toFixed(1)}/s of its own DAU ${PROFILES[options.profile].dau} with the default model; allowed: at most that, or add --allow-rate-above-profile to mean it`,
  );
  return { url, model, stages: resolved.stages, peakRps: resolved.peakRps, profileRps: resolved.profileRps, dau: resolved.dau };
}

/** Runs the load; resolves with the result whatever the verdict. Throws LoadOptionsError before sending anything. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { url, model, stages, peakRps, dau } = planLoad(options);
  const clock = options.clock ?? REAL_CLOCK;
  const timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
  const inFlightLimit = options.maxInFlight ?? DEFAULTS.maxInFlight;
  const p99Limit = options.p99Ms ?? SERIES_TARGET_P99_MS;
  const maxErrorRate = options.maxErrorRate ?? DEFAULTS.maxErrorRate;
  const scheduled = scheduledCount(stages);
  const maxRequests = Math.min(scheduled, options.maxRequests ?? scheduled);
  const random = seededRandom(options.seed ?? DEFAULTS.seed);
  const users = dau ?? 1000;
  const totalWeight = model.mix.reduce((sum, r) => sum + r.weight, 0);
  const basePath = url.pathname.replace(/\/$/, "");
  const pool = new Pool(url.origin, {
    connections: inFlightLimit,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    connect: options.ca ? { ca: options.ca, servername: url.hostname } : {},
  });

  const recorder = new LatencyRecorder();
  const errorKinds: Record<string, number> = {};
  const statusCodes: Record<string, number> = {};
  const countError = (kind: string) => (errorKinds[kind] = (errorKinds[kind] ?? 0) + 1);
  let inFlight = 0;
  let maxInFlight = 0;
  let requests = 0;
  let errors = 0;
  let dropped = 0;
  let responses = 0;
  let lastEnd = 0;
  const pending = new Set<Promise<void>>();
  const startedAt = new Date();
  const start = clock.now();
  const secondOf = (t: number) => Math.max(0, Math.floor((t - start) / 1000));

  const pickRoute = (): RouteSpec => {
    let x = random() * totalWeight;
    for (const route of model.mix) if ((x -= route.weight) < 0) return route;
    return model.mix[model.mix.length - 1]!;
  };

  const fire = (dueAt: number): void => {
    requests++;
    const route = pickRoute();
    const user = String(1 + Math.floor(random() * users));
    const dueSecond = secondOf(dueAt);
    recorder.due(dueSecond);
    if (inFlight >= inFlightLimit) {
      dropped++;
      errors++;
      countError("dropped: in-flight limit");
      recorder.settle(route.name, dueSecond, secondOf(clock.now()), undefined, true);
      return;
    }
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const body = route.body?.replaceAll("{user}", user);
    const request = pool
      .request({
        path: basePath + route.path.replaceAll("{user}", user),
        method: route.method,
        headers: { ...(body !== undefined ? { "content-type": "application/json" } : {}), ...options.headers },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      })
      .then(
        async (response) => {
          await response.body.dump({ limit: Number.MAX_SAFE_INTEGER });
          const end = clock.now();
          const failed = response.statusCode >= 400;
          statusCodes[response.statusCode] = (statusCodes[response.statusCode] ?? 0) + 1;
          responses++;
          if (failed) {
            errors++;
            countError(`http ${response.statusCode}`);
          }
          recorder.settle(route.name, dueSecond, secondOf(end), end - dueAt, failed);
          lastEnd = Math.max(lastEnd, end);
        },
        (error: Error & { code?: string }) => {
          const end = clock.now();
          errors++;
          countError(error.name === "TimeoutError" || error.name === "AbortError" ? "timeout" : (error.code ?? error.name));
          recorder.settle(route.name, dueSecond, secondOf(end), undefined, true);
          lastEnd = Math.max(lastEnd, end);
        },
      )
      .finally(() => {
        inFlight--;
        pending.delete(request);
      });
    pending.add(request);
  };

  let lastProgress = { at: start, responses: 0 };
  const progressTimer = options.onProgress
    ? setInterval(() => {
        const now = clock.now();
        const latency = recorder.summary();
        options.onProgress!({
          elapsedS: (now - start) / 1000,
          targetRps: rateAt(stages, (now - start) / 1000),
          completedRps: ((responses - lastProgress.responses) * 1000) / Math.max(1, now - lastProgress.at),
          inFlight,
          requests,
          errors,
          p50Ms: latency.p50Ms,
          p95Ms: latency.p95Ms,
          p99Ms: latency.p99Ms,
        });
        lastProgress = { at: now, responses };
      }, options.progressEveryMs ?? DEFAULTS.progressEveryMs)
    : undefined;

  let schedule;
  try {
    schedule = await runSchedule({ offsetsMs: arrivalOffsetsMs(stages, maxRequests), clock, fire, shouldStop: () => options.signal?.aborted === true });
    // Every request ends by its timeout, so this wait is bounded too.
    while (pending.size > 0) await Promise.allSettled([...pending]);
  } finally {
    if (progressTimer) clearInterval(progressTimer);
    await pool.close();
  }

  const latency = recorder.summary();
  const series = recorder.series();
  const seconds = scheduleSeconds(stages);
  // A run that was not stopped lasts its schedule at least, though its last request is due earlier.
  const elapsedS = Math.max(schedule.stopped ? 0 : seconds, (Math.max(lastEnd, clock.now()) - start) / 1000);
  const errorRate = requests === 0 ? 0 : errors / requests;
  const reasons: string[] = [];
  if (responses === 0) reasons.push("no request got a response");
  if (latency.p99Ms > p99Limit) reasons.push(`p99 ${latency.p99Ms} ms is above ${p99Limit} ms`);
  if (errorRate > maxErrorRate) reasons.push(`error rate ${(errorRate * 100).toFixed(2)} % is above ${(maxErrorRate * 100).toFixed(2)} %`);
  const warnings: string[] = [];
  if (schedule.maxLagMs > Math.min(50, p99Limit / 10)) warnings.push(`the load generator sent a request ${Math.round(schedule.maxLagMs)} ms after its due time (this machine was busy): the latencies include that lag`);
  if (schedule.stopped) warnings.push(`stopped early: ${requests} of ${scheduled} scheduled requests sent`);
  if (maxRequests < scheduled) warnings.push(`--max-requests ${maxRequests} cut the schedule of ${scheduled} requests short`);
  const verdict: Verdict = reasons.length === 0 ? "PASS" : "FAIL";

  return {
    tool: "trafficlab-loadtest",
    target: url.href,
    profile: options.profile,
    dau: dau ?? null,
    model: { requestsPerUserPerDay: model.requestsPerUserPerDay, peakHourFactor: model.peakHourFactor, mix: [...model.mix] },
    stages,
    startedAt: startedAt.toISOString(),
    elapsedS: round(elapsedS, 3),
    requests,
    responses,
    errors,
    errorRate: round(errorRate, 6),
    errorKinds,
    statusCodes,
    ...latency,
    achievedRps: round(elapsedS > 0 ? responses / elapsedS : 0, 2),
    targetRps: round(expectedRequests(stages) / seconds, 2),
    peakTargetRps: round(peakRps, 2),
    scheduledRequests: scheduled,
    maxInFlight,
    inFlightLimit,
    dropped,
    maxSendLagMs: round(schedule.maxLagMs, 3),
    stoppedEarly: schedule.stopped,
    thresholds: { p99Ms: p99Limit, maxErrorRate },
    verdict,
    reasons,
    warnings,
    kneeRps: kneeOf(series, p99Limit),
    byRoute: recorder.byRoute(),
    series,
  };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** The target rate where p99 first stays above the limit for three seconds in a row. */
export function kneeOf(series: readonly SecondStats[], p99Limit: number): number | null {
  for (let i = 0; i + 2 < series.length; i++) {
    if ([0, 1, 2].every((d) => series[i + d]!.responses > 0 && series[i + d]!.p99Ms > p99Limit)) return series[i]!.targetRps;
  }
  return null;
}
