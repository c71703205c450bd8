/**
 * The traffic model: from daily active users to an arrival rate and a request mix. The load tester's
 * profiles and `pnpm plan`'s capacity line both use it, so they answer for the same traffic.
 * Figures: ../../../README.md "Does it hold the traffic?" and packages/loadtest/README.md.
 */

/** One kind of request in the mix. `{user}` in the path or body becomes a user number, 1 to the DAU. */
export interface RouteSpec {
  name: string;
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  /** share of the traffic, relative to the other routes' weights */
  weight: number;
  /** a JSON body (sent with content-type application/json) */
  body?: string;
}

export interface TrafficModel {
  /** API requests a daily user makes in a day */
  requestsPerUserPerDay: number;
  /** share of a day's requests that fall in its busiest hour, 1/24 (flat) to 1 */
  peakHourFactor: number;
  mix: readonly RouteSpec[];
}

/**
 * The series' figures (seed/initial-infra.md): average DAU about 25,000, stress-test DAU 45,000,
 * target response time 500 ms.
 */
export const SERIES_DAU = { average: 25_000, stress: 45_000 } as const;
export const SERIES_TARGET_P99_MS = 500;

/**
 * The request mix of a travel planner with JWT access tokens and refresh tokens kept in the
 * cache: a daily user logs in once (1 of 50, 2 %), reissues an access token about twice a day
 * (4 %), mostly reads places and plans (80 %) and edits a plan now and then (14 %).
 */
export const DEFAULT_MIX: readonly RouteSpec[] = [
  { name: "login", method: "POST", path: "/api/auth/login", weight: 2, body: '{"email":"user{user}@trafficlab.invalid","password":"load-test-{user}"}' },
  { name: "token reissue", method: "POST", path: "/api/auth/reissue", weight: 4, body: '{"refreshToken":"load-test-refresh-{user}"}' },
  { name: "read places", method: "GET", path: "/api/places?page=1", weight: 50 },
  { name: "read plan", method: "GET", path: "/api/plans/{user}", weight: 30 },
  { name: "write plan", method: "POST", path: "/api/plans", weight: 14, body: '{"owner":{user},"title":"load test","days":3}' },
];

/**
 * 50 requests a user a day: the figure `pnpm plan` prices data transfer with (packages/plan
 * src/cost.ts SERIES_TRAFFIC). 10 % of a day in its peak hour: 2.4 times the flat average, the
 * usual busy-hour share of an interactive service used in the day and evening of one time zone
 * (all the series' users are in Korea); the seed gives no hourly curve, so this is an assumption,
 * and a setting.
 */
export const DEFAULT_TRAFFIC_MODEL: TrafficModel = { requestsPerUserPerDay: 50, peakHourFactor: 0.1, mix: DEFAULT_MIX };

/** Requests per second in the peak hour of a day with `dau` users. */
export function peakRps(dau: number, model: Pick<TrafficModel, "requestsPerUserPerDay" | "peakHourFactor"> = DEFAULT_TRAFFIC_MODEL): number {
  return (dau * model.requestsPerUserPerDay * model.peakHourFactor) / 3600;
}

/** A stretch of the schedule: the arrival rate goes linearly from `fromRps` to `toRps` over `seconds`. */
export interface Stage {
  seconds: number;
  fromRps: number;
  toRps: number;
}

export const PROFILE_NAMES = ["smoke", "load", "soak", "stress"] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

export interface ProfileSpec {
  description: string;
  /** the DAU the rate is derived from, when --dau is not given; undefined: the rate is fixed (smoke) */
  dau?: number;
  defaultSeconds: number;
  /** the arrival schedule for a run of `seconds` at `rps` (the profile's peak rate) */
  stages(rps: number, seconds: number): Stage[];
}

/** The fixed rate of the smoke profile: enough to touch every route a few times, too little to load anything. */
export const SMOKE_RPS = 2;

export const PROFILES: Readonly<Record<ProfileName, ProfileSpec>> = {
  smoke: { description: `${SMOKE_RPS} requests/s, constant: every route answers`, defaultSeconds: 15, stages: (rps, seconds) => [{ seconds, fromRps: rps, toRps: rps }] },
  load: { description: "the average DAU's peak-hour rate, constant", dau: SERIES_DAU.average, defaultSeconds: 300, stages: (rps, seconds) => [{ seconds, fromRps: rps, toRps: rps }] },
  soak: { description: "the load rate, constant, for long (leaks, pools, GC)", dau: SERIES_DAU.average, defaultSeconds: 3600, stages: (rps, seconds) => [{ seconds, fromRps: rps, toRps: rps }] },
  stress: {
    description: "a ramp from 0 to the stress DAU's peak-hour rate over 3/4 of the run, then that rate held",
    dau: SERIES_DAU.stress,
    defaultSeconds: 600,
    stages: (rps, seconds) => {
      const ramp = (seconds * 3) / 4;
      return [
        { seconds: ramp, fromRps: 0, toRps: rps },
        { seconds: seconds - ramp, fromRps: rps, toRps: rps },
      ];
    },
  },
};

export interface ResolvedProfile {
  profile: ProfileName;
  /** undefined for smoke, whose rate does not depend on users */
  dau: number | undefined;
  /** the profile's highest arrival rate */
  peakRps: number;
  /** the rate the profile's own DAU implies with the default model: above it needs allowRateAboveProfile */
  profileRps: number;
  stages: Stage[];
  seconds: number;
}

/** A profile's schedule for the given DAU, model and duration (the defaults when undefined). */
export function resolveProfile(profile: ProfileName, options: { dau?: number | undefined; seconds?: number | undefined; model?: Pick<TrafficModel, "requestsPerUserPerDay" | "peakHourFactor"> } = {}): ResolvedProfile {
  const spec = PROFILES[profile];
  const seconds = options.seconds ?? spec.defaultSeconds;
  const dau = spec.dau === undefined ? undefined : (options.dau ?? spec.dau);
  const rps = dau === undefined ? SMOKE_RPS : peakRps(dau, options.model);
  const profileRps = spec.dau === undefined ? SMOKE_RPS : peakRps(spec.dau);
  return { profile, dau, peakRps: rps, profileRps, stages: spec.stages(rps, seconds), seconds };
}

/** How many instances serve `rps` when each serves `rpsPerInstance` at full CPU and is kept at `cpuTargetPercent`. */
export function instancesFor(rps: number, rpsPerInstance: number, cpuTargetPercent: number): number {
  // The epsilon keeps 1.8 / (3 x 0.6) = 1.0000000000000002 from asking for a second instance.
  return Math.max(1, Math.ceil(rps / (rpsPerInstance * (cpuTargetPercent / 100)) - 1e-9));
}
