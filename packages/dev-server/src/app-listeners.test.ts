// A delivery listener that throws is the listener's problem: the committed send still answers
// 200, and a retry with the same idempotency key replays it instead of delivering again.
import { afterEach, expect, it, vi } from "vitest";
import { api } from "./billing/testing.js";
import { useServers } from "./testing/helpers.js";

const serve = useServers();
afterEach(() => {
  vi.restoreAllMocks();
});

it("a throwing onDelivery is logged by name, never a 500 after the send committed", async () => {
  const logged = vi.spyOn(console, "error").mockImplementation(() => {});
  const server = await serve({
    agents: [
      { agentId: "a", token: "token-a" },
      { agentId: "b", token: "token-b" },
    ],
    onDelivery: () => {
      throw new TypeError("listener bug quoting the mail: secret plans");
    },
  });
  await api(server, "PUT", "/billing/pricing", "token-b", {
    pricing_model: "per_request",
    enabled: true,
    base_price: 1,
  });
  const body = {
    to: "b@agents.localhost",
    subject: "s",
    body: "secret plans",
    marketplace_request_id: "m1",
    idempotency_key: "k1",
  };
  const first = await api(server, "POST", "/send", "token-a", body);
  expect(first.status).toBe(200);
  expect(first.body).toMatchObject({ marketplace: { status: "reserved" } });
  const again = await api(server, "POST", "/send", "token-a", body);
  expect(again.status).toBe(200);
  expect(again.headers.get("idempotent-replayed")).toBe("true");
  expect(server.store.inbox("b")).toHaveLength(1);
  expect((await api(server, "GET", "/billing/balance", "token-a")).body).toMatchObject({
    available: 99,
    reserved: 1,
  });
  const lines = logged.mock.calls.map((call) => call.map(String).join(" "));
  expect(lines).toContain("[agentmail-dev] onDelivery listener threw (TypeError); the send stands");
  expect(lines.join("\n")).not.toContain("secret plans");
});
