import type * as dgram from "node:dgram";
// `export =` typings: this form needs no esModuleInterop, so a consumer's tsconfig compiles it too.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a type-only import, erased
import type DNSModule = require("dns2");

/**
 * What the server answers for one name:
 * - a list of IPv4 addresses: those A records (an empty list: the name exists, no address);
 * - `"nxdomain"` (also any name not in the records): NXDOMAIN, as Docker's DNS answers for a
 *   container name no running container has;
 * - `"silent"`: no answer at all, as a DNS server that is down (the client times out).
 */
export type LoopbackDnsAnswer = readonly string[] | "nxdomain" | "silent";

/** The records of a loopback DNS server, by name (without the trailing dot, any case). */
export type LoopbackDnsRecords = Record<string, LoopbackDnsAnswer>;

export interface LoopbackDns {
  /** The address it listens on (UDP), e.g. 127.0.0.1. */
  readonly host: string;
  readonly port: number;
  /** `host:port`, as nginx's `resolver` directive takes it. */
  readonly resolver: string;
  /** Changes what `name` answers from the next query on; the other names keep theirs. */
  set(name: string, answer: LoopbackDnsAnswer): void;
  /** Queries received for `name` so far (every type), and in all. */
  queries(name?: string): number;
  /** Stops listening; idempotent. */
  close(): Promise<void>;
}

export interface LoopbackDnsOptions {
  /** A loopback address to listen on. Default 127.0.0.1. */
  host?: string;
  /** UDP port. Default: any free one. */
  port?: number;
  /** TTL of the A records, in seconds. Default 1 (nginx's `resolver ... valid=` overrides it anyway). */
  ttl?: number;
}

/**
 * A tiny authoritative DNS server on loopback (UDP, through the `dns2` package), for tests of a
 * client that re-resolves a name, such as nginx's `server <name> resolve`. It answers A queries
 * from `records` and AAAA queries with no address (NODATA) for a known name; what a name
 * answers can be changed while it runs (`set`). Only loopback addresses are accepted, so a test
 * can never serve names to another host.
 *
 * `dns2` is a development dependency of @trafficlab/testing, loaded only when this is called:
 * a project that uses the rest of the kit does not need it.
 */
export async function startLoopbackDns(records: LoopbackDnsRecords = {}, options: LoopbackDnsOptions = {}): Promise<LoopbackDns> {
  const host = options.host ?? "127.0.0.1";
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) throw new Error(`startLoopbackDns: ${host} is not an IPv4 loopback address (127.0.0.0/8).`);
  const ttl = options.ttl ?? 1;
  const answers = new Map<string, LoopbackDnsAnswer>();
  const counts = new Map<string, number>();
  const key = (name: string) => name.replace(/\.$/, "").toLowerCase();
  const set = (name: string, answer: LoopbackDnsAnswer) => {
    if (Array.isArray(answer)) {
      for (const address of answer) {
        if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(address)) throw new Error(`startLoopbackDns: ${JSON.stringify(address)} is not an IPv4 address.`);
      }
      answers.set(key(name), [...answer]);
    } else if (answer === "nxdomain" || answer === "silent") {
      answers.set(key(name), answer);
    } else {
      throw new Error(`startLoopbackDns: ${JSON.stringify(answer)} is not a list of addresses, "nxdomain" or "silent".`);
    }
  };
  for (const [name, answer] of Object.entries(records)) set(name, answer);

  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const DNS = require("dns2") as typeof DNSModule;
  const { Packet } = DNS;
  let total = 0;
  const server = DNS.createUDPServer((request, send) => {
    total++;
    const question = request.questions[0];
    const name = key(question?.name ?? "");
    counts.set(name, (counts.get(name) ?? 0) + 1);
    const answer = answers.get(name) ?? "nxdomain";
    if (answer === "silent") return;
    const response = Packet.createResponseFromRequest(request);
    response.header.aa = 1;
    if (answer === "nxdomain") {
      response.header.rcode = 3;
    } else if (question?.type === Packet.TYPE.A) {
      for (const address of answer) {
        response.answers.push(Packet.createResourceFromQuestion(question, { type: Packet.TYPE.A, class: Packet.CLASS.IN, ttl, address }));
      }
    }
    // Any other type of a known name: NOERROR with no record (NODATA).
    send(response).catch(() => undefined);
  });
  // A malformed packet is not this test's concern: without a listener it would be thrown.
  server.on("requestError", () => undefined);
  await new Promise<void>((resolve, reject) => {
    const socket = server as unknown as dgram.Socket;
    socket.once("error", reject);
    socket.bind(options.port ?? 0, host, () => {
      socket.off("error", reject);
      resolve();
    });
  });
  const port = (server as unknown as dgram.Socket).address().port;
  let closed: Promise<void> | undefined;
  return {
    host,
    port,
    resolver: `${host}:${port}`,
    set,
    queries: (name?: string) => (name === undefined ? total : (counts.get(key(name)) ?? 0)),
    close() {
      closed ??= new Promise<void>((resolve) => (server as unknown as dgram.Socket).close(() => resolve()));
      return closed;
    },
  };
}
