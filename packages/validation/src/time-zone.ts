/**
 * Whether `zone` is an IANA time zone name as written, e.g. `Asia/Seoul` or `UTC`: the form
 * MySQL's `time_zone` and a container's `TZ` take. Uses Intl.DateTimeFormat, which exists in
 * every ES2020 runtime (Intl.supportedValuesOf needs ES2022 typings in a consumer's project),
 * and refuses a spelling it only accepts by ignoring case: MySQL does not take `asia/seoul`.
 * Links such as `US/Pacific` resolve to another name and are accepted.
 */
export function isTimeZone(zone: unknown): zone is string {
  if (typeof zone !== "string" || zone.length === 0) return false;
  try {
    const resolved = new Intl.DateTimeFormat("en-US", { timeZone: zone }).resolvedOptions().timeZone;
    return resolved === zone || resolved.toLowerCase() !== zone.toLowerCase();
  } catch {
    return false;
  }
}
