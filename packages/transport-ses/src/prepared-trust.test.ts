// sesTransport and core's one validation of a prepared message: a message createMailer prepared
// is trusted (core's assertPrepared is O(1), no header check runs again on the SES side), and
// one built by hand or changed after prepare is validated once, by core, before any request.
import { beforeEach, describe, expect, it, vi } from "vitest";

const counts = vi.hoisted(() => ({ header: 0, value: 0, marked: 0, unmarked: 0 }));

// Every import of @assmbl/core below this package (the transport's and the composer's) sees
// these wrappers: what they count is what the SES side runs per send.
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

const { AgentMailHeaders, ENCRYPTED_BODY } = await import("@assmbl/core");
const { errorOf, preparePlain, stubClient, streamOf } = await import("./testing/fixtures.js");
const { sesTransport } = await import("./transport.js");

const MESSAGE = {
  to: ["a@agents.example.com", "Bee <b@agents.example.com>"],
  cc: "c@agents.example.com",
  subject: "Q3 numbers",
  text: "hello",
  headers: { "X-Workflow-Name": "nightly", "X-Run": "42" },
  correlationId: "corr-1",
  attachments: [{ filename: "a.txt", content: "x" }],
};

// Plaintext between correct armor lines: what a faulty hand-built message could carry.
const FAKE_ARMOR =
  "-----BEGIN PGP MESSAGE-----\n\nthe quarterly numbers, in clear\n-----END PGP MESSAGE-----\n";

beforeEach(() => {
  Object.assign(counts, { header: 0, value: 0, marked: 0, unmarked: 0 });
});

describe("sesTransport trusts createMailer's validation and only it", () => {
  it("a prepared message: O(1) assertPrepared (transport, composer), no header check on the SES side", async () => {
    const prepared = await preparePlain(MESSAGE);
    const { client, commands } = stubClient("v1");
    await sesTransport({ client }).send(prepared, {});
    expect(commands).toHaveLength(1);
    expect(counts).toEqual({ header: 0, value: 0, marked: 2, unmarked: 0 });
  });

  it("a copy is validated once, by core, and sent", async () => {
    const prepared = await preparePlain(MESSAGE);
    const { client, commands } = stubClient("v1");
    await sesTransport({ client }).send({ ...prepared }, {});
    expect(commands).toHaveLength(1);
    // The transport's assertPrepared validates the copy; the composer trusts what it returned.
    expect(counts).toEqual({ header: 0, value: 0, marked: 1, unmarked: 1 });
  });

  it("a prepared message cannot be changed in place", async () => {
    const prepared = await preparePlain(MESSAGE);
    expect(() => {
      (prepared.headers as Record<string, string>)["X-Run"] = "1\r\nBcc: x@agents.example.com";
    }).toThrow(TypeError);
    expect(() => {
      (prepared.to as unknown[]).push({ address: "x@agents.example.com" });
    }).toThrow(TypeError);
  });

  it.each([
    [
      "an injected header",
      { headers: { "X-Run": "1\r\nBcc: victim@agents.example.com" } },
      "header_injection",
    ],
    [
      "an address holding =?",
      {
        to: [
          {
            address: "=?utf-8?q?x?=@agents.example.com",
            localPart: "=?utf-8?q?x?=",
            domain: "agents.example.com",
          },
        ],
      },
      "invalid_address",
    ],
    ["a reserved header", { headers: { Bcc: "victim@agents.example.com" } }, "reserved_header"],
    [
      "plaintext between armor lines",
      {
        text: FAKE_ARMOR,
        encrypted: { body: true },
        headers: { [AgentMailHeaders.encrypted]: ENCRYPTED_BODY },
      },
      "encryption_failed",
    ],
  ])("a hand-built message with $0: $2, no request", async (_, change, code) => {
    const prepared = await preparePlain({ to: "a@agents.example.com", subject: "s", text: "t" });
    const { client, commands } = stubClient("v1");
    const error = await errorOf(sesTransport({ client }).send({ ...prepared, ...change }, {}));
    expect([error.code, error.outcome]).toEqual([code, "not_sent"]);
    expect(commands).toHaveLength(0);
  });

  it("a hand-built encrypted attachment stream of plaintext fails the send; no request", async () => {
    const prepared = await preparePlain({ to: "a@agents.example.com", subject: "s", text: "t" });
    const manifest = {
      index: 0,
      filename: "q3.csv.asc",
      content_type: "application/pgp-encrypted",
      encrypted: true,
      encryption: { algorithm: "openpgp", format: "armored" },
    };
    const { encodeManifest } = await import("@assmbl/core");
    const { client, commands } = stubClient("v1");
    const error = await errorOf(
      sesTransport({ client }).send(
        {
          ...prepared,
          headers: { [AgentMailHeaders.attachments]: encodeManifest([manifest]) },
          attachments: [{ manifest, content: streamOf(new TextEncoder().encode(FAKE_ARMOR), 8) }],
        },
        {},
      ),
    );
    expect(error.code).toBe("encryption_failed");
    expect(commands).toHaveLength(0);
  });
});
