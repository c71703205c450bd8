import { getFrom } from "../src/load";
import { DOCKER, run } from "../src/world";
import { encodeUserData } from "@trafficlab/fleet";
import type { FleetWorld, Instance } from "./world";

/** The unit the user data's runcmd starts (BOOT_UNIT of @trafficlab/fleet). */
export const BOOT_UNIT = "trafficlab-boot.service";

/**
 * The user data an instance gets: the recorded launch template's, with one substitution. The
 * install script pins Compose v2.40.3 by sha256 and would download it from GitHub, which this
 * machine cannot reach; the host image carries Debian's Compose plugin, whose version and
 * sha256 replace the pin's three assignment lines (the day2 tier's executor does the same to
 * the single host's install step). Everything else is byte for byte what `pulumi up` sends,
 * gzipped again with the fleet's own encodeUserData; a moved line fails the test rather than
 * run something else.
 */
export function instanceUserData(cloudConfig: string, pin: { version: string; sha256: string }): { cloudConfig: string; bytes: Uint8Array; substituted: number } {
  let substituted = 0;
  const replace = (key: string, value: string) => {
    const pattern = new RegExp(`^(\\s+)${key}=.*$`, "m");
    if (!pattern.test(cloudConfig)) throw new Error(`the user data's install-docker.sh has no line ${key}=...; the Compose pin substitution needs updating`);
    cloudConfig = cloudConfig.replace(pattern, (_line, indent: string) => `${indent}${key}='${value}'`);
    substituted++;
  };
  replace("compose_version", pin.version);
  replace("compose_sha256_x86_64", pin.sha256);
  replace("compose_sha256_aarch64", pin.sha256);
  return { cloudConfig, bytes: new Uint8Array(Buffer.from(encodeUserData(cloudConfig), "base64")), substituted };
}

export interface BootResult {
  /** success, or `exit-code <status>`. */
  result: string;
  ok: boolean;
  /** Seconds from the launch (docker run) to the boot unit's end. */
  seconds: number;
  /** Seconds from the launch to the boot unit's start (the instance's start and cloud-init's stages). */
  startedSeconds: number;
  /** Seconds from the launch until GET <health path> through nginx on the instance's port 80 first answered 200 (undefined if it never did). */
  healthySeconds?: number;
}

/** Waits for the boot unit to end (its state file, written by e2e/fleet/instance/systemctl), polling nginx's port 80 meanwhile. */
export async function waitForBoot(world: FleetWorld, instance: Instance, healthPath: string, limitSeconds: number): Promise<BootResult> {
  let healthySeconds: number | undefined;
  const deadline = instance.launchedAt + limitSeconds * 1000;
  for (;;) {
    if (healthySeconds === undefined) {
      const answer = await get(instance.ip, 80, healthPath, 1000);
      if (answer?.status === 200) healthySeconds = (Date.now() - instance.launchedAt) / 1000;
    }
    const [state, started] = (await run(DOCKER, ["exec", instance.container, "cat", `/run/tlfleet/units/${BOOT_UNIT}`, `/run/tlfleet/units/${BOOT_UNIT}.started`])).stdout.trim().split("\n").map((line) => line.split(" "));
    if (state?.[0] === "inactive" || state?.[0] === "failed") {
      const at = (epoch: string | undefined) => (Number(epoch) * 1000 - instance.launchedAt) / 1000;
      return { result: state.slice(2).join(" "), ok: state[0] === "inactive" && state[2] === "success", seconds: at(state[1]), startedSeconds: at(started?.[1]), healthySeconds };
    }
    if (Date.now() > deadline) {
      const journal = await world.on(instance, `tail -n 40 /var/log/tlfleet/${BOOT_UNIT}.journal; tail -n 20 /var/log/trafficlab-e2e/cloud-init-stages.log`);
      throw new Error(`${instance.name}: the boot did not end within ${limitSeconds} s (unit state: ${state?.join(" ") || "not started"})\n${journal.stdout}${journal.stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** GET http://ip:port/path with a new connection; undefined on a socket error or timeout. */
export const get = getFrom;

/** Samples `ps auxww` on the machine and in every instance of the world every 500 ms until stopped. */
export function sampleProcessLists(world: FleetWorld): { stop(): Promise<{ text: string; samples: number }> } {
  let text = "";
  let samples = 0;
  let stopping = false;
  const loop = (async () => {
    while (!stopping) {
      const lists = await Promise.all([run("ps", ["auxww"]), ...[...world.instances.values()].map((i) => run(DOCKER, ["exec", i.container, "ps", "auxww"]))]);
      for (const list of lists) text += list.stdout;
      samples++;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  })();
  return {
    async stop() {
      stopping = true;
      await loop;
      return { text, samples };
    },
  };
}

/**
 * What a secret must not appear in on an instance: the console (the container's log, where the
 * boot unit's output also goes), the boot unit's journal, cloud-init's logs and what it kept of
 * the user data, the host image's service logs, the AWS CLI stand-in's log, and the logs of every
 * container the boot started.
 */
export async function instanceLogs(world: FleetWorld, instance: Instance): Promise<Record<string, string>> {
  const consoleLog = await run(DOCKER, ["logs", instance.container]);
  const files = await world.on(
    instance,
    'for f in /var/log/tlfleet/* /var/log/cloud-init.log /var/log/cloud-init-output.log /var/log/trafficlab-e2e/* /var/lib/cloud/instance/user-data.txt.i /var/lib/cloud/instance/cloud-config.txt /var/lib/cloud/instance/scripts/*; do [ -f "$f" ] && { echo "== $f"; cat "$f"; }; done; true',
  );
  const containers = await world.on(instance, 'for c in $(docker ps -aq); do echo "== $(docker inspect --format "{{.Name}}" "$c")"; docker logs "$c" 2>&1; done; true');
  return {
    [`${instance.name}: console (docker logs of the instance)`]: consoleLog.stdout + consoleLog.stderr,
    [`${instance.name}: boot journal, cloud-init and service logs, the user data cloud-init kept`]: files.stdout,
    [`${instance.name}: docker logs of its containers`]: containers.stdout,
  };
}

/** The places (keys of `texts`) where a secret appears, by the secret's name; never the value. */
export function secretSightings(texts: Record<string, string>, secrets: Record<string, string>): string[] {
  const found: string[] = [];
  for (const [where, text] of Object.entries(texts)) {
    for (const [name, value] of Object.entries(secrets)) if (value.length >= 8 && text.includes(value)) found.push(`${name} in ${where}`);
  }
  return found;
}
