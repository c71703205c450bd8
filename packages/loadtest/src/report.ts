/**
 * The run as a picture: latency percentiles and throughput over time, one SVG (or the same SVG in
 * an HTML page with the table). Self-contained: no script, no font or style from the network.
 */
import type { LoadResult } from "./run";

const WIDTH = 960;
const PANEL = { left: 64, right: 24, height: 220 };
const COLOURS = { p50: "#4c78a8", p95: "#f58518", p99: "#e45756", limit: "#555", target: "#888", completed: "#54a24b", errors: "#e45756" };

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c]!);
}

/** A round axis top at or above `value`: 1, 2 or 5 times a power of ten. */
export function niceCeiling(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((m) => m * power).find((v) => v >= value - 1e-9)!;
}

interface Panel {
  top: number;
  title: string;
  unit: string;
  yMax: number;
  seconds: number;
}

function frame(panel: Panel): string[] {
  const plotWidth = WIDTH - PANEL.left - PANEL.right;
  const out = [`<text x="${PANEL.left}" y="${panel.top - 8}" class="title">${escapeXml(panel.title)}</text>`];
  out.push(`<rect x="${PANEL.left}" y="${panel.top}" width="${plotWidth}" height="${PANEL.height}" class="frame"/>`);
  for (let i = 0; i <= 4; i++) {
    const value = (panel.yMax * i) / 4;
    const y = panel.top + PANEL.height - (PANEL.height * i) / 4;
    out.push(`<line x1="${PANEL.left}" x2="${PANEL.left + plotWidth}" y1="${y}" y2="${y}" class="grid"/>`);
    out.push(`<text x="${PANEL.left - 6}" y="${y + 4}" class="axis" text-anchor="end">${Number(value.toPrecision(3))}</text>`);
  }
  const step = niceCeiling(panel.seconds / 8);
  for (let s = 0; s <= panel.seconds; s += step) {
    const x = PANEL.left + (plotWidth * s) / Math.max(1, panel.seconds);
    out.push(`<text x="${x}" y="${panel.top + PANEL.height + 14}" class="axis" text-anchor="middle">${s} s</text>`);
  }
  out.push(`<text x="14" y="${panel.top + PANEL.height / 2}" class="axis" transform="rotate(-90 14 ${panel.top + PANEL.height / 2})" text-anchor="middle">${escapeXml(panel.unit)}</text>`);
  return out;
}

function polyline(panel: Panel, points: [number, number][], colour: string, dashed = false): string {
  const plotWidth = WIDTH - PANEL.left - PANEL.right;
  const xy = points.map(([s, v]) => {
    const x = PANEL.left + (plotWidth * (s + 0.5)) / Math.max(1, panel.seconds);
    const y = panel.top + PANEL.height - (PANEL.height * Math.min(v, panel.yMax)) / panel.yMax;
    return `${x.toFixed(1)},${y.toFixed(1)}`;
  });
  return `<polyline points="${xy.join(" ")}" fill="none" stroke="${colour}" stroke-width="1.8"${dashed ? ' stroke-dasharray="6 4"' : ""}/>`;
}

function legend(x: number, y: number, entries: [string, string, boolean?][]): string[] {
  return entries.map(([label, colour, dashed], i) => {
    const lx = x + i * 150;
    return `<line x1="${lx}" x2="${lx + 24}" y1="${y}" y2="${y}" stroke="${colour}" stroke-width="2"${dashed ? ' stroke-dasharray="6 4"' : ""}/><text x="${lx + 30}" y="${y + 4}" class="axis">${escapeXml(label)}</text>`;
  });
}

/** The SVG: a header with the verdict, latency percentiles a second, throughput a second. */
export function renderSvg(result: LoadResult): string {
  const series = result.series;
  const seconds = Math.max(1, series.length);
  const limit = result.thresholds.p99Ms;
  const latencyTop = 96;
  const throughputTop = latencyTop + PANEL.height + 70;
  const height = throughputTop + PANEL.height + 60;
  const withResponses = series.filter((s) => s.responses > 0);
  const latency: Panel = { top: latencyTop, title: "latency from the scheduled send time, by the second requests were due", unit: "ms", yMax: niceCeiling(Math.max(limit * 1.2, ...withResponses.map((s) => s.p99Ms))), seconds };
  const peak = Math.max(1, ...series.map((s) => Math.max(s.targetRps, s.completedRps, s.errors)));
  const throughput: Panel = { top: throughputTop, title: "requests a second: scheduled, answered, failed", unit: "requests/s", yMax: niceCeiling(peak * 1.1), seconds };
  const plotWidth = WIDTH - PANEL.left - PANEL.right;
  const barWidth = plotWidth / seconds;
  const pct = (rate: number) => `${(rate * 100).toFixed(2)} %`;
  const ms1 = (ms: number) => `${ms.toFixed(1)} ms`;
  const verdictColour = result.verdict === "PASS" ? "#2e7d32" : "#c62828";
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`,
    `<style>.title{font-size:13px;font-weight:bold}.axis{fill:#333;font-size:11px}.frame{fill:#fff;stroke:#999}.grid{stroke:#e5e5e5}</style>`,
    `<rect width="${WIDTH}" height="${height}" fill="#fafafa"/>`,
    `<text x="${PANEL.left}" y="24" font-size="15" font-weight="bold">loadtest ${escapeXml(result.profile)}${result.dau === null ? "" : ` (DAU ${result.dau.toLocaleString("en-US")})`} against ${escapeXml(result.target)}: <tspan fill="${verdictColour}">${result.verdict}</tspan></text>`,
    `<text x="${PANEL.left}" y="44" class="axis">${result.requests} requests in ${result.elapsedS.toFixed(1)} s: ${result.achievedRps}/s answered of ${result.targetRps}/s scheduled on average (peak ${result.peakTargetRps}/s); ${result.errors} errors (${pct(result.errorRate)})</text>`,
    `<text x="${PANEL.left}" y="60" class="axis">p50 ${ms1(result.p50Ms)}, p95 ${ms1(result.p95Ms)}, p99 ${ms1(result.p99Ms)}, max ${ms1(result.maxMs)}; PASS needs p99 &lt;= ${limit} ms and errors &lt;= ${pct(result.thresholds.maxErrorRate)}${result.kneeRps === null ? "" : `; knee at ${result.kneeRps} requests/s`}</text>`,
    ...frame(latency),
    polyline(latency, series.map((s) => [s.second, limit]), COLOURS.limit, true),
    polyline(latency, withResponses.map((s) => [s.second, s.p50Ms]), COLOURS.p50),
    polyline(latency, withResponses.map((s) => [s.second, s.p95Ms]), COLOURS.p95),
    polyline(latency, withResponses.map((s) => [s.second, s.p99Ms]), COLOURS.p99),
    ...legend(PANEL.left, latencyTop + PANEL.height + 34, [["p50", COLOURS.p50], ["p95", COLOURS.p95], ["p99", COLOURS.p99], [`limit ${limit} ms`, COLOURS.limit, true]]),
    ...frame(throughput),
    ...series
      .filter((s) => s.errors > 0)
      .map((s) => {
        const h = (PANEL.height * Math.min(s.errors, throughput.yMax)) / throughput.yMax;
        return `<rect x="${(PANEL.left + barWidth * s.second).toFixed(1)}" y="${(throughputTop + PANEL.height - h).toFixed(1)}" width="${Math.max(1, barWidth - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="${COLOURS.errors}" opacity="0.6"/>`;
      }),
    polyline(throughput, series.map((s) => [s.second, s.targetRps]), COLOURS.target, true),
    polyline(throughput, series.map((s) => [s.second, s.completedRps]), COLOURS.completed),
    ...legend(PANEL.left, throughputTop + PANEL.height + 34, [["scheduled", COLOURS.target, true], ["answered", COLOURS.completed], ["failed (bars)", COLOURS.errors]]),
    `</svg>`,
  ];
  return out.join("\n") + "\n";
}

/** The SVG in a page with the per-route table. */
export function renderHtml(result: LoadResult): string {
  const rows = Object.entries(result.byRoute)
    .map(([name, r]) => `<tr><td>${escapeXml(name)}</td><td>${r.requests}</td><td>${r.errors}</td><td>${r.p50Ms}</td><td>${r.p95Ms}</td><td>${r.p99Ms}</td><td>${r.maxMs}</td></tr>`)
    .join("\n");
  const notes = [...result.reasons, ...result.warnings].map((n) => `<li>${escapeXml(n)}</li>`).join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>loadtest ${escapeXml(result.profile)}: ${result.verdict}</title>
<style>body{font-family:sans-serif;margin:24px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child,th:first-child{text-align:left}</style></head>
<body>
${renderSvg(result)}
<table><tr><th>route</th><th>requests</th><th>errors</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>max ms</th></tr>
${rows}
<tr><th>all</th><th>${result.requests}</th><th>${result.errors}</th><th>${result.p50Ms}</th><th>${result.p95Ms}</th><th>${result.p99Ms}</th><th>${result.maxMs}</th></tr></table>
${notes ? `<ul>${notes}</ul>` : ""}
<p>Started ${escapeXml(result.startedAt)}; latency measured from each request's scheduled send time (open model).</p>
</body></html>
`;
}

export function renderReport(result: LoadResult, format: "svg" | "html"): string {
  return format === "html" ? renderHtml(result) : renderSvg(result);
}
