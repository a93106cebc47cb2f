// apiTransport and core's one validation of a prepared message, against a loopback platform
// that records every request: a message createMailer prepared is trusted (core's assertPrepared
// is O(1), no header check runs again here), and one built by hand or changed after prepare is
// validated once, by core, before any request: nothing unsafe reaches /send or storage.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { ManifestRow } from "@assmbl/core";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

const counts = vi.hoisted(() => ({ header: 0, value: 0, marked: 0, unmarked: 0 }));

vi.mock("@assmbl/core", async (importOriginal) => {
  const core = await importOriginal<typeof import("@assmbl/core")>();
  return {
    ...core,
    assertSafeHeader: (name: string, value: string) => {
      counts.header += 1;
      core.assertSafeHeader(name, value);
    },
    assertSafeHeaderValue: (value: string, what: string) => {
      counts.value += 1;
      core.assertSafeHeaderValue(value, what);
    },
    assertPrepared: (message: unknown) => {
      if (core.isValidatedPrepared(message)) counts.marked += 1;
      else counts.unmarked += 1;
      return core.assertPrepared(message);
    },
  };
});

const { AgentMailHeaders, createMailer, ENCRYPTED_BODY, encodeManifest } = await import(
  "@assmbl/core"
);
const { errorOf, streamOf } = await import("./testing/fixtures.js");
const { apiTransport } = await import("./transport.js");

const requests: { path: string; body: string }[] = [];
let server: Server;
let baseUrl: string;

async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("latin1");
}

beforeAll(async () => {
  server = createServer(async (request, response) => {
    const path = request.url ?? "";
    const body = await bodyOf(request).catch(() => "(aborted)");
    requests.push({ path, body });
    response.setHeader("content-type", "application/json");
    if (path === "/attachments/uploads") {
      response.end(
        JSON.stringify({ object_key: "uploads/k", upload: { url: "/storage", fields: {} } }),
      );
    } else if (path === "/storage") {
      response.statusCode = 204;
      response.end();
    } else if (path === "/send") {
      response.end(JSON.stringify({ message_id: "m1" }));
    } else {
      response.statusCode = 404;
      response.end("{}");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  requests.length = 0;
  Object.assign(counts, { header: 0, value: 0, marked: 0, unmarked: 0 });
});

const transport = () => apiTransport({ baseUrl, token: "t", retry: { limit: 0 } });
const prepare = (message: Parameters<ReturnType<typeof createMailer>["prepare"]>[0]) =>
  createMailer(transport(), {
    from: "report-bot@agents.example.com",
    mailDomain: "agents.example.com",
  }).prepare(message);

const MESSAGE = {
  to: ["a@agents.example.com", "Bee <b@agents.example.com>"],
  cc: "c@agents.example.com",
  subject: "Q3 numbers",
  text: "hello",
  headers: { "X-Workflow-Name": "nightly", "X-Run": "42" },
  correlationId: "corr-1",
};
const FAKE_ARMOR =
  "-----BEGIN PGP MESSAGE-----\n\nthe quarterly numbers, in clear\n-----END PGP MESSAGE-----\n";
const sends = () => requests.filter((request) => request.path === "/send");

describe("apiTransport trusts createMailer's validation and only it", () => {
  it("a prepared message: one O(1) assertPrepared, no header check in the transport", async () => {
    const prepared = await prepare(MESSAGE);
    counts.value = 0;
    await transport().send(prepared, {});
    expect(sends()).toHaveLength(1);
    expect(counts).toEqual({ header: 0, value: 0, marked: 1, unmarked: 0 });
  });

  it("a copy is validated once, by core, and sent", async () => {
    const prepared = await prepare(MESSAGE);
    counts.value = 0;
    await transport().send({ ...prepared }, {});
    expect(sends()).toHaveLength(1);
    expect(counts).toEqual({ header: 0, value: 0, marked: 0, unmarked: 1 });
  });

  it.each([
    ["an injected header", "header_injection", { headers: { "X-Run": "1\r\nBcc: v@x.example" } }],
    ["a reserved header", "reserved_header", { headers: { Bcc: "victim@agents.example.com" } }],
    [
      "an address holding =?",
      "invalid_address",
      {
        to: [
          { address: "=?utf-8?q?x?=@x.example", localPart: "=?utf-8?q?x?=", domain: "x.example" },
        ],
      },
    ],
    ["a subject with a line break", "header_injection", { subject: "a\r\nBcc: v@x.example" }],
    [
      "plaintext between armor lines",
      "encryption_failed",
      {
        text: FAKE_ARMOR,
        encrypted: { body: true },
        headers: { [AgentMailHeaders.encrypted]: ENCRYPTED_BODY },
      },
    ],
  ])("a hand-built message with %s: %s, not_sent, no request", async (_, code, change) => {
    const prepared = await prepare({ to: "a@agents.example.com", subject: "s", text: "t" });
    const error = await errorOf(transport().send({ ...prepared, ...change }, {}));
    expect([error.code, error.outcome]).toEqual([code, "not_sent"]);
    expect(requests).toHaveLength(0);
  });

  it("a hand-built encrypted attachment stream of plaintext: no /send, no plaintext stored", async () => {
    const prepared = await prepare({ to: "a@agents.example.com", subject: "s", text: "t" });
    const manifest = {
      index: 0,
      filename: "q3.csv.asc",
      content_type: "application/pgp-encrypted",
      encrypted: true,
      encryption: { algorithm: "openpgp", format: "armored" },
    };
    const error = await errorOf(
      transport().send(
        {
          ...prepared,
          headers: { [AgentMailHeaders.attachments]: encodeManifest([manifest]) },
          attachments: [{ manifest, content: streamOf(new TextEncoder().encode(FAKE_ARMOR), 8) }],
        },
        {},
      ),
    );
    expect(error.code).toMatch(/^(encryption_failed|upload_failed)$/);
    expect(sends()).toHaveLength(0);
    expect(requests.some((request) => request.body.includes("in clear"))).toBe(false);
  });

  it("a manifest header that disagrees with the rows is refused: invalid_manifest", async () => {
    const prepared = await prepare({
      to: "a@agents.example.com",
      subject: "s",
      text: "t",
      attachments: [{ filename: "a.txt", content: "x" }],
    });
    const [row] = prepared.attachments.map((attachment) => attachment.manifest);
    const lying = encodeManifest([
      {
        ...(row as ManifestRow),
        encrypted: true,
        encryption: { algorithm: "openpgp", format: "armored" },
      },
    ]);
    const error = await errorOf(
      transport().send({ ...prepared, headers: { [AgentMailHeaders.attachments]: lying } }, {}),
    );
    expect(error.code).toBe("invalid_manifest");
    expect(requests).toHaveLength(0);
  });
});
