import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { expect } from "chai";
import {
  parsePreviousImage,
  renderContainerEnvFile,
  rollingDeployScript,
  rollingTeardownScript,
  type RollingDeployOptions,
} from "@trafficlab/api-host";
import { createSandbox, findTool, requireTools, stub, type RunResult, type Sandbox } from "./sandbox";

/**
 * A docker CLI that plays containers, images and networks from files under $SANDBOX_STATE:
 * - containers/<name>: `status|health|exit code|fingerprint|image|polls|scenario`. A container
 *   started by `docker run` begins `running`/`starting`; after STUB_SETTLE_POLLS inspections
 *   (default 1) it becomes what STUB_SCENARIO says: `healthy`, `unhealthy`, `crash` (exits with
 *   code 1) or `never-healthy` (stays `starting`). Its health checks' output (`.State.Health.Log`)
 *   follows the scenario.
 * - attached/<name>: one line per network it is on, `<network> <alias>...`, as `docker run
 *   --network` and `docker network connect --alias` make them; inspect answers `.Aliases` per
 *   network from it, with the container's short ID first, as Docker does.
 * - images/<key>: the reference; its ID is the reference's sha256. `image ls <repository>`,
 *   `image rm <id>` (refused while a container uses it) and `image prune` work on them.
 * - timeline: `<ms> <call>` for `network connect`, `rename` and `stop`, and at each stop which containers
 *   answer to which alias: what the drain test reads.
 * Any other call fails with "docker stub: unexpected call", so a command the script should no
 * longer run (nginx -t, a reload, compose exec) fails the deploy.
 */
const DOCKER = stub(
  "docker",
  `s="$SANDBOX_STATE"
mkdir -p "$s/containers" "$s/images" "$s/networks" "$s/attached"
key() { printf '%s' "$1" | tr '/:@' '___'; }
sha() { local sum; sum="$(printf '%s' "$1" | sha256sum)"; printf '%s' "\${sum%% *}"; }
image_id() { echo "sha256:$(sha "$1")"; }
short_id() { sha "container:$1" | head -c 12; }
# The repository of a reference: without its digest or tag (a registry port is not a tag).
repository_of() { local r="\${1%@*}"; if [[ "\${r##*/}" == *:* ]]; then r="\${r%:*}"; fi; printf '%s' "$r"; }
save() { printf '%s|%s|%s|%s|%s|%s|%s\\n' "$status" "$health" "$code" "$fp" "$image" "$polls" "$scenario" >"$s/containers/$name"; }
load() {
  [ -f "$s/containers/$name" ] || { echo "Error: No such container: $name" >&2; exit 1; }
  IFS='|' read -r status health code fp image polls scenario <"$s/containers/$name"
}
now_ms() { local n; n="$(date +%s%N)"; echo "\${n:0:13}"; }
name="\${*: -1}"
case "$*" in
  "inspect --type container --format "*NetworkSettings.Networks*)
    load
    network="\${5#*Networks \\"}"; network="\${network%%\\"*}"
    if [ -f "$s/attached/$name" ]; then
      while read -r net aliases; do
        # Docker adds the short ID on a user-defined network; the default bridge has no aliases.
        if [ "$net" = "$network" ] && [ "$net" != bridge ]; then
          for alias in $(short_id "$name") $aliases; do printf '%s ' "$alias"; done
        fi
      done <"$s/attached/$name"
    fi
    echo ;;
  "inspect --type container --format "*State.Health.Log*)
    load
    case "$scenario" in
      never-healthy) printf '%s\\n' "2026-11-30 04:00:01.5 +0000 UTC exit 7: curl: (7) Failed to connect to 127.0.0.1 port 8080 after 0 ms: Couldn't connect to server" ;;
      unhealthy) printf '%s\\n' "2026-11-30 04:00:01.5 +0000 UTC exit 22: curl: (22) The requested URL returned error: 503" ;;
      healthy) printf '%s\\n' "2026-11-30 04:00:01.5 +0000 UTC exit 0: " ;;
      # Exited before its first check: .State.Health is there, with no result yet.
      crash) echo ;;
    esac ;;
  "inspect --type container --format "*)
    load
    if [ "$status" = running ] && [ "$health" = starting ]; then
      polls=$((polls + 1))
      if [ "$polls" -ge "\${STUB_SETTLE_POLLS:-1}" ]; then
        case "$scenario" in
          healthy) health=healthy ;;
          unhealthy) health=unhealthy ;;
          crash) status=exited; code=1 ;;
        esac
      fi
      save
    fi
    printf '%s|%s|%s|%s|%s\\n' "$status" "$health" "$code" "$fp" "$image" ;;
  "inspect --type container "*)
    load
    printf '[{"Name": "/%s", "State": {"Status": "%s"}}]\\n' "$name" "$status" ;;
  "image inspect "*)
    [ -f "$s/images/$(key "$name")" ] || { echo "Error: No such image: $name" >&2; exit 1; }
    image_id "$name" ;;
  "image ls --no-trunc --quiet "*)
    for file in "$s"/images/*; do
      [ -f "$file" ] || continue
      ref="$(cat "$file")"
      if [ "$(repository_of "$ref")" = "$name" ]; then image_id "$ref"; fi
    done ;;
  "image rm "*)
    for file in "$s"/images/*; do
      [ -f "$file" ] || continue
      ref="$(cat "$file")"
      [ "$(image_id "$ref")" = "$name" ] || continue
      for container in "$s"/containers/*; do
        [ -f "$container" ] || continue
        IFS='|' read -r _ _ _ _ used _ <"$container"
        if [ "$used" = "$ref" ]; then
          echo "Error response from daemon: conflict: unable to delete \${name:7:12} (cannot be forced) - image is being used by container $(basename "$container")" >&2
          exit 1
        fi
      done
      rm "$file"
      echo "Untagged: $ref"
      echo "Deleted: $name"
      exit 0
    done
    echo "Error response from daemon: No such image: $name" >&2
    exit 1 ;;
  "image prune --force") echo "Total reclaimed space: 0B" ;;
  "pull --quiet "*) printf '%s' "$name" >"$s/images/$(key "$name")" ;;
  "network inspect "*) [ -f "$s/networks/$name" ] || { echo "Error: network $name not found" >&2; exit 1; } ;;
  "network create "*) touch "$s/networks/$name" ;;
  "network rm "*) [ -f "$s/networks/$name" ] || { echo "Error: network $name not found" >&2; exit 1; }; rm "$s/networks/$name" ;;
  "network connect --alias "*)
    alias="$4" network="$5"
    [ "\${STUB_CONNECT_EXIT:-0}" = 0 ] || { echo "Error response from daemon: failed to add interface to sandbox" >&2; exit "$STUB_CONNECT_EXIT"; }
    [ -f "$s/networks/$network" ] || { echo "Error response from daemon: network $network not found" >&2; exit 1; }
    load
    if grep -q "^$network\\( \\|$\\)" "$s/attached/$name" 2>/dev/null; then
      echo "Error response from daemon: endpoint with name $name already exists in network $network" >&2
      exit 1
    fi
    echo "$network $alias" >>"$s/attached/$name"
    echo "$(now_ms) network connect $name" >>"$s/timeline" ;;
  "run "*)
    image="$name"; name=""; fp=""; network=""
    previous=""
    for arg in "$@"; do
      [ "$previous" = --name ] && name="$arg"
      [ "$previous" = --network ] && network="$arg"
      case "$arg" in trafficlab.fingerprint=*) fp="\${arg#trafficlab.fingerprint=}" ;; esac
      previous="$arg"
    done
    [ ! -f "$s/containers/$name" ] || { echo "Conflict. The container name \\"/$name\\" is already in use" >&2; exit 125; }
    status=running health=starting code=0 polls=0 scenario="\${STUB_SCENARIO:-healthy}"
    save
    echo "\${network:-bridge}" >"$s/attached/$name"
    echo "$name" ;;
  "logs --tail "*)
    load
    echo "$name | Starting TrafficlabApplication using Java 21"
    case "$scenario" in
      never-healthy) echo "$name | HikariPool-1 - Starting... (waiting for trafficlab-db:3306)" ;;
      unhealthy) echo "$name | Health contributor redis is DOWN: Unable to connect to Redis" ;;
      crash) echo "$name | Caused by: java.net.UnknownHostException: trafficlab-db" ;;
    esac ;;
  "rm --force "*) rm -f "$s/containers/$name" "$s/attached/$name" ;;
  "rm "*)
    load
    [ "$status" != running ] || { echo "Error response from daemon: cannot remove container \\"/$name\\": container is running: stop the container before removing or force remove" >&2; exit 1; }
    rm -f "$s/containers/$name" "$s/attached/$name" ;;
  "stop "*)
    load
    {
      echo "$(now_ms) stop $name"
      # Who answers to which name at that moment: a stopped container answers to none.
      for other in "$s"/attached/*; do
        [ -f "$other" ] || continue
        IFS='|' read -r other_status other_health _ <"$s/containers/$(basename "$other")"
        while read -r net aliases; do
          [ -z "$aliases" ] || echo "answering $net/$aliases: $(basename "$other") $other_status $other_health"
        done <"$other"
      done
    } >>"$s/timeline"
    status=exited; code=143; save ;;
  "rename "*)
    # Docker's DNS answers the new name from here on: nginx's next resolution drops the old one.
    old="$2" name="$3"
    [ -f "$s/containers/$old" ] || { echo "Error response from daemon: No such container: $old" >&2; exit 1; }
    [ ! -f "$s/containers/$name" ] || { echo "Error response from daemon: Conflict. The container name \\"/$name\\" is already in use" >&2; exit 1; }
    mv "$s/containers/$old" "$s/containers/$name"
    if [ -f "$s/attached/$old" ]; then mv "$s/attached/$old" "$s/attached/$name"; fi
    echo "$(now_ms) rename $old $name" >>"$s/timeline" ;;
  "update --restart unless-stopped "*) load ;;
  *) echo "docker stub: unexpected call: $*" >&2; exit 2 ;;
esac`,
);

/** For a runner that is not root: as_root goes through `sudo -n --`. */
const SUDO = stub("sudo", `[ "$1" = -n ] && shift\n[ "$1" = -- ] && shift\nexec "$@"`);
/** The real sort, which the prune pipes image IDs through (the sandbox links only a few real tools). */
const SORT = stub("sort", `exec ${JSON.stringify(findTool("sort") ?? "/usr/bin/sort")} "$@"`);
/** Caught if the script ever ran nginx itself (it must not: nginx follows the name). */
const NGINX = stub("nginx", `echo "nginx stub: the deploy must not run nginx" >&2\nexit 3`);

const IMAGE_A = "trafficlab/api:1.4.0";
const IMAGE_B = "trafficlab/api:1.5.0";
const SECRET = "db-Pa55word-never-logged";
const NETWORK = "trafficlab-api";
const ALIAS = "trafficlab-api-live";

function imageId(ref: string): string {
  return `sha256:${createHash("sha256").update(ref).digest("hex")}`;
}

describe("@trafficlab/api-host rollingDeployScript in a sandbox", function () {
  let sandbox: Sandbox;
  let projectDir: string;

  beforeEach(function () {
    requireTools(this, "bash", "flock", "sha256sum", "mktemp", "install", "tee", "sed", "tr", "grep", "date", "head", "sort");
    sandbox = createSandbox([DOCKER, SUDO, NGINX, SORT]);
    projectDir = join(sandbox.root, "opt", "trafficlab");
    mkdirSync(projectDir, { recursive: true });
    writeFileSync(join(projectDir, "api.env"), renderContainerEnvFile({ SPRING_DATASOURCE_PASSWORD: SECRET }), { mode: 0o600 });
  });
  afterEach(() => sandbox?.cleanup());

  function script(image: string, options: Partial<RollingDeployOptions> = {}): string {
    return rollingDeployScript({
      image,
      projectDir,
      lockFile: join(sandbox.root, "deploy.lock"),
      healthTimeoutSeconds: 30,
      pollSeconds: 1,
      drainSeconds: 0,
      environment: { SPRING_PROFILES_ACTIVE: "prod", TZ: "Asia/Seoul" },
      ...options,
    });
  }

  async function deploy(image: string, env: Record<string, string> = {}, options: Partial<RollingDeployOptions> = {}): Promise<RunResult> {
    return sandbox.run(script(image, options), { env });
  }

  /** Deploys and expects success: how a test puts an API in place before the step it is about. */
  async function deployed(image: string, options: Partial<RollingDeployOptions> = {}): Promise<RunResult> {
    const result = await deploy(image, {}, options);
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    return result;
  }

  function dockerCalls(): string[] {
    return sandbox.calls().filter((call) => call.startsWith("docker "));
  }

  /** Calls that would touch nginx: none may exist, nginx follows the name by itself. */
  function nginxCalls(): string[] {
    return sandbox.calls().filter((call) => /nginx|compose|\bexec\b|\bkill\b|reload|upstream/.test(call));
  }

  function container(name: string): string | undefined {
    const file = join(sandbox.state, "containers", name);
    return existsSync(file) ? readFileSync(file, "utf8").split("|").slice(0, 2).join(" ") : undefined;
  }

  /** The containers that answer to `alias` on `network`, as nginx's resolver would see them. */
  function answering(alias = ALIAS, network = NETWORK): string[] {
    const dir = join(sandbox.state, "attached");
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((name) =>
        readFileSync(join(dir, name), "utf8")
          .split("\n")
          .some((line) => line.split(" ")[0] === network && line.split(" ").slice(1).includes(alias)),
      )
      .filter((name) => container(name) === "running healthy")
      .sort();
  }

  function networksOf(name: string): string[] {
    const file = join(sandbox.state, "attached", name);
    return existsSync(file) ? readFileSync(file, "utf8").trim().split("\n") : [];
  }

  function images(): string[] {
    const dir = join(sandbox.state, "images");
    return existsSync(dir) ? readdirSync(dir).map((file) => readFileSync(join(dir, file), "utf8")).sort() : [];
  }

  /** An image already on the host, as an earlier deploy or another project left it. */
  function seedImage(ref: string): void {
    mkdirSync(join(sandbox.state, "images"), { recursive: true });
    writeFileSync(join(sandbox.state, "images", ref.replace(/[/:@]/g, "_")), ref);
  }

  function state(name: string): string {
    return readFileSync(join(projectDir, ".deploy", name), "utf8");
  }

  function timeline(): string[] {
    const file = join(sandbox.state, "timeline");
    return existsSync(file) ? readFileSync(file, "utf8").trim().split("\n") : [];
  }

  function indexOf(calls: string[], prefix: string): number {
    const index = calls.findIndex((call) => call.startsWith(prefix));
    expect(index, `no call starting with "${prefix}" in:\n${calls.join("\n")}`).to.be.at.least(0);
    return index;
  }

  const connect = (name: string) => `docker network connect --alias ${ALIAS} ${NETWORK} ${name}`;

  it("first deploy: pulls the image, creates the network, starts blue on the default bridge with no published port, then puts it under the name", async () => {
    const result = await deployed(IMAGE_A);
    const calls = dockerCalls();
    expect(calls).to.include(`docker pull --quiet ${IMAGE_A}`);
    expect(calls).to.include(`docker network create ${NETWORK}`);
    const run = calls[indexOf(calls, "docker run ")]!;
    expect(run).to.include("--name trafficlab-api-blue --network bridge --restart no --env-file api.env");
    expect(run).to.include("--env SPRING_PROFILES_ACTIVE=prod --env TZ=Asia/Seoul");
    expect(run).to.include("--health-cmd if command -v curl >/dev/null 2>&1; then curl -fsS -o /dev/null 'http://127.0.0.1:8080/actuator/health'; else wget -O /dev/null 'http://127.0.0.1:8080/actuator/health'; fi");
    expect(run).to.match(new RegExp(`${IMAGE_A.replace(/[.]/g, "\\.")}$`));
    expect(run).not.to.match(/ (-p|--publish|-P|--publish-all)[ =]/);
    // Healthy first, then the restart policy, then the name: nginx never sees it before.
    const healthy = calls.lastIndexOf("docker inspect --type container --format {{.State.Status}}|{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}|{{.State.ExitCode}}|{{index .Config.Labels \"trafficlab.fingerprint\"}}|{{.Config.Image}} trafficlab-api-blue");
    expect(healthy).to.be.lessThan(indexOf(calls, "docker update --restart unless-stopped trafficlab-api-blue"));
    expect(indexOf(calls, "docker update")).to.be.lessThan(indexOf(calls, connect("trafficlab-api-blue")));
    expect(answering()).to.deep.equal(["trafficlab-api-blue"]);
    expect(networksOf("trafficlab-api-blue")).to.deep.equal(["bridge", `${NETWORK} ${ALIAS}`]);
    expect(result.stdout).to.include(`rolling-deploy: trafficlab-api-blue joined ${NETWORK} as ${ALIAS}`);
    expect(calls.filter((call) => /^docker (stop|rm) /.test(call))).to.deep.equal([]);
    expect(nginxCalls()).to.deep.equal([]);
    expect(container("trafficlab-api-blue")).to.equal("running healthy");
    expect([state("active-color"), state("current-image"), state("previous-image")]).to.deep.equal(["blue\n", `${IMAGE_A}\n`, "\n"]);
    expect(result.stdout).to.match(/^previous-image=$/m);
    expect(parsePreviousImage(result.stdout)).to.equal(undefined);
    expect(images()).to.deep.equal([IMAGE_A]);
    expect(script(IMAGE_A) + result.stdout + result.stderr + sandbox.calls().join("\n")).not.to.include(SECRET);
  });

  it("with envFromStdin: writes the env file from stdin, mode 600, before it starts anything, and a new env rolls out", async () => {
    rmSync(join(projectDir, "api.env"));
    const first = renderContainerEnvFile({ SPRING_DATASOURCE_PASSWORD: SECRET });
    const result = await sandbox.run(script(IMAGE_A, { envFromStdin: true }), { input: first });
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect(readFileSync(join(projectDir, "api.env"), "utf8")).to.equal(first);
    expect(statSync(join(projectDir, "api.env")).mode & 0o777).to.equal(0o600);
    expect(container("trafficlab-api-blue")).to.equal("running healthy");
    // A rotated secret is a new env file: the same image rolls out onto green with it.
    const rotated = renderContainerEnvFile({ SPRING_DATASOURCE_PASSWORD: `${SECRET}-rotated` });
    const again = await sandbox.run(script(IMAGE_A, { envFromStdin: true }), { input: rotated });
    expect(again.code, again.stdout + again.stderr).to.equal(0);
    expect(readFileSync(join(projectDir, "api.env"), "utf8")).to.equal(rotated);
    expect(statSync(join(projectDir, "api.env")).mode & 0o777).to.equal(0o600);
    expect(answering()).to.deep.equal(["trafficlab-api-green"]);
    expect(readdirSync(projectDir).filter((file) => file.startsWith("api.env."))).to.deep.equal([]);
    expect(script(IMAGE_A, { envFromStdin: true }) + result.stdout + result.stderr + again.stdout + again.stderr + sandbox.calls().join("\n")).not.to.include(SECRET);
  });

  it("redeploy: green starts, gets healthy, joins the name, then blue is stopped and removed; no nginx command; the previous image is recorded and kept", async () => {
    await deployed(IMAGE_A);
    const before = sandbox.calls().length;
    const result = await deploy(IMAGE_B, { STUB_SETTLE_POLLS: "2" });
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    const calls = sandbox.calls().slice(before);
    const run = indexOf(calls, "docker run --detach --name trafficlab-api-green --network bridge ");
    const healthChecks = calls.map((call, i) => (call.startsWith("docker inspect --type container --format {{.State.Status}}") && call.endsWith("trafficlab-api-green") ? i : -1)).filter((i) => i > run);
    expect(healthChecks.length, "the loop polled until healthy").to.be.at.least(2);
    const join_ = indexOf(calls, connect("trafficlab-api-green"));
    const stop = indexOf(calls, "docker stop -t 30 trafficlab-api-blue");
    const remove = indexOf(calls, "docker rm trafficlab-api-blue");
    expect(healthChecks.at(-1)!).to.be.lessThan(join_);
    expect(join_).to.be.lessThan(stop);
    expect(stop).to.be.lessThan(remove);
    expect(nginxCalls(), "a redeploy never runs an nginx command").to.deep.equal([]);
    expect(answering()).to.deep.equal(["trafficlab-api-green"]);
    expect(container("trafficlab-api-blue")).to.equal(undefined);
    expect([state("active-color"), state("current-image"), state("previous-image")]).to.deep.equal(["green\n", `${IMAGE_B}\n`, `${IMAGE_A}\n`]);
    expect(parsePreviousImage(result.stdout)).to.equal(IMAGE_A);
    expect(images()).to.deep.equal([IMAGE_A, IMAGE_B]);
  });

  const failures: Array<{ scenario: string; says: string; log: string; health: string[] }> = [
    {
      scenario: "never-healthy",
      says: "trafficlab-api-green did not become healthy within 1 s (health: starting); not switching",
      log: "HikariPool-1 - Starting... (waiting for trafficlab-db:3306)",
      health: ["exit 7: curl: (7) Failed to connect to 127.0.0.1 port 8080"],
    },
    { scenario: "crash", says: "trafficlab-api-green stopped (state exited, exit code 1); not switching", log: "Caused by: java.net.UnknownHostException: trafficlab-db", health: [] },
    {
      scenario: "unhealthy",
      says: "trafficlab-api-green became unhealthy; not switching",
      log: "Health contributor redis is DOWN",
      health: ["exit 22: curl: (22) The requested URL returned error: 503"],
    },
  ];
  for (const { scenario, says, log, health } of failures) {
    it(`${scenario}: exits 1 with the new container's logs and health check output, removes it, and the old one keeps serving under the name`, async () => {
      await deployed(IMAGE_A);
      const before = dockerCalls().length;
      // Only never-healthy is about the timeout; the others must not race it on a loaded machine.
      const result = await deploy(IMAGE_B, { STUB_SCENARIO: scenario, STUB_SETTLE_POLLS: "2" }, { healthTimeoutSeconds: scenario === "never-healthy" ? 1 : 120 });
      expect(result.code).to.equal(1);
      expect(result.stderr).to.include(`rolling-deploy: ${says}`);
      expect(result.stderr).to.include("== last 50 log lines of trafficlab-api-green ==");
      expect(result.stderr).to.include(`trafficlab-api-green | ${log}`);
      expect(result.stderr).to.include("== the health check's last results for trafficlab-api-green (http://127.0.0.1:8080/actuator/health) ==");
      for (const line of health) expect(result.stderr).to.include(line);
      expect(result.stderr).to.include(`removed trafficlab-api-green; nginx still sends traffic to trafficlab-api-blue`);
      const calls = dockerCalls().slice(before);
      expect(calls).to.include("docker logs --tail 50 trafficlab-api-green");
      expect(calls.filter((call) => call.includes(".State.Health.Log") && call.endsWith("trafficlab-api-green"))).to.have.length(1);
      expect(calls).to.include("docker rm --force trafficlab-api-green");
      expect(calls.filter((call) => call.includes("trafficlab-api-blue") && !call.startsWith("docker inspect"))).to.deep.equal([]);
      expect(calls.filter((call) => /^docker (network connect|update|stop|image rm|image prune)/.test(call))).to.deep.equal([]);
      expect(nginxCalls()).to.deep.equal([]);
      expect(answering()).to.deep.equal(["trafficlab-api-blue"]);
      expect(container("trafficlab-api-green")).to.equal(undefined);
      expect([state("active-color"), state("current-image"), state("previous-image")]).to.deep.equal(["blue\n", `${IMAGE_A}\n`, "\n"]);
      expect(result.stdout).not.to.include("previous-image=");
    });
  }

  it("when joining the name fails, removes the new container and the old one keeps serving", async () => {
    await deployed(IMAGE_A);
    const result = await deploy(IMAGE_B, { STUB_CONNECT_EXIT: "1" });
    expect(result.code).to.equal(1);
    expect(result.stderr).to.include("failed to add interface to sandbox");
    expect(result.stderr).to.include("removed trafficlab-api-green; nginx still sends traffic to trafficlab-api-blue");
    expect(container("trafficlab-api-green")).to.equal(undefined);
    expect(answering()).to.deep.equal(["trafficlab-api-blue"]);
    expect(state("active-color")).to.equal("blue\n");
    expect(dockerCalls().filter((call) => call.startsWith("docker stop"))).to.deep.equal([]);
  });

  it("the same image twice is a no-op: no container started or stopped, no image removed", async () => {
    await deployed(IMAGE_A);
    await deployed(IMAGE_B);
    const before = sandbox.calls().length;
    const result = await deployed(IMAGE_B);
    expect(result.stdout).to.include(`trafficlab-api-green already runs ${IMAGE_B} with this env file and is healthy; nothing to roll`);
    const calls = sandbox.calls().slice(before);
    expect(calls.filter((call) => /^docker (run|stop|rm|update|pull|network (create|connect)|image (rm|prune))/.test(call))).to.deep.equal([]);
    expect(nginxCalls()).to.deep.equal([]);
    expect(parsePreviousImage(result.stdout)).to.equal(IMAGE_A);
  });

  it("the same image again puts the running container back under the name when it had left it", async () => {
    await deployed(IMAGE_A);
    // E.g. someone ran `docker network disconnect`: nginx has nowhere to send traffic.
    writeFileSync(join(sandbox.state, "attached", "trafficlab-api-blue"), "bridge\n");
    expect(answering()).to.deep.equal([]);
    const result = await deployed(IMAGE_A);
    expect(result.stdout).to.include("nothing to roll");
    expect(answering()).to.deep.equal(["trafficlab-api-blue"]);
    expect(dockerCalls().filter((call) => call.startsWith("docker run"))).to.have.length(1);
  });

  it("a changed env file with the same image rolls out, and the previous image stays the last different one", async () => {
    await deployed(IMAGE_A);
    await deployed(IMAGE_B);
    writeFileSync(join(projectDir, "api.env"), renderContainerEnvFile({ SPRING_DATASOURCE_PASSWORD: "rotated-Pa55word" }));
    const result = await deployed(IMAGE_B);
    expect(container("trafficlab-api-blue")).to.equal("running healthy");
    expect(container("trafficlab-api-green")).to.equal(undefined);
    expect(answering()).to.deep.equal(["trafficlab-api-blue"]);
    expect(parsePreviousImage(result.stdout)).to.equal(IMAGE_A);
    // The rollback target survives the prune of a deploy that did not change the image.
    expect(images()).to.deep.equal([IMAGE_A, IMAGE_B]);
  });

  it("a changed run setting with the same image and env file rolls out; the same settings again do not", async () => {
    await deployed(IMAGE_A);
    const changed = await deploy(IMAGE_A, {}, { environment: { SPRING_PROFILES_ACTIVE: "prod", TZ: "UTC" } });
    expect(changed.code, changed.stdout + changed.stderr).to.equal(0);
    expect(container("trafficlab-api-green")).to.equal("running healthy");
    expect(container("trafficlab-api-blue")).to.equal(undefined);
    const again = await deploy(IMAGE_A, {}, { environment: { SPRING_PROFILES_ACTIVE: "prod", TZ: "UTC" } });
    expect(again.stdout).to.include("nothing to roll");
    const other = await deploy(IMAGE_A, {}, { environment: { SPRING_PROFILES_ACTIVE: "prod", TZ: "UTC" }, healthPath: "/ready" });
    expect(other.code, other.stdout + other.stderr).to.equal(0);
    expect(container("trafficlab-api-blue")).to.equal("running healthy");
    // Another name for the service is another setting too: the new color answers to it.
    const renamed = await deploy(IMAGE_A, {}, { environment: { SPRING_PROFILES_ACTIVE: "prod", TZ: "UTC" }, healthPath: "/ready", serviceAlias: "api-next" });
    expect(renamed.code, renamed.stdout + renamed.stderr).to.equal(0);
    expect(answering("api-next")).to.deep.equal(["trafficlab-api-green"]);
  });

  it("a new log driver (json-file to CloudWatch's awslogs) with the same image rolls out blue/green: the new colour joins before the old stops", async () => {
    await deployed(IMAGE_A);
    const before = dockerCalls().length;
    const logs = { region: "ap-northeast-2", stack: "prod" };
    const changed = await deploy(IMAGE_A, {}, { logs });
    expect(changed.code, changed.stdout + changed.stderr).to.equal(0);
    const calls = dockerCalls().slice(before);
    expect(calls[indexOf(calls, "docker run ")]).to.include(
      "--log-driver awslogs --log-opt awslogs-region=ap-northeast-2 --log-opt awslogs-group=/trafficlab/prod/api --log-opt awslogs-create-group=false --log-opt tag={{.Name}}/{{.ID}}",
    );
    expect(indexOf(calls, connect("trafficlab-api-green"))).to.be.lessThan(indexOf(calls, "docker stop -t 30 trafficlab-api-blue"));
    expect(answering()).to.deep.equal(["trafficlab-api-green"]);
    const again = await deploy(IMAGE_A, {}, { logs });
    expect(again.stdout).to.include("nothing to roll");
  });

  it("passes each --env value to docker literally, as it was given", async () => {
    const value = "it's $(touch pwned) `id` a  b\\";
    const result = await deploy(IMAGE_A, {}, { environment: { GREETING: value } });
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    const run = dockerCalls()[indexOf(dockerCalls(), "docker run ")]!;
    expect(run).to.include(`--env-file api.env --env GREETING=${value} --label trafficlab.role=api`);
    expect(existsSync(join(projectDir, "pwned"))).to.equal(false);
  });

  it("rollback: setting the previous image back redeploys it the same way, from the image kept on the host", async () => {
    await deployed(IMAGE_A);
    await deployed(IMAGE_B);
    const before = dockerCalls().length;
    const result = await deployed(IMAGE_A);
    const calls = dockerCalls().slice(before);
    expect(calls.filter((call) => call.startsWith("docker pull"))).to.deep.equal([]);
    expect(calls[indexOf(calls, "docker run ")]).to.include("--name trafficlab-api-blue").and.match(/trafficlab\/api:1\.4\.0$/);
    expect(indexOf(calls, connect("trafficlab-api-blue"))).to.be.lessThan(indexOf(calls, "docker stop -t 30 trafficlab-api-green"));
    expect(answering()).to.deep.equal(["trafficlab-api-blue"]);
    expect(container("trafficlab-api-green")).to.equal(undefined);
    expect([state("active-color"), state("current-image"), state("previous-image")]).to.deep.equal(["blue\n", `${IMAGE_A}\n`, `${IMAGE_B}\n`]);
    expect(parsePreviousImage(result.stdout)).to.equal(IMAGE_B);
    expect(images()).to.deep.equal([IMAGE_A, IMAGE_B]);
  });

  it("with the state directory lost, the color that answers to the name is the active one and is drained, not killed first", async () => {
    await deployed(IMAGE_A);
    rmSync(join(projectDir, ".deploy"), { recursive: true });
    const before = dockerCalls().length;
    await deployed(IMAGE_B);
    const calls = dockerCalls().slice(before);
    expect(calls[indexOf(calls, "docker run ")]).to.include("--name trafficlab-api-green");
    expect(calls.filter((call) => call.startsWith("docker rm --force"))).to.deep.equal([]);
    expect(indexOf(calls, connect("trafficlab-api-green"))).to.be.lessThan(indexOf(calls, "docker stop -t 30 trafficlab-api-blue"));
    expect(state("previous-image")).to.equal(`${IMAGE_A}\n`);
  });

  it("when no container answers to the name, the state file names the active color", async () => {
    await deployed(IMAGE_A);
    // The network was recreated, or blue disconnected from it: no alias says which color is live.
    writeFileSync(join(sandbox.state, "attached", "trafficlab-api-blue"), "bridge\n");
    const before = dockerCalls().length;
    const result = await deployed(IMAGE_B);
    const calls = dockerCalls().slice(before);
    expect(calls[indexOf(calls, "docker run ")]).to.include("--name trafficlab-api-green");
    expect(indexOf(calls, connect("trafficlab-api-green"))).to.be.lessThan(indexOf(calls, "docker stop -t 30 trafficlab-api-blue"));
    expect(answering()).to.deep.equal(["trafficlab-api-green"]);
    expect(container("trafficlab-api-blue")).to.equal(undefined);
    expect(parsePreviousImage(result.stdout)).to.equal(IMAGE_A);
  });

  it("ignores an unknown color in the state file and deploys as on a first deploy", async () => {
    mkdirSync(join(projectDir, ".deploy"));
    writeFileSync(join(projectDir, ".deploy", "active-color"), "purple\n");
    const result = await deployed(IMAGE_A);
    expect(result.stderr).to.include("rolling-deploy: ignoring unknown active color 'purple' in .deploy/active-color");
    expect(answering()).to.deep.equal(["trafficlab-api-blue"]);
  });

  it("replaces a container of the new color left over from an interrupted deploy (never under the name)", async () => {
    await deployed(IMAGE_A);
    writeFileSync(join(sandbox.state, "containers", "trafficlab-api-green"), `running|starting|0||${IMAGE_B}|0|never-healthy\n`);
    writeFileSync(join(sandbox.state, "attached", "trafficlab-api-green"), "bridge\n");
    const result = await deployed(IMAGE_B);
    expect(result.stdout).to.include("removing trafficlab-api-green, left over from an earlier deploy");
    expect(answering()).to.deep.equal(["trafficlab-api-green"]);
    expect(container("trafficlab-api-blue")).to.equal(undefined);
  });

  /**
   * A deploy that stopped during its drain (the SSH connection dropped, the host rebooted): the
   * new color answers to the name and is recorded as active, the old one still answers too.
   */
  function interruptedDuringDrain(oldColor: "blue" | "green", oldImage: string, newImage: string): void {
    const newColor = oldColor === "blue" ? "green" : "blue";
    for (const [color, image] of [[oldColor, oldImage], [newColor, newImage]] as const) {
      writeFileSync(join(sandbox.state, "containers", `trafficlab-api-${color}`), `running|healthy|0|stale-fingerprint|${image}|1|healthy\n`);
      writeFileSync(join(sandbox.state, "attached", `trafficlab-api-${color}`), `bridge\n${NETWORK} ${ALIAS}\n`);
    }
    writeFileSync(join(projectDir, ".deploy", "active-color"), `${newColor}\n`);
    writeFileSync(join(projectDir, ".deploy", "current-image"), `${newImage}\n`);
    writeFileSync(join(projectDir, ".deploy", "previous-image"), `${oldImage}\n`);
  }

  for (const oldColor of ["blue", "green"] as const) {
    const newColor = oldColor === "blue" ? "green" : "blue";
    it(`after a deploy stopped during its drain (${oldColor} -> ${newColor}), running it again leaves only ${newColor} under the name and stops ${oldColor} gracefully`, async () => {
      // Two real deploys first, so the fingerprint of the new color is the one this run computes.
      await deployed(IMAGE_A);
      if (oldColor === "green") await deployed(IMAGE_B);
      await deployed(oldColor === "blue" ? IMAGE_B : IMAGE_A);
      expect(answering()).to.deep.equal([`trafficlab-api-${newColor}`]);
      const running = readFileSync(join(sandbox.state, "containers", `trafficlab-api-${newColor}`), "utf8");
      const newImage = oldColor === "blue" ? IMAGE_B : IMAGE_A;
      const oldImage = oldColor === "blue" ? IMAGE_A : IMAGE_B;
      interruptedDuringDrain(oldColor, oldImage, newImage);
      // The new color as the interrupted deploy left it: the fingerprint of this very deploy.
      writeFileSync(join(sandbox.state, "containers", `trafficlab-api-${newColor}`), running);
      expect(answering()).to.deep.equal(["trafficlab-api-blue", "trafficlab-api-green"]);
      const before = dockerCalls().length;
      const result = await deployed(newImage);
      const calls = dockerCalls().slice(before);
      expect(answering(), result.stdout + result.stderr).to.deep.equal([`trafficlab-api-${newColor}`]);
      expect(calls, "the color that serves is never killed").not.to.include(`docker rm --force trafficlab-api-${newColor}`);
      expect(calls, "nor the one that still serves beside it").not.to.include(`docker rm --force trafficlab-api-${oldColor}`);
      // Out of nginx's upstream first (renamed), then stopped gracefully.
      expect(indexOf(calls, `docker rename trafficlab-api-${oldColor} trafficlab-api-${oldColor}-retiring`)).to.be.lessThan(indexOf(calls, `docker stop -t 30 trafficlab-api-${oldColor}-retiring`));
      expect(container(`trafficlab-api-${oldColor}`)).to.equal(undefined);
      expect(container(`trafficlab-api-${oldColor}-retiring`)).to.equal(undefined);
      expect(state("active-color")).to.equal(`${newColor}\n`);
      expect(parsePreviousImage(result.stdout)).to.equal(oldImage);
    });
  }

  it("after a deploy stopped during its drain, a new image stops the old color gracefully before reusing its name", async () => {
    await deployed(IMAGE_A);
    await deployed(IMAGE_B);
    interruptedDuringDrain("blue", IMAGE_A, IMAGE_B);
    const before = dockerCalls().length;
    const result = await deployed("trafficlab/api:1.6.0");
    const calls = dockerCalls().slice(before);
    expect(result.stdout).to.include(`trafficlab-api-blue still answers to ${ALIAS} beside trafficlab-api-green (a deploy stopped during its drain); stopping it first`);
    expect(calls.filter((call) => call.startsWith("docker rm --force"))).to.deep.equal([]);
    expect(indexOf(calls, "docker stop -t 30 trafficlab-api-blue")).to.be.lessThan(indexOf(calls, "docker run --detach --name trafficlab-api-blue"));
    expect(answering()).to.deep.equal(["trafficlab-api-blue"]);
    expect(container("trafficlab-api-green")).to.equal(undefined);
    expect(parsePreviousImage(result.stdout)).to.equal(IMAGE_B);
  });

  it("takes the old color out of nginx's upstream a drain after the new one joined, and stops it a drain later", async () => {
    await deployed(IMAGE_A);
    const result = await deploy(IMAGE_B, {}, { drainSeconds: 1 });
    expect(result.code, result.stderr).to.equal(0);
    const events = timeline();
    const at = (suffix: string) => {
      const event = events.find((e) => e.endsWith(suffix));
      expect(event, `${suffix} in\n${events.join("\n")}`).to.be.a("string");
      return { event: event!, ms: Number(event!.split(" ")[0]) };
    };
    const joined = at(" network connect trafficlab-api-green");
    // nginx resolves the containers' names: the rename is what takes blue out of its upstream.
    const renamed = at(" rename trafficlab-api-blue trafficlab-api-blue-retiring");
    const stopped = at(" stop trafficlab-api-blue-retiring");
    expect(renamed.ms - joined.ms, "nginx resolves green before blue leaves").to.be.at.least(1000);
    expect(stopped.ms - renamed.ms, "nginx drops blue before it stops").to.be.at.least(1000);
    // When blue is told to stop, green serves beside it, and blue still runs: what nginx sent it finishes.
    const atStop = events.slice(events.indexOf(stopped.event) + 1);
    expect(atStop).to.include(`answering ${NETWORK}/${ALIAS}: trafficlab-api-green running healthy`);
    expect(atStop).to.include(`answering ${NETWORK}/${ALIAS}: trafficlab-api-blue-retiring running healthy`);
    const lines = result.stdout.split("\n");
    const order = [
      `rolling-deploy: trafficlab-api-green joined ${NETWORK} as ${ALIAS}`,
      "rolling-deploy: waiting 1 s for nginx to resolve trafficlab-api-green",
      "rolling-deploy: renamed trafficlab-api-blue to trafficlab-api-blue-retiring; waiting 1 s for nginx to drop it",
      "rolling-deploy: stopped and removed trafficlab-api-blue-retiring",
    ].map((line) => lines.indexOf(line));
    expect(order.every((index) => index >= 0), result.stdout).to.equal(true);
    expect([...order].sort((a, b) => a - b)).to.deep.equal(order);
  });

  it("stops a retiring container an interrupted deploy left (out of nginx's upstream already) before anything else", async () => {
    await deployed(IMAGE_A);
    await deployed(IMAGE_B);
    // As a deploy stopped after the rename leaves it: blue renamed away, still running.
    writeFileSync(join(sandbox.state, "containers", "trafficlab-api-blue-retiring"), `running|healthy|0|stale-fingerprint|${IMAGE_A}|1|healthy\n`);
    writeFileSync(join(sandbox.state, "attached", "trafficlab-api-blue-retiring"), `bridge\n${NETWORK} ${ALIAS}\n`);
    const before = dockerCalls().length;
    const result = await deployed(IMAGE_B);
    const calls = dockerCalls().slice(before);
    expect(result.stdout).to.include("rolling-deploy: trafficlab-api-blue-retiring is left from an interrupted deploy; stopping it");
    expect(calls).to.include("docker stop -t 30 trafficlab-api-blue-retiring");
    expect(container("trafficlab-api-blue-retiring")).to.equal(undefined);
    expect(answering()).to.deep.equal(["trafficlab-api-green"]);
  });

  it("prunes older images of the API's repository: keeps the running one and the previous (rollback) one", async () => {
    // Left by earlier deploys, plus images of other repositories, one whose name merely starts alike.
    for (const ref of ["trafficlab/api:1.2.0", "trafficlab/api:1.3.0", "trafficlab/api-worker:1.0.0", "nginx:1.30-alpine"]) seedImage(ref);
    await deployed(IMAGE_A);
    expect(images()).to.deep.equal(["nginx:1.30-alpine", "trafficlab/api-worker:1.0.0", IMAGE_A], "a first deploy has no rollback target to keep");
    seedImage("trafficlab/api:1.3.0");
    const before = dockerCalls().length;
    const result = await deployed(IMAGE_B);
    expect(images()).to.deep.equal(["nginx:1.30-alpine", "trafficlab/api-worker:1.0.0", IMAGE_A, IMAGE_B]);
    expect(result.stdout).to.include(`rolling-deploy: removed the older image ${imageId("trafficlab/api:1.3.0")} of trafficlab/api`);
    const calls = dockerCalls().slice(before);
    expect(calls).to.include("docker image ls --no-trunc --quiet trafficlab/api");
    expect(calls.filter((call) => call.startsWith("docker image rm"))).to.deep.equal([`docker image rm ${imageId("trafficlab/api:1.3.0")}`]);
    // Never a host-wide prune: other projects' dangling images are not ours to remove.
    expect(calls.filter((call) => call.startsWith("docker image prune"))).to.deep.equal([]);
    // After the old color is gone, never while it may still serve.
    expect(indexOf(calls, "docker rm trafficlab-api-blue")).to.be.lessThan(indexOf(calls, "docker image ls"));
    // The rollback that the kept image allows needs no pull.
    const rollback = await deployed(IMAGE_A);
    expect(rollback.stdout).not.to.include("pulling");
    expect(images()).to.deep.equal(["nginx:1.30-alpine", "trafficlab/api-worker:1.0.0", IMAGE_A, IMAGE_B]);
  });

  it("prunes by repository with a registry port and a digest reference, and skips an image a container still uses", async () => {
    const repository = "registry.test:5000/team/api";
    const digest = `${repository}@sha256:${"b".repeat(64)}`;
    for (const ref of [`${repository}:0.9.0`, `${repository}:0.8.0`]) seedImage(ref);
    await deployed(`${repository}:1.0.0`);
    // A container someone left (a one-off migration run) still uses 0.8.0: docker refuses to remove it.
    writeFileSync(join(sandbox.state, "containers", "migrate-once"), `exited|none|0||${repository}:0.8.0|0|healthy\n`);
    seedImage(`${repository}:0.8.0`);
    const result = await deployed(digest);
    expect(dockerCalls()).to.include(`docker image ls --no-trunc --quiet ${repository}`);
    expect(images()).to.deep.equal([`${repository}:0.8.0`, `${repository}:1.0.0`, digest]);
    expect(result.stdout).not.to.include(imageId(`${repository}:0.8.0`));
  });

  it("with pruneImages false removes no image", async () => {
    for (const ref of ["trafficlab/api:1.2.0", "trafficlab/api:1.3.0"]) seedImage(ref);
    await deployed(IMAGE_A, { pruneImages: false });
    await deployed(IMAGE_B, { pruneImages: false });
    expect(images()).to.deep.equal(["trafficlab/api:1.2.0", "trafficlab/api:1.3.0", IMAGE_A, IMAGE_B]);
    expect(dockerCalls().filter((call) => call.startsWith("docker image ls") || call.startsWith("docker image rm") || call.startsWith("docker image prune"))).to.deep.equal([]);
  });

  it("refuses to start without the env file, before touching docker", async () => {
    rmSync(join(projectDir, "api.env"));
    const result = await deploy(IMAGE_A);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.include(`rolling-deploy: ${projectDir}/api.env is missing; not starting`);
    expect(dockerCalls()).to.deep.equal([]);
  });

  it("queues behind the host-wide deploy lock and gives up after the lock timeout", async () => {
    const lockFile = join(sandbox.root, "deploy.lock");
    writeFileSync(lockFile, "");
    // Another deploy holds the lock for longer than this one waits; its own group, to end it whole.
    const flock = findTool("flock")!;
    const holder = spawn(flock, ["--exclusive", lockFile, "sleep", "30"], { stdio: "ignore", detached: true });
    try {
      while (spawnSync(flock, ["--nonblock", lockFile, "true"]).status === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      const result = await deploy(IMAGE_A, {}, { lockTimeoutSeconds: 1 });
      expect(result.code).to.equal(1);
      expect(result.stdout).to.include(`rolling-deploy: another deploy holds ${lockFile}; waiting up to 1 s`);
      expect(result.stderr).to.include(`rolling-deploy: gave up waiting for ${lockFile}`);
      expect(dockerCalls()).to.deep.equal([]);
    } finally {
      process.kill(-holder.pid!, "SIGTERM");
    }
  });

  it("rollingTeardownScript removes both colors, the network, the env file and the state, and keeps the images", async () => {
    await deployed(IMAGE_A);
    await deployed(IMAGE_B);
    const before = dockerCalls().length;
    const result = await sandbox.run(rollingTeardownScript({ projectDir, lockFile: join(sandbox.root, "deploy.lock") }));
    expect(result.code, result.stderr).to.equal(0);
    const calls = dockerCalls().slice(before);
    expect(calls).to.include("docker rm --force trafficlab-api-green");
    expect(calls).to.include(`docker network rm ${NETWORK}`);
    expect(calls.filter((call) => /^docker (rmi|image)/.test(call))).to.deep.equal([]);
    expect(container("trafficlab-api-green")).to.equal(undefined);
    expect(existsSync(join(projectDir, ".deploy"))).to.equal(false);
    expect(existsSync(join(projectDir, "api.env"))).to.equal(false);
    expect(images()).to.deep.equal([IMAGE_A, IMAGE_B]);
    const again = await sandbox.run(rollingTeardownScript({ projectDir, lockFile: join(sandbox.root, "deploy.lock") }));
    expect(again.code, again.stderr).to.equal(0);
  });
});

describe("@trafficlab/api-host rolling deploy scripts pass shellcheck", () => {
  const scripts: Record<string, string> = {
    "rollingDeployScript(defaults)": rollingDeployScript({ image: IMAGE_A }),
    "rollingDeployScript(every option)": rollingDeployScript({
      image: "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/api@sha256:" + "a".repeat(64),
      projectDir: "/srv/app",
      healthTimeoutSeconds: 60,
      pollSeconds: 5,
      drainSeconds: 0,
      stopTimeoutSeconds: 0,
      network: "app-net",
      serviceAlias: "app-live",
      containerPrefix: "app",
      environment: { SPRING_PROFILES_ACTIVE: "prod", TZ: "UTC", QUOTE: "it's" },
      envFile: "secrets/app.env",
      stateDir: "state",
      apiPort: 9000,
      healthPath: "/health?deep=true",
      pruneImages: false,
      lockFile: "/run/lock/app.lock",
      lockTimeoutSeconds: 60,
      envFromStdin: true,
    }),
    "rollingTeardownScript()": rollingTeardownScript(),
  };
  for (const [name, text] of Object.entries(scripts)) {
    it(name, function () {
      requireTools(this, "shellcheck");
      const result = spawnSync(findTool("shellcheck")!, ["--shell=bash", "--severity=style", "-"], { input: text, encoding: "utf8" });
      expect(result.status, `${result.stdout}${result.stderr}\n--- script ---\n${text}`).to.equal(0);
    });
  }

  it("every script is strict bash: set -euo pipefail", () => {
    for (const [name, text] of Object.entries(scripts)) {
      expect(text.startsWith("#!/usr/bin/env bash\n"), name).to.equal(true);
      expect(text, name).to.match(/^set -euo pipefail$/m);
    }
  });
});
