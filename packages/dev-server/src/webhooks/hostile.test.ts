// Receivers that misbehave: none may hang the deliverer or make it hold their answers.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { rssGrowthDuring, startHostileServer } from "@assmbl/testing/hostile-server";
import { afterEach, describe, expect, it } from "vitest";
import { ANSWER_QUOTE_BYTES } from "./attempt.js";
import { silentServer, startReceiver } from "./test-receiver.js";
import { useWebhookWorld } from "./test-world.js";

const world = useWebhookWorld();
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});

describe("hostile receivers", () => {
  it("gives up on a receiver that never answers after the per-attempt deadline", async () => {
    const w = await world({ retry: { attempts: 2, baseDelayMs: 1 }, timeoutMs: 100 });
    const silent = await silentServer(stops);
    w.settings.put("bob", { url: silent.url });
    w.send({ from: "alice", to: ["bob@agents.localhost"] });
    await w.deliverer.whenIdle();
    expect(silent.requests()).toBe(2);
    expect(w.deliverer.deliveries()).toMatchObject([
      { attempts: 2, status: "failed", lastError: "no answer within 100 ms" },
    ]);
  });

  it("reads neither a huge nor an endless answer: a 2xx is enough, an error is quoted briefly", async () => {
    const hostile = await startHostileServer();
    stops.push(() => hostile.stop());
    // The deadline also bounds reading the quote of a failed answer (the trickle).
    const w = await world({ retry: { attempts: 1, baseDelayMs: 1 }, timeoutMs: 300 });
    w.settings.put("bob", { url: `${hostile.url}/hook` });

    for (const [script, status] of [
      [{ kind: "huge", bytes: 2 * 1024 ** 3, status: 200 }, "delivered"],
      [{ kind: "huge", bytes: 2 * 1024 ** 3, status: 500, declareLength: false }, "failed"],
      [{ kind: "endless", status: 503 }, "failed"],
      [{ kind: "trickle", status: 500, everyMs: 50 }, "failed"],
    ] as const) {
      hostile.serve(script);
      const before = hostile.bytesSent;
      const { growthBytes } = await rssGrowthDuring(async () => {
        w.send({ from: "alice", to: ["bob@agents.localhost"] });
        await w.deliverer.whenIdle();
      });
      const last = w.deliverer.deliveries().at(-1);
      expect(last?.status, script.kind).toBe(status);
      // What the receiver managed to push is socket buffers' worth, not its body.
      expect(hostile.bytesSent - before, script.kind).toBeLessThan(16 * 1024 * 1024);
      expect(growthBytes, script.kind).toBeLessThan(64 * 1024 * 1024);
      if (status === "failed") {
        expect(last?.lastError?.length ?? 0).toBeLessThan(ANSWER_QUOTE_BYTES + 32);
      }
    }
    expect(hostile.requests).toBe(4);
  }, 30_000);

  it("does not follow a redirect, even to another loopback receiver", async () => {
    const w = await world({ retry: { attempts: 1, baseDelayMs: 1 } });
    const target = await startReceiver({ secret: () => "" });
    stops.push(() => target.stop());
    const redirector = createServer((request, response) => {
      request.resume();
      response.writeHead(307, { location: target.url });
      response.end();
    });
    await new Promise<void>((resolve) => redirector.listen(0, "127.0.0.1", resolve));
    stops.push(() => new Promise((resolve) => redirector.close(() => resolve())));
    w.settings.put("bob", {
      url: `http://127.0.0.1:${(redirector.address() as AddressInfo).port}/hook`,
    });
    w.send({ from: "alice", to: ["bob@agents.localhost"] });
    await w.deliverer.whenIdle();
    expect(target.requests).toHaveLength(0);
    expect(w.deliverer.deliveries()).toMatchObject([
      { status: "failed", lastStatus: 307, lastError: "HTTP 307 (redirects are not followed)" },
    ]);
  });

  it("caps pending deliveries and drops the rest, and close() aborts attempts in flight", async () => {
    const w = await world({ maxPending: 3, retry: { attempts: 1, baseDelayMs: 1 } });
    const silent = await silentServer(stops);
    w.settings.put("bob", { url: silent.url });
    for (let i = 0; i < 10; i++) w.send({ from: "alice", to: ["bob@agents.localhost"] });
    const statuses = () => w.deliverer.deliveries().map((d) => d.status);
    expect(statuses().filter((s) => s === "pending")).toHaveLength(3);
    expect(statuses().filter((s) => s === "dropped")).toHaveLength(7);
    expect(w.deliverer.deliveries().find((d) => d.status === "dropped")?.lastError).toMatch(
      /too many/,
    );
    // The silent receiver holds bob's two attempts in flight (the third waits its turn);
    // close() does not wait for their deadline (10 s).
    while (silent.requests() < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    await w.deliverer.close();
    expect(silent.requests()).toBe(2);
    expect(statuses().filter((s) => s === "cancelled")).toHaveLength(3);
  });

  it("keeps the newest 1000 finished deliveries in its log, and every pending one", async () => {
    const w = await world({ maxPending: 1 });
    const silent = await silentServer(stops);
    w.settings.put("bob", { url: silent.url });
    const reports = [];
    for (let i = 0; i < 1200; i++)
      reports.push(w.send({ from: "alice", to: ["bob@agents.localhost"] }));
    const log = w.deliverer.deliveries();
    expect(log).toHaveLength(1001);
    expect(log[0]).toMatchObject({ status: "pending", messageId: reports[0]?.messageId });
    expect(log.slice(1).every((d) => d.status === "dropped")).toBe(true);
    expect(log.at(-1)?.messageId).toBe(reports.at(-1)?.messageId);
  });
});
