import { AgentMailError } from "@assmbl/core";
import { describe, expect, it } from "vitest";
import { DevStore } from "../store.js";
import { WebhookDeliverer } from "./deliverer.js";
import { WebhookSettings } from "./settings.js";
import { scratchVerifier } from "./test-receiver.js";
import { useWebhookWorld } from "./test-world.js";

const world = useWebhookWorld();

describe("WebhookDeliverer", () => {
  it("POSTs a signed mail.received event for each delivered copy, with the contract's headers and body", async () => {
    const w = await world();
    const { receiver, secret } = await w.receiver("bob");
    const report = w.send({ from: "alice", to: ["bob@agents.localhost"], subject: "Quarterly" });
    await w.deliverer.whenIdle();

    expect(receiver.requests).toHaveLength(1);
    const [request] = receiver.requests;
    expect(request?.rejected).toBeUndefined();
    const inboxId = report.recipients[0]?.messageId ?? "";
    const message = w.store.message(inboxId);
    expect(receiver.events).toEqual([
      {
        event: "mail.received",
        delivery_id: expect.stringMatching(/^dlv_[0-9a-f]{32}$/),
        agent_id: "bob",
        message_id: inboxId,
        sender: "alice@agents.localhost",
        sender_verified: true,
        subject: "Quarterly",
        received_at: message?.receivedAt.toISOString(),
        correlation_id: "corr-1",
        marketplace_request_id: null,
      },
    ]);
    expect(request?.headers).toMatchObject({
      "content-type": "application/json",
      "x-agentmail-event": "mail.received",
      "x-agentmail-delivery-id": receiver.events[0]?.delivery_id,
      "x-agentmail-signature": expect.stringMatching(/^v1=[0-9a-f]{64}$/),
      "x-agentmail-timestamp": expect.stringMatching(/^\d+$/),
    });
    // The log: one delivery, no secret anywhere in it.
    const deliveries = w.deliverer.deliveries();
    expect(deliveries).toEqual([
      {
        deliveryId: receiver.events[0]?.delivery_id,
        agentId: "bob",
        messageId: inboxId,
        url: receiver.url,
        attempts: 1,
        status: "delivered",
        lastStatus: 200,
      },
    ]);
    expect(JSON.stringify(deliveries)).not.toContain(secret);
  });

  it("announces each recipient's own copy to its own webhook, and nothing to agents without one", async () => {
    const w = await world();
    const bob = await w.receiver("bob");
    const carol = await w.receiver("carol");
    w.settings.put("carol", { url: carol.receiver.url, enabled: false });
    const report = w.send({
      from: "alice",
      to: ["bob@agents.localhost", "carol@agents.localhost", "alice@agents.localhost"],
    });
    await w.deliverer.whenIdle();
    expect(bob.receiver.events.map((event) => event.message_id)).toEqual([
      report.recipients[0]?.messageId,
    ]);
    // Carol's webhook is disabled; alice has none.
    expect(carol.receiver.requests).toHaveLength(0);
    expect(w.deliverer.deliveries().map((d) => d.agentId)).toEqual(["bob"]);
  });

  it("retries a failing receiver with the same delivery_id and a fresh signature, until a 2xx", async () => {
    const w = await world({ retry: { attempts: 3, baseDelayMs: 1 } });
    const { receiver } = await w.receiver("bob", (n) => (n <= 2 ? 503 : 204));
    w.send({ from: "alice", to: ["bob@agents.localhost"] });
    await w.deliverer.whenIdle();

    expect(receiver.requests).toHaveLength(3);
    expect(receiver.requests.every((request) => request.rejected === undefined)).toBe(true);
    const ids = receiver.requests.map((request) => request.headers["x-agentmail-delivery-id"]);
    expect(new Set(ids).size).toBe(1);
    expect(new Set(receiver.requests.map((r) => r.rawBody)).size).toBe(1);
    // Deduplicated on delivery_id: the receiver accepted one event.
    expect(receiver.events).toHaveLength(1);
    expect(w.deliverer.deliveries()).toMatchObject([
      { attempts: 3, status: "delivered", lastStatus: 204 },
    ]);
  });

  it("gives up after `attempts`, keeping the last status and a short quote of the answer", async () => {
    const w = await world({ retry: { attempts: 2, baseDelayMs: 1 } });
    const { receiver } = await w.receiver("bob", () => 500);
    w.send({ from: "alice", to: ["bob@agents.localhost"] });
    await w.deliverer.whenIdle();
    expect(receiver.requests).toHaveLength(2);
    expect(w.deliverer.deliveries()).toMatchObject([
      { attempts: 2, status: "failed", lastStatus: 500, lastError: "HTTP 500: ok" },
    ]);
  });

  it("signs with the new secret after a rotation: the old one no longer verifies", async () => {
    const w = await world();
    const bob = await w.receiver("bob");
    w.send({ from: "alice", to: ["bob@agents.localhost"] });
    await w.deliverer.whenIdle();

    const rotated = w.settings.put("bob", { url: bob.receiver.url, rotate_secret: true });
    const fresh = rotated.signing_secret ?? "";
    expect(fresh).not.toBe(bob.secret);
    bob.verifyWith(fresh);
    w.send({ from: "alice", to: ["bob@agents.localhost"] });
    await w.deliverer.whenIdle();

    expect(bob.receiver.requests.map((r) => r.rejected)).toEqual([undefined, undefined]);
    const second = bob.receiver.requests[1];
    const input = {
      timestamp: second?.headers["x-agentmail-timestamp"],
      signature: second?.headers["x-agentmail-signature"],
      rawBody: second?.rawBody ?? "",
    };
    await expect(scratchVerifier({ ...input, secret: bob.secret })).rejects.toThrow(/match/);
    await expect(scratchVerifier({ ...input, secret: fresh })).resolves.toBeUndefined();
  });

  it("signs a retry with the secret current at that attempt", async () => {
    const w = await world();
    let fresh = "";
    const bob = await w.receiver("bob", (n) => {
      if (n > 1) return 200;
      // Rotated while the first attempt is being answered (with a failure).
      fresh =
        w.settings.put("bob", { url: bob.receiver.url, rotate_secret: true }).signing_secret ?? "";
      bob.verifyWith(fresh);
      return 500;
    });
    w.send({ from: "alice", to: ["bob@agents.localhost"] });
    await w.deliverer.whenIdle();
    expect(bob.receiver.requests.map((r) => r.rejected)).toEqual([undefined, undefined]);
    expect(bob.receiver.events).toHaveLength(1);
    expect(fresh).toMatch(/^whsec_/);
  });

  it("cancels a pending retry when the webhook is deleted, and close() stops waiting retries", async () => {
    const w = await world({ retry: { attempts: 5, baseDelayMs: 1 } });
    const bob = await w.receiver("bob", () => {
      w.settings.delete("bob");
      return 500;
    });
    w.send({ from: "alice", to: ["bob@agents.localhost"] });
    await w.deliverer.whenIdle();
    expect(bob.receiver.requests).toHaveLength(1);
    expect(w.deliverer.deliveries()).toMatchObject([
      { attempts: 1, status: "cancelled", lastStatus: 500 },
    ]);

    // A retry an hour away: close() does not wait for it.
    const slow = await world({ retry: { attempts: 2, baseDelayMs: 3_600_000 } });
    const carol = await slow.receiver("carol", () => 503);
    slow.send({ from: "alice", to: ["carol@agents.localhost"] });
    await carol.receiver.received(1);
    await slow.deliverer.close();
    await slow.deliverer.whenIdle();
    expect(slow.deliverer.deliveries()).toMatchObject([
      { attempts: 1, status: "cancelled", lastError: "the deliverer closed" },
    ]);
    // After close, reports are ignored.
    slow.send({ from: "alice", to: ["carol@agents.localhost"] });
    expect(slow.deliverer.deliveries()).toHaveLength(1);
  });

  it("never throws from onDelivery: a failing isTrustedPeer skips that recipient only", async () => {
    const w = await world();
    await w.receiver("bob");
    await w.receiver("carol");
    w.settings.delete("alice");
    const deliverer = new WebhookDeliverer({
      store: w.store,
      settings: w.settings,
      isTrustedPeer: (recipient) => {
        if (recipient === "bob") throw new Error("trust store unavailable");
        return false;
      },
      retry: { attempts: 1, baseDelayMs: 1 },
    });
    try {
      const report = w.send({
        from: "alice",
        to: ["bob@agents.localhost", "carol@agents.localhost"],
      });
      const errors: unknown[] = [];
      const original = console.error;
      console.error = (...args: unknown[]) => errors.push(args);
      try {
        expect(() => deliverer.onDelivery(report)).not.toThrow();
      } finally {
        console.error = original;
      }
      await deliverer.whenIdle();
      expect(deliverer.deliveries().map((d) => [d.agentId, d.status])).toEqual([
        ["carol", "delivered"],
      ]);
      expect(errors).toHaveLength(1);
    } finally {
      await deliverer.close();
    }
  });

  it("rejects unknown and bad options by name", async () => {
    const store = new DevStore();
    const settings = new WebhookSettings();
    const make = (extra: Record<string, unknown>) =>
      new WebhookDeliverer({ store, settings, isTrustedPeer: () => false, ...extra } as never);
    for (const [extra, named] of [
      [{ retries: 3 }, /retries/],
      [{ retry: { attempts: 0, baseDelayMs: 1 } }, /retry\.attempts/],
      [{ timeoutMs: -1 }, /timeoutMs/],
      [{ settings: {} }, /settings/],
    ] as const) {
      const error = (() => {
        try {
          make(extra);
        } catch (caught) {
          return caught;
        }
      })();
      expect(AgentMailError.is(error) && error.code).toBe("invalid_options");
      expect((error as Error).message).toMatch(named);
    }
  });
});
