import { ErrorBodySchema, Routes, routePath } from "@assmbl/core";
import { expect, it } from "vitest";
import {
  ARMORED,
  armoredKey,
  mulberry32,
  postJson,
  registerBody,
  spkiPem,
  useServers,
} from "./testing/helpers.js";

const PEER_ARMORED = armoredKey("peer@agents.localhost");

import { sesErrorShape } from "@assmbl/testing/ses";
import {
  call,
  MY_TOKEN,
  OTHER_TOKEN,
  PLATFORM_AGENTS,
  requestUpload,
  send,
  upload,
  uploadForm,
} from "./testing/platform.js";

const serve = useServers();

it("a few hundred random requests never get a 5xx, every error has the {error, message} shape, and the server stays up", async () => {
  const server = await serve({
    agents: [
      { agentId: "peer", publicKey: spkiPem("ed25519"), openpgpPublicKey: PEER_ARMORED },
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

const S3_ERROR =
  /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<Error><Code>[A-Za-z]+<\/Code><Message>[^<]+<\/Message><RequestId>[0-9A-F]+<\/RequestId><\/Error>$/;

it("the platform routes (send, uploads, storage URLs, inbox, messages) never answer a 5xx to a few hundred random requests", async () => {
  const server = await serve({ agents: PLATFORM_AGENTS });
  const marker = "fuzz-secret-bytes";
  const objectKey = await upload(
    server,
    MY_TOKEN,
    "a.txt",
    "text/plain",
    new TextEncoder().encode(marker),
  );
  const ref = { object_key: objectKey, filename: "a.txt", content_type: "text/plain" };
  for (const token of [MY_TOKEN, OTHER_TOKEN]) {
    const response = await send(server, token, {
      to: "my-agent@agents.localhost",
      subject: "s",
      body: "b",
      attachments: token === MY_TOKEN ? [ref] : [],
    });
    expect(response.status).toBe(200);
  }
  await send(server, OTHER_TOKEN, { to: "my-agent@agents.localhost", subject: "plain", body: "b" });
  // Sends meet a priced seller and a rate cap: the marketplace and the cap are in the draw.
  server.store.setPricing("other-agent", {
    pricing_model: "token_based",
    enabled: true,
    base_price: 0.01,
    token_price_input: 0.1,
  });
  server.store.trustedPeers.put("other-agent", "my-agent", {
    max_messages: 3,
    window_seconds: 3600,
  });
  const messageIds = server.store.inbox("my-agent").map((message) => message.id);
  server.store.setAttachmentStatus(messageIds[0] ?? "", 0, "failed");
  const presigned = await requestUpload(server, MY_TOKEN, {
    file_name: "f.bin",
    content_type: "application/octet-stream",
    max_bytes: 64,
  });
  const download = await postJson(
    server,
    Routes.requestDownload.path,
    { object_key: objectKey },
    { token: MY_TOKEN },
  );
  const downloadUrl = new URL(((await download.json()) as { url: string }).url);

  const random = mulberry32(20_251_124);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const int = (max: number) => Math.floor(random() * max);
  const text = (length: number, alphabet = "abcXYZ019._-/%:é\u0000\r\n ?#&=+\\\"'{}[],<>@") =>
    Array.from({ length }, () => pick([...alphabet])).join("");
  const wild = (): unknown =>
    pick([
      null,
      0,
      -1,
      1.5,
      2 ** 53,
      true,
      "",
      text(int(20)),
      [],
      [text(5)],
      { [text(3)]: text(3) },
    ]);
  const mutate = (body: Record<string, unknown>): Record<string, unknown> => {
    const out = { ...body };
    const keys = Object.keys(out);
    for (let i = int(3); i > 0; i -= 1) {
      const roll = random();
      if (roll < 0.4) out[pick(keys)] = wild();
      else if (roll < 0.6) delete out[pick(keys)];
      else if (roll < 0.7) out[text(1 + int(6))] = wild();
      else out[pick(keys)] = pick(nasty);
    }
    return out;
  };
  const nasty: unknown[] = [
    { "X-Evil": "a\r\nBcc: v@x.example" },
    { From: "x@y.example" },
    { "x-agentmail-encrypted": "body" },
    { "X-AgentMail-Attachments": pick(["[", "[]", '[{"index":0}]', text(20)]) },
    [ref, ref],
    [{ ...ref, object_key: "uploads/other-agent/x" }],
    [{ ...ref, content_type: "text/plain\r\nX: y" }],
    Array.from({ length: 60 }, (_, i) => `r${i}@x.example`),
    "-----BEGIN PGP MESSAGE-----\n\nabc\n-----END PGP MESSAGE-----",
  ];
  const sendBody = () =>
    mutate({
      to: pick(["other-agent@agents.localhost", ["my-agent@agents.localhost"], "x@y.example"]),
      subject: pick(["s", "t"]),
      body: "b",
      headers: pick([{}, { "X-Workflow-Name": "w" }]),
      attachments: pick([[], [ref]]),
      idempotency_key: pick([null, "k1", "k2"]),
      marketplace_request_id: pick([null, "m1", "m2", text(1 + int(8))]),
      usage: pick([
        null,
        null,
        { tokens_input: int(5000), tokens_output: int(5000) },
        { tokens_input: int(5000), tokens_output: int(5000) },
        { outcomes_returned: pick([0, 1, -1, 1.5, 2 ** 53]) },
        { custom_units: { [text(3)]: pick([1, -1, "x"]) } },
        { tokens: 1 },
      ]),
    });
  const pricingBody = () =>
    mutate({
      pricing_model: pick(["free", "per_request", "token_based", "dynamic", "per_message", ""]),
      currency: pick(["USD", "EUR", "usd", undefined]),
      enabled: pick([true, false, "yes"]),
      base_price: pick([0, 0.01, 1e9, 1e10, -1, Number.MIN_VALUE, "0.01"]),
      token_price_input: pick([0.1, 1e9, undefined]),
      outcome_price: pick([0.2, undefined]),
      minimum_charge: pick([0, 0.5, 50, undefined]),
      free_quota: pick([0, 1, 1.5, undefined]),
    });
  const peerIds = () =>
    encodeURIComponent(
      pick([
        "my-agent",
        "other-agent",
        "Third-Agent",
        "nobody",
        "",
        ".",
        "..",
        "a b",
        text(1 + int(8)),
      ]) || "x",
    );
  const peerBody = () =>
    mutate({
      rate_cap: pick([
        null,
        { max_messages: 1 + int(3), window_seconds: 1 + int(60) },
        { max_messages: 0, window_seconds: 1 },
        { max_messages: 1, window_seconds: 10 ** 9 },
        {},
      ]),
    });
  const usageQuery = () =>
    Array.from(
      { length: int(3) },
      () =>
        `${pick(["limit", "cursor", text(3)])}=${encodeURIComponent(
          pick([
            "1",
            "100",
            "101",
            "0",
            "-1",
            "x",
            "",
            Buffer.from(`{"after":${int(20)}}`).toString("base64url"),
            text(int(10)),
          ]),
        )}`,
    ).join("&");
  const uploadBody = () =>
    mutate({
      file_name: pick(["a.txt", "a/b", "é".repeat(200), ""]),
      content_type: pick(["text/plain", "x"]),
      max_bytes: pick([1, 0, 2 ** 31]),
    });
  const ids = () =>
    encodeURIComponent(pick([...messageIds, "", "x", text(1 + int(10)), "..", "%"]) || "x");
  const indexes = () => pick(["0", "1", "-1", "x", "99999999", "0.5", "%20"]);
  const inboxQuery = () =>
    Array.from(
      { length: int(4) },
      () =>
        `${pick(["limit", "cursor", "verified_only", "q", "label", "is_read", "include_archived", text(4)])}=${encodeURIComponent(
          pick([
            "1",
            "0",
            "101",
            "true",
            "no",
            "",
            text(int(12)),
            Buffer.from(`{"after":${int(9)}}`).toString("base64url"),
            Buffer.from(
              pick(["null", "[]", "[1]", "-1", '"x"', "{}", '{"after":-1}', '{"after":1e400}']),
            ).toString("base64url"),
          ]),
        )}`,
    ).join("&");
  const storageForm = () => {
    const fields: Record<string, string> = { ...presigned.upload.fields };
    if (random() < 0.6) {
      const victim = pick(Object.keys(fields));
      if (random() < 0.5) delete fields[victim];
      else fields[victim] = text(int(30));
    }
    if (random() < 0.2) fields[text(4)] = "x";
    return uploadForm(fields, new Uint8Array(pick([0, 10, 64, 65, 5000])));
  };

  type Call = { method: string; path: string; body?: BodyInit; headers: Record<string, string> };
  const json = (body: unknown) => JSON.stringify(body);
  const sendCall = (): Call => ({
    method: "POST",
    path: Routes.send.path,
    body: json(sendBody()),
    headers: {},
  });
  const calls: Array<() => Call> = [
    sendCall,
    sendCall,
    () => ({
      method: pick(["PUT", "PUT", "GET", "POST"]),
      path: Routes.putBillingPricing.path,
      body: json(pricingBody()),
      headers: {},
    }),
    () => ({ method: "GET", path: Routes.getBillingBalance.path, headers: {} }),
    () => ({ method: "GET", path: `${Routes.getBillingUsage.path}?${usageQuery()}`, headers: {} }),
    () => ({
      method: pick(["PUT", "PUT", "DELETE", "GET", "POST"]),
      path: `/trusted-peers/${peerIds()}`,
      body: json(peerBody()),
      headers: {},
    }),
    () => ({ method: pick(["GET", "DELETE"]), path: Routes.listTrustedPeers.path, headers: {} }),
    () => ({
      method: "POST",
      path: Routes.requestUpload.path,
      body: json(uploadBody()),
      headers: {},
    }),
    () => ({
      method: "POST",
      path: Routes.requestDownload.path,
      body: json(mutate({ object_key: objectKey })),
      headers: {},
    }),
    () => ({ method: "GET", path: `${Routes.listInbox.path}?${inboxQuery()}`, headers: {} }),
    () => ({ method: pick(["GET", "DELETE", "PUT"]), path: `/messages/${ids()}`, headers: {} }),
    () => ({
      method: pick(["GET", "POST"]),
      path: `/messages/${ids()}/attachments/${indexes()}`,
      headers: {},
    }),
    () => ({
      method: pick(["POST", "GET"]),
      path: `/messages/${ids()}/attachments/${indexes()}/download`,
      headers: {},
    }),
    () => ({ method: "POST", path: "/_storage/upload", body: storageForm(), headers: {} }),
    () => ({
      method: "POST",
      path: "/_storage/upload",
      body: Uint8Array.from({ length: int(300) }, () => int(256)),
      headers: {
        "content-type": pick([
          "multipart/form-data; boundary=x",
          "multipart/form-data",
          "text/plain",
        ]),
      },
    }),
    () => {
      const url = new URL(downloadUrl);
      if (random() < 0.7) url.searchParams.set(pick(["expires", "signature", "x"]), text(int(20)));
      return {
        method: pick(["GET", "HEAD", "DELETE"]),
        path: `${url.pathname.replace("a.txt", pick(["a.txt", "b.txt", "%", "%zz"]))}${url.search}`,
        headers: {},
      };
    },
    () => ({ method: "GET", path: `/_storage/${text(int(20), "abc/%.")}`, headers: {} }),
  ];

  const total = 400;
  const failures: string[] = [];
  let sent = 0;
  const worker = async () => {
    while (sent < total) {
      sent += 1;
      const call = pick(calls)();
      const token = pick([MY_TOKEN, MY_TOKEN, OTHER_TOKEN, "not-a-token", undefined]);
      const headers: Record<string, string> = { ...call.headers };
      if (typeof call.body === "string")
        headers["content-type"] = pick(["application/json", "application/json", "text/plain"]);
      if (token !== undefined) headers.authorization = `Bearer ${token}`;
      let url: string;
      try {
        url = new URL(server.url + call.path).href;
      } catch {
        url = `${server.url}/`;
      }
      const init: RequestInit = { method: call.method, headers };
      if (call.body !== undefined && call.method !== "GET" && call.method !== "HEAD")
        init.body = call.body;
      const response = await fetch(url, init);
      const raw = await response.text();
      const label = `${call.method} ${call.path.slice(0, 120)} -> ${response.status}`;
      if (response.status >= 500) failures.push(`${label}: ${raw.slice(0, 200)}`);
      if (response.status >= 400 && call.method !== "HEAD") {
        if (new URL(url).pathname.startsWith("/_storage/")) {
          if (!S3_ERROR.test(raw))
            failures.push(`${label}: not S3's error format: ${raw.slice(0, 200)}`);
        } else {
          const parsed = ErrorBodySchema.safeParse(JSON.parse(raw));
          if (!parsed.success || !parsed.data.message)
            failures.push(`${label}: ${raw.slice(0, 200)}`);
        }
        for (const secret of [MY_TOKEN, OTHER_TOKEN, marker]) {
          if (raw.includes(secret)) failures.push(`${label}: echoed ${secret}`);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));

  expect(failures).toEqual([]);
  const statuses = new Set(server.requests.entries().map((entry) => entry.status));
  for (const status of [200, 204, 400, 401, 403, 404, 405, 412]) expect(statuses).toContain(status);
  expect((await call(server, Routes.listInbox.path, MY_TOKEN)).status).toBe(200);
  // The money still adds up: every wallet's movements net to zero across agents.
  const wallets = PLATFORM_AGENTS.map(({ agentId }) => server.store.ledger.balance(agentId));
  const money = wallets.reduce((sum, wallet) => sum + wallet.available + wallet.reserved, 0);
  expect(Math.round(money * 1e6)).toBe(300 * 1e6);
});

it("GET /inbox answers a few hundred random cursors with 400 invalid_request, or a page for one of its own shape, never a 5xx", async () => {
  const server = await serve({ agents: PLATFORM_AGENTS });
  for (const subject of ["a", "b", "c"]) {
    server.store.deliver("my-agent", `From: x@y.example\r\nSubject: ${subject}\r\n\r\n.\r\n`);
  }
  const random = mulberry32(20_260_301);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const int = (max: number) => Math.floor(random() * max);
  // JSON of every kind, written as text so that 1e400, -0 and duplicate keys can occur.
  const scalars = [
    "null",
    "true",
    "false",
    "0",
    "-0",
    "1",
    "2",
    "-1",
    "-5",
    "1.5",
    "1e20",
    "1e400",
    "-1e400",
    "9007199254740991",
    "9007199254740992",
    '"1"',
    '""',
    '"after"',
  ];
  const keys = ["after", "after", "AFTER", "x", "", "__proto__", "constructor"];
  const json = (depth: number): string => {
    const roll = random();
    if (depth > 2 || roll < 0.4) return pick(scalars);
    if (roll < 0.6) {
      return `[${Array.from({ length: int(3) }, () => json(depth + 1)).join(",")}]`;
    }
    const entries = Array.from(
      { length: pick([0, 1, 1, 1, 2]) },
      () => `${JSON.stringify(pick(keys))}:${json(depth + 1)}`,
    );
    return `${pick(["", " "])}{${entries.join(",")}}`;
  };
  const cursors = (): { cursor: string; text: string } => {
    if (random() < 0.15) {
      const bytes = Uint8Array.from({ length: 1 + int(20) }, () => int(256));
      return {
        cursor: Buffer.from(bytes).toString("base64url"),
        text: Buffer.from(bytes).toString("utf8"),
      };
    }
    // Often the cursor's own shape, with any number (or other value) in it.
    const text = random() < 0.3 ? `{"after":${pick(scalars)}}` : json(0);
    return { cursor: Buffer.from(text).toString("base64url"), text };
  };
  /** The oracle: the cursors this server issues are `{"after": n}`, n a safe integer >= 0. */
  const isOurs = (cursor: string, text: string): boolean => {
    if (cursor.length === 0 || cursor.length > 200) return false;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return false;
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
    const entries = Object.entries(value);
    return (
      entries.length === 1 &&
      entries[0]?.[0] === "after" &&
      Number.isSafeInteger(entries[0][1]) &&
      (entries[0][1] as number) >= 0
    );
  };

  const failures: string[] = [];
  const kinds = new Set<string>();
  for (let i = 0; i < 300; i += 1) {
    const { cursor, text } = cursors();
    const ours = isOurs(cursor, text);
    const response = await call(
      server,
      `${Routes.listInbox.path}?limit=1&cursor=${cursor}`,
      MY_TOKEN,
    );
    const body = (await response.json()) as { error?: string; message?: string; items?: unknown[] };
    const label = `${text.slice(0, 60)} -> ${response.status} ${JSON.stringify(body).slice(0, 120)}`;
    if (ours) {
      if (response.status !== 200 || !Array.isArray(body.items)) failures.push(label);
    } else if (
      response.status !== 400 ||
      body.error !== "invalid_request" ||
      !body.message?.includes("cursor")
    ) {
      failures.push(label);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
      kinds.add(parsed === null ? "null" : Array.isArray(parsed) ? "array" : typeof parsed);
    } catch {
      kinds.add("not json");
    }
    if (ours) kinds.add("ours");
  }
  expect(failures).toEqual([]);
  // The draw covered every kind of malformed cursor, and some good ones.
  expect([...kinds].sort()).toEqual(
    ["array", "boolean", "not json", "null", "number", "object", "ours", "string"].sort(),
  );
});
