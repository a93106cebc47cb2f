import { connect } from "node:net";
import { describe, expect, it } from "vitest";
import { startRedis } from "./redis.js";

/** Sends one RESP command and returns the first reply line. */
function command(port: number, parts: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    let answer = "";
    socket.once("error", reject);
    socket.once("connect", () => {
      socket.write(
        `*${parts.length}\r\n${parts.map((p) => `$${Buffer.byteLength(p)}\r\n${p}\r\n`).join("")}`,
      );
    });
    socket.on("data", (chunk: Buffer) => {
      answer += chunk.toString();
      if (answer.includes("\r\n")) {
        socket.destroy();
        resolve(answer);
      }
    });
  });
}

describe("startRedis", () => {
  it("runs a redis-server with persistence off that answers on loopback and stops", async () => {
    const redis = await startRedis();
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    expect(await command(redis.port, ["SET", "k", "v"])).toBe("+OK\r\n");
    expect(await command(redis.port, ["CONFIG", "GET", "save"])).toContain("save\r\n$0\r\n\r\n");
    expect(await command(redis.port, ["CONFIG", "GET", "appendonly"])).toContain("no");
    await redis.stop();
    await expect(command(redis.port, ["PING"])).rejects.toThrow(/ECONNREFUSED/);
    await redis.stop(); // idempotent
  });

  it("gives two servers two ports", async () => {
    const [a, b] = await Promise.all([startRedis(), startRedis()]);
    try {
      expect(a.port).not.toBe(b.port);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});
