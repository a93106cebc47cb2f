import { describe, expect, it } from "vitest";
import { deliveryLines, requestLine } from "./cli-log.js";

describe("agentmail-dev log lines", () => {
  it("a request: method, path, status, agent (or -)", () => {
    const at = new Date();
    expect(
      requestLine({ method: "POST", path: "/send", status: 200, agentId: "my-agent", at }),
    ).toBe("POST /send 200 my-agent");
    expect(requestLine({ method: "GET", path: "/public/agents/x", status: 404, at })).toBe(
      "GET /public/agents/x 404 -",
    );
  });

  it("leaves the web inbox's random path segment out (logs get pasted)", () => {
    const at = new Date();
    const path = "/_inbox/t31OxIgfljqkc08MnIKyDQ/view";
    expect(requestLine({ method: "GET", path, status: 200, at })).toBe(
      "GET /_inbox/<key>/view 200 -",
    );
    expect(
      requestLine({ method: "GET", path: "/_inbox/t31OxIgfljqkc08MnIKyDQ", status: 404, at }),
    ).toBe("GET /_inbox/<key> 404 -");
  });

  it("escapes what could forge a line or a terminal sequence, and cuts long values", () => {
    const line = requestLine({
      method: "GET",
      path: "/a\r\nPOST /send 200 admin\u001b[2J é",
      status: 400,
      at: new Date(),
    });
    expect(line).toBe(
      "GET /a\\u000d\\u000aPOST\\u0020/send\\u0020200\\u0020admin\\u001b[2J\\u0020\\u00e9 400 -",
    );
    expect(line.split(" ")).toHaveLength(4);
    const long = requestLine({
      method: "GET",
      path: `/${"a".repeat(500)}`,
      status: 404,
      at: new Date(),
    });
    expect(long).toBe(`GET /${"a".repeat(199)}… 404 -`);
  });

  it("a delivery: one line per kind of destination, none for a kind without recipients", () => {
    const head = "mail ses m1 from my-agent:";
    expect(
      deliveryLines({
        via: "ses",
        messageId: "m1",
        agentId: "my-agent",
        recipients: [
          { address: "a@agents.localhost", status: "delivered" },
          { address: "x@agents.example.com", status: "outbound" },
          { address: "y@partner.example", status: "outbound" },
          { address: "ghost@agents.localhost", status: "unknown_agent" },
        ],
        deliveredTo: ["a"],
      }),
    ).toEqual([
      `${head} delivered to inbox of a`,
      `${head} outbound (not served here): x@agents.example.com, y@partner.example`,
      `${head} no such agent here, not delivered: ghost@agents.localhost`,
    ]);
    expect(
      deliveryLines({
        via: "api",
        messageId: "m2",
        agentId: "b",
        recipients: [{ address: "x@agents.example.com", status: "outbound" }],
        deliveredTo: [],
      }),
    ).toEqual(["mail api m2 from b: outbound (not served here): x@agents.example.com"]);
  });
});
