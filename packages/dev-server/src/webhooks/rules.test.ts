import type { NotificationRuleInput } from "@assmbl/core";
import { describe, expect, it } from "vitest";
import { startReceiver } from "./test-receiver.js";
import { type TestSend, useWebhookWorld } from "./test-world.js";

const world = useWebhookWorld();

const MARKETPLACE = "X-AgentMail-Marketplace-Request-Id: req-7";

/** Which of `sends` (by subject) reach bob's webhook under `rules`. */
async function announced(
  rules: NotificationRuleInput[],
  sends: (TestSend & { subject: string })[],
  trusted: string[] = [],
): Promise<string[]> {
  const w = await world();
  for (const pair of trusted) w.trusted.add(pair);
  const { receiver } = await w.receiver("bob");
  w.settings.putRules("bob", { rules });
  for (const send of sends) w.send(send);
  await w.deliverer.whenIdle();
  expect(receiver.requests.every((request) => request.rejected === undefined)).toBe(true);
  return receiver.events.map((event) => event.subject).sort();
}

const toBob = (subject: string, extra: Partial<TestSend> = {}) => ({
  from: "alice",
  to: ["bob@agents.localhost"],
  subject,
  ...extra,
});

const webhook = { webhook: { enabled: true } };

describe("notification rules", () => {
  it("without rules, announces every inbound message", async () => {
    expect(
      await announced(
        [],
        [
          toBob("direct"),
          toBob("market", { headers: [MARKETPLACE] }),
          toBob("x", { senderVerified: false }),
        ],
      ),
    ).toEqual(["direct", "market", "x"]);
  });

  it("filters on traffic type: marketplace when the message carries a request id", async () => {
    const w = await world();
    const { receiver } = await w.receiver("bob");
    w.settings.putRules("bob", {
      rules: [{ id: "m", filters: { traffic_types: ["marketplace"] }, channels: webhook }],
    });
    w.send(toBob("direct"));
    w.send(toBob("market", { headers: [MARKETPLACE] }));
    await w.deliverer.whenIdle();
    expect(receiver.events).toMatchObject([{ subject: "market", marketplace_request_id: "req-7" }]);
  });

  it("filters on sender_verified", async () => {
    const rules = [{ id: "v", filters: { sender_verified: true }, channels: webhook }];
    expect(
      await announced(rules, [toBob("verified"), toBob("claimed", { senderVerified: false })]),
    ).toEqual(["verified"]);
  });

  it("filters on trust tiers, with trusted peers from isTrustedPeer (and only when verified)", async () => {
    const sends = [
      toBob("from alice"),
      toBob("from carol", { from: "carol" }),
      toBob("alice unverified", { senderVerified: false }),
    ];
    const trusted = ["bob<-alice"];
    const rule = (tiers: ("trusted" | "verified" | "unverified")[]) => [
      { id: "t", filters: { trust_tiers: tiers }, channels: webhook },
    ];
    expect(await announced(rule(["trusted"]), sends, trusted)).toEqual(["from alice"]);
    expect(await announced(rule(["verified"]), sends, trusted)).toEqual(["from carol"]);
    expect(await announced(rule(["unverified"]), sends, trusted)).toEqual(["alice unverified"]);
    // A peer trusted by someone else is not trusted by bob.
    expect(await announced(rule(["trusted"]), sends, ["carol<-alice"])).toEqual([]);
  });

  it("filters on the sender's domain, case-insensitively", async () => {
    const rules = [
      { id: "d", filters: { sender_domains: ["Elsewhere.Example"] }, channels: webhook },
    ];
    const sends = [
      toBob("local"),
      toBob("stranger", {
        fromHeader: "Someone <someone@elsewhere.example>",
        senderVerified: false,
      }),
    ];
    expect(await announced(rules, sends)).toEqual(["stranger"]);
  });

  it("needs every filter to hold, and skips disabled rules and disabled webhook channels", async () => {
    const sends = [toBob("direct"), toBob("market", { headers: [MARKETPLACE] })];
    const both = { sender_verified: true, traffic_types: ["marketplace" as const] };
    expect(await announced([{ id: "a", filters: both, channels: webhook }], sends)).toEqual([
      "market",
    ]);
    expect(await announced([{ id: "a", enabled: false, channels: webhook }], sends)).toEqual([]);
    expect(
      await announced([{ id: "a", channels: { webhook: { enabled: false } } }], sends),
    ).toEqual([]);
    // A rule with the email channel only: the dev server sends no mail, and no webhook call.
    expect(
      await announced(
        [{ id: "a", channels: { email: { enabled: true, recipients: ["ops@x.example"] } } }],
        sends,
      ),
    ).toEqual([]);
  });

  it("sends to a rule's own URL, signed with the webhook's secret, each URL once per message", async () => {
    const w = await world();
    const main = await w.receiver("bob");
    const other = await startReceiver({ secret: () => main.secret });
    try {
      w.settings.putRules("bob", {
        rules: [
          { id: "all", channels: webhook },
          { id: "also-all", channels: webhook },
          {
            id: "market",
            filters: { traffic_types: ["marketplace"] },
            channels: { webhook: { enabled: true, url: other.url } },
          },
        ],
      });
      w.send(toBob("direct"));
      w.send(toBob("market", { headers: [MARKETPLACE] }));
      await w.deliverer.whenIdle();
      expect(main.receiver.events.map((e) => e.subject).sort()).toEqual(["direct", "market"]);
      expect(other.events.map((e) => e.subject)).toEqual(["market"]);
      expect(other.requests.every((request) => request.rejected === undefined)).toBe(true);
      // Two deliveries of one message are two delivery ids.
      const market = [...main.receiver.events, ...other.events].filter(
        (e) => e.subject === "market",
      );
      expect(new Set(market.map((e) => e.delivery_id)).size).toBe(2);
    } finally {
      await other.stop();
    }
  });

  it("sends nothing under rules when the webhook itself is disabled", async () => {
    const w = await world();
    const { receiver } = await w.receiver("bob");
    w.settings.putRules("bob", { rules: [{ id: "all", channels: webhook }] });
    w.settings.put("bob", { url: receiver.url, enabled: false });
    w.send(toBob("direct"));
    await w.deliverer.whenIdle();
    expect(receiver.requests).toHaveLength(0);
  });
});
