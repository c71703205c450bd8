# shellcheck shell=bash
# Boots one fleet instance as root, until a boot completes: the single host's steps, in its order, from files
# cloud-init wrote. Reads the API's secrets from Parameter Store (SecureString, decrypted with
# the instance role), installs Docker, pulls the images and hands the secrets as the env file on
# stdin to the blue/green deploy, which writes it with mode 600; then starts nginx.
# Rendered by renderBootScript (user-data.ts): the header, then this file. A systemd unit runs
# it after cloud-init has finished, because install-docker.sh waits for cloud-init.
# Environment overrides, for tests: AWS_CLI (default aws, a stand-in for the AWS CLI),
# PARAMETER_ATTEMPTS (default 30) and PARAMETER_RETRY_SECONDS (default 10).
set -euo pipefail

# The header: the compose project's directory (scripts in its bin/), the file written when a
# boot completed, the Region of the parameters, the registry password's parameter ('' for none), the parameter versions this
# launch template version was made for (logged; a new version is what rolls the fleet).
: "${project_dir:?}" "${done_marker:?}" "${region:?}" "${registry_password_parameter?}" "${secret_versions?}"
# The array of `VARIABLE /parameter/name`: what goes into the env file, maybe empty.
# shellcheck disable=SC2154 # an array of the header: set -u stops the script when it is missing
: "${#secret_parameters[@]}"

bin="$project_dir/bin"
aws_cli="${AWS_CLI:-aws}"
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
touch "$done_marker"
log "done: nginx answers on port 80"
