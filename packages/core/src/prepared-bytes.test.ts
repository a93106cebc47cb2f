// An encrypted attachment's bytes after validation. A typed array cannot be frozen: whoever holds
// a prepared message (or the crypto implementation that returned the bytes, a WASM view reused
// for the next call) can still write into it. What a transport sends must be what was checked.
import { fakeCrypto, fakeDirectory, fakeRecord, recordingTransport } from "@assmbl/testing/fakes";
import { fakeEncryptedMessage } from "@assmbl/testing/message-fixtures";
import { describe, expect, it } from "vitest";
import { AgentMailError } from "./errors.js";
import { AgentMailHeaders } from "./headers.js";
import type { MailCrypto } from "./mail-crypto.js";
import { createMailer } from "./mailer/create-mailer.js";
import { encodeManifest } from "./manifest.js";
import {
  assertPrepared,
  isValidatedPrepared,
  validatePreparedMessage,
} from "./prepared-message.js";
import type { PreparedMessage } from "./transport.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const SECRET = encoder.encode("the quarterly numbers, in clear");
const ROW = {
  index: 0,
  filename: "q3.csv.asc",
  content_type: "application/pgp-encrypted",
  encrypted: true,
  encryption: { algorithm: "openpgp", format: "armored" },
};

function encryptingMailer(crypto: MailCrypto = fakeCrypto().crypto) {
  return createMailer(recordingTransport().transport, {
    from: "bot@agents.example.com",
    mailDomain: "agents.example.com",
    directory: fakeDirectory({ peer: fakeRecord("peer") }).directory,
    crypto,
  });
}

const MESSAGE = {
  to: "peer@agents.example.com",
  subject: "s",
  text: "t",
  attachments: [{ filename: "q3.csv", content: "a,b\n1,2\n" }],
  encrypt: { body: true, attachments: true },
};

function bytesOf(message: PreparedMessage): Uint8Array {
  return message.attachments[0]?.content as Uint8Array;
}

// Plaintext written over the ciphertext, the rest blanked: what must never go out as ".asc".
function overwrite(bytes: Uint8Array): void {
  bytes.fill(0x20);
  bytes.set(SECRET.subarray(0, Math.min(SECRET.length, bytes.length)));
}

function handBuilt(base: PreparedMessage, content: unknown): unknown {
  return {
    ...base,
    headers: { [AgentMailHeaders.attachments]: encodeManifest([ROW]) },
    attachments: [{ manifest: ROW, content }],
  };
}

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (AgentMailError.is(error)) return error.code;
    throw error;
  }
  return undefined;
}

describe("an encrypted attachment's bytes, after validation", () => {
  it("written into after prepare: the transport still gets the ciphertext as checked", async () => {
    const prepared = await encryptingMailer().prepare(MESSAGE);
    const checked = decoder.decode(bytesOf(prepared));
    overwrite(bytesOf(prepared));
    const sent = assertPrepared(prepared);
    expect(decoder.decode(bytesOf(sent))).toBe(checked);
    // Trusted without a second pass, whichever of the two a transport is handed.
    expect(isValidatedPrepared(sent) && assertPrepared(sent) === sent).toBe(true);
  });

  it("a crypto implementation that reuses its output buffer: the first copy's bytes as checked", async () => {
    // One buffer for every call, as a WASM implementation returning a view into its memory.
    const shared = new Uint8Array(4096);
    const fake = fakeCrypto().crypto;
    const reusing: MailCrypto = {
      ...fake,
      async encryptAttachment(content, recipients) {
        const out = (await fake.encryptAttachment(content, recipients)) as Uint8Array;
        shared.fill(0x20);
        shared.set(out);
        return shared.subarray(0, out.length);
      },
    };
    const mailer = encryptingMailer(reusing);
    const first = await mailer.prepare(MESSAGE);
    const checked = decoder.decode(bytesOf(assertPrepared(first)));
    await mailer.prepare({ ...MESSAGE, attachments: [{ filename: "b.csv", content: "other" }] });
    overwrite(shared);
    expect(decoder.decode(bytesOf(assertPrepared(first)))).toBe(checked);
  });

  it("a message validated by hand, then written into: the transport gets what was checked", async () => {
    const base = await encryptingMailer().prepare({
      to: "peer@agents.example.com",
      subject: "s",
      text: "t",
    });
    const bytes = encoder.encode(fakeEncryptedMessage("x"));
    const validated = validatePreparedMessage(handBuilt(base, bytes));
    overwrite(bytes);
    expect(decoder.decode(bytesOf(assertPrepared(validated)))).toBe(fakeEncryptedMessage("x"));
  });

  it("a Uint8Array subclass that shows the check ciphertext and holds plaintext: encryption_failed", async () => {
    const base = await encryptingMailer().prepare({
      to: "peer@agents.example.com",
      subject: "s",
      text: "t",
    });
    const armor = encoder.encode(fakeEncryptedMessage("x"));
    class Lying extends Uint8Array {
      override subarray(start?: number, end?: number): Uint8Array<ArrayBuffer> {
        return armor.subarray(start, end);
      }
      override get length(): number {
        return armor.length;
      }
    }
    const message = handBuilt(base, new Lying(SECRET));
    expect(codeOf(() => validatePreparedMessage(message))).toBe("encryption_failed");
    expect(codeOf(() => assertPrepared(message))).toBe("encryption_failed");
  });

  it("a Proxy of a Uint8Array (not bytes a transport can read): invalid_message", async () => {
    const base = await encryptingMailer().prepare({
      to: "peer@agents.example.com",
      subject: "s",
      text: "t",
    });
    const message = handBuilt(base, new Proxy(encoder.encode(fakeEncryptedMessage("x")), {}));
    expect(codeOf(() => validatePreparedMessage(message))).toBe("invalid_message");
  });
});
