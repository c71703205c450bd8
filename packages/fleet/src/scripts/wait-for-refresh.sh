# shellcheck shell=bash
# Waits, on the machine running `pulumi up`, for the instance refresh that a new launch template
# version started: Pulumi's Auto Scaling group only starts it and returns. Prints each change of
# its status; exits 0 when it succeeded (or when no refresh was started for this version, as on
# the group's creation), 1 when it failed, was cancelled or rolled back, or after the timeout.
# Rendered by refreshWaitScript (refresh-wait.ts): the header, then this file. It needs the AWS
# CLI v2 with the credentials Pulumi uses (AWS_PROFILE or AWS_ACCESS_KEY_ID in the environment).
# Environment override, for tests: AWS_CLI (default aws), POLL_SECONDS (default 15).
set -euo pipefail

# The header: the group, its Region, the launch template version the refresh rolls out, and
# how many minutes to wait for it.
: "${group:?}" "${region:?}" "${version:?}" "${timeout_minutes:?}"

aws_cli="${AWS_CLI:-aws}"
poll_seconds="${POLL_SECONDS:-15}"
export AWS_PAGER=""
deadline=$((SECONDS + timeout_minutes * 60))

# "id<TAB>status<TAB>percent<TAB>reason" of the newest refresh rolling out $version, or "None".
newest_refresh() {
  "$aws_cli" autoscaling describe-instance-refreshes --region "$region" --auto-scaling-group-name "$group" --max-records 20 \
    --query "InstanceRefreshes[?DesiredConfiguration.LaunchTemplate.Version=='$version'] | [0].[InstanceRefreshId,Status,PercentageComplete,StatusReason]" \
    --output text
}

last=""
while :; do
  line="$(newest_refresh)"
  if [ "$line" = "None" ] || [ -z "$line" ]; then
    echo "wait-for-refresh: no instance refresh of $group rolls out launch template version $version; nothing to wait for"
    exit 0
  fi
  IFS=$'\t' read -r id status percent reason <<<"$line"
  if [ "$status $percent" != "$last" ]; then
    echo "wait-for-refresh: $group refresh $id: $status, ${percent:-0} % done${reason:+ ($reason)}"
    last="$status $percent"
  fi
  case "$status" in
    Successful) exit 0 ;;
    Failed | Cancelled | RollbackSuccessful | RollbackFailed)
      echo "wait-for-refresh: the refresh ended $status; the group runs the previous version where it rolled back. See: aws autoscaling describe-instance-refreshes --region $region --auto-scaling-group-name $group" >&2
      exit 1 ;;
  esac
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "wait-for-refresh: still $status after $timeout_minutes minutes; it goes on in AWS. Follow it with: aws autoscaling describe-instance-refreshes --region $region --auto-scaling-group-name $group" >&2
    exit 1
  fi
  sleep "$poll_seconds"
done
