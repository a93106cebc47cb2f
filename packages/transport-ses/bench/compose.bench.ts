// Prepare + compose of a 2 KB encrypted message: the SDK's path (createMailer + openpgpCrypto,
// the recipient's key parsed once and cached, checked against key policy on every send) against
// the naive recipe (openpgp.readKey + openpgp.encrypt + compose, every time, no policy check).
// Run with `pnpm bench`; vitest prints a comparison table (ops/s: messages per second).
import { createMailer, type MailTransport, type PreparedMessage, parseAddress } from "@assmbl/core";
import { generateKeyPair, openpgpCrypto } from "@assmbl/crypto";
import { createMessage, encrypt, readKey } from "openpgp";
import { test } from "vitest";
import { composeMime } from "../src/index.js";
import { fixedDirectory } from "../src/testing/fixtures.js";

const text = "The numbers are in. ".repeat(103).slice(0, 2048);
const message = {
  to: "other-agent@agents.example.com",
  subject: "Task 42",
  text,
  encrypt: { body: true },
  correlationId: "corr-42",
};
const unused: MailTransport = {
  specificationVersion: "v1",
  name: "unused",
  async send() {
    throw new Error("prepare only");
  },
};
const from = parseAddress("Report Bot <report-bot@agents.example.com>");
const to = parseAddress("other-agent@agents.example.com");
const encoder = new TextEncoder();
const options = { time: 3000, warmupTime: 500 };

for (const type of ["ecc", "rsa4096"] as const) {
  const recipient = await generateKeyPair({
    name: "Other",
    email: "other-agent@agents.example.com",
    type,
  });
  const mailer = createMailer(unused, {
    from: "Report Bot <report-bot@agents.example.com>",
    mailDomain: "agents.example.com",
    crypto: openpgpCrypto(),
    directory: fixedDirectory(recipient.publicKeyArmored),
  });
  await mailer.prepare(message); // the key is parsed here, once

  test(`2 KB encrypted message, ${type} key: prepare + compose`, { timeout: 120_000 }, async ({
    bench,
  }) => {
    await bench.compare(
      bench("createMailer + openpgpCrypto (cached key) + composeMime", async () => {
        await composeMime(await mailer.prepare(message));
      }),
      bench("naive: openpgp.readKey + openpgp.encrypt + composeMime, every time", async () => {
        const key = await readKey({ armoredKey: recipient.publicKeyArmored });
        const armored = await encrypt({
          message: await createMessage({ binary: encoder.encode(text) }),
          encryptionKeys: key,
        });
        const prepared: PreparedMessage = {
          specificationVersion: "v1",
          from,
          to: [to],
          cc: [],
          bcc: [],
          replyTo: [],
          subject: "Task 42",
          text: armored,
          headers: { "X-AgentMail-Encrypted": "body" },
          attachments: [],
          correlationId: "corr-42",
          encrypted: { body: true },
        };
        await composeMime(prepared);
      }),
      options,
    );
  });
}
