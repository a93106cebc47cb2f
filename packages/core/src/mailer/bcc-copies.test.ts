// The Bcc split of createMailer, with core's fakes: which keys each copy is encrypted to (the
// fake crypto writes the agent ids it encrypted to into its armor), how each copy is addressed,
// the idempotency keys and correlation ids, and prepare/prepareCopies. Caller-encrypted
// attachments, limits and failures part-way have files of their own (bcc-*.test.ts).

import { readText } from "@assmbl/testing/fakes";
import { describe, expect, it } from "vitest";
import { AgentMailHeaders } from "../headers.js";
import {
  AUDIT,
  bccKey,
  bccMessage,
  CC,
  caught,
  encryptedTo,
  LEGAL,
  setup,
  TO,
  wireText,
} from "../testing/bcc-kit.js";
import type { PreparedMessage } from "../transport.js";
import type { SentCopy } from "./types.js";

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
        idempotencyKey: await bccKey("idem-q3", AUDIT),
      },
      {
        kind: "bcc",
        recipients: [LEGAL],
        messageId: "<m3@test>",
        idempotencyKey: await bccKey("idem-q3", LEGAL),
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
