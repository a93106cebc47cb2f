// An attachment the caller encrypted itself cannot be re-encrypted per copy: every copy would
// carry that one ciphertext, whose key ids name everyone it was encrypted to. A message with
// hidden Bcc recipients and such an attachment is refused before any lookup.

import { fakeArmor } from "@assmbl/testing/fakes";
import { describe, expect, it } from "vitest";
import { AUDIT, bccMessage, CC, caught, LEGAL, setup, TO } from "../testing/bcc-kit.js";
import type { Attachment } from "./types.js";

// What a caller naturally does: encrypt the report to everyone it goes to, the Bcc included.
const everyone = ["other-agent", "cc-agent", "audit", "legal"].map((agentId) => ({
  agentId,
  address: `${agentId}@agents.example.com`,
  publicKeyArmored: "",
}));
const armored = fakeArmor("the report", everyone);
const bytes: Attachment = { filename: "report.asc", content: armored, encrypted: true };
// A stream can be given once: each test makes its own.
const given: Record<string, () => Attachment> = {
  bytes: () => bytes,
  stream: () => ({
    filename: "report.asc",
    content: new Blob([armored]).stream(),
    encrypted: true,
  }),
  "stored ref": () => ({
    objectKey: "uploads/report.asc",
    filename: "report.asc",
    contentType: "application/pgp-encrypted",
    encrypted: true,
  }),
};

describe("an attachment the caller encrypted, on a message with Bcc recipients", () => {
  for (const [kind, attachment] of Object.entries(given)) {
    for (const encrypt of [true, { attachments: true }, false]) {
      it(`is refused before any lookup (${kind}, encrypt: ${JSON.stringify(encrypt)})`, async () => {
        const { mailer, out, dir, cry } = setup();
        const error = await caught(
          mailer.send(
            bccMessage({
              text: "not secret",
              attachments: [{ filename: "plain.txt", content: "hello" }, attachment()],
              encrypt,
            }),
          ),
        );
        expect(error.code).toBe("bcc_with_encrypted_attachment");
        expect(error.status).toBe(400);
        expect(error.retryable).toBe(false);
        expect(error.message).toContain("report.asc (attachments[1])");
        expect(error.message).toMatch(/2 Bcc recipients/);
        expect(error.message).toMatch(/key id/);
        expect(error.message).toContain("encrypt: { attachments: true }");
        expect(error.message).toMatch(/send to the Bcc recipients in a separate send/);
        expect(error.message).toMatch(/Nothing was sent/);
        expect(error.body).toEqual({ attachments: [{ index: 1, filename: "report.asc" }] });
        expect(dir.calls).toHaveLength(0);
        expect(cry.calls.text + cry.calls.attachment).toBe(0);
        expect(out.sent).toHaveLength(0);
      });
    }
  }

  it("names every caller-encrypted attachment, and prepare and prepareCopies refuse it too", async () => {
    const { mailer } = setup();
    const message = bccMessage({
      bcc: AUDIT,
      attachments: [bytes, { ...bytes, filename: "b.asc" }],
    });
    for (const call of [
      mailer.send(message),
      mailer.prepare(message),
      mailer.prepareCopies(message),
    ]) {
      const error = await caught(call);
      expect(error.code).toBe("bcc_with_encrypted_attachment");
      expect(error.message).toContain(
        "attachments report.asc (attachments[0]), b.asc (attachments[1]) are already encrypted",
      );
      expect(error.message).toMatch(/1 Bcc recipient\b/);
    }
  });

  it("is sent when every Bcc address is also a To or Cc address: nobody is hidden", async () => {
    const { mailer, out } = setup();
    await mailer.send(
      bccMessage({
        bcc: [TO, `cc <${CC.toUpperCase()}>`],
        attachments: [bytes],
        encrypt: { body: true },
      }),
    );
    expect(out.sent).toHaveLength(1);
    expect(out.sent[0]?.message.bcc).toEqual([]);
  });

  it("is sent without Bcc, and the plaintext with encrypt.attachments is encrypted per copy", async () => {
    const { mailer, out } = setup();
    await mailer.send(bccMessage({ bcc: undefined, attachments: [bytes] }));
    expect(out.sent).toHaveLength(1);
    // What the error asks for: the plaintext, which the mailer encrypts to each copy's recipients.
    await mailer.send(
      bccMessage({
        bcc: [AUDIT, LEGAL],
        attachments: [{ filename: "report", content: "the report" }],
      }),
    );
    expect(out.sent.slice(1).map((s) => s.message.attachments[0]?.manifest.encrypted)).toEqual([
      true,
      true,
      true,
    ]);
  });
});
