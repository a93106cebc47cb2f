import { describe, expect, it } from "vitest";
import {
  authorizationHeader,
  EnvVars,
  ResponseHeaders,
  type RouteDefinition,
  Routes,
  routePath,
} from "./routes.js";

describe("Routes", () => {
  it.each(Object.entries(Routes))("%s has a method and an absolute path", (_name, route) => {
    const definition: RouteDefinition = route;
    expect(["GET", "POST", "PUT", "DELETE"]).toContain(definition.method);
    expect(definition.path.startsWith("/")).toBe(true);
    expect(typeof definition.auth).toBe("boolean");
  });

  it("matches the spec §5 table", () => {
    expect(Routes.getAgent).toEqual({
      method: "GET",
      path: "/public/agents/{agent_id}",
      auth: false,
    });
    expect(Routes.send).toEqual({ method: "POST", path: "/send", auth: true });
    expect(Routes.deleteMessage).toEqual({ method: "DELETE", path: "/messages/{id}", auth: true });
    expect(Routes.downloadAttachment.path).toBe("/messages/{id}/attachments/{index}/download");
  });

  it("only the public directory routes skip the token", () => {
    const open = Object.entries(Routes)
      .filter(([, route]) => !route.auth)
      .map(([name]) => name)
      .sort();
    expect(open).toEqual(["getAgent", "getPricing"]);
  });
});

describe("routePath", () => {
  it("fills the parameters", () => {
    expect(routePath(Routes.getAgent, { agent_id: "other-agent" })).toBe(
      "/public/agents/other-agent",
    );
    expect(routePath(Routes.getAttachment, { id: "m1", index: 0 })).toBe(
      "/messages/m1/attachments/0",
    );
    expect(routePath(Routes.send, {})).toBe("/send");
  });

  it("percent-encodes so that a parameter stays one segment", () => {
    expect(routePath(Routes.getAgent, { agent_id: "a/b" })).toBe("/public/agents/a%2Fb");
    expect(routePath(Routes.getMessage, { id: "m 1?x=#y" })).toBe("/messages/m%201%3Fx%3D%23y");
    expect(routePath(Routes.getMessage, { id: "中" })).toBe("/messages/%E4%B8%AD");
  });

  it("refuses dot segments, which URL parsers would resolve away", () => {
    expect(() => routePath(Routes.getAgent, { agent_id: ".." })).toThrow(
      /cannot be a path parameter/,
    );
    expect(() => routePath(Routes.getAgent, { agent_id: "." })).toThrow(
      /cannot be a path parameter/,
    );
    expect(() => routePath(Routes.getAttachment, { id: "m1", index: ".." })).toThrow(TypeError);
    expect(routePath(Routes.getAgent, { agent_id: "a.b" })).toBe("/public/agents/a.b");
    expect(routePath(Routes.getAgent, { agent_id: "..." })).toBe("/public/agents/...");
  });

  it("throws when a parameter is missing", () => {
    expect(() => routePath(Routes.getAgent, {} as { agent_id: string })).toThrow(
      /missing parameter agent_id/,
    );
    expect(() =>
      routePath(Routes.getAttachment, { id: "m1" } as { id: string; index: number }),
    ).toThrow(/missing parameter index/);
  });
});

describe("authorizationHeader and EnvVars", () => {
  it("uses the bearer scheme and the spec's variable names", () => {
    expect(authorizationHeader("tok")).toBe("Bearer tok");
    expect(EnvVars).toEqual({ apiBaseUrl: "AGENTMAIL_API_BASE_URL", token: "AGENTMAIL_TOKEN" });
    expect(ResponseHeaders).toEqual({
      idempotentReplayed: "Idempotent-Replayed",
      retryAfter: "Retry-After",
    });
  });
});

describe("authorizationHeader", () => {
  it("refuses a token with control characters, without showing it", () => {
    expect(authorizationHeader("tok_abcdef")).toBe("Bearer tok_abcdef");
    const attempt = () => authorizationHeader("tok_secret\r\nX-Evil: 1");
    expect(attempt).toThrow(expect.objectContaining({ code: "header_injection" }));
    let message = "";
    try {
      attempt();
    } catch (error) {
      message = String(error);
    }
    expect(message).toMatch(/header_injection/);
    expect(message).not.toContain("tok_secret");
  });
});
