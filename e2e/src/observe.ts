import { readFileSync } from "node:fs";
import { DOCKER, run, type E2eRun, type HostContainer } from "./world";

/**
 * What the scenarios look at on a host, as root through `docker exec` (the test's own eyes; the
 * deploy goes over SSH): listening sockets, published ports, files, process lists, logs.
 */

/** TCP ports listening on an address other than loopback in the host's network namespace. */
export async function exposedPorts(world: E2eRun, host: HostContainer): Promise<number[]> {
  const out = (await world.onHost(host, "ss -ltnH")).stdout;
  const ports = new Set<number>();
  for (const line of out.split("\n")) {
    const local = line.trim().split(/\s+/)[3];
    if (!local) continue;
    const at = local.lastIndexOf(":");
    const address = local.slice(0, at).replace(/^\[|\]$/g, "").replace(/%.*$/, "");
    if (address.startsWith("127.") || address === "::1") continue;
    ports.add(Number(local.slice(at + 1)));
  }
  return [...ports].sort((a, b) => a - b);
}

/** `name ports` of every container on the host's own engine. */
export async function publishedPorts(world: E2eRun, host: HostContainer): Promise<string[]> {
  const out = (await world.onHost(host, "docker ps --format '{{.Names}} {{.Ports}}'")).stdout;
  return out.split("\n").filter((line) => line.trim() !== "");
}

/** Whether a TCP connection to host:port succeeds from another machine of the run network (the MariaDB container). */
export async function reachableFromNetwork(world: E2eRun, ip: string, port: number): Promise<boolean> {
  const result = await run(DOCKER, ["exec", world.mysqlContainer, "timeout", "3", "bash", "-c", `exec 3<>/dev/tcp/${ip}/${port}`]);
  return result.code === 0;
}

/** Samples `ps auxww` on the machine and on every host every 500 ms until stopped. */
export function sampleProcessLists(world: E2eRun): { stop(): Promise<string> } {
  let text = "";
  let stopping = false;
  const loop = (async () => {
    while (!stopping) {
      text += (await run("ps", ["auxww"])).stdout;
      for (const host of world.hosts.values()) text += (await world.onHost(host, "ps auxww")).stdout;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  })();
  return {
    async stop() {
      stopping = true;
      await loop;
      return text;
    },
  };
}

/**
 * Everything a secret must not appear in once the deploy ran: the logs of every container on the
 * host, the host container's own log, its service logs (sshd, dockerd, the stubs), and the
 * executor's log of command output.
 */
export async function logsOf(world: E2eRun, host: HostContainer, executorLog: string): Promise<Record<string, string>> {
  const containers = (await world.onHost(host, "for c in $(docker ps -aq); do echo \"== $(docker inspect --format '{{.Name}}' \"$c\")\"; docker logs \"$c\" 2>&1; done")).stdout;
  const services = (await world.onHost(host, "for f in /var/log/trafficlab-e2e/*; do echo \"== $f\"; cat \"$f\"; done")).stdout;
  const outer = await run(DOCKER, ["logs", host.container]);
  return {
    "docker logs of the host's containers": containers,
    "the host's service logs (/var/log/trafficlab-e2e)": services,
    "docker logs of the host container": outer.stdout + outer.stderr,
    "the executor's command output": readFileSync(executorLog, "utf8"),
  };
}

/** The places (of `texts`) where any of `secrets` appears, by name; never the value. */
export function secretSightings(texts: Record<string, string>, secrets: Record<string, string>): string[] {
  const found: string[] = [];
  for (const [where, text] of Object.entries(texts)) {
    for (const [name, value] of Object.entries(secrets)) if (value.length >= 8 && text.includes(value)) found.push(`${name} in ${where}`);
  }
  return found;
}

/** The containers of the deploy on a host: nginx (compose) and the active API colour. */
export async function deployContainers(world: E2eRun, host: HostContainer): Promise<{ nginx: string; edge: string; api: string }> {
  const nginx = (await world.onHost(host, "docker ps -a --filter label=com.docker.compose.service=nginx --format '{{.Names}}'")).stdout.trim();
  const edge = (await world.onHost(host, "docker ps -a --filter label=trafficlab.role=edge --format '{{.Names}}'")).stdout.trim();
  const api = (await world.onHost(host, "docker ps -a --filter label=trafficlab.role=api --format '{{.Names}}'")).stdout.trim();
  if (!nginx || !edge || !api || edge.includes("\n") || api.includes("\n")) throw new Error(`expected one edge front (compose nginx), one nginx colour and one API container on ${host.name}, found nginx [${nginx}] edge [${edge}] api [${api}]`);
  return { nginx, edge, api };
}

/** One nginx container and its processes: the same three after a change means no restart and no reload. */
export interface NginxProcesses {
  containerId: string;
  /** The master, as the host's process namespace numbers it (`docker inspect .State.Pid`). */
  masterPid: number;
  /** Its workers: a reload replaces every one of them (new processes), a restart the master too. */
  workerPids: number[];
}

/** The edge front (compose service nginx) and the nginx colour behind it. */
export interface EdgeProcesses {
  front: NginxProcesses;
  colour: NginxProcesses & { name: string; image: string };
}

async function processesOf(world: E2eRun, host: HostContainer, container: string): Promise<NginxProcesses> {
  const out = (
    await world.onHost(host, `set -e; read -r id pid < <(docker inspect --format '{{.Id}} {{.State.Pid}}' ${container}); echo "$id $pid"; ps -o pid= --ppid "$pid" | tr -s ' \\n' ' '`)
  ).stdout.trim();
  const [first, workers = ""] = out.split("\n");
  const [containerId, master] = (first ?? "").split(" ");
  const workerPids = workers.trim().split(/\s+/).filter(Boolean).map(Number).sort((a, b) => a - b);
  if (!containerId || !master || workerPids.length === 0) throw new Error(`no nginx master and workers in ${container} on ${host.name}: ${out}`);
  return { containerId, masterPid: Number(master), workerPids };
}

export async function nginxProcesses(world: E2eRun, host: HostContainer): Promise<EdgeProcesses> {
  const { nginx, edge } = await deployContainers(world, host);
  const image = (await world.onHost(host, `docker inspect --format '{{.Config.Image}}' ${edge}`)).stdout.trim();
  return { front: await processesOf(world, host, nginx), colour: { ...(await processesOf(world, host, edge)), name: edge, image } };
}

/** How many SSH logins the host's sshd accepted so far (its log). */
export async function acceptedLogins(world: E2eRun, host: HostContainer): Promise<number> {
  const out = (await world.onHost(host, "grep -c 'Accepted publickey' /var/log/trafficlab-e2e/sshd.log || true")).stdout.trim();
  return Number(out || "0");
}

/** `repository:tag` of every image of `repository` on the host's engine. */
export async function imagesOf(world: E2eRun, host: HostContainer, repository: string): Promise<string[]> {
  const out = (await world.onHost(host, `docker images --format '{{.Repository}}:{{.Tag}}' ${repository}`)).stdout;
  return out
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .sort();
}

/** Moments of a start, in seconds since the epoch (the machine's clock: containers share it). */
export interface ServingTimes {
  /** When the watcher began, and when the host's dockerd first answered it. */
  watchStarted: number;
  dockerUp: number;
  /** Docker's StartedAt of the API container and of nginx (for the record). */
  apiStarted: number;
  nginxStarted: number;
  /** The first moment the API's health check passed (its own check, run every 0.2 s). */
  apiHealthy: number;
  /** The first moment nginx answered its own health location (it runs, with or without the API). */
  nginxUp: number;
  /** The first moment a request through nginx (the host's port 80) was answered 200. */
  serving: number;
}

/**
 * Watches, from inside the host, a start of the API and nginx containers: when the API's health
 * check first passes, when nginx first answers its own health location, when a request through
 * nginx is first answered 200, and when each container started by Docker's account. Ends once
 * all three were seen, or after `limitSeconds` (then it throws).
 */
export async function watchServing(
  host: HostContainer,
  options: { api: string; nginx: string; healthPath: string; path: string; nginxHealthPath?: string; limitSeconds: number },
): Promise<ServingTimes> {
  const script = `
api=$1 nginx=$2 health=$3 path=$4 nginx_health=$5 limit=$6
now() { date +%s.%N; }
start=$(now) docker_up= healthy= up= serving=
echo "watchStarted $start"
while :; do
  t=$(now)
  if [ -z "$docker_up" ] && docker info >/dev/null 2>&1; then docker_up=$t; echo "dockerUp $t"; fi
  if [ -z "$healthy" ] && docker exec "$api" sh -c "wget -qO /dev/null 'http://127.0.0.1:8080$health' || curl -fsS -o /dev/null 'http://127.0.0.1:8080$health'" >/dev/null 2>&1; then healthy=$t; echo "apiHealthy $t"; fi
  if [ -z "$up" ] && curl -fsS -m 2 -o /dev/null "http://127.0.0.1:80$nginx_health" 2>/dev/null; then up=$t; echo "nginxUp $t"; fi
  if [ -z "$serving" ] && curl -fsS -m 2 -o /dev/null "http://127.0.0.1:80$path" 2>/dev/null; then serving=$t; echo "serving $t"; fi
  if [ -n "$healthy" ] && [ -n "$up" ] && [ -n "$serving" ]; then break; fi
  if awk -v t="$t" -v s="$start" -v l="$limit" 'BEGIN { exit !(t - s > l) }'; then echo "timeout $t"; break; fi
  sleep 0.2
done
stamp() { date -d "$(docker inspect --format "$1" "$2")" +%s.%N; }
echo "apiStarted $(stamp '{{.State.StartedAt}}' "$api")"
echo "nginxStarted $(stamp '{{.State.StartedAt}}' "$nginx")"
`;
  const result = await run(DOCKER, ["exec", "-i", host.container, "bash", "-s", "--", options.api, options.nginx, options.healthPath, options.path, options.nginxHealthPath ?? "/nginx-health", String(options.limitSeconds)], {
    input: script,
    timeoutMs: (options.limitSeconds + 60) * 1000,
  });
  const times = Object.fromEntries(
    result.stdout
      .split("\n")
      .map((line) => line.trim().split(" "))
      .filter((parts) => parts.length === 2 && parts[0] && parts[1])
      .map(([key, value]) => [key!, Number(value)]),
  ) as Record<string, number>;
  if (times.timeout !== undefined || times.serving === undefined || times.apiHealthy === undefined || times.nginxUp === undefined) {
    throw new Error(`${host.name}: the API did not get healthy or nginx did not serve within ${options.limitSeconds} s:\n${result.stdout}${result.stderr}`);
  }
  return {
    watchStarted: times.watchStarted!,
    dockerUp: times.dockerUp ?? times.watchStarted!,
    apiStarted: times.apiStarted!,
    nginxStarted: times.nginxStarted!,
    apiHealthy: times.apiHealthy,
    nginxUp: times.nginxUp,
    serving: times.serving,
  };
}
