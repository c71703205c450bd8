import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { expect } from "chai";
import { InvalidArgumentError } from "@trafficlab/validation";
import { composeDownScript, composeUpScript, pullImagesScript, writeFileScript, type ComposeUpOptions } from "@trafficlab/api-host";
import { createSandbox, findTool, requireTools, stub, type RunResult, type Sandbox } from "./sandbox";

/**
 * A docker CLI that plays a compose project. Its services and how they behave come from
 * SANDBOX_SCENARIO; every look at the first service's container (`inspect --type container`,
 * the script's look at the services) counts as one poll, logged with its time in $SANDBOX_STATE/polls:
 * - `healthy` (default): nginx is `starting` for SANDBOX_STARTING_POLLS polls (default 1), then
 *   healthy; acme (no healthcheck) runs.
 * - `restart-loop`: nginx exits at once and Docker restarts it, again and again: the first poll
 *   catches it `running` with no health status yet (as a real engine shows it right after a
 *   start, which compose's ps prints as running with an empty health), later ones `restarting`;
 *   acme runs, with no healthcheck.
 * - `unhealthy`: api turns unhealthy, nginx waits for it (`created`), worker is healthy, and
 *   cache, listed by the compose file, has no container.
 * `compose up` marks its start and end in $SANDBOX_STATE/markers, so overlapping deploys would
 * show, and fails with SANDBOX_UP_EXIT. A call with `--file .compose.last-healthy.yaml` (the
 * way back to the project that last ran healthy) is marked `rollback` and from then on every
 * service is healthy. SANDBOX_PS_EXIT makes `compose ps` fail. Any other call
 * fails as unexpected.
 */
const DOCKER = stub(
  "docker",
  `echo "cwd $(pwd)" >> "$SANDBOX_STATE/docker-cwd"
scenario="\${SANDBOX_SCENARIO:-healthy}"
if [ "\${1:-} \${2:-} \${3:-} \${4:-} \${5:-}" = "compose --file .compose.last-healthy.yaml --project-directory ." ]; then
  [ "\${6:-}" != up ] || echo "rollback" >> "$SANDBOX_STATE/markers"
  touch "$SANDBOX_STATE/rolled-back"
  shift 5
  set -- compose "$@"
fi
[ ! -e "$SANDBOX_STATE/rolled-back" ] || scenario=healthy
services() {
  case "$scenario" in
    unhealthy) printf 'api\\nnginx\\nworker\\ncache\\n' ;;
    *) printf 'nginx\\nacme\\n' ;;
  esac
}
case "$*" in
  "compose up --detach --remove-orphans")
    echo "start \${SANDBOX_RUN:-}" >> "$SANDBOX_STATE/markers"
    sleep "\${SANDBOX_UP_SECONDS:-0}"
    echo "end \${SANDBOX_RUN:-}" >> "$SANDBOX_STATE/markers"
    [ "\${SANDBOX_UP_EXIT:-0}" = 0 ] || echo "dependency failed to start: container trafficlab-api-1 is unhealthy" >&2
    exit "\${SANDBOX_UP_EXIT:-0}" ;;
  "compose config --services") services ;;
  "network prune --force --filter label=com.docker.compose.project=trafficlab")
    # Docker removes only the project's networks no container is on: the gone service's, here.
    echo "$*" >> "$SANDBOX_STATE/network-prunes"
    [ "\${SANDBOX_ORPHAN_NETWORK:-0}" = 0 ] || printf 'Deleted Networks:\ntrafficlab_metrics\n' ;;
  "inspect --type container --format {{.State.Status}} "*)
    id="\${*: -1}"
    if [ "$id" = "id-$(services | head -n 1)" ]; then echo "$(date +%s%N)" >> "$SANDBOX_STATE/polls"; fi
    poll="$(wc -l < "$SANDBOX_STATE/polls")"
    case "$scenario/$id" in
      healthy/id-nginx) if [ "$poll" -le "\${SANDBOX_STARTING_POLLS:-1}" ]; then echo "running starting"; else echo "running healthy"; fi ;;
      restart-loop/id-nginx) if [ "$poll" -le 1 ]; then echo "running no-status-yet"; else echo "restarting starting"; fi ;;
      unhealthy/id-api) echo "running unhealthy" ;;
      unhealthy/id-nginx) echo "created no-status-yet" ;;
      unhealthy/id-worker) echo "running healthy" ;;
      *) echo "running no-healthcheck" ;;
    esac ;;
  "compose ps --all" | "compose ps")
    [ "\${SANDBOX_PS_EXIT:-0}" = 0 ] || { echo "no configuration file provided: not found" >&2; exit "$SANDBOX_PS_EXIT"; }
    printf 'NAME                 SERVICE   STATUS                     PORTS\\n'
    case "$scenario" in
      healthy) printf 'trafficlab-nginx-1   nginx     Up 3 seconds (healthy)     0.0.0.0:80->80/tcp\\ntrafficlab-acme-1    acme      Up 3 seconds\\n' ;;
      restart-loop) printf 'trafficlab-nginx-1   nginx     Up Less than a second      0.0.0.0:80->80/tcp\\ntrafficlab-acme-1    acme      Up 5 seconds\\n' ;;
      unhealthy) printf 'trafficlab-api-1     api       Up 5 minutes (unhealthy)   8080/tcp\\ntrafficlab-nginx-1   nginx     Created                    \\ntrafficlab-worker-1  worker    Up 5 minutes (healthy)     \\n' ;;
    esac ;;
  "compose ps --all --quiet "*)
    [ "\${SANDBOX_PS_EXIT:-0}" = 0 ] || { echo "no configuration file provided: not found" >&2; exit "$SANDBOX_PS_EXIT"; }
    service="\${*: -1}"
    if [ "$scenario" != unhealthy ] || [ "$service" != cache ]; then echo "id-$service"; fi ;;
  "inspect --format "*)
    # What the script's template prints for each container: its restarts and health checks.
    case "$scenario/\${*: -1}" in
      restart-loop/id-nginx) echo "/trafficlab-nginx-1 restarted 9 times; " ;;
      restart-loop/id-acme) echo "/trafficlab-acme-1 restarted 0 times; no healthcheck" ;;
      unhealthy/id-api)
        echo "/trafficlab-api-1 restarted 0 times; 2026-11-30 04:00:01.5 +0000 UTC exit 1: curl: (22) The requested URL returned error: 503"
        echo "2026-11-30 04:00:11.5 +0000 UTC exit 1: curl: (22) The requested URL returned error: 503" ;;
      unhealthy/id-nginx) echo "/trafficlab-nginx-1 restarted 0 times; " ;;
      unhealthy/id-worker) echo "/trafficlab-worker-1 restarted 0 times; 2026-11-30 04:00:01.5 +0000 UTC exit 0: ok" ;;
      *) echo "/trafficlab-\${*: -1} restarted 0 times; no healthcheck" ;;
    esac ;;
  "compose logs --no-color --tail 50 "*)
    service="\${*: -1}"
    case "$scenario/$service" in
      restart-loop/nginx) echo 'nginx-1  | nginx: [emerg] unknown directive "ssl_certificate_cache" in /etc/nginx/trafficlab/conf.d/default.conf:52' ;;
      restart-loop/acme) echo "acme-1  | acme: lego failed for api.example.com; trying again in 300 s" ;;
      *) printf '%s-1  | log line of %s: Caused by: java.net.UnknownHostException: trafficlab-db\\n' "$service" "$service" ;;
    esac ;;
  "compose pull --quiet" | "pull --quiet "* | "compose down --remove-orphans") ;;
  "login "*)
    cat > "$SANDBOX_STATE/login-stdin" ;;
  *) echo "docker stub: unexpected call: $*" >&2; exit 2 ;;
esac`,
);

/** The real wc, which the stub counts polls with (the sandbox links only a few real tools). */
const WC = stub("wc", `exec ${JSON.stringify(findTool("wc") ?? "/usr/bin/wc")} "$@"`);

function lockFile(sandbox: Sandbox): string {
  return join(sandbox.root, "deploy.lock");
}

function projectWith(sandbox: Sandbox, files: string[]): string {
  const directory = join(sandbox.root, "opt", "trafficlab");
  mkdirSync(directory, { recursive: true });
  for (const file of files) writeFileSync(join(directory, file), "");
  return directory;
}

describe("@trafficlab/api-host deploy scripts", () => {
  let sandbox: Sandbox;
  afterEach(() => sandbox?.cleanup());

  describe("writeFileScript", () => {
    beforeEach(function () {
      requireTools(this, "bash", "install", "mktemp", "tee");
    });

    it("writes stdin to the file with mode 600, creating the directory, and the content is never in the script", async () => {
      sandbox = createSandbox([]);
      const target = join(sandbox.root, "opt", "trafficlab", ".env");
      const content = "SPRING_DATASOURCE_PASSWORD='s3cr3t-Pa55word'\n";
      const script = writeFileScript(target, "600");
      expect(script).not.to.include("s3cr3t");
      const result = await sandbox.run(script, { input: content });
      expect(result.code, result.stderr).to.equal(0);
      expect(readFileSync(target, "utf8")).to.equal(content);
      expect(statSync(target).mode & 0o777).to.equal(0o600);
      expect(result.stdout + result.stderr).not.to.include("s3cr3t");
      expect(readdirSync(join(sandbox.root, "opt", "trafficlab"))).to.deep.equal([".env"]);
    });

    it("replaces the file on a second run and sets the mode asked for", async () => {
      sandbox = createSandbox([]);
      const target = join(sandbox.root, "opt", "trafficlab", "nginx", "nginx.conf");
      expect((await sandbox.run(writeFileScript(target, "644"), { input: "first\n" })).code).to.equal(0);
      const second = await sandbox.run(writeFileScript(target, "644"), { input: "second\n" });
      expect(second.code, second.stderr).to.equal(0);
      expect(readFileSync(target, "utf8")).to.equal("second\n");
      expect(statSync(target).mode & 0o777).to.equal(0o644);
      expect(readdirSync(join(sandbox.root, "opt", "trafficlab", "nginx"))).to.deep.equal(["nginx.conf"]);
    });

  });

  describe("pullImagesScript", () => {
    beforeEach(function () {
      requireTools(this, "bash");
    });

    it("logs in with the password on stdin only, then pulls in the project directory", async () => {
      sandbox = createSandbox([DOCKER]);
      const projectDir = projectWith(sandbox, ["compose.yaml"]);
      const script = pullImagesScript({ projectDir, registry: "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com", username: "AWS" });
      const result = await sandbox.run(script, { input: "registry-Pa55word" });
      expect(result.code, result.stderr).to.equal(0);
      expect(sandbox.calls()).to.deep.equal(["docker login 123456789012.dkr.ecr.ap-northeast-2.amazonaws.com --username AWS --password-stdin", "docker compose pull --quiet"]);
      expect(readFileSync(join(sandbox.state, "login-stdin"), "utf8")).to.equal("registry-Pa55word");
      expect(readFileSync(join(sandbox.state, "docker-cwd"), "utf8")).to.equal(`cwd ${projectDir}\ncwd ${projectDir}\n`);
      expect(script + result.stdout + result.stderr).not.to.include("registry-Pa55word");
    });

    it("only pulls when no registry user is given", async () => {
      sandbox = createSandbox([DOCKER]);
      const projectDir = projectWith(sandbox, ["compose.yaml"]);
      const result = await sandbox.run(pullImagesScript({ projectDir }));
      expect(result.code, result.stderr).to.equal(0);
      expect(sandbox.calls()).to.deep.equal(["docker compose pull --quiet"]);
    });

    it("also pulls the images run outside compose (the API's), and refuses a floating tag", async () => {
      sandbox = createSandbox([DOCKER]);
      const projectDir = projectWith(sandbox, ["compose.yaml"]);
      const result = await sandbox.run(pullImagesScript({ projectDir, images: ["example/trafficlab-api:1.4.0"] }));
      expect(result.code, result.stderr).to.equal(0);
      expect(sandbox.calls()).to.deep.equal(["docker compose pull --quiet", "docker pull --quiet example/trafficlab-api:1.4.0"]);
      expect(() => pullImagesScript({ images: ["example/trafficlab-api:latest"] })).to.throw(InvalidArgumentError, "images");
    });

    it("logs in to Docker Hub when a user is given without a registry", async () => {
      sandbox = createSandbox([DOCKER]);
      const projectDir = projectWith(sandbox, ["compose.yaml"]);
      const result = await sandbox.run(pullImagesScript({ projectDir, username: "trafficlab" }), { input: "hub-token" });
      expect(result.code, result.stderr).to.equal(0);
      expect(sandbox.calls()[0]).to.equal("docker login --username trafficlab --password-stdin");
    });

  });

  describe("composeUpScript", () => {
    beforeEach(function () {
      requireTools(this, "bash", "flock", "awk", "wc", "date");
    });

    /** The script under test, in a project with compose.yaml and .env. */
    async function composeUp(options: Partial<ComposeUpOptions>, env: Record<string, string> = {}, lastHealthy?: string): Promise<RunResult & { seconds: number }> {
      sandbox = createSandbox([DOCKER, WC]);
      const projectDir = projectWith(sandbox, ["compose.yaml", ".env"]);
      writeFileSync(join(projectDir, "compose.yaml"), "services:\n  nginx:\n    image: nginx:1.30.0-alpine\n");
      if (lastHealthy !== undefined) writeFileSync(join(projectDir, LAST_HEALTHY), lastHealthy);
      const started = performance.now();
      const result = await sandbox.run(composeUpScript({ projectDir, lockFile: lockFile(sandbox), pollSeconds: 1, ...options }), { env });
      return { ...result, seconds: (performance.now() - started) / 1000 };
    }

    const LAST_HEALTHY = ".compose.last-healthy.yaml";
    const projectFile = (file: string) => readFileSync(join(sandbox.root, "opt", "trafficlab", file), "utf8");
    const markers = () => (existsSync(join(sandbox.state, "markers")) ? readFileSync(join(sandbox.state, "markers"), "utf8").trim().split("\n") : []);

    /** The seconds of each poll after the first. */
    function pollTimes(): number[] {
      const file = join(sandbox.state, "polls");
      if (!existsSync(file)) return [];
      const times = readFileSync(file, "utf8").trim().split("\n").map((ns) => Number(BigInt(ns) / 1_000_000n));
      return times.map((t) => (t - times[0]!) / 1000);
    }

    it("starts detached, removing orphans, without --wait; polls until every service runs healthy, then shows them", async () => {
      const result = await composeUp({ waitTimeoutSeconds: 120 }, { SANDBOX_STARTING_POLLS: "2" });
      expect(result.code, result.stderr).to.equal(0);
      const calls = sandbox.calls().filter((call) => call.startsWith("docker "));
      expect(calls[0]).to.equal("docker compose up --detach --remove-orphans");
      expect(calls.filter((call) => call.includes("--wait"))).to.deep.equal([]);
      // nginx starting twice, then healthy: three looks, a poll interval apart.
      expect(calls.filter((call) => call.startsWith("docker inspect --type container --format") && call.endsWith(" id-nginx"))).to.have.length(3);
      expect(pollTimes()[2]).to.be.at.least(1.9);
      // Then the project's networks no container is on (none here): Docker's prune, by the project's label.
      expect(calls.slice(-2)).to.deep.equal(["docker compose ps", "docker network prune --force --filter label=com.docker.compose.project=trafficlab"]);
      expect(result.stdout).to.not.include("removed networks");
      expect(result.stdout).to.include("deploy: docker compose up in").and.include("waiting up to 120 s for healthy services");
      expect(result.stdout).to.include("trafficlab-nginx-1   nginx     Up 3 seconds (healthy)");
      expect(result.stdout).to.include("deploy: all services running and healthy");
      expect(result.stderr).to.equal("");
      // What a later failed change goes back to.
      expect(projectFile(LAST_HEALTHY)).to.equal(projectFile("compose.yaml"));
    });

    it("removes the network compose made for services that are gone (hostMetrics off), through Docker's prune of the project's unused networks", async () => {
      const result = await composeUp({ waitTimeoutSeconds: 120 }, { SANDBOX_ORPHAN_NETWORK: "1" });
      expect(result.code, result.stderr).to.equal(0);
      expect(readFileSync(join(sandbox.state, "network-prunes"), "utf8")).to.equal("network prune --force --filter label=com.docker.compose.project=trafficlab\n");
      expect(result.stdout).to.include("deploy: removed networks no service uses any more: trafficlab_metrics");
    });

    it("a service that restart-loops gets the whole timeout, though caught running with no health status yet, then the report has its restarts and logs", async () => {
      const result = await composeUp({ waitTimeoutSeconds: 4 }, { SANDBOX_SCENARIO: "restart-loop" });
      expect(result.code).to.equal(1);
      // compose up --wait would have given up at the first restart, within a second or two.
      expect(result.seconds, result.stderr).to.be.at.least(4);
      expect(pollTimes().at(-1)).to.be.at.least(3.9);
      expect(pollTimes().length).to.be.at.least(4);
      const output = result.stderr;
      expect(output).to.include("deploy: not running and healthy after 4 s: nginx restarting starting");
      expect(output).to.include("== docker compose ps ==");
      expect(output).to.include("trafficlab-nginx-1   nginx     Up Less than a second");
      expect(output).to.include("== nginx: health checks ==\n/trafficlab-nginx-1 restarted 9 times;");
      expect(output).to.include("== last 50 log lines of nginx ==");
      expect(output).to.include('nginx-1  | nginx: [emerg] unknown directive "ssl_certificate_cache"');
      // Every service's logs: one that runs (no healthcheck) can be the cause too.
      expect(output).to.include("== acme: health checks ==\n/trafficlab-acme-1 restarted 0 times; no healthcheck");
      expect(output).to.include("acme-1  | acme: lego failed for api.example.com");
      expect(result.stdout).not.to.include("all services running and healthy");
      // The first deploy has nothing to go back to.
      expect(output).not.to.include("going back");
      expect(existsSync(join(sandbox.root, "opt", "trafficlab", LAST_HEALTHY))).to.equal(false);
    });

    it("after its whole wait, starts the compose project that last ran healthy again and still fails: the host serves, and Pulumi keeps the old inputs", async () => {
      const lastHealthy = "services:\n  nginx:\n    image: nginx:1.28.0-alpine\n";
      const result = await composeUp({ waitTimeoutSeconds: 3 }, { SANDBOX_SCENARIO: "restart-loop" }, lastHealthy);
      expect(result.code).to.equal(1);
      expect(result.seconds, result.stderr).to.be.at.least(3);
      const output = result.stderr;
      expect(output.indexOf("deploy: not running and healthy after 3 s: nginx restarting starting")).to.be.lessThan(output.indexOf("deploy: going back"));
      expect(output).to.include("deploy: going back to the compose project that last ran healthy (");
      expect(output).to.include("deploy: the last healthy compose project runs again; this change failed");
      expect(markers().filter((m) => m === "rollback")).to.have.length(1);
      const calls = sandbox.calls().filter((call) => call.startsWith("docker compose --file"));
      expect(calls[0]).to.equal(`docker compose --file ${LAST_HEALTHY} --project-directory . up --detach --remove-orphans`);
      // The failed change stays on disk, its copy does not become "healthy".
      expect(projectFile(LAST_HEALTHY)).to.equal(lastHealthy);
      expect(result.stdout).not.to.include("all services running and healthy");
    });

    it("does not go back when the project that failed is the one that last ran healthy", async () => {
      const result = await composeUp({ waitTimeoutSeconds: 2 }, { SANDBOX_SCENARIO: "restart-loop" }, "services:\n  nginx:\n    image: nginx:1.30.0-alpine\n");
      expect(result.code).to.equal(1);
      expect(result.stderr).not.to.include("going back");
      expect(markers()).not.to.include("rollback");
    });

    it("a service that stays unhealthy: after the timeout the report shows every service's health check output and logs, and the one never created", async () => {
      const result = await composeUp({ waitTimeoutSeconds: 2 }, { SANDBOX_SCENARIO: "unhealthy" });
      expect(result.code).to.equal(1);
      const output = result.stderr;
      expect(output).to.include("deploy: not running and healthy after 2 s: api running unhealthy\nnginx created no-status-yet\ncache not created");
      expect(output).to.include("trafficlab-api-1     api       Up 5 minutes (unhealthy)   8080/tcp");
      expect(output).to.include("== api: health checks ==\n/trafficlab-api-1 restarted 0 times; 2026-11-30 04:00:01.5 +0000 UTC exit 1: curl: (22) The requested URL returned error: 503");
      for (const service of ["api", "nginx", "worker", "cache"]) {
        expect(output).to.include(`== last 50 log lines of ${service} ==\n${service}-1  | log line of ${service}: Caused by: java.net.UnknownHostException: trafficlab-db`);
      }
      expect(output).to.include("== worker: health checks ==\n/trafficlab-worker-1 restarted 0 times; 2026-11-30 04:00:01.5 +0000 UTC exit 0: ok");
    });

    it("when compose up itself fails, reports at once, without waiting", async () => {
      const result = await composeUp({ waitTimeoutSeconds: 60 }, { SANDBOX_SCENARIO: "unhealthy", SANDBOX_UP_EXIT: "1" });
      expect(result.code).to.equal(1);
      expect(result.seconds).to.be.lessThan(10);
      expect(result.stderr).to.include("dependency failed to start: container trafficlab-api-1 is unhealthy");
      expect(result.stderr).to.include("deploy: docker compose up failed");
      expect(result.stderr).to.include("== docker compose ps ==");
      expect(result.stderr).to.include("api-1  | log line of api: Caused by: java.net.UnknownHostException: trafficlab-db");
      expect(result.stderr).to.include("worker-1  | log line of worker");
      expect(pollTimes()).to.deep.equal([]);
    });

    it("keeps waiting while docker compose cannot tell how the services are, and says so at the timeout", async () => {
      const result = await composeUp({ waitTimeoutSeconds: 2 }, { SANDBOX_PS_EXIT: "1" });
      expect(result.code).to.equal(1);
      expect(result.seconds).to.be.at.least(2);
      expect(result.stderr).to.include("deploy: not running and healthy after 2 s: docker compose cannot tell");
    });

    it("refuses to start without a required file", async () => {
      sandbox = createSandbox([DOCKER]);
      const projectDir = projectWith(sandbox, ["compose.yaml"]);
      const result = await sandbox.run(composeUpScript({ projectDir, lockFile: lockFile(sandbox), requiredFiles: [".env"] }));
      expect(result.code).to.equal(1);
      expect(result.stderr).to.include(`deploy: ${projectDir}/.env is missing; not starting`);
      expect(sandbox.calls()).to.deep.equal([]);
    });

    it("never lets two deploys interleave: the second waits for the first to finish", async () => {
      sandbox = createSandbox([DOCKER, WC]);
      const projectDir = projectWith(sandbox, ["compose.yaml", ".env"]);
      const script = composeUpScript({ projectDir, lockFile: lockFile(sandbox), pollSeconds: 1 });
      const runs = await Promise.all(
        ["A", "B"].map((run) => sandbox.run(script, { env: { SANDBOX_RUN: run, SANDBOX_UP_SECONDS: "1" } })),
      );
      for (const run of runs) expect(run.code, run.stderr).to.equal(0);
      const markers = readFileSync(join(sandbox.state, "markers"), "utf8").trim().split("\n");
      expect(markers).to.have.length(4);
      // Each start is followed by its own end before the other deploy starts.
      expect(markers[1]).to.equal(markers[0]!.replace("start", "end"));
      expect(markers[3]).to.equal(markers[2]!.replace("start", "end"));
      expect(markers[0]).not.to.equal(markers[2]);
    });

  });

  describe("composeDownScript", () => {
    beforeEach(function () {
      requireTools(this, "bash", "flock");
    });

    it("runs down in the project directory under the lock, and removes compose-up's copy of the last healthy project", async () => {
      sandbox = createSandbox([DOCKER]);
      const projectDir = projectWith(sandbox, ["compose.yaml", ".compose.last-healthy.yaml"]);
      const result = await sandbox.run(composeDownScript({ projectDir, lockFile: lockFile(sandbox) }));
      expect(result.code, result.stderr).to.equal(0);
      expect(sandbox.calls()).to.deep.equal(["docker compose down --remove-orphans"]);
      expect(readFileSync(join(sandbox.state, "docker-cwd"), "utf8")).to.equal(`cwd ${projectDir}\n`);
      expect(existsSync(lockFile(sandbox))).to.equal(true);
      expect(existsSync(join(projectDir, ".compose.last-healthy.yaml"))).to.equal(false);
      expect(existsSync(join(projectDir, "compose.yaml"))).to.equal(true);
    });

    it("exits 0 without calling docker when the project directory does not exist", async () => {
      sandbox = createSandbox([DOCKER]);
      const result = await sandbox.run(composeDownScript({ projectDir: join(sandbox.root, "nowhere"), lockFile: lockFile(sandbox) }));
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stdout).to.include("does not exist, nothing to stop");
      expect(sandbox.calls()).to.deep.equal([]);
    });

    it("exits 0 without calling docker when the directory has no compose file", async () => {
      sandbox = createSandbox([DOCKER]);
      const projectDir = projectWith(sandbox, [".env"]);
      const result = await sandbox.run(composeDownScript({ projectDir, lockFile: lockFile(sandbox) }));
      expect(result.code, result.stderr).to.equal(0);
      expect(sandbox.calls()).to.deep.equal([]);
    });
  });
});
