// Idempotency keys and correlation ids of a send the mailer encrypts: the key K on the primary,
// K.bcc-<16 hex> on each Bcc copy, one correlation id for all; and generated ones on every
// encrypted send, split or not, so that the primary's headers do not tell whether it had Bcc.
import { describe, expect, it } from "vitest";
import { AUDIT, bccKey, bccMessage, CC, caught, LEGAL, setup } from "../testing/bcc-kit.js";

describe("idempotency keys of copies", () => {
  it("derives each Bcc copy's key from the send's key: deterministic, distinct per copy", async () => {
    const first = setup();
    const second = setup();
    await first.mailer.send(bccMessage());
    // The same key and recipients again, the Bcc address spelled in another case.
    await second.mailer.send(
      bccMessage({ bcc: [`"Audit Bot" <AUDIT@agents.example.com>`, LEGAL] }),
    );
    const keys = (out: typeof first.out) => out.sent.map((s) => s.message.idempotencyKey);
    expect(keys(first.out)).toEqual([
      "idem-q3",
      await bccKey("idem-q3", AUDIT),
      await bccKey("idem-q3", LEGAL),
    ]);
    expect(keys(second.out)).toEqual(keys(first.out));
    expect(new Set(keys(first.out)).size).toBe(3);
    for (const key of keys(first.out)) expect(key).toMatch(/^idem-q3(\.bcc-[0-9a-f]{16})?$/);
  });

  it("generates one key per mailer.send when none is given", async () => {
    const { mailer, out } = setup();
    await mailer.send(bccMessage({ idempotencyKey: undefined }));
    await mailer.send(bccMessage({ idempotencyKey: undefined }));
    const [a, b] = [out.sent.slice(0, 3), out.sent.slice(3)].map((sends) =>
      sends.map((s) => s.message.idempotencyKey as string),
    ) as [string[], string[]];
    for (const keys of [a, b]) {
      const [primary, ...copies] = keys as [string, ...string[]];
      expect(primary).toMatch(/^idem_[0-9a-f-]{36}$/);
      expect(copies).toEqual([await bccKey(primary, AUDIT), await bccKey(primary, LEGAL)]);
    }
    expect(a[0]).not.toBe(b[0]);
  });

  it("gives the copies of one send one generated correlation id when none is given", async () => {
    const { mailer, out } = setup();
    const result = await mailer.send(bccMessage({ correlationId: undefined }));
    const ids = out.sent.map((s) => s.message.correlationId);
    expect(ids).toHaveLength(3);
    expect(ids[0]).toMatch(/^corr_[0-9a-f-]{36}$/);
    expect(new Set(ids).size).toBe(1);
    expect(result.correlationId).toBe(ids[0]);
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

describe("an encrypted message's headers do not depend on Bcc", () => {
  const unkeyed = { idempotencyKey: undefined, correlationId: undefined };

  it("generates a key and a correlation id for an encrypted send that does not split", async () => {
    const { mailer, out } = setup();
    const result = await mailer.send(bccMessage({ ...unkeyed, bcc: undefined }));
    const [only] = out.sent;
    expect(out.sent).toHaveLength(1);
    expect(only?.message.idempotencyKey).toMatch(/^idem_[0-9a-f-]{36}$/);
    expect(only?.message.correlationId).toMatch(/^corr_[0-9a-f-]{36}$/);
    expect(result.idempotencyKey).toBe(only?.message.idempotencyKey);
    expect(result.correlationId).toBe(only?.message.correlationId);
    // A Bcc address that is also a To or Cc address: one message, and the same fields.
    const visible = await mailer.prepareCopies(bccMessage({ ...unkeyed, bcc: [CC] }));
    expect(visible).toHaveLength(1);
    expect(visible[0]?.message.idempotencyKey).toMatch(/^idem_[0-9a-f-]{36}$/);
    expect(visible[0]?.message.correlationId).toMatch(/^corr_[0-9a-f-]{36}$/);
  });

  it("gives the primary of a split send the same fields as the same message without Bcc", async () => {
    const { mailer } = setup();
    const [split] = await mailer.prepareCopies(bccMessage(unkeyed));
    const [single] = await mailer.prepareCopies(bccMessage({ ...unkeyed, bcc: undefined }));
    const shape = (message: NonNullable<typeof split>["message"]) => ({
      ...message,
      text: "<ciphertext>",
      attachments: message.attachments.map(({ manifest }) => manifest),
      headers: Object.keys(message.headers),
      idempotencyKey: message.idempotencyKey?.replace(/[0-9a-f-]{36}$/, "<uuid>"),
      correlationId: message.correlationId?.replace(/[0-9a-f-]{36}$/, "<uuid>"),
    });
    expect(shape((split as NonNullable<typeof split>).message)).toEqual(
      shape((single as NonNullable<typeof single>).message),
    );
  });

  it("adds neither to a message it does not encrypt: the transport keeps its own rule", async () => {
    const { mailer } = setup();
    for (const bcc of [undefined, [AUDIT]]) {
      const [only] = await mailer.prepareCopies(bccMessage({ ...unkeyed, bcc, encrypt: false }));
      expect(only?.message.idempotencyKey).toBeUndefined();
      expect(only?.message.correlationId).toBeUndefined();
    }
  });
});
