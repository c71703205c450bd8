import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface Loopback {
  url: string;
  /** the stall's start and end on performance.now()'s clock */
  stallWindow?: { from: number; to: number };
  requests: { method: string; path: string; body: string }[];
  close(): Promise<void>;
}

/**
 * A local HTTP server on 127.0.0.1 that answers `status` after `delayMs(now)` ms. `stall` makes the
 * whole server stop answering for `ms` from `afterMs` after it started, like a GC pause: a request
 * that arrives during the stall is answered when it ends.
 */
export async function startLoopback(options: { status?: number; stall?: { afterMs: number; ms: number } } = {}): Promise<Loopback> {
  const requests: Loopback["requests"] = [];
  const started = performance.now();
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      requests.push({ method: req.method ?? "", path: req.url ?? "", body });
      const elapsed = performance.now() - started;
      const stall = options.stall;
      const wait = stall && elapsed >= stall.afterMs && elapsed < stall.afterMs + stall.ms ? stall.afterMs + stall.ms - elapsed : 0;
      setTimeout(() => {
        res.writeHead(options.status ?? 200, { "content-type": "application/json" });
        res.end('{"ok":true}');
      }, wait);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    ...(options.stall ? { stallWindow: { from: started + options.stall.afterMs, to: started + options.stall.afterMs + options.stall.ms } } : {}),
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
