import { ErrorBodySchema, Routes, routePath } from "@assmbl/core";
import { expect, it } from "vitest";
import { ARMORED, mulberry32, registerBody, spkiPem, useServers } from "./testing/helpers.js";
import { sesErrorShape } from "./testing/ses.js";

const serve = useServers();

it("a few hundred random requests never get a 5xx, every error has the {error, message} shape, and the server stays up", async () => {
  const server = await serve({
    agents: [
      { agentId: "peer", publicKey: spkiPem("ed25519"), openpgpPublicKey: ARMORED },
      { agentId: "keyless" },
    ],
  });
  const token = server.agents.peer?.token ?? "";
  const random = mulberry32(20_240_601);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const int = (max: number) => Math.floor(random() * max);
  const text = (length: number, alphabet = "abcXYZ019._-/%:é\u0000\u212a ?#&=+\\\"'{}[],") =>
    Array.from({ length }, () => pick([...alphabet])).join("");

  const ids = () =>
    pick([
      "peer",
      "PEER",
      "keyless",
      "nobody",
      "a".repeat(64),
      "a".repeat(65),
      "",
      ".",
      "..",
      text(1 + int(12)),
      encodeURIComponent(text(1 + int(12))),
    ]);
  const paths = () =>
    pick([
      // Built by hand: routePath refuses "." and "..", which the fuzz wants to send anyway.
      () => Routes.getAgent.path.replace("{agent_id}", encodeURIComponent(ids() || "x")),
      () => Routes.getPricing.path.replace("{agent_id}", encodeURIComponent(ids() || "x")),
      () => `/public/agents/${ids()}`,
      () => `/public/agents/${ids()}/pricing`,
      () => Routes.register.path,
      () => Routes.revoke.path,
      () => `${Routes.register.path}${pick(["/", "?x=1", "/extra", "%00"])}`,
      () => `/${encodeURIComponent(text(int(30)))}`,
      () => `/${text(int(40), "abc/%.")}`,
      // The SES endpoint shares the server: its root (v1) and v2 paths.
      () => "/",
      () => pick(["/v2/email/outbound-emails", "/v2/email/identities", "/v2/email/"]),
      () =>
        pick(Object.values(Routes)).path.replace(/\{\w+\}/g, () =>
          encodeURIComponent(ids() || "1"),
        ),
    ])();

  const jsonValue = (depth: number): unknown => {
    const kind = depth > 3 ? int(4) : int(7);
    if (kind === 0) return null;
    if (kind === 1) return pick([0, -1, 1.5, 2 ** 53, 1e308, true, false]);
    if (kind === 2) return text(int(20));
    if (kind === 3) return pick(["", "Ed25519", spkiPem("ed25519"), ARMORED]);
    if (kind === 4) return Array.from({ length: int(4) }, () => jsonValue(depth + 1));
    return Object.fromEntries(
      Array.from({ length: int(4) }, () => [text(1 + int(8)), jsonValue(depth + 1)]),
    );
  };
  const bodies = (): string | Uint8Array<ArrayBuffer> | undefined =>
    pick([
      () => undefined,
      () => "",
      () => "{}",
      () => JSON.stringify(jsonValue(0)),
      () => {
        const body = registerBody({
          key_version: 2 + int(3),
          if_match_version: pick([null, 1, 2, 3]),
        });
        const keys = Object.keys(body);
        const victim = pick(keys);
        if (random() < 0.5) body[victim] = jsonValue(2);
        else delete body[victim];
        if (random() < 0.3) body[text(1 + int(6))] = jsonValue(2);
        return JSON.stringify(body);
      },
      () => JSON.stringify(registerBody()).slice(0, int(200)),
      () => Uint8Array.from({ length: int(64) }, () => int(256)),
      () => `${"[".repeat(int(5000))}`,
    ])();
  const headers = (): Record<string, string> => {
    const out: Record<string, string> = {};
    const contentType = pick([
      "application/json",
      "application/json; charset=utf-8",
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "application/json; charset=utf-16",
      undefined,
    ]);
    if (contentType) out["content-type"] = contentType;
    const authorization = pick([
      "AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/ses/aws4_request, SignedHeaders=host, Signature=00",
      `Bearer ${token}`,
      `Bearer ${token}`,
      "Bearer nope-not-a-token",
      "Bearer",
      `Basic ${token}`,
      text(10, "abcABC019 "),
      undefined,
    ]);
    if (authorization) out.authorization = authorization;
    return out;
  };

  const total = 400;
  const failures: string[] = [];
  let sent = 0;
  let sesAnswers = 0;
  const worker = async () => {
    while (sent < total) {
      sent += 1;
      // Two in five requests are near misses of a real call (right route, method and headers,
      // a valid or slightly broken body); the rest are wild.
      const nearMiss = random() < 0.4;
      const route = pick([
        Routes.register,
        Routes.register,
        Routes.revoke,
        Routes.getAgent,
        Routes.getPricing,
      ]);
      const method = nearMiss
        ? random() < 0.9
          ? route.method
          : pick(["PUT", "DELETE"])
        : pick(["GET", "GET", "POST", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]);
      const path = nearMiss
        ? route.path.replace("{agent_id}", pick(["peer", "keyless", "nobody", "Peer"]))
        : paths();
      const body =
        method === "GET" || method === "HEAD"
          ? undefined
          : nearMiss && random() < 0.5
            ? JSON.stringify(
                route === Routes.register
                  ? registerBody({
                      key_version: 1 + int(4),
                      if_match_version: pick([null, 1, 2, 3]),
                    })
                  : {},
              )
            : bodies();
      const init: RequestInit = {
        method,
        headers:
          nearMiss && random() < 0.9
            ? { "content-type": "application/json", authorization: `Bearer ${token}` }
            : headers(),
      };
      if (body !== undefined) init.body = body;
      let url: string;
      try {
        // Concatenated, so that a path starting with "//" stays a path on this server.
        url = new URL(server.url + path).href;
      } catch {
        url = `${server.url}/`;
      }
      const response = await fetch(url, init);
      const raw = await response.text();
      const label = `${method} ${path} -> ${response.status}`;
      if (response.status >= 500) failures.push(label);
      if (response.status >= 400 && method !== "HEAD") {
        // The SES endpoint answers in SES's formats; everything else in the AgentMail API's.
        const ses = sesErrorShape(response, raw);
        if (ses !== undefined) sesAnswers += 1;
        if (ses === undefined) {
          const parsed = ErrorBodySchema.safeParse(JSON.parse(raw));
          if (!parsed.success || !parsed.data.message)
            failures.push(`${label}: ${raw.slice(0, 200)}`);
        } else if (!ses) failures.push(`${label}: not SES's error format: ${raw.slice(0, 200)}`);
        if (raw.includes(token)) failures.push(`${label}: echoed the token`);
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));

  expect(failures).toEqual([]);
  expect(sesAnswers).toBeGreaterThan(0);
  // The inputs reached every kind of answer, not just one.
  const statuses = new Set(server.requests.entries().map((entry) => entry.status));
  for (const status of [200, 400, 401, 404, 405, 409, 415]) expect(statuses).toContain(status);
  expect(server.requests.count()).toBe(total);
  expect(server.requests.count({ path: /./ })).toBe(total);
  const record = await fetch(server.url + routePath(Routes.getAgent, { agent_id: "peer" }));
  expect(record.status).toBe(200);
});
