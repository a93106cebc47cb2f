// A real Redis for tests: /usr/bin/redis-server (Debian) on a free loopback port, persistence off,
// its working directory a temp dir removed on stop. Readiness is a raw RESP PING over TCP so this
// helper needs no Redis client (ioredis belongs to @assmbl/outbox only).
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { closedPort } from "./ports.js";

/** A running redis-server. */
export interface TestRedis {
  /** `redis://127.0.0.1:<port>`. */
  url: string;
  port: number;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s) and removes its temp dir. Idempotent. */
  stop(): Promise<void>;
}

/** What {@link startRedis} takes. */
export interface StartRedisOptions {
  /** The binary; default `/usr/bin/redis-server` (or `$REDIS_SERVER`). */
  binary?: string;
  /** How long to wait for the first PONG; default 10 s. */
  readyTimeoutMs?: number;
}

// Servers still running when the test process exits are killed, so a crashed test file leaves
// no redis-server behind.
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/**
 * Starts redis-server on a free loopback port with `--save "" --appendonly no` in a temp dir and
 * resolves once it answers PING. A port lost to a race between picking and binding is retried
 * on another port.
 *
 * @example
 * const redis = await startRedis();
 * const outbox = createOutbox({ connection: redis.url, mailer });
 * await redis.stop();
 * @throws Error when the server does not start (binary missing, three ports refused, no PONG).
 */
export async function startRedis(options: StartRedisOptions = {}): Promise<TestRedis> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(options);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

async function startOnce(options: StartRedisOptions): Promise<TestRedis> {
  const binary = options.binary ?? process.env.REDIS_SERVER ?? "/usr/bin/redis-server";
  const port = await closedPort();
  const dir = await mkdtemp(join(tmpdir(), "assmbl-redis-"));
  // "--save ''": no RDB snapshots; "--appendonly no": no AOF. Nothing a test writes reaches disk.
  const args = [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    "--appendonly",
    "no",
    "--dir",
    dir,
    "--daemonize",
    "no",
    "--loglevel",
    "warning",
  ];
  const child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
  running.add(child);
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => {
    child.once("exit", () => {
      running.delete(child);
      resolve();
    });
    child.once("error", (error) => {
      output += String(error);
      running.delete(child);
      resolve();
    });
  });

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (!stopped) {
      stopped = true;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    }
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 10_000);
  let dead = false;
  void exited.then(() => {
    dead = true;
  });
  while (!(await ping(port))) {
    if (dead || Date.now() > deadline) {
      await stop();
      throw new Error(
        `startRedis: ${binary} did not answer PING on port ${port}: ${output.trim()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return { url: `redis://127.0.0.1:${port}`, port, stop };
}

/** One RESP `PING` over a fresh TCP connection: true when the answer is `+PONG`. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    let answer = "";
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("*1\r\n$4\r\nPING\r\n"));
    socket.on("data", (chunk: Buffer) => {
      answer += chunk.toString("latin1");
      if (answer.includes("\r\n")) done(answer.startsWith("+PONG"));
    });
  });
}

/**
 * One redis-server for a test file: started before its tests, stopped after them. Returns a
 * getter (the server exists only once `beforeAll` ran).
 *
 * @example
 * const redis = useRedis();
 * it("enqueues", async () => { const outbox = createOutbox({ connection: redis().url, mailer }); });
 */
export function useRedis(timeoutMs = 30_000): () => TestRedis {
  let redis: TestRedis | undefined;
  beforeAll(async () => {
    redis = await startRedis();
  }, timeoutMs);
  afterAll(async () => {
    await redis?.stop();
  });
  return () => {
    if (!redis) throw new Error("useRedis: redis-server is not started yet (use it in a test)");
    return redis;
  };
}
