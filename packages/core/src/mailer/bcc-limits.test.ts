// What a send that goes out as copies may hold: every copy is encrypted and held in memory
// before the first one is sent, so the number of Bcc copies is bounded, and so is copies × the
// attachments' bytes (bytes and streams alike), checked before anything is sent.

import { fakeCrypto, readText } from "@assmbl/testing/fakes";
import { fakeEncryptedMessage, fakePayloadOf } from "@assmbl/testing/message-fixtures";
import { describe, expect, it } from "vitest";
import { Limits } from "../limits.js";
import { bccMessage, caught, countingStream, setup } from "../testing/bcc-kit.js";

const BOUND = 256 * 1024 * 1024;
const MIB = 1024 * 1024;
const encoder = new TextEncoder();
// Cheap ciphertext: these tests are about sizes, not about what is encrypted to whom.
const cheap = {
  encryptAttachment: async (_content: unknown, recipients: readonly unknown[]) =>
    encoder.encode(fakeEncryptedMessage("size", { count: recipients.length })),
};
const bccs = (count: number) =>
  Array.from({ length: count }, (_, i) => `bcc-${i}@agents.example.com`);
const bccAgents = (count: number) => Array.from({ length: count }, (_, i) => `bcc-${i}`);

describe("the number of Bcc copies", () => {
  it("is at most Limits.recipientsPerMessage: more is too_many_recipients before any lookup", async () => {
    const { mailer, dir, out } = setup();
    const error = await caught(mailer.send(bccMessage({ bcc: bccs(51) })));
    expect(error.code).toBe("too_many_recipients");
    expect(error.message).toMatch(/51 Bcc recipients/);
    expect(error.message).toMatch(/at most 50 Bcc copies \(Limits\.recipientsPerMessage\)/);
    expect(error.message).toMatch(/several sends, at most 50 per send/);
    expect(error.body).toEqual({ bccCopies: 51, limit: 50 });
    expect(dir.calls).toHaveLength(0);
    expect(out.sent).toHaveLength(0);
  });

  it("sends 50, counts neither repeats nor To and Cc addresses, and leaves plaintext Bcc alone", async () => {
    const { mailer, out } = setup({ extra: bccAgents(60) });
    const fifty = [...bccs(50), "bcc-0@agents.example.com", "other-agent@agents.example.com"];
    const result = await mailer.send(bccMessage({ bcc: fifty }));
    expect(result.copies).toHaveLength(51);
    // Without encryption Bcc is envelope-only: one message; the transport applies its own limit.
    await mailer.send(bccMessage({ bcc: bccs(60), encrypt: false }));
    expect(out.sent.at(-1)?.message.bcc).toHaveLength(60);
  });
});

describe("copies × attachment bytes", () => {
  it("is bounded by Limits.bccCopiesAttachmentBytes (256 MiB)", () => {
    expect(Limits.bccCopiesAttachmentBytes).toBe(BOUND);
  });

  it("refuses bytes attachments over the bound before any lookup, with the arithmetic and what to do", async () => {
    const { mailer, dir, cry, out } = setup({ crypto: cheap });
    // 51 copies (the primary and 50 Bcc): 5 MiB each would be 255 MiB; 6 MiB is 306 MiB.
    const attachments = [
      { filename: "a.bin", content: new Uint8Array(4 * MIB) },
      { filename: "b.bin", content: new Uint8Array(2 * MIB) },
    ];
    const error = await caught(mailer.send(bccMessage({ bcc: bccs(50), attachments })));
    expect(error.code).toBe("message_too_large");
    expect(error.message).toContain(
      `51 copies × ${6 * MIB} bytes of attachments = ${51 * 6 * MIB} bytes, over Limits.bccCopiesAttachmentBytes, ${BOUND} bytes (256 MiB)`,
    );
    expect(error.message).toMatch(/held in memory before the first one is sent/);
    expect(error.message).toMatch(/Nothing was sent/);
    // 256 MiB / 6 MiB = 42 copies: the primary and 41 Bcc.
    expect(error.message).toMatch(/Keep at most 41 Bcc recipients on this send/);
    expect(error.message).toMatch(/or send smaller attachments/);
    expect(error.body).toEqual({ copies: 51, attachmentBytes: 6 * MIB, limit: BOUND });
    expect(dir.calls).toHaveLength(0);
    expect(cry.calls.text).toBe(0);
    expect(out.sent).toHaveLength(0);
  });

  it("sends right at the bound, and says to send one by one when even two copies are too many", async () => {
    const { mailer, out } = setup({ crypto: cheap, extra: bccAgents(50) });
    const atBound = Math.floor(BOUND / 51);
    const attachments = [{ filename: "a.bin", content: new Uint8Array(atBound) }];
    await mailer.send(bccMessage({ bcc: bccs(50), attachments }));
    expect(out.sent).toHaveLength(51);
    const huge = [{ filename: "huge.bin", content: new Uint8Array(BOUND / 2 + 1) }];
    const error = await caught(mailer.send(bccMessage({ bcc: bccs(1), attachments: huge })));
    expect(error.code).toBe("message_too_large");
    expect(error.message).toMatch(
      /Send it without Bcc recipients, and to each Bcc recipient in a send of its own/,
    );
  });

  it("leaves a send that does not split alone", async () => {
    const { mailer, out } = setup({ crypto: cheap });
    const big = [{ filename: "big.bin", content: new Uint8Array(BOUND / 2) }];
    await mailer.send(bccMessage({ bcc: undefined, attachments: big }));
    expect(out.sent).toHaveLength(1);
  });
});

describe("streamed attachments in a send that splits", () => {
  it("reads the stream once, and encrypts its bytes for each copy", async () => {
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
      expect(fakePayloadOf(await readText(content))).toBe("part 1;part 2");
    }
  });

  it("reads streams under the per-copy share of the bound, cancels past it, sends nothing", async () => {
    // 1 MiB chunks (one buffer, enqueued again and again), more than the share holds: the source
    // is still open when the share is reached, so the cancel must reach it.
    const mib = new Uint8Array(MIB);
    const { stream, state } = countingStream(Array.from({ length: 100 }, () => mib));
    const { mailer, out, cry } = setup();
    const error = await caught(
      mailer.send(bccMessage({ attachments: [{ filename: "huge.bin", content: stream }] })),
    );
    const share = Math.floor(BOUND / 3);
    expect(error.code).toBe("message_too_large");
    expect(error.message).toContain(
      `attachment huge.bin is a stream, read into memory because this encrypted message goes out as 3 copies`,
    );
    expect(error.message).toContain(
      `may total at most ${share} bytes (Limits.bccCopiesAttachmentBytes, ${BOUND} bytes (256 MiB), / 3 copies)`,
    );
    expect(error.message).toMatch(/the stream was cancelled\. Nothing was sent/);
    expect(error.body).toEqual({
      copies: 3,
      attachmentBytes: 86 * MIB,
      limit: BOUND,
      filename: "huge.bin",
    });
    await state.cancelled;
    expect(state.pulled).toBeLessThan(100);
    expect(cry.calls.text + cry.calls.attachment).toBe(0);
    expect(out.sent).toHaveLength(0);
  });

  it("counts bytes attachments and every stream of the send against one share", async () => {
    const share = Math.floor(BOUND / 51);
    const first = countingStream([new Uint8Array(MIB)]);
    const second = countingStream([new Uint8Array(MIB), new Uint8Array(MIB)]);
    const { mailer, out } = setup({ crypto: cheap, extra: bccAgents(50) });
    const error = await caught(
      mailer.send(
        bccMessage({
          bcc: bccs(50),
          attachments: [
            { filename: "bytes.bin", content: new Uint8Array(share - 2 * MIB) },
            { filename: "a.bin", content: first.stream },
            { filename: "b.bin", content: second.stream },
          ],
        }),
      ),
    );
    expect(error.code).toBe("message_too_large");
    expect(error.message).toContain("attachment b.bin is a stream");
    expect(error.body).toMatchObject({
      copies: 51,
      attachmentBytes: share - 2 * MIB + 2 * MIB + MIB,
    });
    expect(out.sent).toHaveLength(0);
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
