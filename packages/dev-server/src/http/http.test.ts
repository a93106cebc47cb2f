import { ErrorBodySchema, Routes, routePath } from "@assmbl/core";
import { describe, expect, it, vi } from "vitest";
import { createDevApp } from "../app.js";
import { RequestLog } from "../request-log.js";
import { DIRECTORY_BODY_LIMIT } from "../routes/directory.js";
import { DevStore } from "../store.js";
import {
  armoredKey,
  expectProblem,
  postJson,
  rawRequest,
  registerBody,
  spkiPem,
  useServers,
} from "../testing/helpers.js";

const PEER_ARMORED = armoredKey("peer@agents.localhost");

const serve = useServers();
const withAgents = () =>
  serve({
    agents: [
      { agentId: "peer", publicKey: spkiPem("ed25519"), openpgpPublicKey: PEER_ARMORED },
      { agentId: "keyless" },
    ],
  });

describe("routing", () => {
  it.each([
    ["/"],
    ["/public/agents"],
    ["/public/agents/peer/"],
    ["/public/agents/peer/pricing/extra"],
    ["/directory"],
  ])("GET %s is 404 not_found", async (path) => {
    const server = await withAgents();
    await expectProblem(await fetch(server.url + path), 404, "not_found");
  });

  it.each([
    ["DELETE", routePath(Routes.getAgent, { agent_id: "peer" }), "GET, HEAD"],
    ["POST", routePath(Routes.getPricing, { agent_id: "peer" }), "GET, HEAD"],
    ["PUT", routePath(Routes.getAgent, { agent_id: "nobody" }), "GET, HEAD"],
    ["GET", Routes.register.path, "POST"],
    ["PUT", Routes.revoke.path, "POST"],
    ["OPTIONS", Routes.revoke.path, "POST"],
    ["PATCH", Routes.register.path, "POST"],
  ])("%s %s is 405 invalid_request with Allow: %s", async (method, path, allow) => {
    const server = await withAgents();
    const response = await fetch(server.url + path, { method });
    expect(response.headers.get("allow")).toBe(allow);
    expect(await expectProblem(response, 405, "invalid_request")).toContain(
      `${method} is not allowed`,
    );
  });

  it("a query string does not change the route", async () => {
    const server = await withAgents();
    const response = await fetch(
      `${server.url}${routePath(Routes.getAgent, { agent_id: "peer" })}?fresh=1`,
    );
    expect(response.status).toBe(200);
    expect(server.requests.count({ path: "/public/agents/peer" })).toBe(1);
  });
});

describe("JSON bodies", () => {
  it("malformed JSON is 400 invalid_request that says so without quoting the body", async () => {
    const server = await withAgents();
    const token = server.agents.peer?.token ?? "";
    for (const body of ['{"public_key": "secret-ish', "{,}", "nope", "{} {}", "\uFEFF{]"]) {
      const response = await postJson(server, Routes.register.path, body, { token });
      const message = await expectProblem(response, 400, "invalid_request");
      expect(message).toMatch(/malformed JSON/);
      expect(message).not.toContain("secret-ish");
      expect(message).not.toContain("nope");
    }
  });

  it("a body that is not UTF-8 is 400 invalid_request", async () => {
    const server = await withAgents();
    const response = await fetch(server.url + Routes.revoke.path, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${server.agents.peer?.token ?? ""}`,
      },
      body: Uint8Array.of(0x7b, 0xff, 0xfe, 0x7d),
    });
    expect(await expectProblem(response, 400, "invalid_request")).toMatch(/not valid UTF-8/);
  });

  it("a deeply nested body is refused, not a crash", async () => {
    const server = await withAgents();
    const token = server.agents.peer?.token ?? "";
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    await expectProblem(
      await postJson(server, Routes.revoke.path, deep, { token }),
      400,
      "invalid_request",
    );
    const deepField = `{"a":${"[".repeat(50_000)}${"]".repeat(50_000)}}`;
    await expectProblem(
      await postJson(server, Routes.register.path, deepField, { token }),
      400,
      "invalid_request",
    );
  });

  it("a missing body is 400 invalid_request", async () => {
    const server = await withAgents();
    const token = server.agents.peer?.token ?? "";
    for (const route of [Routes.register, Routes.revoke]) {
      const bare = await fetch(server.url + route.path, {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
      });
      expect(await expectProblem(bare, 400, "invalid_request")).toMatch(/needs a JSON body/);
      const empty = await postJson(server, route.path, "", { token });
      expect(await expectProblem(empty, 400, "invalid_request")).toMatch(/needs a JSON body/);
    }
    expect(server.store.agent("peer")?.key?.keyStatus).toBe("active");
  });

  it.each([
    ["text/plain", "text/plain"],
    ["form data", "application/x-www-form-urlencoded"],
    ["a non-UTF-8 charset", "application/json; charset=latin1"],
    ["JSON look-alike", "application/jsonp"],
  ])("a %s content type is 415 invalid_request", async (_name, contentType) => {
    const server = await withAgents();
    const response = await postJson(
      server,
      Routes.revoke.path,
      {},
      {
        token: server.agents.peer?.token ?? "",
        headers: { "content-type": contentType },
      },
    );
    expect(await expectProblem(response, 415, "invalid_request")).toMatch(/must be JSON/);
    expect(server.store.agent("peer")?.key?.keyStatus).toBe("active");
  });

  it("a body without a content type is 415", async () => {
    const server = await withAgents();
    const response = await fetch(server.url + Routes.revoke.path, {
      method: "POST",
      headers: { authorization: `Bearer ${server.agents.peer?.token ?? ""}` },
      body: new Uint8Array([0x7b, 0x7d]),
    });
    await expectProblem(response, 415, "invalid_request");
  });

  it("accepts application/json with a utf-8 charset and +json types", async () => {
    const server = await withAgents();
    const token = server.agents.peer?.token ?? "";
    for (const contentType of [
      "application/json; charset=UTF-8",
      "Application/JSON",
      "application/vnd.agentmail+json",
    ]) {
      const response = await postJson(
        server,
        Routes.revoke.path,
        {},
        { token, headers: { "content-type": contentType } },
      );
      expect(response.status, contentType).toBe(200);
    }
  });
});

describe("body size limits", () => {
  const oversized = `{"pad":"${"x".repeat(DIRECTORY_BODY_LIMIT)}"}`;

  it("a body of exactly the limit is read", async () => {
    const server = await withAgents();
    const body = `{}${" ".repeat(DIRECTORY_BODY_LIMIT - 2)}`;
    const response = await postJson(server, Routes.revoke.path, body, {
      token: server.agents.peer?.token ?? "",
    });
    expect(response.status).toBe(200);
  });

  it("a body over the limit (with Content-Length) is 413 payload_too_large, on both routes", async () => {
    const server = await withAgents();
    for (const route of [Routes.register, Routes.revoke]) {
      const response = await postJson(server, route.path, oversized, {
        token: server.agents.keyless?.token ?? "",
      });
      const message = await expectProblem(response, 413, "payload_too_large");
      expect(message).toContain(String(DIRECTORY_BODY_LIMIT));
      expect(message).not.toContain("xxxx");
    }
  });

  it("a declared Content-Length over the limit is refused before the body is sent", async () => {
    const server = await withAgents();
    // Only the headers go out; the server answers without waiting for 10 MB.
    const response = await rawRequest(
      server.url,
      `POST ${Routes.revoke.path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
        `Authorization: Bearer ${server.agents.peer?.token ?? ""}\r\nContent-Length: 10000000\r\n\r\n`,
    );
    await expectProblem(response, 413, "payload_too_large");
  });

  it("a chunked body without Content-Length is cut off at the limit", async () => {
    const server = await withAgents();
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        // 64 MiB would follow if the server kept reading.
        if (sent >= 64 * 1024 * 1024) return controller.close();
        sent += 16 * 1024;
        controller.enqueue(new Uint8Array(16 * 1024).fill(0x20));
      },
    });
    const response = await fetch(server.url + Routes.register.path, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${server.agents.peer?.token ?? ""}`,
      },
      body,
      duplex: "half",
    } as RequestInit);
    await expectProblem(response, 413, "payload_too_large");
    expect(sent).toBeLessThan(64 * 1024 * 1024);
  });

  it("a raw chunked body over the limit is 413, and under it is read", async () => {
    const server = await withAgents();
    const token = server.agents.peer?.token ?? "";
    const chunk = " ".repeat(64 * 1024);
    const head = `POST ${Routes.revoke.path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer ${token}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`;
    const chunked = (parts: string[]) =>
      head +
      parts.map((part) => `${Buffer.byteLength(part).toString(16)}\r\n${part}\r\n`).join("") +
      "0\r\n\r\n";
    const big = await rawRequest(server.url, chunked(["{}", ...Array(5).fill(chunk)]));
    await expectProblem(big, 413, "payload_too_large");
    const small = await rawRequest(server.url, chunked(["{", "}"]));
    expect(small.status).toBe(200);
  });

  it("a Content-Length smaller than the body is a 400, and the server stays up", async () => {
    const server = await withAgents();
    const token = server.agents.peer?.token ?? "";
    const body = `{"pad":"${"y".repeat(300 * 1024)}"}`;
    const response = await rawRequest(
      server.url,
      `POST ${Routes.revoke.path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer ${token}\r\nContent-Length: 8\r\n\r\n${body}`,
    );
    await expectProblem(response, 400, "invalid_request");
    expect(
      (await fetch(server.url + routePath(Routes.getAgent, { agent_id: "peer" }))).status,
    ).toBe(200);
  });

  it("a Content-Length larger than the body that never arrives does not block other requests", async () => {
    const server = await withAgents();
    const token = server.agents.peer?.token ?? "";
    const stalled = rawRequest(
      server.url,
      `POST ${Routes.revoke.path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer ${token}\r\nContent-Length: 100\r\n\r\n{}`,
      { timeoutMs: 300 },
    ).catch((error: Error) => error);
    expect(
      (await fetch(server.url + routePath(Routes.getAgent, { agent_id: "peer" }))).status,
    ).toBe(200);
    expect(await stalled).toBeInstanceOf(Error);
    // stop() ends the stalled connection too (the test's afterEach would hang otherwise).
  });
});

describe("malformed HTTP never reaches a 5xx", () => {
  it.each([
    ["a backslash in the path", "GET /public\\agents/peer HTTP/1.1\r\nHost: x\r\n\r\n"],
    ["a bad Host header", "GET /public/agents/peer HTTP/1.1\r\nHost: a/b@c\r\n\r\n"],
    ["garbage", "HELLO THERE\r\n\r\n"],
    ["a bad header line", "GET / HTTP/1.1\r\nHost: x\r\nbad header\r\n\r\n"],
    [
      "a bad chunk size",
      "POST /directory/revoke HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ],
    [
      "both Content-Length and chunked",
      "POST /directory/revoke HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}",
    ],
  ])("%s is a JSON 400", async (_name, request) => {
    const server = await withAgents();
    const response = await rawRequest(server.url, request);
    await expectProblem(response, 400, "invalid_request");
  });

  it("oversized headers are a JSON 431", async () => {
    const server = await withAgents();
    const response = await rawRequest(
      server.url,
      `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`,
    );
    await expectProblem(response, 431, "invalid_request");
  });

  it("refused requests are logged like any other", async () => {
    const server = await withAgents();
    await rawRequest(
      server.url,
      "GET /public\\agents/peer HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    expect(server.requests.entries()).toMatchObject([
      { method: "GET", path: "/public\\agents/peer", status: 400 },
    ]);
  });
});

describe("createDevApp in process", () => {
  it("serves the same API through app.request and logs into the given RequestLog", async () => {
    const store = new DevStore();
    await store.addAgent({ agentId: "peer", publicKey: spkiPem("ed25519") });
    const requests = new RequestLog();
    const app = createDevApp(store, { requests });
    const response = await app.request(routePath(Routes.getAgent, { agent_id: "peer" }));
    expect((await response.json()).key_version).toBe(1);
    expect(requests.count({ method: "GET" })).toBe(1);
    expect(createDevApp(store)).not.toBe(app);
  });

  it("turns an unexpected failure into a 500 server_error that reveals nothing", async () => {
    class BrokenStore extends DevStore {
      override directoryRecord(): never {
        throw new Error("secret internal detail at /home/dev/src/store.ts:42");
      }
    }
    const store = new BrokenStore();
    await store.addAgent({ agentId: "peer", publicKey: spkiPem("ed25519") });
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const response = await createDevApp(store).request(
        routePath(Routes.getAgent, { agent_id: "peer" }),
      );
      expect(response.status).toBe(500);
      const text = await response.text();
      expect(ErrorBodySchema.parse(JSON.parse(text)).error).toBe("server_error");
      expect(text).not.toMatch(/secret|store\.ts|at /);
      expect(logged).toHaveBeenCalledOnce();
    } finally {
      logged.mockRestore();
    }
  });

  it("keeps the registered state per store", async () => {
    const store = new DevStore();
    const { token } = await store.addAgent({ agentId: "me" });
    const app = createDevApp(store);
    const response = await app.request(Routes.register.path, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify(registerBody()),
    });
    expect(response.status).toBe(200);
    expect(store.agent("me")?.key?.keyVersion).toBe(1);
  });
});
