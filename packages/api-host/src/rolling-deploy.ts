import { createHash } from "node:crypto";
import { InvalidArgumentError, requireIntegerInRange, requirePinnedImage } from "@trafficlab/validation";
import { DEPLOY_SCRIPT_DEFAULTS } from "./deploy-scripts";
import { shellQuote } from "./shell-quote";
import { SCRIPT_PRELUDE, hostLockSection, requireHostPath } from "./script-prelude";

/** How errors from rollingDeployScript and rollingTeardownScript name their source. */
export const ROLLING_DEPLOY = "@trafficlab/api-host rollingDeployScript";
/** How errors from renderContainerEnvFile name their source. */
export const CONTAINER_ENV_FILE = "@trafficlab/api-host renderContainerEnvFile";

export const ROLLING_DEPLOY_DEFAULTS = {
  projectDir: DEPLOY_SCRIPT_DEFAULTS.projectDir,
  /** Created by the script when missing; nginx joins it as an external network. */
  network: "trafficlab-api",
  /** Containers are `<prefix>-blue` and `<prefix>-green`; nginx reaches them by these names. */
  containerPrefix: "trafficlab-api",
  /** `docker run --env-file` format (renderContainerEnvFile), mode 600, relative to projectDir. */
  envFile: "api.env",
  /** Mounted into nginx at /etc/nginx/trafficlab/upstream.conf with the rest of ./nginx. */
  upstreamFile: "nginx/upstream.conf",
  /** active-color, current-image and previous-image, one file each. */
  stateDir: ".deploy",
  apiPort: 8080,
  healthPath: "/actuator/health",
  healthTimeoutSeconds: 300,
  pollSeconds: 2,
  /** Longer than a typical API request, so nginx's old workers finish theirs on the old container. */
  drainSeconds: 15,
  /** Time `docker stop` gives the old container (Spring's graceful shutdown waits up to 30 s). */
  stopTimeoutSeconds: 30,
  proxyService: "nginx",
  proxyConfigPath: "/etc/nginx/trafficlab/nginx.conf",
  lockFile: DEPLOY_SCRIPT_DEFAULTS.lockFile,
  lockTimeoutSeconds: DEPLOY_SCRIPT_DEFAULTS.lockTimeoutSeconds,
  logLines: DEPLOY_SCRIPT_DEFAULTS.logLines,
  /** Spring Boot takes a while to start on a micro host; start_period covers it. */
  healthcheck: { interval: "10s", timeout: "5s", retries: 6, start_period: "90s" },
  logging: { "max-size": "10m", "max-file": "5" },
} as const;

export interface RollingDeployOptions {
  /** `user/image:tag` or a digest reference. Required; `latest` and untagged are refused. */
  image: string;
  /** Directory of the compose project (nginx) and of the env, upstream and state files. Default `/opt/trafficlab`. */
  projectDir?: string;
  /** Seconds the new container has to become healthy. Default 300. */
  healthTimeoutSeconds?: number;
  /** Seconds between two health checks of the new container. Default 2. */
  pollSeconds?: number;
  /** Seconds between the nginx reload and stopping the old container. Default 15. */
  drainSeconds?: number;
  /** Seconds `docker stop` waits before killing the old container. Default 30. */
  stopTimeoutSeconds?: number;
  /** Docker network shared by the API containers and nginx. Default `trafficlab-api`. */
  network?: string;
  /** Container names are `<prefix>-blue` / `<prefix>-green`. Default `trafficlab-api`. */
  containerPrefix?: string;
  /** Non-secret variables, passed as `--env` (they are in the script text). Default none. */
  environment?: Record<string, string>;
  /** The secrets, in `docker run --env-file` format, relative to projectDir. Default `api.env`. */
  envFile?: string;
  /**
   * Write the script's stdin to the env file first (mode 600, atomically, under the deploy lock),
   * so the step that deploys the secrets is the one that carries them: a new password changes
   * its input and so re-runs it. Default false: the env file must already exist.
   */
  envFromStdin?: boolean;
  /** The file nginx includes in its upstream block, relative to projectDir. Default `nginx/upstream.conf`. */
  upstreamFile?: string;
  /** Where the deploy state is kept, relative to projectDir. Default `.deploy`. */
  stateDir?: string;
  /** Port the API listens on. Default 8080. */
  apiPort?: number;
  /** Path the container healthcheck requests. Default `/actuator/health`. */
  healthPath?: string;
  /** Compose service of nginx. Default `nginx`. */
  proxyService?: string;
  /** nginx.conf inside the nginx container. Default `/etc/nginx/trafficlab/nginx.conf`. */
  proxyConfigPath?: string;
  /** The host-wide deploy lock, shared with composeUpScript. Default `/var/lock/trafficlab-deploy.lock`. */
  lockFile?: string;
  /** Seconds to wait for another deploy to release the lock. Default 900. */
  lockTimeoutSeconds?: number;
}

export interface RollingTeardownOptions {
  projectDir?: string;
  network?: string;
  containerPrefix?: string;
  stateDir?: string;
  lockFile?: string;
  lockTimeoutSeconds?: number;
}

const HOST_PATH = /^\/[A-Za-z0-9._/-]+$/;
const RELATIVE_PATH = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;
// Docker's rule for container and network names; short enough for `-green` to fit.
const DOCKER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,56}$/;
const COMPOSE_SERVICE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const VARIABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;

function requireRelativePath(argument: string, value: string): string {
  if (typeof value === "string" && RELATIVE_PATH.test(value) && !value.split("/").some((part) => part === ".." || part === ".")) return value;
  throw new InvalidArgumentError(ROLLING_DEPLOY, argument, value, "Allowed: a path inside the project directory, of letters, digits, '.', '_', '-' and '/', e.g. api.env.");
}

function requireDockerName(argument: string, value: string): string {
  if (typeof value === "string" && DOCKER_NAME.test(value)) return value;
  throw new InvalidArgumentError(ROLLING_DEPLOY, argument, value, "Allowed: 1 to 57 letters, digits, '_', '.' and '-', starting with a letter or digit.");
}

function requireSeconds(argument: string, value: number, min: number, max: number): number {
  return requireIntegerInRange(ROLLING_DEPLOY, argument, value, min, max);
}

/**
 * Rolls the API onto `image` with no downtime, blue/green behind nginx, under the host-wide
 * deploy lock:
 * 1. the active color is the one the upstream file names (else the one in `.deploy/active-color`);
 * 2. nothing to do when that container runs the same image, env file and settings and is healthy;
 * 3. the other color starts beside it (`docker run`, no published port, `--restart no` while on
 *    probation) on the shared network;
 * 4. it must become healthy within the timeout; if it turns unhealthy, stops or times out, the
 *    script prints its last log lines, removes it and exits 1: the old container and nginx are
 *    untouched;
 * 5. the upstream file is replaced atomically, `nginx -t`, then a graceful `nginx -s reload`
 *    (the file is put back when nginx refuses it);
 * 6. after `drainSeconds` the old container is stopped and removed; its image stays on the host;
 * 7. the state is recorded and `previous-image=<ref>` printed (parsePreviousImage reads it).
 * Rolling back is running it again with the previous image.
 */
export function rollingDeployScript(options: RollingDeployOptions): string {
  const d = ROLLING_DEPLOY_DEFAULTS;
  const image = requirePinnedImage(ROLLING_DEPLOY, "image", options.image);
  const projectDir = requireHostPath(ROLLING_DEPLOY, "projectDir", options.projectDir ?? d.projectDir);
  const healthTimeout = requireSeconds("healthTimeoutSeconds", options.healthTimeoutSeconds ?? d.healthTimeoutSeconds, 1, 3600);
  const poll = requireSeconds("pollSeconds", options.pollSeconds ?? d.pollSeconds, 1, 60);
  const drain = requireSeconds("drainSeconds", options.drainSeconds ?? d.drainSeconds, 0, 3600);
  const stopTimeout = requireSeconds("stopTimeoutSeconds", options.stopTimeoutSeconds ?? d.stopTimeoutSeconds, 0, 3600);
  const network = requireDockerName("network", options.network ?? d.network);
  const prefix = requireDockerName("containerPrefix", options.containerPrefix ?? d.containerPrefix);
  const envFile = requireRelativePath("envFile", options.envFile ?? d.envFile);
  const upstreamFile = requireRelativePath("upstreamFile", options.upstreamFile ?? d.upstreamFile);
  const stateDir = requireRelativePath("stateDir", options.stateDir ?? d.stateDir);
  const apiPort = requireIntegerInRange(ROLLING_DEPLOY, "apiPort", options.apiPort ?? d.apiPort, 1, 65535);
  const healthPath = options.healthPath ?? d.healthPath;
  if (!/^\/[A-Za-z0-9._~/%?=&+-]*$/.test(healthPath)) {
    throw new InvalidArgumentError(ROLLING_DEPLOY, "healthPath", healthPath, "Allowed: a URI path starting with /, of letters, digits and . _ ~ / % ? = & + -, e.g. /actuator/health.");
  }
  const proxyService = options.proxyService ?? d.proxyService;
  if (!COMPOSE_SERVICE.test(proxyService)) {
    throw new InvalidArgumentError(ROLLING_DEPLOY, "proxyService", proxyService, "Allowed: a compose service name of letters, digits, _, . and -, starting with a letter or digit.");
  }
  const proxyConfigPath = options.proxyConfigPath ?? d.proxyConfigPath;
  if (!HOST_PATH.test(proxyConfigPath)) {
    throw new InvalidArgumentError(ROLLING_DEPLOY, "proxyConfigPath", proxyConfigPath, "Allowed: an absolute path of letters, digits, _, ., - and /.");
  }
  const lockFile = requireHostPath(ROLLING_DEPLOY, "lockFile", options.lockFile ?? d.lockFile);
  const lockTimeout = requireSeconds("lockTimeoutSeconds", options.lockTimeoutSeconds ?? d.lockTimeoutSeconds, 1, 86400);
  const environment = Object.entries(options.environment ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [key, value] of environment) {
    if (!VARIABLE.test(key)) {
      throw new InvalidArgumentError(ROLLING_DEPLOY, "environment", key, "Allowed: variable names of letters, digits and '_', not starting with a digit.");
    }
    if (typeof value !== "string" || /[\n\r\0]/.test(value)) {
      throw new InvalidArgumentError(ROLLING_DEPLOY, `environment.${key}`, value, "Allowed: a single-line string.");
    }
  }

  const url = `http://127.0.0.1:${apiPort}${healthPath}`;
  const h = d.healthcheck;
  const runFlags = [
    `--env-file "$env_file"`,
    ...environment.map(([key, value]) => `--env ${shellQuote(`${key}=${value}`)}`),
    `--label trafficlab.role=api --label "trafficlab.color=$color" --label "trafficlab.fingerprint=$fingerprint"`,
    // Same check as the compose service had: JRE images carry wget or curl, rarely both.
    `--health-cmd ${shellQuote(`wget -qO /dev/null '${url}' || curl -fsS -o /dev/null '${url}'`)}`,
    `--health-interval ${h.interval} --health-timeout ${h.timeout} --health-retries ${h.retries} --health-start-period ${h.start_period}`,
    `--log-driver json-file --log-opt max-size=${d.logging["max-size"]} --log-opt max-file=${d.logging["max-file"]}`,
  ];
  const run = `as_root docker run --detach --name "$new" --network "$network" --restart no \\\n  ${runFlags.join(" \\\n  ")} \\\n  "$image" >/dev/null`;
  // What the container is made of besides the image and the env file: a change rolls it out.
  const specHash = createHash("sha256").update(`${image}\n${network}\n${apiPort}\n${run}`).digest("hex");
  const compose = `as_root docker compose exec -T ${proxyService} nginx`;

  return `#!/usr/bin/env bash
# Rolls the API in ${projectDir} onto ${image}: blue/green behind nginx, no request dropped.
${SCRIPT_PRELUDE}
${hostLockSection("rolling-deploy", lockFile, lockTimeout)}
cd ${shellQuote(projectDir)}
image=${shellQuote(image)}
network=${shellQuote(network)}
prefix=${shellQuote(prefix)}
env_file=${shellQuote(envFile)}
upstream_file=${shellQuote(upstreamFile)}
state_dir=${shellQuote(stateDir)}
spec_hash=${specHash}
${options.envFromStdin ? `# The env file comes on stdin: never in the script, a command line or a log.
env_tmp="$(umask 077 && as_root mktemp "$env_file.XXXXXX")"
trap 'as_root rm -f "$env_tmp"' EXIT
as_root tee "$env_tmp" >/dev/null
as_root chmod 600 "$env_tmp"
as_root mv -f "$env_tmp" "$env_file"
trap - EXIT
` : ""}[ -f "$env_file" ] || { printf 'rolling-deploy: %s/%s is missing; not starting\\n' "$(pwd)" "$env_file" >&2; exit 1; }

# "status|health|exit code|fingerprint|image" of a container; fails when there is none.
container_info() {
  as_root docker inspect --type container --format '{{.State.Status}}|{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}|{{.State.ExitCode}}|{{index .Config.Labels "trafficlab.fingerprint"}}|{{.Config.Image}}' "$1" 2>/dev/null
}

state_value() {
  if [ -f "$state_dir/$1" ]; then cat "$state_dir/$1"; fi
}

# A temporary file in the same directory, then a rename: nginx never reads half a file.
replace_file() {
  local path=$1 content=$2 directory tmp
  directory="$(dirname "$path")"
  as_root install -d -m 0755 "$directory" || return 1
  tmp="$(as_root mktemp "$directory/.$(basename "$path").XXXXXX")" || return 1
  printf '%s\\n' "$content" | as_root tee "$tmp" >/dev/null || return 1
  as_root chmod 644 "$tmp" || return 1
  as_root mv -f "$tmp" "$path"
}

upstream_for() {
  printf '# Written by @trafficlab/api-host rollingDeployScript: where nginx sends API traffic.\\nserver %s:%s;' "$1" ${apiPort}
}

# 0: nginx runs, 1: it does not (it reads the upstream file when it starts), 2: compose cannot tell.
proxy_running() {
  local ids
  ids="$(as_root docker compose ps --status running --quiet ${proxyService})" || return 2
  [ -n "$ids" ]
}

# Points nginx at container $1: writes the upstream file, then nginx -t and a graceful reload
# (old workers finish their requests). When nginx refuses, the old file is put back.
point_proxy_at() {
  local container=$1 wanted before="" had_file=0 running=0
  wanted="$(upstream_for "$container")"
  if [ -f "$upstream_file" ]; then
    had_file=1
    before="$(cat "$upstream_file")"
  fi
  if [ "$had_file" = 1 ] && [ "$before" = "$wanted" ]; then
    echo "rolling-deploy: nginx already sends traffic to $container"
    return 0
  fi
  proxy_running || running=$?
  if [ "$running" = 2 ]; then
    echo "rolling-deploy: docker compose cannot tell whether ${proxyService} runs; not switching" >&2
    return 1
  fi
  replace_file "$upstream_file" "$wanted" || return 1
  if [ "$running" = 1 ]; then
    echo "rolling-deploy: ${proxyService} is not running; it sends traffic to $container when it starts"
    return 0
  fi
  if ${compose} -t -c ${proxyConfigPath} && ${compose} -s reload -c ${proxyConfigPath}; then
    echo "rolling-deploy: nginx reloaded; new requests go to $container"
    return 0
  fi
  echo "rolling-deploy: nginx refused the switch to $container; putting $upstream_file back" >&2
  if [ "$had_file" = 1 ]; then replace_file "$upstream_file" "$before" || true; else as_root rm -f "$upstream_file" || true; fi
  return 1
}

# The active color is the one nginx is pointed at; the state file only when the upstream file names none.
active_color=""
if [ -f "$upstream_file" ]; then
  pattern='^server (.+)-(blue|green):[0-9]+;$'
  while IFS= read -r line || [ -n "$line" ]; do
    if [[ $line =~ $pattern ]] && [ "\${BASH_REMATCH[1]}" = "$prefix" ]; then active_color="\${BASH_REMATCH[2]}"; fi
  done <"$upstream_file"
fi
if [ -z "$active_color" ]; then active_color="$(state_value active-color)"; fi
case "$active_color" in
  blue | green | "") ;;
  *)
    echo "rolling-deploy: ignoring unknown active color '$active_color' in $state_dir/active-color" >&2
    active_color="" ;;
esac

old="" old_info="" old_image=""
if [ -n "$active_color" ]; then
  if old_info="$(container_info "$prefix-$active_color")"; then
    old="$prefix-$active_color"
  else
    echo "rolling-deploy: $prefix-$active_color, the active color, has no container"
  fi
fi

if ! as_root docker image inspect --format '{{.Id}}' "$image" >/dev/null 2>&1; then
  echo "rolling-deploy: $image is not on the host; pulling it"
  as_root docker pull --quiet "$image" >/dev/null
fi
image_id="$(as_root docker image inspect --format '{{.Id}}' "$image")"
env_sum="$(as_root sha256sum "$env_file")"
fingerprint="$(printf '%s\\n' "$spec_hash" "\${env_sum%% *}" "$image_id" | sha256sum)"
fingerprint="\${fingerprint%% *}"
previous_recorded="$(state_value previous-image)"

if [ -n "$old" ]; then
  IFS='|' read -r old_status old_health _ old_fingerprint old_image <<<"$old_info"
  if [ "$old_status" = running ] && [ "$old_health" = healthy ] && [ "$old_fingerprint" = "$fingerprint" ]; then
    echo "rolling-deploy: $old already runs $image with this env file and is healthy; nothing to roll"
    point_proxy_at "$old" || exit 1
    printf 'previous-image=%s\\n' "$previous_recorded"
    exit 0
  fi
fi

if [ "$active_color" = blue ]; then color=green; else color=blue; fi
new="$prefix-$color"
if container_info "$new" >/dev/null; then
  echo "rolling-deploy: removing $new, left over from an earlier deploy (nginx does not send traffic to it)"
  as_root docker rm --force "$new" >/dev/null
fi
if ! as_root docker network inspect "$network" >/dev/null 2>&1; then
  as_root docker network create "$network" >/dev/null
  echo "rolling-deploy: created network $network"
fi

switched=0
# Until nginx sends traffic to it, a failed or interrupted deploy removes the new container.
remove_new_container() {
  if [ "$switched" = 0 ]; then
    as_root docker rm --force "$new" >/dev/null 2>&1 || true
    echo "rolling-deploy: removed $new; nginx still sends traffic to \${old:-no container}" >&2
  fi
}
trap remove_new_container EXIT

echo "rolling-deploy: starting $new from $image beside \${old:-no running API container}"
${run}

deadline=$((SECONDS + ${healthTimeout}))
while :; do
  info="$(container_info "$new")" || info="missing|none|?||"
  IFS='|' read -r status health exit_code _ _ <<<"$info"
  failure=""
  case "$status/$health" in
    running/healthy) break ;;
    running/unhealthy) failure="became unhealthy" ;;
    running/* | created/*) ;;
    *) failure="stopped (state $status, exit code $exit_code)" ;;
  esac
  if [ -z "$failure" ] && [ "$SECONDS" -ge "$deadline" ]; then failure="did not become healthy within ${healthTimeout} s (health: $health)"; fi
  if [ -n "$failure" ]; then
    echo "rolling-deploy: $new $failure; not switching" >&2
    echo "== last ${d.logLines} log lines of $new ==" >&2
    as_root docker logs --tail ${d.logLines} "$new" >&2 || true
    exit 1
  fi
  sleep ${poll}
done
# Restarts only once it has proven healthy: a crash on probation must show as a stop, not a loop.
as_root docker update --restart unless-stopped "$new" >/dev/null
echo "rolling-deploy: $new is healthy"

point_proxy_at "$new" || exit 1
switched=1
trap - EXIT

# The last image that differs from this one, so a redeploy of the same image keeps the rollback target.
candidate="\${old_image:-$(state_value current-image)}"
if [ -n "$candidate" ] && [ "$candidate" != "$image" ]; then previous_image="$candidate"; else previous_image="$previous_recorded"; fi
replace_file "$state_dir/active-color" "$color"
replace_file "$state_dir/current-image" "$image"
replace_file "$state_dir/previous-image" "$previous_image"

if [ -n "$old" ]; then
  echo "rolling-deploy: waiting ${drain} s for requests in flight on $old"
  sleep ${drain}
  as_root docker stop -t ${stopTimeout} "$old" >/dev/null
  as_root docker rm "$old" >/dev/null
  echo "rolling-deploy: stopped and removed $old; its image $old_image stays on the host for a rollback"
fi
echo "rolling-deploy: $new serves $image"
printf 'previous-image=%s\\n' "$previous_image"
`;
}

/**
 * Removes both API containers, their network and the deploy state, under the deploy lock
 * (for `pulumi destroy`, after `docker compose down` has removed nginx). Images stay.
 */
export function rollingTeardownScript(options: RollingTeardownOptions = {}): string {
  const d = ROLLING_DEPLOY_DEFAULTS;
  const projectDir = requireHostPath(ROLLING_DEPLOY, "projectDir", options.projectDir ?? d.projectDir);
  const network = requireDockerName("network", options.network ?? d.network);
  const prefix = requireDockerName("containerPrefix", options.containerPrefix ?? d.containerPrefix);
  const stateDir = requireRelativePath("stateDir", options.stateDir ?? d.stateDir);
  const lockFile = requireHostPath(ROLLING_DEPLOY, "lockFile", options.lockFile ?? d.lockFile);
  const lockTimeout = requireSeconds("lockTimeoutSeconds", options.lockTimeoutSeconds ?? d.lockTimeoutSeconds, 1, 86400);
  return `#!/usr/bin/env bash
# Removes the API containers ${prefix}-blue and ${prefix}-green, network ${network} and the deploy state.
${SCRIPT_PRELUDE}
${hostLockSection("rolling-teardown", lockFile, lockTimeout)}
for container in ${shellQuote(`${prefix}-blue`)} ${shellQuote(`${prefix}-green`)}; do
  if as_root docker inspect --type container "$container" >/dev/null 2>&1; then
    as_root docker rm --force "$container" >/dev/null
    echo "rolling-teardown: removed $container"
  fi
done
network=${shellQuote(network)}
if as_root docker network inspect "$network" >/dev/null 2>&1; then
  as_root docker network rm "$network" >/dev/null || echo "rolling-teardown: network $network is still in use; left in place" >&2
fi
as_root rm -rf ${shellQuote(`${projectDir}/${stateDir}`)}
echo "rolling-teardown: API containers removed; their images stay on the host"
`;
}

/** The image the last rolling deploy replaced, from its output; undefined on a first deploy. */
export function parsePreviousImage(stdout: string): string | undefined {
  const matches = [...stdout.matchAll(/^previous-image=(.*)$/gm)];
  const last = matches.at(-1)?.[1]?.trim();
  return last ? last : undefined;
}

/**
 * The API's env file for `docker run --env-file`: one `KEY=value` line per entry, sorted by key.
 * Docker takes everything after the first `=` literally (no quotes, no `$`), unlike compose's
 * `.env` format, whose quotes docker would pass on as part of the value.
 */
export function renderContainerEnvFile(variables: Record<string, string>): string {
  const lines = Object.keys(variables)
    .sort()
    .map((key) => {
      if (!VARIABLE.test(key)) {
        throw new InvalidArgumentError(CONTAINER_ENV_FILE, "key", key, "Allowed: a variable name of letters, digits and '_', not starting with a digit, e.g. SPRING_DATASOURCE_PASSWORD.");
      }
      const value = variables[key];
      const hidden = "<value not shown>";
      if (typeof value !== "string") {
        throw new InvalidArgumentError(CONTAINER_ENV_FILE, key, typeof value, "Allowed: a string value.");
      }
      if (/[\n\r\0]/.test(value)) {
        throw new InvalidArgumentError(CONTAINER_ENV_FILE, key, hidden, "Allowed: a single line; the value contains a newline, carriage return or NUL.");
      }
      // Docker refuses an env file that is not valid UTF-8; a lone surrogate would become one.
      if (Buffer.from(value, "utf8").toString("utf8") !== value) {
        throw new InvalidArgumentError(CONTAINER_ENV_FILE, key, hidden, "Allowed: valid Unicode text (the value has a lone surrogate).");
      }
      return `${key}=${value}`;
    });
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}
