import { type AgentMailError, Routes, routePath } from "@assmbl/core";
import { describe, expect, it } from "vitest";
import { startDevServer } from "./server.js";
import { spkiPem, useServers } from "./testing/helpers.js";

const serve = useServers();
const agentPath = (agentId: string) => routePath(Routes.getAgent, { agent_id: agentId });

function tcpHandles(): number {
  return process
    .getActiveResourcesInfo()
    .filter((name) => name === "TCPServerWrap" || name === "TCPSocketWrap").length;
}

async function codeOf(promise: Promise<unknown>): Promise<{ code?: string; message?: string }> {
  return promise.then(
    () => ({ code: "no error" }),
    (error: AgentMailError) => ({ code: error.code, message: error.message }),
  );
}

describe("startDevServer", () => {
  it("listens on a free loopback port by default and reports its URL", async () => {
    const server = await serve();
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.port).toBeGreaterThan(0);
    expect(server.mailDomain).toBe("agents.localhost");
    expect(server.agents).toEqual({});
  });

  it("seeds agents with generated or given tokens, keyed by lower-case id", async () => {
    const server = await serve({
      mailDomain: "Agents.Test",
      agents: [
        { agentId: "Alice" },
        {
          agentId: "bob",
          token: "bob-token-123",
          sesAccessKeyId: "AKIADEVBOB0000000001",
          sesSecretAccessKey: "b".repeat(40),
        },
        { agentId: "carol" },
      ],
    });
    expect(server.mailDomain).toBe("agents.test");
    expect(Object.keys(server.agents)).toEqual(["alice", "bob", "carol"]);
    expect(server.agents.bob).toEqual({
      token: "bob-token-123",
      ses: { accessKeyId: "AKIADEVBOB0000000001", secretAccessKey: "b".repeat(40) },
    });
    // Generated SES credentials: AWS's shapes, different for every agent.
    expect(server.agents.alice?.ses.accessKeyId).toMatch(/^AKIADEV[A-Z2-7]{13}$/);
    expect(server.agents.alice?.ses.secretAccessKey).toMatch(/^[A-Za-z0-9+/]{40}$/);
    expect(server.agents.alice?.ses.secretAccessKey).not.toBe(
      server.agents.carol?.ses.secretAccessKey,
    );
    expect(server.agents.alice?.token).toMatch(/^amdev_[A-Za-z0-9_-]{32}$/);
    expect(server.agents.alice?.token).not.toBe(server.agents.carol?.token);
    expect(server.store.agentByToken("bob-token-123")?.agentId).toBe("bob");
  });

  it("two servers are independent", async () => {
    const one = await serve({ agents: [{ agentId: "peer", publicKey: spkiPem("ed25519") }] });
    const two = await serve();
    expect(one.port).not.toBe(two.port);
    expect((await fetch(one.url + agentPath("peer"))).status).toBe(200);
    expect((await fetch(two.url + agentPath("peer"))).status).toBe(404);
  });

  it.each([
    [{ prot: 0 }, /unknown option "prot"/],
    [{ agents: [{ agentId: "a", tokn: "x" }] }, /unknown option "agents\.0\.tokn"/],
    [{ port: -1 }, /port is invalid \(/],
    [{ port: 70_000 }, /port is invalid \(/],
    [{ port: "8025" }, /port is invalid \(expected number/],
    [{ host: "" }, /host is invalid \(/],
    [{ mailDomain: "not a domain" }, /mailDomain is invalid \(expected a domain name/],
    [
      { agents: [{ agentId: "no spaces" }] },
      /agents\.0\.agentId is invalid \(expected 1-64 characters/,
    ],
    [{ agents: [{ agentId: "a".repeat(65) }] }, /agents\.0\.agentId/],
    [{ agents: [{ agentId: "a", algorithm: "DSA" }] }, /agents\.0\.algorithm/],
    [
      { agents: [{ agentId: "a", pricing: { base_price: 1 } }] },
      /agents\.0\.pricing\.pricing_model/,
    ],
    [{ agents: [{ agentId: "a" }, { agentId: "A" }] }, /already exists/],
    [
      {
        agents: [
          { agentId: "a", token: "same-token" },
          { agentId: "b", token: "same-token" },
        ],
      },
      /already another agent's token/,
    ],
    [{ agents: [{ agentId: "a", publicKey: "nope" }] }, /publicKey is not an SPKI PEM/],
    [{ agents: [{ agentId: "a", openpgpPublicKey: "k" }] }, /need a publicKey/],
    [
      { agents: [{ agentId: "a", publicKey: spkiPem("ed25519"), algorithm: "RSA" }] },
      /algorithm RSA does not match publicKey/,
    ],
  ])("rejects %j with invalid_options", async (options, message) => {
    const result = await codeOf(startDevServer(options as never));
    expect(result.code).toBe("invalid_options");
    expect(result.message).toMatch(message);
  });

  it("never echoes a bad token", async () => {
    const result = await codeOf(
      startDevServer({ agents: [{ agentId: "a", token: "has spaces secret-value" }] }),
    );
    expect(result.code).toBe("invalid_options");
    expect(result.message).toMatch(/agents\.0\.token is invalid \(value must be a b64token/);
    expect(result.message).not.toContain("secret-value");
  });

  it("a port in use is invalid_options naming the port", async () => {
    const first = await serve();
    const result = await codeOf(startDevServer({ port: first.port }));
    expect(result).toEqual({
      code: "invalid_options",
      message: `startDevServer: cannot listen on 127.0.0.1:${first.port} (EADDRINUSE)`,
    });
  });

  it("an unspecified host is reported as a loopback URL", async () => {
    const server = await serve({ host: "0.0.0.0" });
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect((await fetch(`${server.url}/`)).status).toBe(404);
  });
});

describe("requests", () => {
  it("counts what reached the server, by method and path", async () => {
    const server = await serve({ agents: [{ agentId: "peer", publicKey: spkiPem("ed25519") }] });
    await fetch(server.url + agentPath("peer"));
    await fetch(server.url + agentPath("PEER"));
    await fetch(server.url + agentPath("nobody"));
    await fetch(`${server.url}${agentPath("peer")}?x=1`, { method: "HEAD" });
    await fetch(server.url + Routes.revoke.path, { method: "POST" });
    expect(server.requests.count()).toBe(5);
    expect(server.requests.count({ method: "GET" })).toBe(3);
    expect(server.requests.count({ method: "get", path: agentPath("peer") })).toBe(1);
    expect(server.requests.count({ path: /^\/public\/agents\/peer$/i })).toBe(3);
    expect(server.requests.count({ method: "HEAD", path: agentPath("peer") })).toBe(1);
    expect(server.requests.entries().map((entry) => entry.status)).toEqual([
      200, 200, 404, 200, 401,
    ]);
    expect(server.requests.entries()[0]?.at).toBeInstanceOf(Date);
    server.requests.clear();
    expect(server.requests.count()).toBe(0);
    await fetch(server.url + agentPath("peer"));
    expect(server.requests.count()).toBe(1);
  });
});

describe("stop", () => {
  it("is idempotent, refuses new connections, and leaves no TCP handle open", async () => {
    const before = tcpHandles();
    const server = await startDevServer({
      agents: [{ agentId: "peer", publicKey: spkiPem("ed25519") }],
    });
    // Keep-alive connections from fetch stay open until the server closes them.
    await Promise.all(
      Array.from({ length: 5 }, () => fetch(server.url + agentPath("peer")).then((r) => r.text())),
    );
    const first = server.stop();
    expect(server.stop()).toBe(first);
    await first;
    await server.stop();
    await expect(fetch(server.url + agentPath("peer"))).rejects.toThrow();
    await expect.poll(tcpHandles, { timeout: 2_000 }).toBeLessThanOrEqual(before);
  });

  it("ends a request that is still sending its body, promptly", async () => {
    const server = await startDevServer({ agents: [{ agentId: "peer" }] });
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("{"));
        // ...and never more.
      },
    });
    const pending = fetch(server.url + Routes.revoke.path, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${server.agents.peer?.token ?? ""}`,
      },
      body,
      duplex: "half",
    } as RequestInit).then(
      (response) => response.status,
      (error: Error) => error,
    );
    // Give the request time to reach the server and start reading its body.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await server.stop();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await pending).toBeInstanceOf(Error);
  });
});
