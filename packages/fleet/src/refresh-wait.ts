import { readFileSync } from "node:fs";
import { join } from "node:path";
import { shellQuote } from "@trafficlab/api-host";
import { InvalidArgumentError, requireIntegerInRange } from "@trafficlab/validation";

/** How errors from the refresh-following functions name their source. */
export const REFRESH_WAIT = "@trafficlab/fleet refreshWaitScript";

const WAIT_SCRIPT_FILE = join(__dirname, "scripts", "wait-for-refresh.sh");
const SHELL_DIRECTIVE = "# shellcheck shell=bash\n";

export interface RefreshWaitOptions {
  /** The Auto Scaling group's name. */
  group: string;
  region: string;
  /** The launch template version the refresh rolls out. */
  version: string;
  timeoutMinutes: number;
}

/** The script `waitForRefresh` runs locally after the group's update: the header, then scripts/wait-for-refresh.sh. */
export function refreshWaitScript(options: RefreshWaitOptions): string {
  if (!/^[\w.+=@/-]{1,255}$/.test(options.group ?? "")) throw new InvalidArgumentError(REFRESH_WAIT, "group", options.group, "Allowed: an Auto Scaling group name.");
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(options.region ?? "")) throw new InvalidArgumentError(REFRESH_WAIT, "region", options.region, "Allowed: an AWS Region such as ap-northeast-2.");
  if (!/^\d+$/.test(options.version ?? "")) throw new InvalidArgumentError(REFRESH_WAIT, "version", options.version, "Allowed: a launch template version number (never $Latest).");
  requireIntegerInRange(REFRESH_WAIT, "timeoutMinutes", options.timeoutMinutes, 1, 240);
  const body = readFileSync(WAIT_SCRIPT_FILE, "utf8");
  if (!body.startsWith(SHELL_DIRECTIVE)) throw new Error(`refreshWaitScript: ${WAIT_SCRIPT_FILE} must start with "${SHELL_DIRECTIVE.trim()}"`);
  const header = [`group=${shellQuote(options.group)}`, `region=${shellQuote(options.region)}`, `version=${shellQuote(options.version)}`, `timeout_minutes=${shellQuote(String(options.timeoutMinutes))}`];
  return `#!/usr/bin/env bash\n# @trafficlab/fleet scripts/wait-for-refresh.sh, rendered with:\n${header.join("\n")}\n\n${body.slice(SHELL_DIRECTIVE.length)}`;
}

/** The command that shows the group's newest instance refresh: how far it got, and why it stopped. */
export function followRefreshCommand(group: string, region: string): string {
  return (
    `aws autoscaling describe-instance-refreshes --region ${region} --auto-scaling-group-name ${group} --max-records 1 ` +
    `--query 'InstanceRefreshes[0].[InstanceRefreshId,Status,PercentageComplete,InstancesToUpdate,StatusReason]' --output table`
  );
}
