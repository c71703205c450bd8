import { expect } from "chai";
import { createHash } from "node:crypto";
import { parse } from "yaml";
import { requireTools } from "@trafficlab/testing";
import { FIXTURES, controlScript, describeRun, rampToKnee } from "../src/capacity";
import { describeLoad, startLoad, type Load, type LoadReport } from "../src/load";
import { e2eImage, requireEngine, sleep } from "../src/world";
import { Balancer, buildBalancerImage, type TargetGroupCheck } from "../fleet/balancer";
import { BOOT_UNIT, get, instanceLogs, instanceUserData, sampleProcessLists, secretSightings, waitForBoot, type BootResult } from "../fleet/boot";
import { recordFleet, TARGET_GROUP, type FleetRecording } from "../fleet/record";
import { FleetWorld, buildImages, hostComposePin, type Instance } from "../fleet/world";

/**
 * The fleet's instances (@trafficlab/fleet ApiFleet), booted on a real Docker engine from the
 * user data of the recorded launch template, as EC2 and cloud-init boot them, and one of them
 * replaced behind a load balancer under load the way an instance refresh with 100 % minimum
 * healthy replaces it. e2e/fleet/README.md says what each step stands for.
 *
 * Env: E2E_KEEP_RUN=1 leaves the run (containers, run directory) in place for a look;
 * E2E_FLEET_DEREGISTRATION_SECONDS (default 8) is the target group's deregistration delay
 * (60 s in the fleet) the replacement waits.
 */

const API_V1 = e2eImage("api", "healthy-v1");
const API_V2 = e2eImage("api", "healthy-v2");
const REF = { v1: "example/trafficlab-api:1.0.0", v2: "example/trafficlab-api:2.0.0", nginx: "nginx:1.28.0-alpine" };
const LOAD_PATH = "/api/info";
/** The target group's check (15 s, timeout 5 s, 2 up, 3 down) with its times scaled down; thresholds as in the fleet. */
const CHECK_INTERVAL_SECONDS = 2;
const DEREGISTRATION_SECONDS = Number(process.env.E2E_FLEET_DEREGISTRATION_SECONDS ?? 8);
/** A boot (Docker already in the image, two pulls from the mirror, the API's start) must end within this. */
const BOOT_LIMIT_SECONDS = 240;
/** The capacity ramps: the stress profile's mix and users, the rate raised to this peak; each stops itself past its knee. */
const FLEET_RAMP_PEAK_RPS = Number(process.env.E2E_FLEET_RAMP_PEAK_RPS ?? 1200);
const FLEET_RAMP_SECONDS = 40;
/** The CPU each API container may use in the capacity scenario: two of them stay well inside this machine's 2 cores. */
const INSTANCE_API_CPUS = Number(process.env.E2E_FLEET_INSTANCE_CPUS ?? 0.4);

const say = (line: string) => console.log(`      ${line}`);
/** Successful responses a second over a whole run: what the target sustained, errors left out. */
const goodput = (run: { requests: number; errors: number; elapsedS: number }) => (run.requests - run.errors) / run.elapsedS;
const numbers: string[] = [];
function record(scenario: string, text: string): void {
  numbers.push(`${scenario}\n${text}`);
  say(text.split("\n").join("\n      "));
}
const versionOf = (body: string | undefined) => /"version":\s*"([^"]+)"/.exec(body ?? "")?.[1];

function noErrors(reports: LoadReport[]): void {
  for (const r of reports) {
    expect(r.requests, `${r.client}: requests`).to.be.greaterThan(0);
    expect(r.non2xx, `${r.client}: non-2xx responses`).to.equal(0);
    expect(r.socketErrors, `${r.client}: socket errors ${JSON.stringify(r.errors)}`).to.equal(0);
  }
}

describe("e2e fleet: ApiFleet instances boot from the recorded launch template, and one is replaced under load", function () {
  let world: FleetWorld | undefined;
  let load: Load | undefined;
  let balancer: Balancer | undefined;
  let v1: FleetRecording;
  let v2: FleetRecording;
  let userDataV1: ReturnType<typeof instanceUserData>;
  let userDataV2: ReturnType<typeof instanceUserData>;
  let secrets: Record<string, string>;
  let balancerImage: string;
  const booted: Instance[] = [];
  // From this suite's before(): mocha loads every file, then runs the suites one after another.
  let started = Date.now();

  before(async function () {
    started = Date.now();
    this.timeout(1_800_000);
    requireTools(this, "wrk", "docker", "openssl", "curl");
    await requireEngine(this);
    const setup = Date.now();
    const built = await buildImages(["base", "host", "registry", "nginx", "mysql", "valkey", "api"]);
    const haproxy = await buildBalancerImage();
    balancerImage = haproxy.tag;
    say(`images: ${built.split("\n").join("; ")}; ${haproxy.built ? "built" : "reused"} ${haproxy.tag} ${haproxy.seconds.toFixed(0)} s`);

    world = await FleetWorld.create();
    say(`fleet run ${world.id}: ${world.dir} (network ${world.network}, ${world.subnet})`);
    // The stack recorded twice: the first `up`, then a new apiImage (a new launch template
    // version); Pulumi keeps the passwords between them, and so does the second recording.
    v1 = await recordFleet(world, { image: REF.v1 });
    v2 = await recordFleet(world, { image: REF.v2, keep: { databasePassword: v1.secrets.databasePassword, cachePassword: v1.secrets.cachePassword } });
    expect(v2.parameters, "the second up keeps Parameter Store's contents").to.deep.equal(v1.parameters);
    secrets = { ...v1.secrets };
    await world.makeCertificates();
    await world.startRegistry();
    const dataTier = world.startDataTier({ databaseName: v1.database.name, databaseUser: v1.database.username, databasePassword: v1.secrets.databasePassword, cacheUser: v1.secrets.cacheUsername, cachePassword: v1.secrets.cachePassword });
    const pushStarted = Date.now();
    const w = world;
    // The two API versions share every layer but the CA's: the second push only mounts them.
    await Promise.all([w.push(API_V1, REF.v1, true).then(() => w.push(API_V2, REF.v2, true)), w.push(e2eImage("nginx"), REF.nginx, false)]);
    const pushSeconds = (Date.now() - pushStarted) / 1000;
    await dataTier;
    const pin = await hostComposePin();
    userDataV1 = instanceUserData(v1.cloudConfig, pin);
    userDataV2 = instanceUserData(v2.cloudConfig, pin);
    say(`world ready in ${((Date.now() - setup) / 1000).toFixed(0)} s (pushes ${pushSeconds.toFixed(0)} s); user data ${Buffer.from(v1.userData, "base64").length} bytes gzipped (${v1.cloudConfig.length} bytes of cloud-config); Compose pin ${pin.version}`);
  });

  after(async function () {
    this.timeout(600_000);
    if (load) await load.stop().catch(() => undefined);
    if (world) {
      if (process.env.E2E_KEEP_RUN === "1") say(`kept fleet run ${world.dir} (containers tlfleet-${world.id}-*)`);
      else await world.destroy();
    }
    if (numbers.length > 0) {
      console.log(`\n  fleet e2e numbers\n${numbers.map((n) => `  ${n.split("\n").join("\n  ")}`).join("\n")}\n  wall time (this file): ${((Date.now() - started) / 1000).toFixed(0)} s`);
    }
  });

  it("boot: two instances boot from the user data with cloud-init; the API is healthy behind nginx on port 80; api.env is 600 with the secrets; no secret in the user data, the boot log or a process list", async function () {
    const w = world!;
    // What `pulumi up` sends: no secret in it, and only the Compose pin differs in what the instance gets.
    expect(secretSightings({ "the recorded user data (cloud-config)": v1.cloudConfig }, secrets)).to.deep.equal([]);
    expect(userDataV1.substituted).to.equal(3);
    const sent = v1.cloudConfig.split("\n");
    const got = userDataV1.cloudConfig.split("\n");
    expect(got.length).to.equal(sent.length);
    expect(got.filter((line, i) => line !== sent[i]).map((line) => line.trim().split("=")[0])).to.deep.equal(["compose_version", "compose_sha256_x86_64", "compose_sha256_aarch64"]);

    const processes = sampleProcessLists(w);
    let boots: BootResult[];
    let processText: string;
    let samples: number;
    try {
      const instances = await Promise.all(["i1", "i2"].map((name) => w.launchInstance(name, userDataV1.bytes, v1.parameters)));
      booted.push(...instances);
      boots = await Promise.all(instances.map((instance) => waitForBoot(w, instance, v1.healthPath, BOOT_LIMIT_SECONDS)));
    } finally {
      ({ text: processText, samples } = await processes.stop());
    }
    for (const [i, instance] of booted.entries()) {
      const boot = boots[i]!;
      const journal = (await w.on(instance, `cat /var/log/tlfleet/${BOOT_UNIT}.journal`)).stdout;
      expect(boot.ok, `${instance.name}: ${BOOT_UNIT} ${boot.result}\n${journal.slice(-3000)}`).to.equal(true);
      expect(journal).to.include("boot: done: nginx answers on port 80");

      // cloud-init did it: the gzipped user data from the seed, write_files with each entry's
      // permissions and owner, runcmd through scripts_user, and it ended without error.
      const result = await w.on(instance, "cat /run/cloud-init/result.json");
      expect(JSON.parse(result.stdout).v1.errors, "cloud-init's errors").to.deep.equal([]);
      const cloudInit = await w.on(
        instance,
        "set -e; /usr/bin/cloud-init status; grep -c 'Running module write_files' /var/log/cloud-init.log; grep -c 'Running module scripts_user' /var/log/cloud-init.log; /usr/bin/cloud-init schema --system 2>&1 | tail -n 1",
      );
      expect(cloudInit.code, cloudInit.stderr).to.equal(0);
      const [status, writeFilesRuns, scriptsUserRuns, schema] = cloudInit.stdout.trim().split("\n");
      expect(status).to.equal("status: done");
      expect(Number(writeFilesRuns)).to.equal(1);
      expect(Number(scriptsUserRuns)).to.equal(1);
      expect(schema).to.match(/Valid cloud-config/);
      const kept = await w.on(instance, "gzip -dc /var/lib/cloud/instance/user-data.txt 2>/dev/null || cat /var/lib/cloud/instance/user-data.txt");
      expect(kept.stdout, "the user data cloud-init read").to.equal(userDataV1.cloudConfig);
      const files = (parse(userDataV1.cloudConfig.replace(/^#cloud-config\n/, ""), { version: "1.1" }) as { write_files: { path: string; owner: string; permissions: string; content: string }[] }).write_files;
      const onDisk = await w.on(instance, `for f in ${files.map((f) => f.path).join(" ")}; do stat -c '%n %a %U:%G' "$f"; sha256sum "$f" | cut -d' ' -f1; done`);
      const lines = onDisk.stdout.trim().split("\n");
      for (const [n, file] of files.entries()) {
        expect(lines[2 * n], file.path).to.equal(`${file.path} ${Number.parseInt(file.permissions, 8).toString(8)} ${file.owner}`);
        expect(lines[2 * n + 1], `${file.path}: content`).to.equal(createHash("sha256").update(file.content).digest("hex"));
      }

      // Healthy behind nginx: the target group's check, from the run network to port 80.
      const health = await get(instance.ip, 80, v1.healthPath);
      expect(health?.status, `${instance.name}: GET ${v1.healthPath} through nginx on port 80`).to.equal(200);
      expect(versionOf((await get(instance.ip, 80, LOAD_PATH))?.body)).to.equal("v1");
      const env = await w.on(instance, "stat -c '%a %U' /opt/trafficlab/api.env; cat /opt/trafficlab/api.env");
      const [mode, ...envLines] = env.stdout.trim().split("\n");
      expect(mode, "api.env mode and owner").to.equal("600 root");
      expect(envLines.sort()).to.deep.equal([`SPRING_DATASOURCE_PASSWORD=${secrets.databasePassword}`, `SPRING_DATA_REDIS_PASSWORD=${secrets.cachePassword}`, `SPRING_DATA_REDIS_USERNAME=${secrets.cacheUsername}`]);
      const calls = (await w.on(instance, "cat /var/log/tlfleet/aws.log")).stdout.trim().split("\n");
      expect(calls.map((c) => c.replace(/^\S+ /, "")).sort()).to.deep.equal(Object.keys(v1.parameters).map((name) => `aws ssm get-parameter --region ${w.region} --name ${name} --with-decryption --query Parameter.Value --output text`).sort());
    }
    const logs = Object.assign({}, ...(await Promise.all(booted.map((i) => instanceLogs(w, i))))) as Record<string, string>;
    const sightings = secretSightings({ ...logs, [`ps auxww on the machine and the instances (${samples} samples)`]: processText }, secrets);
    expect(sightings, "secrets seen").to.deep.equal([]);
    const size = Object.values(logs).reduce((n, text) => n + text.length, 0) + processText.length;
    record(
      "boot (2 instances at once, v1)",
      booted
        .map((instance, i) => `    ${instance.name}: boot unit started ${boots[i]!.startedSeconds.toFixed(1)} s after launch, healthy through nginx on :80 at ${boots[i]!.healthySeconds?.toFixed(1)} s, boot unit done at ${boots[i]!.seconds.toFixed(1)} s`)
        .concat(`    cloud-init: status done, write_files and scripts_user once each, schema valid; ${Object.keys(secrets).length} secrets in ${Object.keys(logs).length + 1} sources (${(size / 1e6).toFixed(1)} MB, ${samples} process samples): none found`)
        .join("\n"),
    );
  });

  it("boot fails before the API starts when a parameter cannot be read", async function () {
    const w = world!;
    const missing = Object.keys(v1.parameters).find((name) => name.endsWith("/cache-password"))!;
    const parameters = Object.fromEntries(Object.entries(v1.parameters).filter(([name]) => name !== missing));
    const instance = await w.launchInstance("i-missing", userDataV1.bytes, parameters);
    try {
      const boot = await waitForBoot(w, instance, v1.healthPath, BOOT_LIMIT_SECONDS);
      const journal = (await w.on(instance, `cat /var/log/tlfleet/${BOOT_UNIT}.journal`)).stdout;
      expect(boot.ok, journal).to.equal(false);
      expect(boot.result).to.match(/^exit-code [1-9]/);
      expect(journal).to.include(`gave up reading ${missing}`);
      expect(journal, "the AWS CLI's error").to.include("An error occurred (ParameterNotFound) when calling the GetParameter operation");
      expect(journal).not.to.include("starting nginx");
      const containers = await w.on(instance, "docker ps -a --format '{{.Names}} {{.Image}}'; ls /opt/trafficlab/api.env 2>&1 || true");
      expect(containers.stdout.trim(), "containers on the instance, api.env").to.equal("ls: cannot access '/opt/trafficlab/api.env': No such file or directory");
      expect(boot.healthySeconds, "never healthy").to.equal(undefined);
      expect(await get(instance.ip, 80, v1.healthPath, 1000), "nothing on port 80").to.equal(undefined);
      const logs = await instanceLogs(w, instance);
      expect(secretSightings(logs, secrets)).to.deep.equal([]);
      record("boot with a parameter missing", `    ${instance.name}: boot unit failed (${boot.result}) ${boot.seconds.toFixed(1)} s after launch, after 3 reads of ${missing}; no container, no api.env, nothing on :80`);
    } finally {
      await w.terminate(instance);
    }
  });

  it("replace one instance as an instance refresh does (min healthy 100 %): launch, healthy on the balancer, drain, terminate; 0 errors under load", async function () {
    const w = world!;
    const [old, kept] = booted as [Instance, Instance];
    const check: TargetGroupCheck = { path: v1.healthPath, intervalSeconds: CHECK_INTERVAL_SECONDS, timeoutSeconds: CHECK_INTERVAL_SECONDS, healthyThreshold: TARGET_GROUP.healthyThreshold, unhealthyThreshold: TARGET_GROUP.unhealthyThreshold };
    balancer = await Balancer.start(w, balancerImage, check, [old, kept]);
    await Promise.all([old, kept].map((instance) => balancer!.untilHealthy(instance, 30)));

    load = startLoad({ port: balancer.port, path: LOAD_PATH, workDir: w.dir, maxSeconds: 400, maxRequests: 40_000 });
    const replaceStarted = Date.now();
    let reports: LoadReport[];
    let healthySeconds: number;
    let bootSeconds: number;
    let drained: { inFlight: number; requestsBefore: number; requestsAfter: number };
    try {
      await sleep(3000);
      // The refresh launches the replacement from the new launch template version; the group
      // registers it in the target group at once, where it stays unhealthy until it passes.
      const fresh = await w.launchInstance("i3", userDataV2.bytes, v2.parameters);
      await balancer.register(fresh);
      // The refresh moves on once the new instance is healthy and warmed up (instanceWarmupSeconds,
      // 300 s in the fleet): here, once the balancer counts it healthy and its boot has ended.
      const [boot, healthy] = await Promise.all([waitForBoot(w, fresh, v2.healthPath, BOOT_LIMIT_SECONDS), balancer.untilHealthy(fresh, BOOT_LIMIT_SECONDS, fresh.launchedAt)]);
      expect(boot.ok, `${fresh.name}: ${boot.result}`).to.equal(true);
      bootSeconds = boot.seconds;
      healthySeconds = healthy;
      booted.push(fresh);
      // Then the old one is deregistered (draining for the deregistration delay) and terminated.
      const before = await balancer.target(old.name);
      await balancer.drain(old);
      await sleep(DEREGISTRATION_SECONDS * 1000);
      const after = await balancer.target(old.name);
      drained = { inFlight: after.inFlight, requestsBefore: before.requests, requestsAfter: after.requests };
      await balancer.deregister(old);
      await w.terminate(old);
      await sleep(3000);
    } finally {
      reports = await load.stop();
      load = undefined;
    }
    const replaceSeconds = (Date.now() - replaceStarted) / 1000;
    const targets = await balancer.targets();
    record(
      "replace one instance (v1 -> v2)",
      [
        describeLoad(reports),
        `    i3 (v2): registered at launch; healthy on the balancer ${healthySeconds!.toFixed(1)} s after launch (checks every ${CHECK_INTERVAL_SECONDS} s, ${check.healthyThreshold} to pass); boot unit done at ${bootSeconds!.toFixed(1)} s`,
        `    i1 drained for ${DEREGISTRATION_SECONDS} s: requests answered by it after the drain began ${drained!.requestsAfter - drained!.requestsBefore}, in flight at the end ${drained!.inFlight}; then removed and terminated`,
        `    replacement under load: ${replaceSeconds.toFixed(1)} s; targets now ${targets.map((t) => `${t.name} ${t.status}`).join(", ")}`,
      ].join("\n"),
    );
    noErrors(reports);
    expect(targets.map((t) => [t.name, t.status])).to.deep.equal([
      ["i2", "UP"],
      ["i3", "UP"],
    ]);
    const fresh = booted.find((i) => i.name === "i3")!;
    expect(versionOf((await get(fresh.ip, 80, LOAD_PATH))?.body), "the new instance serves v2").to.equal("v2");
    expect(reports[1]!.versions?.v2 ?? 0, "v2 answered through the balancer").to.be.greaterThan(0);
    // At most what the two clients can have in flight (16 + 2) finishes on it after the drain began.
    expect(drained!.requestsAfter - drained!.requestsBefore, "requests the draining instance answered after the drain began").to.be.at.most(18);
    // And through the balancer now: both remaining instances answer.
    const seen = new Set<string>();
    for (let i = 0; i < 10; i++) seen.add(versionOf((await get("127.0.0.1", balancer.port, LOAD_PATH))?.body) ?? "none");
    expect([...seen].sort()).to.deep.equal(["v1", "v2"]);
  });

  it("capacity: the stress ramp through the balancer, with one instance in rotation and then with two", async function () {
    const w = world!;
    const [first, second] = booted.filter((i) => i.name !== "i1") as [Instance, Instance];
    const seeded = await w.on(first, controlScript('"$(docker ps -q --filter label=trafficlab.role=api | head -n 1)"', "/e2e/fixtures"), JSON.stringify(FIXTURES));
    expect(seeded.code, `fixtures: ${seeded.stdout}${seeded.stderr}`).to.equal(0);
    // An EC2 instance is a fixed-size machine; these two share this machine's cores, so without a
    // cap a second one adds no CPU and the comparison measures nothing. Each API container gets the
    // same quota (its own engine's cgroup), leaving the rest for HAProxy, the data tier and the generator.
    for (const instance of [first, second]) {
      const capped = await w.on(instance, `api="$(docker ps -q --filter label=trafficlab.role=api)" && docker update --cpus ${INSTANCE_API_CPUS} "$api" >/dev/null && docker inspect --format '{{.HostConfig.NanoCpus}}' "$api"`);
      expect(capped.stdout.trim(), `${instance.name}: the API container's CPU quota (${capped.stderr})`).to.equal(String(Math.round(INSTANCE_API_CPUS * 1e9)));
    }
    const target = `http://127.0.0.1:${balancer!.port}`;
    await balancer!.drain(second);
    const one = await rampToKnee({ target, peakRps: FLEET_RAMP_PEAK_RPS, seconds: FLEET_RAMP_SECONDS, maxRequests: 30_000, log: say });
    await balancer!.ready(second);
    await balancer!.untilHealthy(second, 30);
    const answeredBefore = await Promise.all([first, second].map((i) => balancer!.target(i.name)));
    const two = await rampToKnee({ target, peakRps: FLEET_RAMP_PEAK_RPS, seconds: FLEET_RAMP_SECONDS, maxRequests: 30_000, log: say });
    const answeredAfter = await Promise.all([first, second].map((i) => balancer!.target(i.name)));
    const shares = [first, second].map((i, k) => `${i.name} ${answeredAfter[k]!.requests - answeredBefore[k]!.requests}`).join(", ");
    record(
      "capacity: one instance vs two (stress ramp through HAProxy)",
      [
        `    each API container capped at ${INSTANCE_API_CPUS} CPU (docker update --cpus)`,
        `    1 instance (${first.name}): ${describeRun(one)}`,
        `    2 instances (${first.name}, ${second.name}): ${describeRun(two)}; answered (2xx + 5xx) by ${shares}`,
        `    successful responses/s: one ${goodput(one).toFixed(1)}, two ${goodput(two).toFixed(1)} (ratio ${(goodput(two) / goodput(one)).toFixed(2)}); knees (recorded, not asserted): one ${one.kneeRps ?? "none"}, two ${two.kneeRps ?? "none"} requests/s`,
      ].join("\n"),
    );
    expect(one.kneeRps, `one instance: the ramp to ${FLEET_RAMP_PEAK_RPS}/s found no knee`).to.not.equal(null);
    // What a second instance adds is capacity: the successful responses a second both ramps sustain
    // past their knees. The knee itself (the first 3 s with p99 > 500 ms) moves with a few slow
    // requests at low rates (three capped runs: two/one 6.2, 1.32, 0.71), so it is only recorded.
    // Uncapped, with no CPU added, the ratio was 1.19; capped it was 2.0 to 4.1.
    expect(goodput(two) / goodput(one), "successful responses/s, two instances over one").to.be.at.least(1.5);
  });
});
