import { afterEach, describe, expect, it } from "vitest";
import { cutSubject, EVENT_SUBJECT_MAX } from "./event.js";
import { silentServer, startReceiver } from "./test-receiver.js";
import { useWebhookWorld } from "./test-world.js";

const world = useWebhookWorld();
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});

describe("fairness between agents", () => {
  it("a flood to one agent's dead receiver neither fills the queue for others nor holds their turn", async () => {
    // The deadline outlasts the test: alice's attempts stay in flight throughout.
    const w = await world({ timeoutMs: 60_000 });
    const silent = await silentServer(stops);
    w.settings.put("alice", { url: silent.url });
    w.settings.putRules("alice", {
      rules: Array.from({ length: 50 }, (_, i) => ({
        id: `r${i}`,
        channels: { webhook: { enabled: true, url: `${silent.url}?${i}` } },
      })),
    });
    const { receiver } = await w.receiver("bob");
    // 20 × 50 = 1000 deliveries to alice: the server-wide cap, had there been no per-agent one.
    for (let i = 0; i < 20; i++) w.send({ from: "alice", to: ["alice@agents.localhost"] });
    const mine = () => w.deliverer.deliveries().filter((d) => d.agentId === "alice");
    expect(mine().filter((d) => d.status === "pending")).toHaveLength(100);
    expect(mine().filter((d) => d.status === "dropped")).toHaveLength(900);
    expect(mine().find((d) => d.status === "dropped")?.lastError).toBe(
      "too many webhook deliveries are pending for this agent",
    );

    w.send({ from: "carol", to: ["bob@agents.localhost"] });
    expect(w.deliverer.deliveries().find((d) => d.agentId === "bob")?.status).toBe("pending");
    // Bob's turn comes while alice's attempts hang (before: behind all of hers, or dropped).
    await receiver.received(1);
    expect(receiver.events).toHaveLength(1);
    // At most two of alice's attempts were ever in flight.
    expect(silent.requests()).toBeLessThanOrEqual(2);
  });

  it("caps the bytes of pending bodies, and frees them when a delivery finishes", async () => {
    const w = await world({ maxPendingBytes: 1500 });
    const { receiver } = await w.receiver("bob");
    const subject = "s".repeat(1000);
    w.send({ from: "alice", to: ["bob@agents.localhost"], subject });
    w.send({ from: "alice", to: ["bob@agents.localhost"], subject });
    expect(w.deliverer.deliveries().map((d) => [d.status, d.lastError])).toEqual([
      ["pending", undefined],
      ["dropped", "too many bytes of webhook deliveries are pending"],
    ]);
    await w.deliverer.whenIdle();
    w.send({ from: "alice", to: ["bob@agents.localhost"], subject });
    await w.deliverer.whenIdle();
    expect(w.deliverer.deliveries().map((d) => d.status)).toEqual([
      "delivered",
      "dropped",
      "delivered",
    ]);
    expect(receiver.events).toHaveLength(2);
  });
});

describe("what a delivery carries", () => {
  it("cuts the event's subject at 1024 characters; the message keeps the whole subject", async () => {
    const w = await world();
    const { receiver } = await w.receiver("bob");
    const subject = `${"x".repeat(EVENT_SUBJECT_MAX)}tail${"y".repeat(5000)}`;
    const report = w.send({ from: "alice", to: ["bob@agents.localhost"], subject });
    await w.deliverer.whenIdle();
    expect(receiver.events[0]?.subject).toBe("x".repeat(EVENT_SUBJECT_MAX));
    const id = report.recipients[0]?.messageId ?? "";
    expect(w.store.message(id)?.subject).toBe(subject);
    // Never half a surrogate pair.
    expect(cutSubject(`a${"😀".repeat(600)}`)).toBe(`a${"😀".repeat(511)}`);
    expect(cutSubject("short")).toBe("short");
  });

  it("sends a retry to the webhook's new URL once PUT /webhook changed it; a rule's own URL stays", async () => {
    const w = await world({ retry: { attempts: 3, baseDelayMs: 1 } });
    let secret = "";
    const fresh = await startReceiver({ secret: () => secret });
    stops.push(() => fresh.stop());
    const pinned = await startReceiver({
      secret: () => secret,
      answer: (n) => (n === 1 ? 503 : 200),
    });
    stops.push(() => pinned.stop());
    // The old URL fails its first attempt, during which the webhook moves to `fresh`.
    const old = await startReceiver({
      secret: () => secret,
      answer: () => {
        w.settings.put("bob", { url: fresh.url });
        return 503;
      },
    });
    stops.push(() => old.stop());
    secret = w.settings.put("bob", { url: old.url }).signing_secret ?? "";
    w.settings.putRules("bob", {
      rules: [
        { id: "default", channels: { webhook: { enabled: true } } },
        { id: "pinned", channels: { webhook: { enabled: true, url: pinned.url } } },
      ],
    });
    w.send({ from: "alice", to: ["bob@agents.localhost"] });
    await w.deliverer.whenIdle();
    expect(old.requests).toHaveLength(1);
    expect(fresh.events).toHaveLength(1);
    expect(pinned.requests).toHaveLength(2);
    expect(
      w.deliverer
        .deliveries()
        .map((d) => [d.url, d.status, d.attempts])
        .sort(),
    ).toEqual(
      [
        [fresh.url, "delivered", 2],
        [pinned.url, "delivered", 2],
      ].sort(),
    );
  });
});
