/**
 * `pnpm loadtest`: the command line over runLoad. Exit 0 PASS, 1 FAIL (or a run that could not
 * finish), 2 a wrong command line (nothing sent).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { planLoad, runLoad, LoadOptionsError, type LoadOptions, type LoadResult, type Progress } from "./run";
import { renderReport } from "./report";
import { DEFAULT_TRAFFIC_MODEL, PROFILE_NAMES, PROFILES, resolveProfile, SERIES_DAU, type ProfileName, type RouteSpec } from "./traffic-model";

/** A wrong command line: printed with the usage, exit 2. */
export class UsageError extends Error {}

function profileLines(): string[] {
  return PROFILE_NAMES.map((name) => {
    const r = resolveProfile(name);
    const users = r.dau === undefined ? "fixed" : `DAU ${r.dau.toLocaleString("en-US")}`;
    return `    ${name.padEnd(7)}${users.padEnd(12)}${`${r.peakRps.toFixed(1)} req/s`.padEnd(13)}${formatSeconds(r.seconds).padEnd(7)}${PROFILES[name].description}`;
  });
}

export function usage(): string {
  const m = DEFAULT_TRAFFIC_MODEL;
  return `usage: pnpm loadtest --target URL --profile smoke|load|soak|stress [options]
  Open-model load: requests leave on a schedule whatever the target does, and each latency is
  measured from the request's scheduled send time, so a stall shows in the percentiles.

  --target URL                 your deployment, http:// or https:// (required; no default)
  --profile NAME               smoke, load, soak or stress (required)
  --dau N                      daily active users the rate is derived from (load, soak: ${SERIES_DAU.average}; stress: ${SERIES_DAU.stress})
  --duration D                 run length, e.g. 90s, 10m, 1h (default: the profile's; at most 24h)
  --requests-per-user N        API requests a daily user makes a day (default ${m.requestsPerUserPerDay})
  --peak-hour-factor F         share of a day's requests in its busiest hour, 1/24 to 1 (default ${m.peakHourFactor})
  --mix FILE                   the request mix, JSON [{ name, method, path, weight, body? }] ({user} is replaced)
  --max-requests N             send at most N requests (default: what the schedule holds)
  --max-in-flight N            requests open at once before a due one is dropped as an error (default 1000)
  --timeout-ms N               a request without its full response after N ms is an error (default 10000)
  --p99-ms N                   PASS needs p99 <= N ms (default 500, the series' target)
  --max-error-rate F           PASS needs errors/requests <= F (default 0.001, 0.1 %)
  --allow-rate-above-profile   allow a peak rate above the profile's own (a higher --dau or model)
  --json FILE                  write the result as JSON ("-": stdout, the table then goes to stderr)
  --report FILE                an HTML (.html) or SVG (.svg) report: latency percentiles and throughput over time
  --ca FILE                    PEM certificates to trust for an https target
  --header "NAME: VALUE"       an extra request header (repeatable)
  --progress-every D           progress line interval when stderr is not a terminal (default 10s)
  --dry-run                    print the schedule and exit 0, sending nothing

  profiles (peak rate = DAU x requests per user x peak-hour factor / 3600 s; with the defaults):
${profileLines().join("\n")}

  exit codes: 0 PASS, 1 FAIL (p99 or error rate over the limit, or the run could not finish), 2 wrong command line`;
}

/** "90", "90s", "500ms", "10m", "1h" to seconds. */
export function parseDuration(flag: string, value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (!match) throw new UsageError(`${flag} ${value}: not a duration; allowed: a number with ms, s, m or h, e.g. 90s, 10m, 1h`);
  const factor = { ms: 0.001, s: 1, m: 60, h: 3600 }[match[2] ?? "s"]!;
  const seconds = Number(match[1]) * factor;
  if (seconds <= 0) throw new UsageError(`${flag} ${value}: allowed: longer than 0 s`);
  return seconds;
}

function parseNumber(flag: string, value: string | undefined, allowed: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n)) throw new UsageError(`${flag} ${value}: not a number; allowed: ${allowed}`);
  return n;
}

function readText(flag: string, file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw new UsageError(`${flag} ${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

export interface CliArguments {
  options: LoadOptions;
  jsonFile: string | undefined;
  reportFile: string | undefined;
  progressEverySeconds: number;
  dryRun: boolean;
}

export function parseCommandLine(argv: readonly string[]): CliArguments | "help" {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv.filter((arg) => arg !== "--"),
      strict: true,
      allowPositionals: false,
      options: {
        help: { type: "boolean", short: "h" },
        target: { type: "string" },
        profile: { type: "string" },
        dau: { type: "string" },
        duration: { type: "string" },
        "requests-per-user": { type: "string" },
        "peak-hour-factor": { type: "string" },
        mix: { type: "string" },
        "max-requests": { type: "string" },
        "max-in-flight": { type: "string" },
        "timeout-ms": { type: "string" },
        "p99-ms": { type: "string" },
        "max-error-rate": { type: "string" },
        "allow-rate-above-profile": { type: "boolean" },
        json: { type: "string" },
        report: { type: "string" },
        ca: { type: "string" },
        header: { type: "string", multiple: true },
        "progress-every": { type: "string" },
        "dry-run": { type: "boolean" },
      },
    });
  } catch (error) {
    // node:util's own messages name the option ("Unknown option '--rate'", "Option '--dau <value>' argument missing").
    throw new UsageError((error as Error).message.split(". To specify")[0]!);
  }
  const v = parsed.values;
  if (v.help) return "help";
  if (v.target === undefined) throw new UsageError("--target is required: the URL of your deployment, e.g. --target http://203.0.113.10 (there is no default)");
  if (v.profile === undefined) throw new UsageError(`--profile is required; allowed: ${PROFILE_NAMES.join(", ")}`);
  if (!(PROFILE_NAMES as readonly string[]).includes(v.profile)) throw new UsageError(`--profile ${v.profile}: unknown; allowed: ${PROFILE_NAMES.join(", ")}`);
  if (v.report !== undefined && !/\.(html|svg)$/i.test(v.report)) throw new UsageError(`--report ${v.report}: allowed: a file name ending in .html or .svg`);
  let mix: RouteSpec[] | undefined;
  if (v.mix !== undefined) {
    try {
      mix = JSON.parse(readText("--mix", v.mix)) as RouteSpec[];
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw new UsageError(`--mix ${v.mix}: not JSON (${(error as Error).message}); allowed: [{ "name", "method", "path", "weight", "body"? }]`);
    }
  }
  const headers: Record<string, string> = {};
  for (const header of v.header ?? []) {
    const at = header.indexOf(":");
    if (at <= 0) throw new UsageError(`--header ${header}: allowed: "NAME: VALUE", e.g. --header "Host: api.example.com"`);
    headers[header.slice(0, at).trim().toLowerCase()] = header.slice(at + 1).trim();
  }
  const model = {
    ...(v["requests-per-user"] !== undefined ? { requestsPerUserPerDay: parseNumber("--requests-per-user", v["requests-per-user"], "requests a daily user makes a day, above 0") } : {}),
    ...(v["peak-hour-factor"] !== undefined ? { peakHourFactor: parseNumber("--peak-hour-factor", v["peak-hour-factor"], "a fraction from 1/24 (0.0417) to 1") } : {}),
    ...(mix !== undefined ? { mix } : {}),
  };
  const options: LoadOptions = {
    target: v.target,
    profile: v.profile as ProfileName,
    dau: parseNumber("--dau", v.dau, "a whole number of daily users, at least 1"),
    seconds: v.duration === undefined ? undefined : parseDuration("--duration", v.duration),
    model,
    maxRequests: parseNumber("--max-requests", v["max-requests"], "a whole number, at least 1"),
    maxInFlight: parseNumber("--max-in-flight", v["max-in-flight"], "a whole number, at least 1"),
    timeoutMs: parseNumber("--timeout-ms", v["timeout-ms"], "milliseconds, above 0"),
    p99Ms: parseNumber("--p99-ms", v["p99-ms"], "milliseconds, above 0"),
    maxErrorRate: parseNumber("--max-error-rate", v["max-error-rate"], "a fraction from 0 to 1"),
    allowRateAboveProfile: v["allow-rate-above-profile"] === true,
    ca: v.ca === undefined ? undefined : readText("--ca", v.ca),
    headers,
  };
  try {
    planLoad(options);
  } catch (error) {
    if (error instanceof LoadOptionsError) throw new UsageError(error.message);
    throw error;
  }
  return {
    options,
    jsonFile: v.json,
    reportFile: v.report,
    progressEverySeconds: v["progress-every"] === undefined ? 10 : parseDuration("--progress-every", v["progress-every"]),
    dryRun: v["dry-run"] === true,
  };
}

export function formatSeconds(seconds: number): string {
  if (seconds < 60 || !Number.isInteger(seconds)) return `${Number(seconds.toFixed(3))}s`;
  const parts = [[Math.floor(seconds / 3600), "h"], [Math.floor((seconds % 3600) / 60), "m"], [seconds % 60, "s"]] as const;
  return parts.filter(([n]) => n > 0).map(([n, unit]) => `${n}${unit}`).join("");
}

/** What the run will do, in one line: printed before it starts. */
export function describePlan(options: LoadOptions): string {
  const plan = planLoad(options);
  const seconds = plan.stages.reduce((total, s) => total + s.seconds, 0);
  const shape = plan.stages.map((s) => (s.fromRps === s.toRps ? `${s.toRps.toFixed(1)}/s for ${formatSeconds(s.seconds)}` : `${s.fromRps.toFixed(1)} -> ${s.toRps.toFixed(1)}/s over ${formatSeconds(s.seconds)}`)).join(", then ");
  const users = plan.dau === undefined ? "a fixed rate" : `DAU ${plan.dau.toLocaleString("en-US")} x ${plan.model.requestsPerUserPerDay} requests x ${plan.model.peakHourFactor} in the peak hour / 3600 s = ${plan.peakRps.toFixed(1)} requests/s at peak`;
  return `loadtest ${options.profile} -> ${plan.url.href}: ${users}; ${shape} (${formatSeconds(seconds)})`;
}

const pct = (rate: number) => `${(rate * 100).toFixed(2)} %`;

export function progressLine(p: Progress): string {
  return `${p.elapsedS.toFixed(0).padStart(5)} s  target ${p.targetRps.toFixed(1)}/s  done ${p.completedRps.toFixed(1)}/s  in flight ${p.inFlight}  p50 ${p.p50Ms.toFixed(1)}  p95 ${p.p95Ms.toFixed(1)}  p99 ${p.p99Ms.toFixed(1)} ms  errors ${p.errors}/${p.requests}`;
}

/** The final table. */
export function renderSummary(result: LoadResult): string {
  const rows: string[][] = [["route", "requests", "errors", "p50 ms", "p95 ms", "p99 ms", "max ms"]];
  for (const [name, r] of Object.entries(result.byRoute)) rows.push([name, String(r.requests), String(r.errors), r.p50Ms.toFixed(1), r.p95Ms.toFixed(1), r.p99Ms.toFixed(1), r.maxMs.toFixed(1)]);
  rows.push(["all", String(result.requests), String(result.errors), result.p50Ms.toFixed(1), result.p95Ms.toFixed(1), result.p99Ms.toFixed(1), result.maxMs.toFixed(1)]);
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  const out = rows.map((row) => "  " + row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  "));
  out.push(
    "",
    `  rate: ${result.achievedRps} responses/s achieved, ${result.targetRps}/s scheduled on average (peak ${result.peakTargetRps}/s), over ${result.elapsedS} s`,
    `  errors: ${result.errors} of ${result.requests} (${pct(result.errorRate)})${Object.keys(result.errorKinds).length ? ": " + Object.entries(result.errorKinds).map(([k, n]) => `${k} ${n}`).join(", ") : ""}`,
    `  in flight at most ${result.maxInFlight} (limit ${result.inFlightLimit}, ${result.dropped} dropped); latency from the scheduled send time; generator lag at most ${result.maxSendLagMs.toFixed(1)} ms`,
  );
  if (result.kneeRps !== null) out.push(`  knee: p99 stayed above ${result.thresholds.p99Ms} ms from ${result.kneeRps} requests/s`);
  for (const w of result.warnings) out.push(`  warning: ${w}`);
  const against = `p99 <= ${result.thresholds.p99Ms} ms, error rate <= ${pct(result.thresholds.maxErrorRate)}`;
  out.push(`verdict: ${result.verdict} (${against})${result.reasons.length ? ": " + result.reasons.join("; ") : ""}`);
  return out.join("\n");
}

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** stderr is a terminal: the progress line is redrawn in place every second */
  tty: boolean;
  signal?: AbortSignal;
}

/** `pnpm loadtest` as a function: its exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let args;
  try {
    args = parseCommandLine(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`loadtest: ${error.message}\n(pnpm loadtest --help for the options)\n`);
      return 2;
    }
    throw error;
  }
  if (args === "help") {
    io.stdout(`${usage()}\n`);
    return 0;
  }
  const table = args.jsonFile === "-" ? io.stderr : io.stdout;
  table(`${describePlan(args.options)}\n`);
  if (args.dryRun) return 0;
  const result = await runLoad({
    ...args.options,
    signal: io.signal,
    progressEveryMs: io.tty ? 1000 : args.progressEverySeconds * 1000,
    onProgress: (p) => io.stderr(io.tty ? `\r${progressLine(p)}\x1b[K` : `${progressLine(p)}\n`),
  });
  if (io.tty) io.stderr("\n");
  table(`${renderSummary(result)}\n`);
  if (args.jsonFile === "-") io.stdout(`${JSON.stringify(result, null, 2)}\n`);
  else if (args.jsonFile !== undefined) writeFileSync(args.jsonFile, `${JSON.stringify(result, null, 2)}\n`);
  if (args.reportFile !== undefined) writeFileSync(args.reportFile, renderReport(result, args.reportFile.toLowerCase().endsWith(".html") ? "html" : "svg"));
  return result.verdict === "PASS" ? 0 : 1;
}
