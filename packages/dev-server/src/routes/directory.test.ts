import { createHash, createPublicKey } from "node:crypto";
import {
  DirectoryRecordSchema,
  PricingSchema,
  RegisterResponseSchema,
  RevokeResponseSchema,
  Routes,
  routePath,
} from "@assmbl/core";
import { describe, expect, it } from "vitest";
import {
  armoredKey,
  expectProblem,
  postJson,
  rawRequest,
  registerBody,
  spkiPem,
  useServers,
} from "../testing/helpers.js";

const serve = useServers();
const PEER_ARMORED = armoredKey("peer@agents.localhost");
// Peer's seeded key: a variant no test registers for another agent (one key, one agent).
const PEER_PEM = spkiPem("ed25519", 2);
const agentPath = (agentId: string) => routePath(Routes.getAgent, { agent_id: agentId });
const pricingPath = (agentId: string) => routePath(Routes.getPricing, { agent_id: agentId });
const fingerprintOf = (pem: string) =>
  createHash("sha256")
    .update(createPublicKey(pem).export({ type: "spki", format: "der" }))
    .digest("hex");

async function seeded() {
  return serve({
    agents: [
      { agentId: "Peer", publicKey: PEER_PEM, openpgpPublicKey: PEER_ARMORED },
      { agentId: "keyless" },
      {
        agentId: "paid",
        publicKey: spkiPem("rsa2048"),
        algorithm: "RSA",
        pricing: { pricing_model: "per_message", base_price: "0.01", currency: "USD" },
      },
    ],
  });
}

describe(`${Routes.getAgent.method} ${Routes.getAgent.path}`, () => {
  it("answers a seeded agent's record, parsed by core's schema, case-insensitively", async () => {
    const server = await seeded();
    for (const id of ["peer", "PEER", "Peer"]) {
      const response = await fetch(server.url + agentPath(id));
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^application\/json/);
      const json = await response.json();
      expect(Object.keys(json)).toEqual([
        "agent_id",
        "public_key",
        "algorithm",
        "key_fingerprint_sha256",
        "key_version",
        "key_status",
        "openpgp_public_key",
      ]);
      expect(DirectoryRecordSchema.parse(json)).toEqual({
        agent_id: "peer",
        public_key: PEER_PEM,
        algorithm: "Ed25519",
        key_fingerprint_sha256: fingerprintOf(PEER_PEM),
        key_version: 1,
        key_status: "active",
        openpgp_public_key: PEER_ARMORED,
      });
    }
  });

  it("derives a seed's algorithm from its key, or keeps a declared one that fits", async () => {
    const server = await serve({
      agents: [
        // A key of its own: one key belongs to one agent.
        { agentId: "rsa", publicKey: spkiPem("rsa2048", 1) },
        { agentId: "ec", publicKey: spkiPem("p256") },
        { agentId: "paid", publicKey: spkiPem("rsa2048"), algorithm: "RSA" },
      ],
    });
    const algorithmOf = async (id: string) =>
      DirectoryRecordSchema.parse(await (await fetch(server.url + agentPath(id))).json()).algorithm;
    expect(await algorithmOf("rsa")).toBe("RSA2048");
    expect(await algorithmOf("ec")).toBe("ECDSA_P256");
    expect(await algorithmOf("paid")).toBe("RSA");
  });

  it("answers HEAD like GET, without a body", async () => {
    const server = await seeded();
    const response = await fetch(server.url + agentPath("peer"), { method: "HEAD" });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("");
  });

  it("is 404 agent_not_found for an unknown agent and for one without a key", async () => {
    const server = await seeded();
    expect(
      await expectProblem(await fetch(server.url + agentPath("nobody")), 404, "agent_not_found"),
    ).toMatch(/nobody is not in the directory/);
    expect(
      await expectProblem(await fetch(server.url + agentPath("keyless")), 404, "agent_not_found"),
    ).toMatch(/has not registered a key/);
  });

  it.each([
    ["65 characters", "a".repeat(65)],
    ["a slash, percent-encoded", "a%2Fb"],
    ["a space", "a%20b"],
    ["unicode", "%C3%A9t%C3%A9"],
    ["a KELVIN SIGN that lower-cases to k", "%E2%84%AA"],
    ["a malformed escape", "%E0%A4%A"],
    ["a NUL", "a%00b"],
    ["a colon", "a:b"],
  ])("is 400 invalid_request for an id with %s", async (_name, segment) => {
    const server = await seeded();
    const response = await fetch(`${server.url}/public/agents/${segment}`);
    expect(await expectProblem(response, 400, "invalid_request")).toMatch(/agent id .* is invalid/);
    const pricing = await fetch(`${server.url}/public/agents/${segment}/pricing`);
    await expectProblem(pricing, 400, "invalid_request");
  });

  it("never lets a dot segment reach the route: ., .. and %2E%2E resolve away to 404 not_found", async () => {
    const server = await seeded();
    for (const segment of ["..", ".", "%2E%2E", "%2e", "..%2F..%2Fpublic"]) {
      // Raw, because fetch would resolve the dot segments before sending.
      const raw = await rawRequest(
        server.url,
        `GET /public/agents/${segment} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      );
      expect(raw.status, segment).toBeGreaterThanOrEqual(400);
      expect(raw.status, segment).toBeLessThan(500);
      await expectProblem(raw, raw.status, raw.status === 404 ? "not_found" : "invalid_request");
    }
    // And the record is still served.
    expect((await fetch(server.url + agentPath("peer"))).status).toBe(200);
  });

  it("a revoked record stays readable, revoked and without its OpenPGP key", async () => {
    const server = await seeded();
    await postJson(server, Routes.revoke.path, {}, { token: server.agents.peer?.token ?? "" });
    const record = DirectoryRecordSchema.parse(
      await (await fetch(server.url + agentPath("peer"))).json(),
    );
    expect(record).toMatchObject({
      key_status: "revoked",
      openpgp_public_key: null,
      key_version: 1,
    });
  });
});

describe(`${Routes.getPricing.method} ${Routes.getPricing.path}`, () => {
  it("answers free pricing by default and a seeded pricing verbatim", async () => {
    const server = await seeded();
    const free = await fetch(server.url + pricingPath("KEYLESS"));
    expect(free.status).toBe(200);
    expect(PricingSchema.parse(await free.json())).toEqual({
      pricing_model: "free",
      base_price: 0,
    });
    const paid = await fetch(server.url + pricingPath("paid"));
    expect(PricingSchema.parse(await paid.json())).toEqual({
      pricing_model: "per_message",
      base_price: "0.01",
      currency: "USD",
    });
  });

  it("is 404 agent_not_found for an unknown agent", async () => {
    const server = await seeded();
    await expectProblem(await fetch(server.url + pricingPath("nobody")), 404, "agent_not_found");
  });
});

describe(`${Routes.register.method} ${Routes.register.path}`, () => {
  it("registers a first key, then rotates it with if_match_version", async () => {
    const server = await seeded();
    const token = server.agents.keyless?.token ?? "";
    const first = await postJson(server, Routes.register.path, registerBody(), { token });
    expect(first.status).toBe(200);
    expect(RegisterResponseSchema.parse(await first.json())).toEqual({
      agent_id: "keyless",
      key_version: 1,
      key_fingerprint_sha256: fingerprintOf(spkiPem("ed25519")),
    });

    const rotated = await postJson(
      server,
      Routes.register.path,
      registerBody({
        public_key: spkiPem("rsa4096"),
        algorithm: "RSA4096",
        key_version: 3,
        if_match_version: 1,
        openpgp_public_key: null,
      }),
      { token },
    );
    expect(RegisterResponseSchema.parse(await rotated.json())).toEqual({
      agent_id: "keyless",
      key_version: 3,
      key_fingerprint_sha256: fingerprintOf(spkiPem("rsa4096")),
    });
    const record = DirectoryRecordSchema.parse(
      await (await fetch(server.url + agentPath("keyless"))).json(),
    );
    expect(record).toMatchObject({
      algorithm: "RSA4096",
      key_version: 3,
      key_status: "active",
      openpgp_public_key: null,
    });
    expect(record.key_fingerprint_sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("accepts an armored key of exactly 64 KiB and CRLF PEM line endings", async () => {
    const server = await seeded();
    const key = armoredKey("keyless@agents.localhost");
    // Padded with an armor header line to exactly the limit.
    const header = "Comment: ";
    const padded = key.replace(
      "\n\n",
      `\n${header}${"k".repeat(64 * 1024 - key.length - header.length - 1)}\n\n`,
    );
    expect(padded.length).toBe(64 * 1024);
    const body = registerBody({
      public_key: spkiPem("ed25519").replace(/\n/g, "\r\n"),
      openpgp_public_key: padded,
    });
    const response = await postJson(server, Routes.register.path, body, {
      token: server.agents.keyless?.token ?? "",
    });
    expect(response.status).toBe(200);
  });

  it.each([
    [
      "if_match_version null when a key exists",
      { key_version: 2, if_match_version: null },
      /current key_version 1/,
    ],
    ["a stale if_match_version", { key_version: 3, if_match_version: 2 }, /current key_version 1/],
    [
      "an unchanged key_version",
      { key_version: 1, if_match_version: 1 },
      /greater than the current key_version 1/,
    ],
    ["a lower key_version", { key_version: 1, if_match_version: 1 }, /greater than/],
  ])("is 409 key_version_conflict for %s", async (_name, versions, message) => {
    const server = await seeded();
    const response = await postJson(server, Routes.register.path, registerBody(versions), {
      token: server.agents.peer?.token ?? "",
    });
    expect(await expectProblem(response, 409, "key_version_conflict")).toMatch(message);
    // Nothing changed.
    const record = DirectoryRecordSchema.parse(
      await (await fetch(server.url + agentPath("peer"))).json(),
    );
    expect(record.key_version).toBe(1);
  });

  it("is 409 for a first registration that names a version to match", async () => {
    const server = await seeded();
    const response = await postJson(
      server,
      Routes.register.path,
      registerBody({ if_match_version: 1 }),
      {
        token: server.agents.keyless?.token ?? "",
      },
    );
    expect(await expectProblem(response, 409, "key_version_conflict")).toMatch(
      /current key_version null/,
    );
  });

  it.each([
    ["an unknown field", { extra: true }, /unknown field "extra"/],
    ["a string key_version", { key_version: "1" }, /key_version: expected number/],
    ["a fractional key_version", { key_version: 1.5 }, /key_version: expected int/],
    ["a zero key_version", { key_version: 0 }, /key_version: /],
    ["an unknown algorithm", { algorithm: "DSA" }, /algorithm: /],
    ["a missing public_key", { public_key: undefined }, /public_key: /],
    ["an empty openpgp_public_key", { openpgp_public_key: "" }, /openpgp_public_key: /],
    ["a public_key that is not PEM", { public_key: "not a key" }, /public_key is not an SPKI PEM/],
    [
      "a PEM with a corrupted body",
      { public_key: "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n" },
      /public_key is not a parseable/,
    ],
    ["a PKCS#1 RSA key", { public_key: "pkcs1" }, /public_key is not an SPKI PEM/],
    ["a private key", { public_key: "private" }, /public_key is not an SPKI PEM/],
    [
      "an X25519 key",
      { public_key: "x25519", algorithm: "Ed25519" },
      /x25519 key; the directory takes/,
    ],
    ["a P-384 key", { public_key: "p384", algorithm: "ECDSA_P256" }, /ec secp384r1 key/],
    [
      "an algorithm that does not fit the key",
      { algorithm: "RSA2048" },
      /algorithm RSA2048 does not match/,
    ],
    [
      "an OpenPGP private key",
      { openpgp_public_key: "-----BEGIN PGP PRIVATE KEY BLOCK-----\nx" },
      /holds a private key/,
    ],
  ])("is 400 invalid_request for %s", async (_name, overrides, message) => {
    const server = await seeded();
    const fixups: Record<string, () => string> = {
      pkcs1: () =>
        createPublicKey(spkiPem("rsa2048")).export({ type: "pkcs1", format: "pem" }).toString(),
      private: () =>
        "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n",
      x25519: () => spkiPem("x25519"),
      p384: () => spkiPem("p384"),
    };
    const body = registerBody(overrides);
    const key = body.public_key;
    if (typeof key === "string" && fixups[key]) body.public_key = fixups[key]();
    const response = await postJson(server, Routes.register.path, body, {
      token: server.agents.keyless?.token ?? "",
    });
    const text = await expectProblem(response, 400, "invalid_request");
    expect(text).toMatch(message);
    // The message never quotes what was sent (a private key sent by mistake stays private).
    for (const value of Object.values(body)) {
      if (typeof value !== "string" || !value.includes("\n")) continue;
      const longest = value.split("\n").reduce((a, b) => (b.length > a.length ? b : a));
      expect(text).not.toContain(longest);
    }
    expect(text).not.toContain("PRIVATE");
    expect(server.store.agent("keyless")?.key).toBeNull();
  });

  it("is 413 key_too_large for an armored key over 64 KiB", async () => {
    const server = await seeded();
    const body = registerBody({ openpgp_public_key: "k".repeat(64 * 1024 + 1) });
    const response = await postJson(server, Routes.register.path, body, {
      token: server.agents.keyless?.token ?? "",
    });
    expect(await expectProblem(response, 413, "key_too_large")).toMatch(
      /65537 bytes; the limit is 65536/,
    );
  });

  it("names every unknown field and every wrong type", async () => {
    const server = await seeded();
    const body = { ...registerBody({ key_version: "x", if_match_version: "y" }), a: 1, b: 2 };
    const response = await postJson(server, Routes.register.path, body, {
      token: server.agents.keyless?.token ?? "",
    });
    const message = await expectProblem(response, 400, "invalid_request");
    expect(message).toContain('unknown fields "a", "b"');
    expect(message).toContain("key_version:");
    expect(message).toContain("if_match_version:");
  });

  it.each([
    ["an array", []],
    ["null", null],
    ["a string", "register"],
    ["a number", 1],
  ])("is 400 invalid_request for a body that is %s", async (_name, body) => {
    const server = await seeded();
    const response = await postJson(server, Routes.register.path, JSON.stringify(body), {
      token: server.agents.keyless?.token ?? "",
    });
    expect(await expectProblem(response, 400, "invalid_request")).toMatch(
      /register request: body: expected object/,
    );
  });
});

describe(`${Routes.revoke.method} ${Routes.revoke.path}`, () => {
  it("revokes, is harmless twice, and a later register re-activates", async () => {
    const server = await seeded();
    const token = server.agents.peer?.token ?? "";
    const revoked = await postJson(server, Routes.revoke.path, {}, { token });
    expect(revoked.status).toBe(200);
    expect(RevokeResponseSchema.parse(await revoked.json())).toEqual({
      agent_id: "peer",
      revoked: true,
    });
    expect((await postJson(server, Routes.revoke.path, {}, { token })).status).toBe(200);

    const conflict = await postJson(
      server,
      Routes.register.path,
      registerBody({ key_version: 1, if_match_version: 1 }),
      {
        token,
      },
    );
    await expectProblem(conflict, 409, "key_version_conflict");
    const again = await postJson(
      server,
      Routes.register.path,
      registerBody({
        public_key: spkiPem("ed25519", 1),
        key_version: 2,
        if_match_version: 1,
        openpgp_public_key: PEER_ARMORED,
      }),
      { token },
    );
    expect(again.status).toBe(200);
    const record = DirectoryRecordSchema.parse(
      await (await fetch(server.url + agentPath("peer"))).json(),
    );
    expect(record).toMatchObject({
      key_status: "active",
      key_version: 2,
      openpgp_public_key: PEER_ARMORED,
    });
    expect(record.key_fingerprint_sha256).toBe(fingerprintOf(spkiPem("ed25519", 1)));
  });

  it("is 404 agent_not_found for an agent that never registered a key", async () => {
    const server = await seeded();
    const response = await postJson(
      server,
      Routes.revoke.path,
      {},
      { token: server.agents.keyless?.token ?? "" },
    );
    expect(await expectProblem(response, 404, "agent_not_found")).toMatch(/no registered key/);
  });

  it("is 400 invalid_request for a non-empty object", async () => {
    const server = await seeded();
    const response = await postJson(
      server,
      Routes.revoke.path,
      { reason: "lost" },
      { token: server.agents.peer?.token ?? "" },
    );
    expect(await expectProblem(response, 400, "invalid_request")).toMatch(/unknown field "reason"/);
    expect(server.store.agent("peer")?.key?.keyStatus).toBe("active");
  });
});

describe("authentication of the token routes", () => {
  const routes = [Routes.register, Routes.revoke];

  it.each(routes.map((route) => [route.path, route] as const))(
    "%s: 401 unauthorized without a usable token",
    async (_path, route) => {
      const server = await seeded();
      const body = route === Routes.register ? registerBody() : {};
      const secret = "amdev_not-a-real-token-but-secret-1234";
      const cases: Array<Record<string, string>> = [
        {},
        { authorization: `Bearer ${secret}` },
        { authorization: `Basic ${secret}` },
        { authorization: secret },
        { authorization: "Bearer" },
        { authorization: `Bearer ${server.agents.peer?.token ?? ""}x` },
        { authorization: `Bearer ${server.agents.peer?.token ?? ""} extra` },
      ];
      for (const headers of cases) {
        const response = await postJson(server, route.path, body, { headers });
        expect(response.headers.get("www-authenticate")).toMatch(/^Bearer /);
        const message = await expectProblem(response, 401, "unauthorized");
        expect(message).not.toContain(secret);
        expect(message).not.toContain(server.agents.peer?.token);
      }
      expect(server.store.agent("keyless")?.key).toBeNull();
      expect(server.store.agent("peer")?.key?.keyStatus).toBe("active");
    },
  );

  it("accepts the scheme in any case", async () => {
    const server = await seeded();
    const response = await postJson(
      server,
      Routes.revoke.path,
      {},
      {
        headers: { authorization: `bEARER ${server.agents.peer?.token ?? ""}` },
      },
    );
    expect(response.status).toBe(200);
  });

  it("acts on the token's agent only", async () => {
    const server = await seeded();
    await postJson(server, Routes.revoke.path, {}, { token: server.agents.paid?.token ?? "" });
    expect(server.store.agent("paid")?.key?.keyStatus).toBe("revoked");
    expect(server.store.agent("peer")?.key?.keyStatus).toBe("active");
  });
});
