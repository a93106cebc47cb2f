// apiTransport and an encrypted attachment written into after prepare (a typed array cannot be
// frozen; core's seal keeps a checked copy): the bytes uploaded to storage are the ciphertext as
// checked, never what was written. Real OpenPGP; the platform and the storage are loopback
// servers that record what they get.
import { generateKeyPair, openpgpCrypto } from "@assmbl/crypto";
import { prepare } from "@assmbl/testing/mailer";
import { afterEach, expect, it } from "vitest";
import { type ScriptedServer, scriptedServer } from "./testing/scripted-server.js";
import { apiTransport } from "./transport.js";

const SECRET = new TextEncoder().encode("the quarterly numbers, in clear ".repeat(4));
const servers: ScriptedServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

it("uploads the ciphertext core checked, not bytes written into it after prepare", async () => {
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
  const ciphertext = Buffer.from(bytes);
  bytes.fill(0x20);
  bytes.set(SECRET);
  const storage = await scriptedServer([{ status: 204 }]);
  servers.push(storage);
  const upload = { object_key: "uploads/report-bot/q3", upload: { url: storage.url, fields: {} } };
  const sent = { message_id: "m-1", idempotency_key: "k" };
  const platform = await scriptedServer([
    { status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify(upload) },
    { status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify(sent) },
  ]);
  servers.push(platform);
  await apiTransport({ baseUrl: platform.url, token: "t" }).send(prepared, {});
  const body = storage.requests[0]?.body ?? Buffer.alloc(0);
  expect(body.includes(Buffer.from(SECRET.subarray(0, 32)))).toBe(false);
  expect(body.includes(ciphertext)).toBe(true);
});
