// sesTransport and an encrypted attachment written into after prepare (a typed array cannot be
// frozen; core's seal keeps a checked copy): the raw message SES gets carries the ciphertext as
// checked, never what was written. Real OpenPGP; the SES client is the recording stub.
import { generateKeyPair, openpgpCrypto } from "@assmbl/crypto";
import { prepare } from "@assmbl/testing/mailer";
import { expect, it } from "vitest";
import { stubClient } from "./testing/fixtures.js";
import { sesTransport } from "./transport.js";

const SECRET = new TextEncoder().encode("the quarterly numbers, in clear ".repeat(4));
const base64Start = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64").slice(0, 60);

it("sends the ciphertext core checked, not bytes written into it after prepare", async () => {
  const recipient = await generateKeyPair({ name: "Peer", email: "peer@agents.example.com" });
  const prepared = await prepare(
    {
      to: "peer@agents.example.com",
      subject: "s",
      text: "t",
      attachments: [{ filename: "q3.csv", content: "a,b\n1,2\n" }],
      encrypt: { body: true, attachments: true },
    },
    { crypto: openpgpCrypto(), keys: { peer: recipient.publicKeyArmored } },
  );
  const bytes = prepared.attachments[0]?.content as Uint8Array;
  const ciphertext = bytes.slice();
  bytes.fill(0x20);
  bytes.set(SECRET);
  const { client, commands } = stubClient("v1");
  await sesTransport({ client }).send(prepared, {});
  expect(commands).toHaveLength(1);
  const input = commands[0]?.input as { RawMessage: { Data: Uint8Array } } | undefined;
  const Data = input?.RawMessage.Data ?? new Uint8Array();
  const raw = Buffer.from(Data).toString("latin1").replace(/\r\n/g, "");
  expect(raw).not.toContain(base64Start(SECRET));
  expect(raw).toContain(base64Start(ciphertext));
});
