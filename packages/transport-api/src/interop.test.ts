// One message, two ways onto the platform: apiTransport (/send, uploads) and transport-ses (the
// dev server's SES endpoint, raw MIME). The receiver reads both the same with fetchMessage, and
// the SES one with openMessage on its raw bytes. Keys come from @assmbl/crypto, registered
// through @assmbl/directory; the mailer is core's createMailer.
import { createMailer, type MailCrypto, type MailMessage } from "@assmbl/core";
import { openpgpCrypto } from "@assmbl/crypto";
import type { ReceivedMessage } from "@assmbl/mime";
import { openMessage } from "@assmbl/mime";
import { sesTransport } from "@assmbl/transport-ses";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sampleBytes } from "./testing/fixtures.js";
import {
  devSesClient,
  findBySubject,
  MAIL_DOMAIN,
  type Platform,
  RECEIVER,
  RECEIVER_ID,
  SENDER,
  startPlatform,
} from "./testing/platform.js";

let platform: Platform;
let crypto: MailCrypto;
const pdf = sampleBytes(25_000, 17);

beforeAll(async () => {
  platform = await startPlatform();
  crypto = openpgpCrypto({ signingKey: platform.senderKey });
});
afterAll(async () => {
  await platform?.stop();
});

/** An encrypted body, one attachment encrypted (by the caller, with its original name) and one not. */
async function message(subject: string): Promise<MailMessage> {
  const record = await platform.directory.lookup(RECEIVER_ID);
  const cipher = await crypto.encryptAttachment(
    pdf,
    [
      {
        agentId: RECEIVER_ID,
        address: RECEIVER,
        publicKeyArmored: record.openpgpPublicKey ?? "",
      },
    ],
    { filename: "r\u00e9sum\u00e9.pdf" },
  );
  return {
    to: RECEIVER,
    subject,
    text: "Task 42: the numbers are in. \u2713",
    attachments: [
      {
        filename: "r\u00e9sum\u00e9.pdf.asc",
        content: cipher,
        encrypted: true,
        originalFilename: "r\u00e9sum\u00e9.pdf",
        originalContentType: "application/pdf",
      },
      { filename: "README.txt", content: "not secret\n" },
    ],
    encrypt: { body: true, attachments: false },
    correlationId: "corr-interop",
  };
}

/** What the receiver learns, without the parts that differ by path (ids, subject, headers). */
function content(received: ReceivedMessage) {
  return {
    encrypted: received.encrypted,
    bodyTextDecrypted: received.bodyTextDecrypted,
    verification: received.verification,
    bodyError: received.bodyError,
    attachments: received.attachments,
  };
}

const expected = {
  encrypted: true,
  bodyTextDecrypted: "Task 42: the numbers are in. \u2713",
  verification: "valid",
  bodyError: undefined,
  attachments: [
    {
      index: 0,
      filename: "r\u00e9sum\u00e9.pdf",
      contentType: "application/pdf",
      size: pdf.length,
      status: "ready",
      encrypted: true,
      decrypted: true,
      bytes: pdf,
      verification: "valid",
    },
    {
      index: 1,
      filename: "README.txt",
      contentType: "text/plain; charset=utf-8",
      size: 11,
      status: "ready",
      encrypted: false,
      decrypted: false,
      bytes: new TextEncoder().encode("not secret\n"),
    },
  ],
};

describe("the same message through apiTransport and sesTransport", () => {
  it("reads the same with fetchMessage, and with openMessage on the SES raw MIME", async () => {
    const api = createMailer(platform.mailerTransport(), {
      from: `Report Bot <${SENDER}>`,
      mailDomain: MAIL_DOMAIN,
      directory: platform.directory,
      crypto,
    });
    const ses = createMailer(
      sesTransport({
        client: devSesClient(platform.server),
      }),
      {
        from: `Report Bot <${SENDER}>`,
        mailDomain: MAIL_DOMAIN,
        directory: platform.directory,
        crypto,
      },
    );
    const viaApi = await api.send(await message("Interop via API"));
    const viaSes = await ses.send(await message("Interop via SES"));
    expect([viaApi.transport, viaSes.transport]).toEqual(["agentmail-api", "ses"]);

    const read = { decryptWith: platform.receiverKey, verifyWith: platform.directory };
    const fromApi = await platform.inbox.fetchMessage(
      await findBySubject(platform.inbox, "Interop via API"),
      read,
    );
    const fromSes = await platform.inbox.fetchMessage(
      await findBySubject(platform.inbox, "Interop via SES"),
      read,
    );
    const [raw] = platform.server.ses.messages();
    const opened = await openMessage(raw?.raw ?? new Uint8Array(), {
      ...read,
      mailDomain: MAIL_DOMAIN,
    });

    expect(content(fromApi)).toEqual(expected);
    expect(content(fromSes)).toEqual(expected);
    expect(content(opened)).toEqual(expected);
    expect([fromApi.sender, fromSes.sender, opened.sender]).toEqual([SENDER, SENDER, SENDER]);
    expect([fromApi.senderVerified, fromSes.senderVerified, opened.senderVerified]).toEqual([
      true,
      true,
      false,
    ]);
    for (const received of [fromApi, fromSes, opened]) {
      expect(received.headers["x-agentmail-correlation-id"]).toBe("corr-interop");
      expect(received.headers["x-agentmail-encrypted"]).toBe("body");
    }
    // openMessage's id is the Message-ID; /send answers with the same one.
    const [sent] = platform.server.sent.messages();
    expect(sent?.messageId).toBe(viaApi.messageId);
    expect(opened.id).toMatch(/@agents\.example\.com$/);
  });
});
