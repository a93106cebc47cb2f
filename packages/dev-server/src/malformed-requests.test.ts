// Requests that once made the dev server answer 500: a /send body nested thousands deep (the
// idempotency key's canonical JSON recursed until the stack overflowed), and a stored content
// type holding U+2028 (the storage GET could not put it in a header). Each is now a 4xx or served.
import { parseAddress, Routes } from "@assmbl/core";
import { useSesClients } from "@assmbl/testing/ses";
import { SendRawEmailCommand } from "@aws-sdk/client-ses";
import { describe, expect, it } from "vitest";
import { MAX_JSON_DEPTH, nestingDepthOver } from "./http/json-body.js";
import { expectProblem, postJson, useServers } from "./testing/helpers.js";
import { call, MY_TOKEN, PLATFORM_AGENTS, send, upload } from "./testing/platform.js";

const serve = useServers();
const sesClients = useSesClients();
const nested = (depth: number, open = "[", close = "]") =>
  `${open.repeat(depth)}1${close.repeat(depth)}`;
const nestedObject = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;

describe("deeply nested JSON bodies", () => {
  it.each([
    ["usage (objects)", nestedObject(5000)],
    ["usage (arrays)", nested(5000)],
    ["usage just over the limit", nestedObject(MAX_JSON_DEPTH)],
  ])("/send with a deeply nested %s is 400 invalid_request, nothing sent", async (_name, usage) => {
    const server = await serve({ agents: PLATFORM_AGENTS });
    const body = `{"to":"other-agent@agents.localhost","subject":"s","body":"x","usage":${usage}}`;
    const response = await postJson(server, Routes.send.path, body, { token: MY_TOKEN });
    expect(await expectProblem(response, 400, "invalid_request")).toMatch(
      /nests arrays and objects more than 64 levels deep/,
    );
    expect(server.sent.messages()).toEqual([]);
    expect(server.store.inbox("other-agent")).toEqual([]);
    // And the server still answers.
    expect(
      (
        await send(server, MY_TOKEN, {
          to: "other-agent@agents.localhost",
          subject: "s",
          body: "x",
        })
      ).status,
    ).toBe(200);
  });

  it("a body nested within the limit is read (refused by the schema, not for its depth), and a usage replays idempotently", async () => {
    const server = await serve({ agents: PLATFORM_AGENTS });
    // `usage` is a strict SendUsagePayload now: deep nesting reaches the schema, which refuses it.
    const deep = `{"to":"other-agent@agents.localhost","subject":"s","body":"x","usage":${nestedObject(MAX_JSON_DEPTH - 1)}}`;
    const refused = await postJson(server, Routes.send.path, deep, { token: MY_TOKEN });
    expect(await expectProblem(refused, 400, "invalid_request")).not.toMatch(/levels deep/);
    const body = `{"to":"other-agent@agents.localhost","subject":"s","body":"x","idempotency_key":"k1","usage":{"tokens_input":5,"custom_units":{"pages":2}}}`;
    const first = await postJson(server, Routes.send.path, body, { token: MY_TOKEN });
    expect(first.status).toBe(200);
    const again = await postJson(server, Routes.send.path, body, { token: MY_TOKEN });
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(server.sent.messages()).toHaveLength(1);
  });

  it.each([
    [Routes.register.path],
    [Routes.revoke.path],
    [Routes.requestUpload.path],
    [Routes.requestDownload.path],
  ])("%s refuses a deeply nested field with 400", async (path) => {
    const server = await serve({ agents: PLATFORM_AGENTS });
    const response = await postJson(server, path, `{"x":${nested(200, '{"a":', "}")}}`, {
      token: MY_TOKEN,
    });
    await expectProblem(response, 400, "invalid_request");
  });

  it("counts only brackets outside strings", () => {
    expect(nestingDepthOver('{"a":[[1]]}', 2)).toBe(true);
    expect(nestingDepthOver('{"a":[[1]]}', 3)).toBe(false);
    expect(nestingDepthOver(`{"a":"${"[".repeat(500)}"}`, 1)).toBe(false);
    expect(nestingDepthOver(`{"a":"\\"${"{".repeat(500)}"}`, 1)).toBe(false);
    expect(nestingDepthOver(`["\\\\",${nested(3)}]`, 3)).toBe(true);
  });
});

describe("content types a header cannot carry", () => {
  it("an upload typed with U+2028 downloads as application/octet-stream, not a 500", async () => {
    const server = await serve({ agents: PLATFORM_AGENTS });
    for (const type of ["text/plain; a=\u2028", 'text/plain; name="\u2029"']) {
      const key = await upload(server, MY_TOKEN, "f.txt", type, new TextEncoder().encode("hello"));
      const grant = await postJson(
        server,
        Routes.requestDownload.path,
        { object_key: key },
        {
          token: MY_TOKEN,
        },
      );
      expect(grant.status).toBe(200);
      const { url } = (await grant.json()) as { url: string };
      const download = await fetch(url);
      expect(download.status).toBe(200);
      expect(download.headers.get("content-type")).toBe("application/octet-stream");
      expect(await download.text()).toBe("hello");
    }
  });

  it("a mail attachment typed with U+2028 is listed and downloads, not a 500", async () => {
    const server = await serve({ agents: PLATFORM_AGENTS });
    const from = parseAddress("my-agent@agents.localhost").address;
    const raw = Buffer.from(
      `From: ${from}\r\nTo: other-agent@agents.localhost\r\nSubject: s\r\nMIME-Version: 1.0\r\n` +
        "Content-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\nContent-Type: text/plain\r\n\r\nhi\r\n" +
        '--XX\r\nContent-Type: text/plain\u2028\r\nContent-Disposition: attachment; filename="f\u2028.txt"\r\n\r\nabc\r\n--XX--\r\n',
      "utf8",
    );
    await sesClients(server, "my-agent").v1.send(
      new SendRawEmailCommand({ RawMessage: { Data: raw } }),
    );
    const [message] = server.store.inbox("other-agent");
    if (!message) throw new Error("not delivered");
    const other = PLATFORM_AGENTS[1]?.token ?? "";
    expect((await call(server, `/messages/${message.id}`, other)).status).toBe(200);
    expect((await call(server, `/messages/${message.id}/attachments/0`, other)).status).toBe(200);
    const grant = await call(
      server,
      `/messages/${message.id}/attachments/0/download`,
      other,
      "POST",
    );
    expect(grant.status).toBe(200);
    const download = await fetch(((await grant.json()) as { url: string }).url);
    expect(download.status).toBe(200);
    expect(await download.text()).toMatch(/^abc/);
  });
});
