// The load tester as a library: runLoad returns what `pnpm loadtest --json` prints; the traffic
// model is the one `pnpm plan`'s capacity line uses.
export { runLoad, planLoad, validateLoadOptions, kneeOf, LoadOptionsError, MAX_SECONDS, type LoadOptions, type LoadResult, type Progress, type Verdict } from "./run";
export { arrivalOffsetsMs, rateAt, runSchedule, scheduledCount, scheduleSeconds, REAL_CLOCK, type Clock, type ScheduleRun } from "./schedule";
export { LatencyRecorder, newHistogram, summarise, type LatencySummary, type RouteStats, type SecondStats } from "./statistics";
export {
  DEFAULT_MIX,
  DEFAULT_TRAFFIC_MODEL,
  PROFILES,
  PROFILE_NAMES,
  SERIES_DAU,
  SERIES_TARGET_P99_MS,
  SMOKE_RPS,
  instancesFor,
  peakRps,
  resolveProfile,
  type ProfileName,
  type ProfileSpec,
  type ResolvedProfile,
  type RouteSpec,
  type Stage,
  type TrafficModel,
} from "./traffic-model";
