// The mailer checks what the MailCrypto returns packet by packet before the transport is
// called: each shape below passed the old check (armor lines only) and went out flagged encrypted.

import { fakeCrypto, fakeDirectory, fakeRecord, recordingTransport } from "@assmbl/testing/fakes";
import {
  armorMessage,
  fakeEncryptedMessage,
  fakeEncryptingStream,
  join,
  packet,
  pkesk,
  seipd,
  textInArmorBody,
  WILDCARD_KEY_ID,
} from "@assmbl/testing/message-fixtures";
import { describe, expect, it } from "vitest";
import { parseAddress } from "../address.js";
import { AgentMailError } from "../errors.js";
import type { MailCrypto } from "../mail-crypto.js";
import type { AttachmentBytes } from "../transport.js";
import { createMailer } from "./create-mailer.js";
import { encryptParts } from "./encrypt.js";
import { normalizeMessage } from "./normalize.js";

const encoder = new TextEncoder();
const peer = "other-agent@agents.example.com";
const literal = (text: string) =>
  packet(11, join(Uint8Array.of(0x62, 0, 0, 0, 0, 0), encoder.encode(text)));

function setup(crypto: Partial<MailCrypto>) {
  const out = recordingTransport();
  const mailer = createMailer(out.transport, {
    from: "my-agent@agents.example.com",
    mailDomain: "agents.example.com",
    directory: fakeDirectory({ "other-agent": fakeRecord("other-agent") }).directory,
    crypto: fakeCrypto(crypto).crypto,
  });
  return { mailer, out };
}

async function failure(promise: Promise<unknown>): Promise<AgentMailError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!AgentMailError.is(error))
    throw new Error(`expected an AgentMailError, got ${String(error)}`);
  return error;
}

const SHAPES: Record<string, string> = {
  "plaintext between armor lines":
    "-----BEGIN PGP MESSAGE-----\n\nthe secret plan\n-----END PGP MESSAGE-----\n",
  "an armored literal data packet": armorMessage(literal("the secret plan")),
  "SED (tag 9)": armorMessage(join(pkesk(), packet(9, new Uint8Array(64)))),
  "two SEIPDs": armorMessage(join(pkesk(), seipd("x"), seipd("y"))),
  "a literal packet after the SEIPD": armorMessage(join(pkesk(), seipd("x"), literal("secret"))),
  "a truncated SEIPD": armorMessage(join(pkesk(), seipd("x")).subarray(0, 50)),
  "a SIGNATURE label": armorMessage(join(pkesk(), seipd("x")), { label: "SIGNATURE" }),
  "PKESK v6 + SEIPD v2 from an implementation without allowV6Keys": armorMessage(
    join(pkesk(undefined, 6), seipd("x", 2)),
  ),
  // Each of these three passed the check before and carried text out in clear.
  "an armor header (Comment: the secret plan)": fakeEncryptedMessage("x").replace(
    "-----\n\n",
    "-----\nComment: the secret plan\n\n",
  ),
  "readable words in the armored body (atob skips spaces)": textInArmorBody(
    pkesk(),
    join(Uint8Array.of(1), new Uint8Array(40)),
    "the secret plan is here",
  ),
  "a wildcard key id": fakeEncryptedMessage("x", { keyIds: [WILDCARD_KEY_ID] }),
};

describe("what the crypto implementation returns is checked before the transport is called", () => {
  for (const [name, armored] of Object.entries(SHAPES)) {
    it(`body: ${name} is encryption_failed, nothing sent`, async () => {
      const { mailer, out } = setup({ encryptText: async () => armored });
      const error = await failure(
        mailer.send({ to: peer, subject: "s", text: "t", encrypt: true }),
      );
      expect(error.code).toBe("encryption_failed");
      expect(out.sent).toHaveLength(0);
    });

    for (const kind of ["bytes", "stream"] as const) {
      it(`attachment (${kind}): ${name} is encryption_failed, nothing sent`, async () => {
        const content: AttachmentBytes =
          kind === "bytes" ? encoder.encode(armored) : new Blob([armored]).stream();
        const { mailer, out } = setup({ encryptAttachment: async () => content });
        const error = await failure(
          mailer.send({
            to: peer,
            subject: "s",
            text: "t",
            attachments: [{ filename: "plan.txt", content: "the secret plan" }],
            encrypt: { attachments: true },
          }),
        );
        expect(error.code).toBe("encryption_failed");
        expect(out.sent).toHaveLength(0);
      });
    }
  }

  it("a message with fewer session keys than recipients is encryption_failed", async () => {
    const { mailer, out } = setup({ encryptText: async () => fakeEncryptedMessage("x") });
    const directory = fakeDirectory({
      "other-agent": fakeRecord("other-agent"),
      "cc-agent": fakeRecord("cc-agent"),
    });
    const two = createMailer(recordingTransport().transport, {
      from: "my-agent@agents.example.com",
      mailDomain: "agents.example.com",
      directory: directory.directory,
      crypto: fakeCrypto({ encryptText: async () => fakeEncryptedMessage("x") }).crypto,
    });
    const error = await failure(
      two.send({
        to: peer,
        cc: "cc-agent@agents.example.com",
        subject: "s",
        text: "t",
        encrypt: true,
      }),
    );
    expect(error.code).toBe("encryption_failed");
    expect(error.message).toMatch(/1 session key packet\(s\) for 2 recipient\(s\)/);
    expect(mailer).toBeDefined();
    expect(out.sent).toHaveLength(0);
  });

  it("takes PKESK v6 + SEIPD v2 from an implementation that says allowV6Keys", async () => {
    const v6 = armorMessage(join(pkesk(undefined, 6), seipd("x", 2)));
    const { mailer, out } = setup({ allowV6Keys: true, encryptText: async () => v6 });
    await mailer.send({ to: peer, subject: "s", text: "t", encrypt: true });
    expect(out.sent[0]?.message.text).toBe(v6);
  });

  it("an error the crypto's stream throws before its head is encryption_failed with its cause, before the transport", async () => {
    const thrown = new TypeError("encryptor broke");
    const { mailer, out } = setup({
      encryptAttachment: async () =>
        new ReadableStream<Uint8Array>({
          pull(controller) {
            controller.error(thrown);
          },
        }),
    });
    const error = await failure(
      mailer.send({
        to: peer,
        subject: "s",
        text: "t",
        attachments: [{ filename: "a.bin", content: "x" }],
        encrypt: { attachments: true },
      }),
    );
    expect(error.code).toBe("encryption_failed");
    expect(error.cause).toMatchObject({ name: "TypeError" });
    expect(out.sent).toHaveLength(0);
  });

  // A stream that yields `good` up to `cut` in 64 KiB chunks, then errors.
  const breakingAt = (good: string, cut: number) => {
    const bytes = encoder.encode(good.slice(0, cut));
    let at = 0;
    return new ReadableStream<Uint8Array>({
      pull(controller) {
        if (at >= bytes.length) return controller.error(new RangeError("midway"));
        controller.enqueue(bytes.subarray(at, at + 65_536));
        at += 65_536;
      },
    });
  };
  const withAttachment = {
    to: peer,
    subject: "s",
    text: "t",
    attachments: [{ filename: "a.bin", content: "x" }],
    encrypt: { attachments: true },
  };

  it("an error past the head, within the 1 MiB read-ahead, fails the send before the transport", async () => {
    const good = fakeEncryptedMessage("x".repeat(4000));
    const { mailer, out } = setup({ encryptAttachment: async () => breakingAt(good, 1000) });
    const error = await failure(mailer.send(withAttachment));
    expect(error.code).toBe("encryption_failed");
    expect(error.cause).toMatchObject({ name: "RangeError" });
    expect(out.sent).toHaveLength(0);
  });

  it("an error past the read-ahead fails the transport's read with encryption_failed", async () => {
    const good = fakeEncryptedMessage(new Uint8Array(3 * 1024 * 1024));
    const { mailer } = setup({
      encryptAttachment: async () => breakingAt(good, 2 * 1024 * 1024),
    });
    const prepared = await mailer.prepare(withAttachment);
    const error = await failure(
      new Response(prepared.attachments[0]?.content as ReadableStream).text(),
    );
    expect(error.code).toBe("encryption_failed");
  });

  // A MailCrypto stream that yields the head of a good message, then never again.
  const stalling = (onStall: () => void = () => undefined) => {
    let sent = false;
    return new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent) {
          onStall();
          return new Promise<void>(() => undefined);
        }
        sent = true;
        controller.enqueue(encoder.encode(fakeEncryptedMessage("x".repeat(4000)).slice(0, 1000)));
      },
    });
  };

  it("the send's signal ends a MailCrypto stream that stopped yielding: aborted, nothing sent", async () => {
    const controller = new AbortController();
    const { mailer, out } = setup({
      encryptAttachment: async () => stalling(() => controller.abort(new Error("enough"))),
    });
    const error = await failure(mailer.send(withAttachment, { signal: controller.signal }));
    expect(error.code).toBe("aborted");
    expect(out.sent).toHaveLength(0);
  });

  it("a MailCrypto stream that yields nothing for cryptoStreamIdleMs is encryption_failed", async () => {
    const message = normalizeMessage(withAttachment, {
      from: parseAddress("my-agent@agents.example.com"),
      defaultHeaders: {},
    });
    const crypto = fakeCrypto({ encryptAttachment: async () => stalling() }).crypto;
    const to = [{ agentId: "other-agent", address: peer, publicKeyArmored: "" }];
    const error = await failure(encryptParts(message, to, crypto, undefined, 5));
    expect(error.code).toBe("encryption_failed");
    expect(error.message).toMatch(/the crypto implementation's stream stalled/);
  });

  it("passes a well-formed streamed message through", async () => {
    const { mailer, out } = setup({
      encryptAttachment: async (content) =>
        (content as ReadableStream<Uint8Array>).pipeThrough(fakeEncryptingStream()),
    });
    await mailer.send({
      to: peer,
      subject: "s",
      text: "t",
      attachments: [{ filename: "a.bin", content: new Blob(["abc"]).stream() }],
      encrypt: { attachments: true },
    });
    expect(out.sent).toHaveLength(1);
  });
});
