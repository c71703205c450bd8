import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { InvalidArgumentError } from "@trafficlab/validation";
import { composeDownScript, composeUpScript, pullImagesScript, writeFileScript } from "@trafficlab/api-host";
import { createSandbox, requireTools, stub, type Sandbox } from "./sandbox";

/**
 * A docker CLI that plays a compose project: `api` never gets healthy, `nginx` waits for it,
 * `worker` is fine. `compose up` marks its start and end so overlapping deploys would show.
 */
const DOCKER = stub(
  "docker",
  `echo "cwd $(pwd)" >> "$SANDBOX_STATE/docker-cwd"
case "$*" in
  "compose up "*)
    echo "start \${SANDBOX_RUN:-}" >> "$SANDBOX_STATE/markers"
    sleep "\${SANDBOX_UP_SECONDS:-0}"
    echo "end \${SANDBOX_RUN:-}" >> "$SANDBOX_STATE/markers"
    [ "\${SANDBOX_UP_EXIT:-0}" = 0 ] || echo "dependency failed to start: container trafficlab-api-1 is unhealthy" >&2
    exit "\${SANDBOX_UP_EXIT:-0}" ;;
  "compose ps --all --format "*)
    printf 'api running unhealthy\\nnginx created \\nworker running healthy\\n' ;;
  "compose ps --all" | "compose ps")
    printf 'NAME                 SERVICE   STATUS                     PORTS\\n'
    printf 'trafficlab-api-1     api       Up 5 minutes (unhealthy)   8080/tcp\\n'
    printf 'trafficlab-nginx-1   nginx     Created                    \\n'
    printf 'trafficlab-worker-1  worker    Up 5 minutes (healthy)     \\n' ;;
  "compose config --services")
    printf 'api\\nnginx\\nworker\\n' ;;
  "compose logs --no-color --tail 50 "*)
    service="\${*: -1}"
    printf '%s-1  | log line of %s: Caused by: java.net.UnknownHostException: trafficlab-db\\n' "$service" "$service" ;;
  "login "*)
    cat > "$SANDBOX_STATE/login-stdin" ;;
esac`,
);

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
      requireTools(this, "bash", "flock", "awk");
    });

    it("runs up --wait with the timeout, removes orphans and reports success", async () => {
      sandbox = createSandbox([DOCKER]);
      const projectDir = projectWith(sandbox, ["compose.yaml", ".env"]);
      const result = await sandbox.run(composeUpScript({ projectDir, waitTimeoutSeconds: 120, lockFile: lockFile(sandbox) }));
      expect(result.code, result.stderr).to.equal(0);
      expect(sandbox.calls()).to.deep.equal(["docker compose up -d --wait --wait-timeout 120 --remove-orphans", "docker compose ps"]);
      expect(result.stdout).to.include("deploy: all services running and healthy");
    });

    it("on failure prints the ps table and the logs of each service that is not healthy, then exits non-zero", async () => {
      sandbox = createSandbox([DOCKER]);
      const projectDir = projectWith(sandbox, ["compose.yaml", ".env"]);
      const result = await sandbox.run(composeUpScript({ projectDir, waitTimeoutSeconds: 60, lockFile: lockFile(sandbox) }), { env: { SANDBOX_UP_EXIT: "1" } });
      expect(result.code).to.equal(1);
      const output = result.stderr;
      expect(output).to.include("deploy: docker compose up failed (exit 1)");
      expect(output).to.include("== docker compose ps ==");
      expect(output).to.include("trafficlab-api-1     api       Up 5 minutes (unhealthy)   8080/tcp");
      expect(output).to.include("== last 50 log lines of api (running unhealthy) ==");
      expect(output).to.include("api-1  | log line of api: Caused by: java.net.UnknownHostException: trafficlab-db");
      expect(output).to.include("== last 50 log lines of nginx (created ) ==");
      expect(output).not.to.include("log lines of worker");
      expect(sandbox.calls()).to.include("docker compose logs --no-color --tail 50 api");
      expect(sandbox.calls()).not.to.include("docker compose logs --no-color --tail 50 worker");
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
      sandbox = createSandbox([DOCKER]);
      const projectDir = projectWith(sandbox, ["compose.yaml", ".env"]);
      const script = composeUpScript({ projectDir, lockFile: lockFile(sandbox) });
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

    it("runs down in the project directory under the lock", async () => {
      sandbox = createSandbox([DOCKER]);
      const projectDir = projectWith(sandbox, ["compose.yaml"]);
      const result = await sandbox.run(composeDownScript({ projectDir, lockFile: lockFile(sandbox) }));
      expect(result.code, result.stderr).to.equal(0);
      expect(sandbox.calls()).to.deep.equal(["docker compose down --remove-orphans"]);
      expect(readFileSync(join(sandbox.state, "docker-cwd"), "utf8")).to.equal(`cwd ${projectDir}\n`);
      expect(existsSync(lockFile(sandbox))).to.equal(true);
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
