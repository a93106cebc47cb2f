// A loopback HTTP server that answers like an attacker: bodies that never end, bodies of 2 GiB,
// a Content-Length that lies, a byte every 100 ms, error bodies of 50 MB. Bodies are streamed
// from one reused chunk as fast as the client reads them, so the server itself holds nothing.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** How every request is answered. */
export type Hostility =
  /** Chunked, no length, never ends. */
  | { kind: "endless"; status?: number }
  /** `bytes` bytes, streamed; with a Content-Length saying so unless `declareLength: false`. */
  | { kind: "huge"; status?: number; bytes: number; declareLength?: boolean }
  /** Declares `declared` bytes, then writes raw bytes on the socket without end. */
  | { kind: "lying-length"; status?: number; declared: number }
  /** Chunked, one byte every `everyMs` (default 100), never ends. */
  | { kind: "trickle"; status?: number; everyMs?: number }
  /** A well-behaved JSON answer (to lead a client to the hostile route). */
  | { kind: "json"; status?: number; body: unknown };

/** Answers every request alike, or picks an answer per request. */
export type Script = Hostility | ((request: IncomingMessage) => Hostility);

export interface HostileServer {
  url: string;
  /** Answer every later request this way. */
  serve(script: Script): void;
  /** Requests received. */
  readonly requests: number;
  /** Body bytes written so far, over every connection. */
  readonly bytesSent: number;
  /**
   * Resolves once every response so far is over: written to its end, or its connection closed
   * under it (the client gave up on it). An endless answer only ends the second way.
   */
  allClosed(): Promise<void>;
  /** Destroys every connection and closes the server. */
  stop(): Promise<void>;
}

const CHUNK = Buffer.alloc(64 * 1024, 0x61); // "aaaa…": not JSON, whatever the client expects

// Set while rssGrowthDuring runs: the server samples memory on every write, so a client that
// reads in one long run of microtasks (where timers do not fire) is still measured.
let sampleRss: (() => void) | undefined;

/**
 * Starts a hostile server on a free loopback port.
 *
 * @example
 * const server = await startHostileServer();
 * server.serve({ kind: "huge", bytes: 2 * 1024 ** 3 });
 * await client.listInbox().catch((error) => error.code); // "response_too_large"
 * await server.stop();
 */
export async function startHostileServer(): Promise<HostileServer> {
  let script: Script = { kind: "endless" };
  let requests = 0;
  let bytesSent = 0;
  const sockets = new Set<Socket>();
  const closed: Promise<void>[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    requests++;
    closed.push(new Promise((resolve) => response.once("close", () => resolve())));
    request.resume();
    answer(typeof script === "function" ? script(request) : script, response);
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });

  function answer(how: Hostility, response: ServerResponse): void {
    const status = how.status ?? 200;
    const type = { "content-type": "application/json" };
    switch (how.kind) {
      case "endless":
        response.writeHead(status, type);
        pump(response, Number.POSITIVE_INFINITY);
        return;
      case "huge":
        response.writeHead(status, {
          ...type,
          ...(how.declareLength === false ? {} : { "content-length": String(how.bytes) }),
        });
        pump(response, how.bytes);
        return;
      case "lying-length":
        lie(response, status, how.declared);
        return;
      case "json":
        response.writeHead(status, type);
        response.end(JSON.stringify(how.body));
        return;
      case "trickle": {
        response.writeHead(status, type);
        response.flushHeaders();
        const timer = setInterval(() => {
          if (response.destroyed) return stopTimer(timer);
          response.write("a");
          bytesSent++;
        }, how.everyMs ?? 100);
        timers.add(timer);
        response.once("close", () => stopTimer(timer));
        return;
      }
    }
  }

  // Writes `total` bytes, waiting for the client to read (drain) before writing more.
  function pump(response: ServerResponse, total: number): void {
    let left = total;
    const write = () => {
      sampleRss?.();
      while (left > 0 && !response.destroyed) {
        const chunk = left >= CHUNK.length ? CHUNK : CHUNK.subarray(0, left);
        left -= chunk.length;
        bytesSent += chunk.length;
        if (!response.write(chunk)) return;
      }
      if (left <= 0 && !response.destroyed) response.end();
    };
    response.on("drain", write);
    write();
  }

  // Node's ServerResponse refuses to write more than its Content-Length, so the lie goes straight
  // onto the socket.
  function lie(response: ServerResponse, status: number, declared: number): void {
    const socket = response.socket;
    if (!socket) return;
    socket.write(
      `HTTP/1.1 ${status} Whatever\r\ncontent-type: application/json\r\ncontent-length: ${declared}\r\n\r\n`,
    );
    const write = () => {
      sampleRss?.();
      while (!socket.destroyed) {
        bytesSent += CHUNK.length;
        if (!socket.write(CHUNK)) return;
      }
    };
    socket.on("drain", write);
    socket.on("error", () => {});
    write();
  }

  function stopTimer(timer: NodeJS.Timeout): void {
    clearInterval(timer);
    timers.delete(timer);
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    serve(next) {
      script = next;
    },
    get requests() {
      return requests;
    },
    get bytesSent() {
      return bytesSent;
    },
    async allClosed() {
      await Promise.all(closed);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) stopTimer(timer);
        for (const socket of sockets) socket.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** What {@link rssGrowthDuring} saw. */
export interface RssGrowth<T> {
  /** What the call resolved with, or `undefined` when it threw. */
  value?: T;
  /** What the call threw, or `undefined` when it resolved. */
  error?: unknown;
  /** The largest resident set size seen during the call, minus the one before it, in bytes. */
  growthBytes: number;
}

/**
 * Runs `call` while sampling `process.memoryUsage.rss()` every few milliseconds: how much memory
 * the process took on while it ran. A memory bound, not a timing.
 *
 * @example
 * const { error, growthBytes } = await rssGrowthDuring(() => directory.lookup("bob"));
 * expect(growthBytes).toBeLessThan(128 * 1024 * 1024);
 */
export async function rssGrowthDuring<T>(call: () => Promise<T>): Promise<RssGrowth<T>> {
  const before = process.memoryUsage.rss();
  let peak = before;
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage.rss());
  };
  const sampler = setInterval(sample, 5);
  sampleRss = sample;
  try {
    const value = await call();
    return { value, growthBytes: Math.max(peak, process.memoryUsage.rss()) - before };
  } catch (error) {
    return { error, growthBytes: Math.max(peak, process.memoryUsage.rss()) - before };
  } finally {
    clearInterval(sampler);
    sampleRss = undefined;
  }
}

/**
 * One attack: `server` answers every request with `script` while `call` runs; returns what
 * `call` did and the RSS growth it cost, once every connection is closed (so nothing more of any
 * body is being read).
 *
 * @example
 * const { error, growthBytes } = await attackWith(server, { kind: "endless" }, () => directory.lookup("bob"));
 */
export async function attackWith<T>(
  server: HostileServer,
  script: Script,
  call: () => Promise<T>,
): Promise<RssGrowth<T>> {
  server.serve(script);
  const outcome = await rssGrowthDuring(call);
  await server.allClosed();
  return outcome;
}
