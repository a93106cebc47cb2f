// Bytes written into a prepared message's encrypted attachment after prepare (a typed array
// cannot be frozen) never reach the rendered message: the composer renders the ciphertext core
// checked. Real OpenPGP (openpgpCrypto), so what goes out is what GnuPG would decrypt.
import { generateKeyPair, openpgpCrypto } from "@assmbl/crypto";
import { prepare } from "@assmbl/testing/mailer";
import { describe, expect, it } from "vitest";
import { composeMime } from "./compose.js";

const SECRET = new TextEncoder().encode("the quarterly numbers, in clear ".repeat(4));

// The base64 a composer writes for `bytes` at the start of a part, line breaks removed.
const base64Start = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64").slice(0, 60);
const unfolded = (raw: Uint8Array) => Buffer.from(raw).toString("latin1").replace(/\r\n/g, "");

describe("an encrypted attachment written into after prepare", () => {
  it("is rendered as the ciphertext core checked, never as what was written", async () => {
    const recipient = await generateKeyPair({
      name: "Other Agent",
      email: "other-agent@agents.example.com",
    });
    const prepared = await prepare(
      {
        to: "other-agent@agents.example.com",
        subject: "s",
        text: "t",
        attachments: [{ filename: "q3.csv", content: "a,b\n1,2\n" }],
        encrypt: { body: true, attachments: true },
      },
      { crypto: openpgpCrypto(), keys: { "other-agent": recipient.publicKeyArmored } },
    );
    const bytes = prepared.attachments[0]?.content as Uint8Array;
    const ciphertext = bytes.slice();
    bytes.fill(0x20);
    bytes.set(SECRET);
    const raw = unfolded((await composeMime(prepared)).raw);
    expect(raw).not.toContain(base64Start(SECRET));
    expect(raw).toContain(base64Start(ciphertext));
  });
});
