# shellcheck shell=bash
# Boots one fleet instance as root, until a boot completes: the single host's steps, in its order, from files
# cloud-init wrote. Reads the API's secrets from Parameter Store (SecureString, decrypted with
# the instance role), installs Docker, pulls the images and hands the secrets as the env file on
# stdin to the blue/green deploy, which writes it with mode 600; then starts nginx.
# Rendered by renderBootScript (user-data.ts): the header, then this file. A systemd unit runs
# it after cloud-init has finished, because install-docker.sh waits for cloud-init.
# Environment overrides, for tests: AWS_CLI (default aws, a stand-in for the AWS CLI), CURL
# (default curl, for the instance metadata), PARAMETER_ATTEMPTS (default 30) and
# PARAMETER_RETRY_SECONDS (default 10).
set -euo pipefail

# The header: the compose project's directory (scripts in its bin/), the file written when a
# boot completed, the Region of the parameters, the registry password's parameter ('' for none), the parameter versions this
# launch template version was made for (logged; a new version is what rolls the fleet).
: "${project_dir:?}" "${done_marker:?}" "${region:?}" "${registry_password_parameter?}" "${secret_versions?}"
# The array of `VARIABLE /parameter/name`: what goes into the env file, maybe empty.
# shellcheck disable=SC2154 # an array of the header: set -u stops the script when it is missing
: "${#secret_parameters[@]}"
# The metrics agent's prometheus.yml ('' for no metrics), and the text in it that becomes the instance's id.
: "${metrics_config?}" "${instance_id_placeholder:?}"

bin="$project_dir/bin"
aws_cli="${AWS_CLI:-aws}"
curl_cli="${CURL:-curl}"
attempts="${PARAMETER_ATTEMPTS:-30}"
retry_seconds="${PARAMETER_RETRY_SECONDS:-10}"
export AWS_PAGER=""
log() { printf 'boot: %s\n' "$*"; }

# read_parameter NAME: its decrypted value on stdout. The instance's credentials can lag its
# start by a few seconds, so a failure is retried (for about five minutes by default).
read_parameter() {
  local name=$1 attempt
  for attempt in $(seq 1 "$attempts"); do
    if "$aws_cli" ssm get-parameter --region "$region" --name "$name" --with-decryption --query Parameter.Value --output text; then
      return 0
    fi
    log "cannot read $name yet (attempt $attempt of $attempts); retrying in $retry_seconds s" >&2
    sleep "$retry_seconds"
  done
  return 1
}

# The env file, one `VARIABLE=value` line per secret, on stdout only: never a file, an argument
# or a log line.
env_file_from_parameters() {
  local entry variable name value
  for entry in ${secret_parameters[@]+"${secret_parameters[@]}"}; do
    variable="${entry%% *}"
    name="${entry#* }"
    value="$(read_parameter "$name")" || { log "gave up reading $name from Parameter Store" >&2; return 1; }
    case "$value" in
      *$'\n'* | *$'\r'*) log "$name holds a line break, which an env file line cannot carry" >&2; return 1 ;;
    esac
    printf '%s=%s\n' "$variable" "$value"
  done
}

# The instance's id, from the metadata service (IMDSv2: a session token first).
instance_id() {
  local token
  token="$("$curl_cli" -fsS -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' http://169.254.169.254/latest/api/token)" || return 1
  "$curl_cli" -fsS -H "X-aws-ec2-metadata-token: $token" http://169.254.169.254/latest/meta-data/instance-id
}

# A reboot cut the first boot short: every step below is idempotent, so it starts over. Once
# one boot completed, Docker restarts the API and nginx by their restart policies.
if [ -e "$done_marker" ]; then
  log "the first boot completed earlier ($done_marker); nothing to do"
  exit 0
fi

log "secrets at parameter versions: ${secret_versions:-none}"
# All of them first, before anything is installed or pulled: a missing or unreadable secret
# fails the boot at once, and a deploy never starts on half an env file.
log "reading the API's secrets from Parameter Store"
env_file="$(env_file_from_parameters)"

log "installing Docker"
"$bin/install-docker.sh"

log "pulling the images"
if [ -n "$registry_password_parameter" ]; then
  registry_password="$(read_parameter "$registry_password_parameter")" || { log "gave up reading $registry_password_parameter from Parameter Store" >&2; exit 1; }
  printf '%s\n' "$registry_password" | "$bin/pull-images.sh"
else
  "$bin/pull-images.sh" </dev/null
fi

log "starting the API with its secrets"
printf '%s\n' "$env_file" | "$bin/rolling-deploy.sh"

log "starting nginx"
"$bin/compose-up.sh"

if [ -n "$metrics_config" ]; then
  # Every series carries the instance it came from: container addresses repeat across instances.
  # The API serves without the agent, so a failure here is logged, not fatal (ApiAbsent and
  # TargetDown in the workspace show what is missing).
  if id="$(instance_id)"; then
    sed -i "s/$instance_id_placeholder/$id/" "$metrics_config"
    log "starting the metrics agent (instance $id)"
    "$bin/metrics-up.sh" || log "the metrics agent did not start; the API serves without it" >&2
  else
    log "cannot read the instance id from the metadata service; the metrics agent is not started" >&2
  fi
fi
touch "$done_marker"
log "done: nginx answers on port 80"
