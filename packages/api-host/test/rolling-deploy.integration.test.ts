import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
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
 * A docker CLI that plays containers, images and networks from files under $SANDBOX_STATE.
 * A container started by `docker run` begins `running`/`starting`; after STUB_SETTLE_POLLS
 * inspections (default 1) it becomes what STUB_SCENARIO says: `healthy`, `unhealthy`, `crash`
 * (exits with code 1) or `never-healthy` (stays `starting`). nginx is driven by STUB_NGINX
 * (`running` or `stopped`) and STUB_NGINX_TEST_EXIT; what nginx saw in the upstream file at
 * `nginx -t` and at the reload goes to $SANDBOX_STATE/proxy.log.
 */
const DOCKER = stub(
  "docker",
  `s="$SANDBOX_STATE"
mkdir -p "$s/containers" "$s/images" "$s/networks"
key() { printf '%s' "$1" | tr '/:@' '___'; }
save() { printf '%s|%s|%s|%s|%s|%s|%s\\n' "$status" "$health" "$code" "$fp" "$image" "$polls" "$scenario" >"$s/containers/$name"; }
load() {
  [ -f "$s/containers/$name" ] || { echo "Error: No such container: $name" >&2; exit 1; }
  IFS='|' read -r status health code fp image polls scenario <"$s/containers/$name"
}
name="\${*: -1}"
case "$*" in
  "inspect --type container "*)
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
  "image inspect "*)
    [ -f "$s/images/$(key "$name")" ] || { echo "Error: No such image: $name" >&2; exit 1; }
    sum="$(printf '%s' "$name" | sha256sum)"
    echo "sha256:\${sum%% *}" ;;
  "pull "*) touch "$s/images/$(key "$name")" ;;
  "network inspect "*) [ -f "$s/networks/$name" ] || { echo "Error: network $name not found" >&2; exit 1; } ;;
  "network create "*) touch "$s/networks/$name" ;;
  "network rm "*) rm "$s/networks/$name" ;;
  "run "*)
    image="$name"; name=""; fp=""
    previous=""
    for arg in "$@"; do
      [ "$previous" = --name ] && name="$arg"
      case "$arg" in trafficlab.fingerprint=*) fp="\${arg#trafficlab.fingerprint=}" ;; esac
      previous="$arg"
    done
    [ ! -f "$s/containers/$name" ] || { echo "Conflict. The container name \\"/$name\\" is already in use" >&2; exit 125; }
    status=running health=starting code=0 polls=0 scenario="\${STUB_SCENARIO:-healthy}"
    save
    echo "$name" ;;
  "logs --tail "*)
    load
    echo "$name | Starting TrafficlabApplication using Java 21"
    case "$scenario" in
      never-healthy) echo "$name | HikariPool-1 - Starting... (waiting for trafficlab-db:3306)" ;;
      unhealthy) echo "$name | Health contributor redis is DOWN: Unable to connect to Redis" ;;
      crash) echo "$name | Caused by: java.net.UnknownHostException: trafficlab-db" ;;
    esac ;;
  "rm --force "*) rm -f "$s/containers/$name" ;;
  "rm "*) load; rm "$s/containers/$name" ;;
  "stop "*) load; status=exited; code=143; save ;;
  "update "*) load ;;
  "compose ps --status running --quiet "*)
    exit_code="\${STUB_COMPOSE_PS_EXIT:-0}"
    [ "$exit_code" = 0 ] || { echo "no configuration file provided: not found" >&2; exit "$exit_code"; }
    [ "\${STUB_NGINX:-running}" = stopped ] || echo 0123456789ab ;;
  "compose exec -T nginx nginx -t "*)
    echo "nginx -t: $(sed -n '$p' nginx/upstream.conf)" >>"$s/proxy.log"
    exit "\${STUB_NGINX_TEST_EXIT:-0}" ;;
  "compose exec -T nginx nginx -s reload "*)
    echo "reload: $(sed -n '$p' nginx/upstream.conf)" >>"$s/proxy.log" ;;
  *) echo "docker stub: unexpected call: $*" >&2; exit 2 ;;
esac`,
);

/** For a runner that is not root: as_root goes through `sudo -n --`. */
const SUDO = stub("sudo", `[ "$1" = -n ] && shift\n[ "$1" = -- ] && shift\nexec "$@"`);

const IMAGE_A = "trafficlab/api:1.4.0";
const IMAGE_B = "trafficlab/api:1.5.0";
const SECRET = "db-Pa55word-never-logged";

describe("@trafficlab/api-host rollingDeployScript in a sandbox", function () {
  let sandbox: Sandbox;
  let projectDir: string;

  beforeEach(function () {
    requireTools(this, "bash", "flock", "sha256sum", "mktemp", "install", "tee", "sed", "tr");
    sandbox = createSandbox([DOCKER, SUDO]);
    projectDir = join(sandbox.root, "opt", "trafficlab");
    mkdirSync(join(projectDir, "nginx"), { recursive: true });
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
  async function deployed(image: string): Promise<RunResult> {
    const result = await deploy(image);
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    return result;
  }

  function dockerCalls(): string[] {
    return sandbox.calls().filter((call) => call.startsWith("docker "));
  }

  function container(name: string): string | undefined {
    const file = join(sandbox.state, "containers", name);
    return existsSync(file) ? readFileSync(file, "utf8").split("|").slice(0, 2).join(" ") : undefined;
  }

  function upstream(): string {
    return readFileSync(join(projectDir, "nginx", "upstream.conf"), "utf8");
  }

  function state(name: string): string {
    return readFileSync(join(projectDir, ".deploy", name), "utf8");
  }

  function proxyLog(): string[] {
    const file = join(sandbox.state, "proxy.log");
    return existsSync(file) ? readFileSync(file, "utf8").trim().split("\n") : [];
  }

  function indexOf(calls: string[], prefix: string): number {
    const index = calls.findIndex((call) => call.startsWith(prefix));
    expect(index, `no call starting with "${prefix}" in:\n${calls.join("\n")}`).to.be.at.least(0);
    return index;
  }

  it("first deploy: pulls the image, creates the network, starts blue with no published port, points nginx at it", async () => {
    const result = await deployed(IMAGE_A);
    const calls = dockerCalls();
    expect(calls).to.include(`docker pull --quiet ${IMAGE_A}`);
    expect(calls).to.include("docker network create trafficlab-api");
    const run = calls[indexOf(calls, "docker run ")]!;
    expect(run).to.include("--name trafficlab-api-blue --network trafficlab-api --restart no --env-file api.env");
    expect(run).to.include("--env SPRING_PROFILES_ACTIVE=prod --env TZ=Asia/Seoul");
    expect(run).to.include("--health-cmd wget -qO /dev/null 'http://127.0.0.1:8080/actuator/health'");
    expect(run).to.match(new RegExp(`${IMAGE_A.replace(/[.]/g, "\\.")}$`));
    expect(run).not.to.match(/ (-p|--publish|-P|--publish-all)[ =]/);
    expect(calls).to.include("docker update --restart unless-stopped trafficlab-api-blue");
    expect(upstream()).to.include("server trafficlab-api-blue:8080;");
    expect(proxyLog()).to.deep.equal(["nginx -t: server trafficlab-api-blue:8080;", "reload: server trafficlab-api-blue:8080;"]);
    expect(calls.filter((call) => /^docker (stop|rm) /.test(call))).to.deep.equal([]);
    expect(container("trafficlab-api-blue")).to.equal("running healthy");
    expect([state("active-color"), state("current-image"), state("previous-image")]).to.deep.equal(["blue\n", `${IMAGE_A}\n`, "\n"]);
    expect(result.stdout).to.match(/^previous-image=$/m);
    expect(parsePreviousImage(result.stdout)).to.equal(undefined);
    expect(script(IMAGE_A) + result.stdout + result.stderr + calls.join("\n")).not.to.include(SECRET);
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
    expect(container("trafficlab-api-green")).to.equal("running healthy");
    expect(readdirSync(projectDir).filter((file) => file.startsWith("api.env."))).to.deep.equal([]);
    expect(script(IMAGE_A, { envFromStdin: true }) + result.stdout + result.stderr + again.stdout + again.stderr + sandbox.calls().join("\n")).not.to.include(SECRET);
  });

  it("first deploy before nginx runs: writes the upstream file for nginx to read at start, no exec into nginx", async () => {
    const result = await deploy(IMAGE_A, { STUB_NGINX: "stopped" });
    expect(result.code, result.stderr).to.equal(0);
    expect(upstream()).to.include("server trafficlab-api-blue:8080;");
    expect(dockerCalls().filter((call) => call.startsWith("docker compose exec"))).to.deep.equal([]);
    expect(result.stdout).to.include("nginx is not running; it sends traffic to trafficlab-api-blue when it starts");
  });

  it("redeploy: green starts, gets healthy, nginx -t then reload onto green, then blue is stopped and removed; the previous image is recorded and kept", async () => {
    await deployed(IMAGE_A);
    const before = dockerCalls().length;
    const result = await deploy(IMAGE_B, { STUB_SETTLE_POLLS: "2" });
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    const calls = dockerCalls().slice(before);
    const run = indexOf(calls, "docker run --detach --name trafficlab-api-green ");
    const healthChecks = calls.map((call, i) => (call.startsWith("docker inspect --type container") && call.endsWith("trafficlab-api-green") ? i : -1)).filter((i) => i > run);
    expect(healthChecks.length, "the loop polled until healthy").to.be.at.least(2);
    const test = indexOf(calls, "docker compose exec -T nginx nginx -t -c /etc/nginx/trafficlab/nginx.conf");
    const reload = indexOf(calls, "docker compose exec -T nginx nginx -s reload -c /etc/nginx/trafficlab/nginx.conf");
    const stop = indexOf(calls, "docker stop -t 30 trafficlab-api-blue");
    const remove = indexOf(calls, "docker rm trafficlab-api-blue");
    expect(healthChecks.at(-1)!).to.be.lessThan(test);
    expect(test).to.be.lessThan(reload);
    expect(reload).to.be.lessThan(stop);
    expect(stop).to.be.lessThan(remove);
    expect(proxyLog().slice(-2)).to.deep.equal(["nginx -t: server trafficlab-api-green:8080;", "reload: server trafficlab-api-green:8080;"]);
    expect(upstream()).to.include("server trafficlab-api-green:8080;");
    expect(container("trafficlab-api-green")).to.equal("running healthy");
    expect(container("trafficlab-api-blue")).to.equal(undefined);
    expect([state("active-color"), state("current-image"), state("previous-image")]).to.deep.equal(["green\n", `${IMAGE_B}\n`, `${IMAGE_A}\n`]);
    expect(parsePreviousImage(result.stdout)).to.equal(IMAGE_A);
    expect(calls.filter((call) => /^docker (rmi|image rm|image prune|system prune)/.test(call))).to.deep.equal([]);
    expect(existsSync(join(sandbox.state, "images", IMAGE_A.replace(/[/:@]/g, "_")))).to.equal(true);
  });

  const failures: Array<{ scenario: string; says: string; log: string }> = [
    { scenario: "never-healthy", says: "trafficlab-api-green did not become healthy within 1 s (health: starting); not switching", log: "HikariPool-1 - Starting... (waiting for trafficlab-db:3306)" },
    { scenario: "crash", says: "trafficlab-api-green stopped (state exited, exit code 1); not switching", log: "Caused by: java.net.UnknownHostException: trafficlab-db" },
    { scenario: "unhealthy", says: "trafficlab-api-green became unhealthy; not switching", log: "Health contributor redis is DOWN" },
  ];
  for (const { scenario, says, log } of failures) {
    it(`${scenario}: exits 1 with the new container's logs, removes it, and the old one keeps serving with nginx untouched`, async () => {
      await deployed(IMAGE_A);
      const before = dockerCalls().length;
      const upstreamBefore = upstream();
      const proxyBefore = proxyLog();
      const result = await deploy(IMAGE_B, { STUB_SCENARIO: scenario, STUB_SETTLE_POLLS: "2" }, { healthTimeoutSeconds: 1 });
      expect(result.code).to.equal(1);
      expect(result.stderr).to.include(`rolling-deploy: ${says}`);
      expect(result.stderr).to.include("== last 50 log lines of trafficlab-api-green ==");
      expect(result.stderr).to.include(`trafficlab-api-green | ${log}`);
      expect(result.stderr).to.include("removed trafficlab-api-green; nginx still sends traffic to trafficlab-api-blue");
      const calls = dockerCalls().slice(before);
      expect(calls).to.include("docker logs --tail 50 trafficlab-api-green");
      expect(calls).to.include("docker rm --force trafficlab-api-green");
      expect(calls.filter((call) => call.includes("trafficlab-api-blue") && !call.startsWith("docker inspect"))).to.deep.equal([]);
      expect(calls.filter((call) => call.startsWith("docker compose exec") || call.startsWith("docker update"))).to.deep.equal([]);
      expect(container("trafficlab-api-blue")).to.equal("running healthy");
      expect(container("trafficlab-api-green")).to.equal(undefined);
      expect(upstream()).to.equal(upstreamBefore);
      expect(proxyLog()).to.deep.equal(proxyBefore);
      expect([state("active-color"), state("current-image"), state("previous-image")]).to.deep.equal(["blue\n", `${IMAGE_A}\n`, "\n"]);
      expect(result.stdout).not.to.include("previous-image=");
    });
  }

  it("nginx -t refuses the switch: the upstream file is put back, no reload, the new container removed, the old one serving", async () => {
    await deployed(IMAGE_A);
    const upstreamBefore = upstream();
    const before = dockerCalls().length;
    const result = await deploy(IMAGE_B, { STUB_NGINX_TEST_EXIT: "1" });
    expect(result.code).to.equal(1);
    expect(result.stderr).to.include("nginx refused the switch to trafficlab-api-green; putting nginx/upstream.conf back");
    const calls = dockerCalls().slice(before);
    expect(calls).to.include("docker compose exec -T nginx nginx -t -c /etc/nginx/trafficlab/nginx.conf");
    expect(calls.filter((call) => call.includes("-s reload"))).to.deep.equal([]);
    expect(upstream()).to.equal(upstreamBefore);
    expect(container("trafficlab-api-blue")).to.equal("running healthy");
    expect(container("trafficlab-api-green")).to.equal(undefined);
    expect(state("active-color")).to.equal("blue\n");
  });

  it("refuses to switch when docker compose cannot tell whether nginx runs", async () => {
    await deployed(IMAGE_A);
    const result = await deploy(IMAGE_B, { STUB_COMPOSE_PS_EXIT: "1" });
    expect(result.code).to.equal(1);
    expect(result.stderr).to.include("docker compose cannot tell whether nginx runs; not switching");
    expect(upstream()).to.include("server trafficlab-api-blue:8080;");
    expect(container("trafficlab-api-blue")).to.equal("running healthy");
    expect(container("trafficlab-api-green")).to.equal(undefined);
  });

  it("the same image twice is a no-op: no container started or stopped, no reload", async () => {
    await deployed(IMAGE_A);
    await deployed(IMAGE_B);
    const before = dockerCalls().length;
    const proxyBefore = proxyLog();
    const result = await deployed(IMAGE_B);
    expect(result.stdout).to.include(`trafficlab-api-green already runs ${IMAGE_B} with this env file and is healthy; nothing to roll`);
    const calls = dockerCalls().slice(before);
    expect(calls.filter((call) => /^docker (run|stop|rm|update|pull|compose exec|network create)/.test(call))).to.deep.equal([]);
    expect(proxyLog()).to.deep.equal(proxyBefore);
    expect(parsePreviousImage(result.stdout)).to.equal(IMAGE_A);
  });

  it("a changed env file with the same image rolls out, and the previous image stays the last different one", async () => {
    await deployed(IMAGE_A);
    await deployed(IMAGE_B);
    writeFileSync(join(projectDir, "api.env"), renderContainerEnvFile({ SPRING_DATASOURCE_PASSWORD: "rotated-Pa55word" }));
    const result = await deployed(IMAGE_B);
    expect(container("trafficlab-api-blue")).to.equal("running healthy");
    expect(container("trafficlab-api-green")).to.equal(undefined);
    expect(upstream()).to.include("server trafficlab-api-blue:8080;");
    expect(parsePreviousImage(result.stdout)).to.equal(IMAGE_A);
  });

  it("rollback: setting the previous image back redeploys it the same way, from the image kept on the host", async () => {
    await deployed(IMAGE_A);
    await deployed(IMAGE_B);
    const before = dockerCalls().length;
    const result = await deployed(IMAGE_A);
    const calls = dockerCalls().slice(before);
    expect(calls.filter((call) => call.startsWith("docker pull"))).to.deep.equal([]);
    expect(calls[indexOf(calls, "docker run ")]).to.include("--name trafficlab-api-blue").and.match(/trafficlab\/api:1\.4\.0$/);
    expect(indexOf(calls, "docker compose exec -T nginx nginx -s reload")).to.be.lessThan(indexOf(calls, "docker stop -t 30 trafficlab-api-green"));
    expect(upstream()).to.include("server trafficlab-api-blue:8080;");
    expect(container("trafficlab-api-green")).to.equal(undefined);
    expect([state("active-color"), state("current-image"), state("previous-image")]).to.deep.equal(["blue\n", `${IMAGE_A}\n`, `${IMAGE_B}\n`]);
    expect(parsePreviousImage(result.stdout)).to.equal(IMAGE_B);
  });

  it("with the state directory lost, the color nginx points at is the active one and is drained, not killed first", async () => {
    await deployed(IMAGE_A);
    rmSync(join(projectDir, ".deploy"), { recursive: true });
    const before = dockerCalls().length;
    await deployed(IMAGE_B);
    const calls = dockerCalls().slice(before);
    expect(calls[indexOf(calls, "docker run ")]).to.include("--name trafficlab-api-green");
    expect(indexOf(calls, "docker compose exec -T nginx nginx -s reload")).to.be.lessThan(indexOf(calls, "docker stop -t 30 trafficlab-api-blue"));
    expect(state("previous-image")).to.equal(`${IMAGE_A}\n`);
  });

  it("with the upstream file lost, the state file names the active color", async () => {
    await deployed(IMAGE_A);
    rmSync(join(projectDir, "nginx", "upstream.conf"));
    const before = dockerCalls().length;
    await deployed(IMAGE_B);
    const calls = dockerCalls().slice(before);
    expect(calls[indexOf(calls, "docker run ")]).to.include("--name trafficlab-api-green");
    expect(indexOf(calls, "docker compose exec -T nginx nginx -s reload")).to.be.lessThan(indexOf(calls, "docker stop -t 30 trafficlab-api-blue"));
    expect(upstream()).to.include("server trafficlab-api-green:8080;");
  });

  it("replaces a container of the new color left over from an interrupted deploy", async () => {
    await deployed(IMAGE_A);
    writeFileSync(join(sandbox.state, "containers", "trafficlab-api-green"), `running|starting|0||${IMAGE_B}|0|never-healthy\n`);
    const result = await deployed(IMAGE_B);
    expect(result.stdout).to.include("removing trafficlab-api-green, left over from an earlier deploy");
    expect(container("trafficlab-api-green")).to.equal("running healthy");
    expect(container("trafficlab-api-blue")).to.equal(undefined);
  });

  it("waits for the drain time between the reload and stopping the old container", async () => {
    await deployed(IMAGE_A);
    const result = await deploy(IMAGE_B, {}, { drainSeconds: 1 });
    expect(result.code, result.stderr).to.equal(0);
    const lines = result.stdout.split("\n");
    const reloaded = lines.findIndex((line) => line.includes("nginx reloaded; new requests go to trafficlab-api-green"));
    const waiting = lines.indexOf("rolling-deploy: waiting 1 s for requests in flight on trafficlab-api-blue");
    const removed = lines.findIndex((line) => line.startsWith("rolling-deploy: stopped and removed trafficlab-api-blue"));
    expect(reloaded).to.be.at.least(0);
    expect(waiting).to.be.greaterThan(reloaded);
    expect(removed).to.be.greaterThan(waiting);
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

  it("rollingTeardownScript removes both colors, the network and the state, and keeps the images", async () => {
    await deployed(IMAGE_A);
    await deployed(IMAGE_B);
    const before = dockerCalls().length;
    const result = await sandbox.run(rollingTeardownScript({ projectDir, lockFile: join(sandbox.root, "deploy.lock") }));
    expect(result.code, result.stderr).to.equal(0);
    const calls = dockerCalls().slice(before);
    expect(calls).to.include("docker rm --force trafficlab-api-green");
    expect(calls).to.include("docker network rm trafficlab-api");
    expect(calls.filter((call) => /^docker (rmi|image)/.test(call))).to.deep.equal([]);
    expect(container("trafficlab-api-green")).to.equal(undefined);
    expect(existsSync(join(projectDir, ".deploy"))).to.equal(false);
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
      containerPrefix: "app",
      environment: { SPRING_PROFILES_ACTIVE: "prod", TZ: "UTC", QUOTE: "it's" },
      envFile: "secrets/app.env",
      upstreamFile: "proxy/upstream.conf",
      stateDir: "state",
      apiPort: 9000,
      healthPath: "/health?deep=true",
      proxyService: "edge",
      proxyConfigPath: "/etc/nginx/nginx.conf",
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
