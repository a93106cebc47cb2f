// The Bcc split of createMailer, with core's fakes: which keys each copy is encrypted to (the
// fake crypto writes the agent ids it encrypted to into its armor), how each copy is addressed,
// the idempotency keys, stream buffering, and what a failure part-way leaves behind.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { AgentMailError } from "../errors.js";
import { AgentMailHeaders } from "../headers.js";
import { Limits } from "../limits.js";
import {
  fakeCrypto,
  fakeDirectory,
  fakeRecord,
  readText,
  recordingTransport,
} from "../testing/fakes.js";
import type { MailTransport, PreparedMessage } from "../transport.js";
import { createMailer } from "./create-mailer.js";
import type { MailMessage, SentCopy } from "./types.js";

const mailDomain = "agents.example.com";
const from = "my-agent@agents.example.com";
const TO = "other-agent@agents.example.com";
const CC = "cc-agent@agents.example.com";
const AUDIT = "audit@agents.example.com";
const LEGAL = "legal@agents.example.com";
const ARCHIVE = "archive@agents.example.com";
const agents = ["other-agent", "cc-agent", "audit", "legal", "archive"];

function setup(
  options: { crypto?: Parameters<typeof fakeCrypto>[0]; transport?: MailTransport } = {},
) {
  const dir = fakeDirectory(Object.fromEntries(agents.map((id) => [id, fakeRecord(id)])));
  const cry = fakeCrypto(options.crypto);
  const out = recordingTransport();
  const mailer = createMailer(options.transport ?? out.transport, {
    from,
    mailDomain,
    directory: dir.directory,
    crypto: cry.crypto,
    defaultHeaders: { "X-Team": "ops" },
  });
  return { mailer, dir, cry, out };
}

/** A message with To, Cc, two Bcc recipients, an attachment, and every header the copies share. */
function bccMessage(overrides: Partial<MailMessage> = {}): MailMessage {
  return {
    to: `Other Agent <${TO}>`,
    cc: CC,
    bcc: [`"Audit Bot" <${AUDIT}>`, LEGAL],
    replyTo: "replies@agents.example.com",
    subject: "Quarterly numbers",
    text: "secret plan",
    attachments: [{ filename: "q3.csv", content: "a,b\n1,2\n", contentType: "text/csv" }],
    headers: { "X-Workflow-Name": "quarterly" },
    correlationId: "corr-q3",
    idempotencyKey: "idem-q3",
    marketplaceRequestId: "mkt-q3",
    encrypt: true,
    ...overrides,
  };
}

/** The agent ids the fake crypto encrypted an armored text to (its `to=` line). */
function encryptedTo(armored: string): string[] {
  const line = armored.split("\n").find((l) => l.startsWith("to="));
  if (line === undefined) throw new Error("not fake armor");
  return line.slice(3).split(",").filter(Boolean);
}

/** Everything of a prepared message that reaches the wire as text: addresses, headers, parts. */
async function wireText(message: PreparedMessage): Promise<string> {
  const parts = await Promise.all(message.attachments.map((a) => readText(a.content)));
  return JSON.stringify({ ...message, attachments: undefined, parts });
}

function bccKey(key: string, address: string): string {
  const hex = createHash("sha256").update(address.toLowerCase()).digest("hex").slice(0, 16);
  return `${key}.bcc-${hex}`;
}

async function caught(promise: Promise<unknown>): Promise<AgentMailError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(AgentMailError.is(error)).toBe(true);
  return error as AgentMailError;
}

/** A transport that answers like the recording one, but throws `failure` on call `failOn`. */
function failingTransport(failOn: number, failure: unknown) {
  const sent: PreparedMessage[] = [];
  let calls = 0;
  const transport: MailTransport = {
    specificationVersion: "v1",
    name: "flaky",
    async send(message) {
      calls++;
      if (calls === failOn) throw failure;
      sent.push(message);
      return { messageId: `<m${calls}@test>` };
    },
  };
  return { transport, sent, calls: () => calls };
}

describe("an encrypted message with Bcc goes out as copies", () => {
  it("encrypts the primary to To and Cc only, and each Bcc copy to its recipient alone", async () => {
    const { mailer, out, dir } = setup();
    await mailer.send(bccMessage());
    expect(out.sent).toHaveLength(3);
    const [primary, audit, legal] = out.sent.map((s) => s.message) as [
      PreparedMessage,
      PreparedMessage,
      PreparedMessage,
    ];
    // Keys are looked up once per recipient, not once per copy.
    expect(dir.calls.map((c) => c.agentId)).toEqual(["other-agent", "cc-agent", "audit", "legal"]);
    const expected: [PreparedMessage, string[]][] = [
      [primary, ["other-agent", "cc-agent"]],
      [audit, ["audit"]],
      [legal, ["legal"]],
    ];
    for (const [message, ids] of expected) {
      expect(message.encrypted).toEqual({ body: true });
      expect(encryptedTo(message.text)).toEqual(ids);
      expect(encryptedTo(await readText(message.attachments[0]?.content))).toEqual(ids);
    }
  });

  it("addresses each copy to its own recipients and names no other copy's", async () => {
    const { mailer, out } = setup();
    await mailer.send(bccMessage());
    const [primary, audit, legal] = out.sent.map((s) => s.message) as [
      PreparedMessage,
      PreparedMessage,
      PreparedMessage,
    ];
    const addressing = (m: PreparedMessage) =>
      [m.to, m.cc, m.bcc].map((l) => l.map((x) => x.address));
    expect(addressing(primary)).toEqual([[TO], [CC], []]);
    expect(addressing(audit)).toEqual([[AUDIT], [], []]);
    expect(addressing(legal)).toEqual([[LEGAL], [], []]);
    // The display name a caller gave travels with the recipient to its own copy.
    expect(audit.to[0]?.name).toBe("Audit Bot");
    const others: [PreparedMessage, string[]][] = [
      [primary, [AUDIT, LEGAL, "Audit Bot"]],
      [audit, [TO, CC, LEGAL]],
      [legal, [TO, CC, AUDIT, "Audit Bot"]],
    ];
    for (const [message, foreign] of others) {
      const text = await wireText(message);
      for (const name of foreign) expect(text).not.toContain(name);
    }
  });

  it("gives every copy the same subject, replyTo, custom headers, correlation and marketplace ids", async () => {
    const { mailer, out } = setup();
    await mailer.send(bccMessage());
    for (const { message } of out.sent) {
      expect(message.subject).toBe("Quarterly numbers");
      expect(message.replyTo.map((m) => m.address)).toEqual(["replies@agents.example.com"]);
      expect(message.correlationId).toBe("corr-q3");
      expect(message.marketplaceRequestId).toBe("mkt-q3");
      expect(message.headers).toMatchObject({
        "X-Team": "ops",
        "X-Workflow-Name": "quarterly",
        [AgentMailHeaders.encrypted]: "body",
      });
      expect(message.attachments[0]?.manifest).toMatchObject({
        filename: "q3.csv.asc",
        original_filename: "q3.csv",
        encrypted: true,
      });
    }
  });

  it("reports every copy, the primary's ids at the top, and every recipient's key", async () => {
    const { mailer } = setup();
    const result = await mailer.send(bccMessage());
    expect(result.messageId).toBe("<m1@test>");
    expect(result.idempotencyKey).toBe("idem-q3");
    expect(result.correlationId).toBe("corr-q3");
    expect(result.copies).toEqual<SentCopy[]>([
      { kind: "primary", recipients: [TO, CC], messageId: "<m1@test>", idempotencyKey: "idem-q3" },
      {
        kind: "bcc",
        recipients: [AUDIT],
        messageId: "<m2@test>",
        idempotencyKey: bccKey("idem-q3", AUDIT),
      },
      {
        kind: "bcc",
        recipients: [LEGAL],
        messageId: "<m3@test>",
        idempotencyKey: bccKey("idem-q3", LEGAL),
      },
    ]);
    expect(result.recipients.map((r) => [r.address, r.kind, r.agentId])).toEqual([
      [TO, "to", "other-agent"],
      [CC, "cc", "cc-agent"],
      [AUDIT, "bcc", "audit"],
      [LEGAL, "bcc", "legal"],
    ]);
    expect(result.recipients.every((r) => r.keyFingerprint?.startsWith("fp-"))).toBe(true);
  });
});

describe("idempotency keys of copies", () => {
  it("derives each Bcc copy's key from the send's key: stable across retries, distinct per copy", async () => {
    const first = setup();
    const second = setup();
    await first.mailer.send(bccMessage());
    // The same logical send again, the Bcc address spelled in another case.
    await second.mailer.send(
      bccMessage({ bcc: [`"Audit Bot" <AUDIT@agents.example.com>`, LEGAL] }),
    );
    const keys = (out: typeof first.out) => out.sent.map((s) => s.message.idempotencyKey);
    expect(keys(first.out)).toEqual([
      "idem-q3",
      bccKey("idem-q3", AUDIT),
      bccKey("idem-q3", LEGAL),
    ]);
    expect(keys(second.out)).toEqual(keys(first.out));
    expect(new Set(keys(first.out)).size).toBe(3);
    for (const key of keys(first.out)) expect(key).toMatch(/^idem-q3(\.bcc-[0-9a-f]{16})?$/);
  });

  it("generates one key per logical send when none is given, and none when the send does not split", async () => {
    const { mailer, out } = setup();
    await mailer.send(bccMessage({ idempotencyKey: undefined }));
    await mailer.send(bccMessage({ idempotencyKey: undefined }));
    const [a, b] = [out.sent.slice(0, 3), out.sent.slice(3)].map((sends) =>
      sends.map((s) => s.message.idempotencyKey as string),
    ) as [string[], string[]];
    for (const keys of [a, b]) {
      const [primary, ...copies] = keys as [string, ...string[]];
      expect(primary).toMatch(/^idem_[0-9a-f-]{36}$/);
      expect(copies).toEqual([bccKey(primary, AUDIT), bccKey(primary, LEGAL)]);
    }
    expect(a[0]).not.toBe(b[0]);
    // Without a split the mailer adds no key: the transport keeps its own rule.
    const single = await mailer.prepareCopies(bccMessage({ idempotencyKey: undefined, bcc: [] }));
    expect(single[0]?.message.idempotencyKey).toBeUndefined();
  });

  it("gives the copies of one send one generated correlation id when none is given", async () => {
    const { mailer, out } = setup();
    const result = await mailer.send(bccMessage({ correlationId: undefined }));
    const ids = out.sent.map((s) => s.message.correlationId);
    expect(ids).toHaveLength(3);
    expect(ids[0]).toMatch(/^corr_[0-9a-f-]{36}$/);
    expect(new Set(ids).size).toBe(1);
    expect(result.correlationId).toBe(ids[0]);
    // Without a split the mailer adds none: the transport (or the platform) keeps its own rule.
    const single = await mailer.prepareCopies(bccMessage({ correlationId: undefined, bcc: [] }));
    expect(single[0]?.message.correlationId).toBeUndefined();
  });

  it("refuses, before any lookup, a key too long to take a Bcc copy's suffix", async () => {
    const { mailer, out, dir } = setup();
    const long = "k".repeat(236);
    const error = await caught(mailer.send(bccMessage({ idempotencyKey: long })));
    expect(error.code).toBe("invalid_message");
    expect(error.message).toMatch(/at most 235 characters/);
    expect(dir.calls).toHaveLength(0);
    expect(out.sent).toHaveLength(0);
    // 235 characters fit: the longest derived key is the 256 a caller may pass.
    const copies = await mailer.prepareCopies(bccMessage({ idempotencyKey: "k".repeat(235) }));
    expect(copies.map((c) => c.message.idempotencyKey?.length)).toEqual([235, 256, 256]);
    // Without Bcc the same long key is fine.
    await mailer.send(bccMessage({ idempotencyKey: long, bcc: [] }));
    expect(out.sent[0]?.message.idempotencyKey).toBe(long);
  });
});

describe("when a message does not split", () => {
  it("sends one message without Bcc", async () => {
    const { mailer, out } = setup();
    const result = await mailer.send(bccMessage({ bcc: undefined }));
    expect(out.sent).toHaveLength(1);
    expect(encryptedTo(out.sent[0]?.message.text ?? "")).toEqual(["other-agent", "cc-agent"]);
    expect(result.copies).toEqual([
      { kind: "primary", recipients: [TO, CC], messageId: "<m1@test>", idempotencyKey: "idem-q3" },
    ]);
  });

  it("keeps Bcc as envelope-only recipients of one message when nothing is encrypted", async () => {
    const { mailer, out, dir } = setup();
    const result = await mailer.send(bccMessage({ encrypt: false }));
    expect(out.sent).toHaveLength(1);
    expect(out.sent[0]?.message.bcc.map((m) => m.address)).toEqual([AUDIT, LEGAL]);
    expect(dir.calls).toHaveLength(0);
    expect(result.copies[0]?.recipients).toEqual([TO, CC, AUDIT, LEGAL]);
  });

  it("does not split when the only attachments are already encrypted by the caller", async () => {
    const { mailer, out } = setup();
    const armored = "-----BEGIN PGP MESSAGE-----\n\nabc\n-----END PGP MESSAGE-----\n";
    await mailer.send(
      bccMessage({
        text: "not secret",
        attachments: [{ filename: "r.asc", content: armored, encrypted: true }],
        encrypt: { attachments: true },
      }),
    );
    expect(out.sent).toHaveLength(1);
    expect(out.sent[0]?.message.bcc).toHaveLength(2);
  });

  it("gives a Bcc address that is also a To or Cc address no copy of its own", async () => {
    const { mailer, out } = setup();
    const result = await mailer.send(
      bccMessage({
        bcc: ["Other-Agent@agents.example.com", CC, AUDIT, "audit@AGENTS.example.com"],
      }),
    );
    // The duplicates read the primary; the audit agent, named twice, gets one copy.
    expect(out.sent.map((s) => s.message.to.map((m) => m.address))).toEqual([[TO], [AUDIT]]);
    expect(out.sent[0]?.message.bcc).toEqual([]);
    expect(encryptedTo(out.sent[0]?.message.text ?? "")).toEqual(["other-agent", "cc-agent"]);
    expect(result.copies.map((c) => c.kind)).toEqual(["primary", "bcc"]);
  });

  it("sends one encrypted message with no Bcc header when every Bcc address is visible anyway", async () => {
    const { mailer, out } = setup();
    const prepared = await mailer.prepare(bccMessage({ bcc: [TO] }));
    expect(prepared.bcc).toEqual([]);
    await mailer.send(bccMessage({ bcc: [TO] }));
    expect(out.sent).toHaveLength(1);
  });
});

describe("prepare and prepareCopies", () => {
  it("prepare refuses a message that splits, before any lookup, and names prepareCopies", async () => {
    const { mailer, dir } = setup();
    const error = await caught(mailer.prepare(bccMessage()));
    expect(error.code).toBe("multiple_copies");
    expect(error.message).toMatch(/3 copies/);
    expect(error.message).toMatch(/prepareCopies/);
    expect(dir.calls).toHaveLength(0);
  });

  it("prepareCopies returns every copy, the primary first, and sends nothing", async () => {
    const { mailer, out } = setup();
    const copies = await mailer.prepareCopies(bccMessage());
    expect(copies.map((c) => [c.kind, c.message.to.map((m) => m.address)])).toEqual([
      ["primary", [TO]],
      ["bcc", [AUDIT]],
      ["bcc", [LEGAL]],
    ]);
    expect(out.sent).toHaveLength(0);
  });

  it("prepareCopies of a message that does not split is one copy, what prepare returns", async () => {
    const { mailer } = setup();
    const message = bccMessage({ bcc: undefined, attachments: undefined });
    const copies = await mailer.prepareCopies(message);
    expect(copies).toHaveLength(1);
    expect(copies[0]?.kind).toBe("primary");
    const prepared = await mailer.prepare(message);
    expect({ ...copies[0]?.message, text: "" }).toEqual({ ...prepared, text: "" });
  });

  it("prepareCopies validates its options like send", async () => {
    const { mailer } = setup();
    const error = await caught(mailer.prepareCopies(bccMessage(), { timeout: 1 } as never));
    expect(error.code).toBe("invalid_options");
  });
});

describe("streamed attachments in a send that splits", () => {
  function countingStream(chunks: Uint8Array[]) {
    let onCancel = () => {};
    // The mailer cancels the stream it was given through the byte-normalising pipe it wraps it
    // in, which reaches the source a few ticks later: wait for it rather than poll.
    const cancelled = new Promise<void>((resolve) => {
      onCancel = resolve;
    });
    const state = { pulled: 0, cancelled };
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const chunk = chunks[state.pulled++];
        if (chunk === undefined) controller.close();
        else controller.enqueue(chunk);
      },
      cancel() {
        onCancel();
      },
    });
    return { stream, state };
  }

  it("reads the stream once, and encrypts its bytes for each copy", async () => {
    const encoder = new TextEncoder();
    const { stream, state } = countingStream([encoder.encode("part 1;"), encoder.encode("part 2")]);
    const given: unknown[] = [];
    const { crypto } = fakeCrypto();
    const { mailer, out } = setup({
      crypto: {
        encryptAttachment: async (content, recipients, options) => {
          given.push(content);
          return crypto.encryptAttachment(content, recipients, options);
        },
      },
    });
    await mailer.send(bccMessage({ attachments: [{ filename: "log.txt", content: stream }] }));
    expect(state.pulled).toBe(3);
    expect(given).toHaveLength(3);
    for (const content of given) expect(content).toEqual(encoder.encode("part 1;part 2"));
    for (const { message } of out.sent) {
      const attachment = message.attachments[0];
      const content = attachment?.content as Uint8Array;
      expect(content).toBeInstanceOf(Uint8Array);
      expect(attachment?.manifest.size).toBe(content.length);
      expect(atob((await readText(content)).split("\n")[2] ?? "")).toBe("part 1;part 2");
    }
  });

  it("fails with message_too_large past Limits.bccCopyBufferBytes, cancels the stream, sends nothing", async () => {
    // 1 MiB chunks (one buffer, enqueued again and again), more than the cap holds: the source
    // is still open when the cap is reached, so the cancel must reach it.
    const mib = new Uint8Array(1024 * 1024);
    const chunks = Array.from({ length: Limits.bccCopyBufferBytes / mib.length + 8 }, () => mib);
    const { stream, state } = countingStream(chunks);
    const { mailer, out, cry } = setup();
    const error = await caught(
      mailer.send(bccMessage({ attachments: [{ filename: "huge.bin", content: stream }] })),
    );
    expect(error.code).toBe("message_too_large");
    expect(error.message).toContain("huge.bin");
    expect(error.message).toMatch(/3 copies/);
    expect(error.message).toMatch(/separate sends|as bytes/);
    expect(error.body).toEqual({ filename: "huge.bin", limit: Limits.bccCopyBufferBytes });
    await state.cancelled;
    expect(cry.calls.text + cry.calls.attachment).toBe(0);
    expect(out.sent).toHaveLength(0);
  });

  it("counts the cap over all streams of the send, and never buffers bytes attachments", async () => {
    const half = new Uint8Array(Limits.bccCopyBufferBytes / 2);
    const first = countingStream([half]);
    const second = countingStream([half, new Uint8Array(1)]);
    const { mailer } = setup();
    const error = await caught(
      mailer.send(
        bccMessage({
          attachments: [
            { filename: "big-bytes.bin", content: new Uint8Array(Limits.bccCopyBufferBytes + 1) },
            { filename: "a.bin", content: first.stream },
            { filename: "b.bin", content: second.stream },
          ],
        }),
      ),
    );
    expect(error.code).toBe("message_too_large");
    expect(error.message).toContain("b.bin");
  });

  it("fails before sending when a copy's ciphertext stream turns out to be plaintext", async () => {
    let calls = 0;
    const { crypto } = fakeCrypto();
    const { mailer, out } = setup({
      crypto: {
        encryptAttachment: async (content, recipients, options) =>
          ++calls === 3
            ? (new Response("plaintext that is long enough to check")
                .body as ReadableStream<Uint8Array>)
            : crypto.encryptAttachment(content, recipients, options),
      },
    });
    const error = await caught(mailer.send(bccMessage()));
    expect(error.code).toBe("encryption_failed");
    expect(out.sent).toHaveLength(0);
  });
});

describe("failures", () => {
  it("sends nothing when any copy's encryption fails", async () => {
    const { mailer, out } = setup({
      crypto: {
        encryptText: async (text, recipients) => {
          if (recipients.some((r) => r.agentId === "legal"))
            throw new AgentMailError({ code: "encryption_failed", message: "no" });
          return fakeCrypto().crypto.encryptText(text, recipients);
        },
      },
    });
    expect((await caught(mailer.send(bccMessage()))).code).toBe("encryption_failed");
    expect(out.sent).toHaveLength(0);
  });

  it("sends nothing when a Bcc recipient's key cannot be had", async () => {
    const dir = fakeDirectory({
      "other-agent": fakeRecord("other-agent"),
      "cc-agent": fakeRecord("cc-agent"),
      audit: fakeRecord("audit"),
      legal: fakeRecord("legal", { openpgpPublicKey: null }),
    });
    const out = recordingTransport();
    const mailer = createMailer(out.transport, {
      from,
      mailDomain,
      directory: dir.directory,
      crypto: fakeCrypto().crypto,
    });
    expect((await caught(mailer.send(bccMessage()))).code).toBe("peer_missing_openpgp_public_key");
    expect(out.sent).toHaveLength(0);
  });

  it("rethrows the primary copy's error unchanged and sends no Bcc copy", async () => {
    const failure = new AgentMailError({ code: "rate_limited", message: "slow down" });
    const flaky = failingTransport(1, failure);
    const { mailer } = setup({ transport: flaky.transport });
    const error = await mailer.send(bccMessage()).catch((e: unknown) => e);
    expect(error).toBe(failure);
    expect(flaky.calls()).toBe(1);
  });

  it("throws partially_sent when a later copy fails: what went, what failed, what was not tried", async () => {
    const failure = new AgentMailError({ code: "rate_limited", message: "slow down" });
    const flaky = failingTransport(3, failure);
    const { mailer } = setup({ transport: flaky.transport });
    const error = await caught(
      mailer.send(bccMessage({ bcc: [`"Audit Bot" <${AUDIT}>`, LEGAL, ARCHIVE] })),
    );
    expect(error.code).toBe("partially_sent");
    expect(error.retryable).toBe(false);
    expect(error.cause).toBe(failure);
    expect(error.body).toEqual({
      sent: [
        {
          kind: "primary",
          recipients: [TO, CC],
          messageId: "<m1@test>",
          idempotencyKey: "idem-q3",
        },
        {
          kind: "bcc",
          recipients: [AUDIT],
          messageId: "<m2@test>",
          idempotencyKey: bccKey("idem-q3", AUDIT),
        },
      ],
      failed: { kind: "bcc", recipients: [LEGAL], code: "rate_limited" },
      notSent: [{ kind: "bcc", recipients: [ARCHIVE] }],
    });
    expect(error.message).toContain("2 of 4 copies");
    expect(error.message).toContain(`primary copy to ${TO}, ${CC}`);
    expect(error.message).toContain(`bcc copy to ${AUDIT}`);
    expect(error.message).toContain(`bcc copy to ${LEGAL} failed with rate_limited`);
    expect(error.message).toContain(`not attempted: bcc copy to ${ARCHIVE}`);
    expect(error.message).toMatch(/deliver the sent copies again/);
    expect(flaky.calls()).toBe(3);
  });

  it("wraps a foreign error of a later copy as transport_failed inside partially_sent", async () => {
    const flaky = failingTransport(2, new Error("socket hang up"));
    const { mailer } = setup({ transport: flaky.transport });
    const error = await caught(mailer.send(bccMessage()));
    expect(error.code).toBe("partially_sent");
    expect(error.body).toMatchObject({
      failed: { kind: "bcc", recipients: [AUDIT], code: "transport_failed" },
      notSent: [{ kind: "bcc", recipients: [LEGAL] }],
    });
    expect((error.cause as AgentMailError).code).toBe("transport_failed");
  });

  it("treats an abort between copies as partially_sent", async () => {
    const controller = new AbortController();
    const out = recordingTransport();
    const aborting: MailTransport = {
      ...out.transport,
      async send(message, options) {
        const result = await out.transport.send(message, options);
        controller.abort(new Error("user cancelled"));
        return result;
      },
    };
    const { mailer } = setup({ transport: aborting });
    const error = await caught(mailer.send(bccMessage(), { signal: controller.signal }));
    expect(error.code).toBe("partially_sent");
    expect(out.sent).toHaveLength(1);
    expect(error.body).toMatchObject({
      sent: [{ kind: "primary" }],
      failed: { kind: "bcc", recipients: [AUDIT], code: "aborted" },
      notSent: [{ kind: "bcc", recipients: [LEGAL] }],
    });
    expect(error.message).toContain(`bcc copy to ${AUDIT} was aborted`);
  });
});
