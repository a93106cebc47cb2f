// Sends one file as an encrypted attachment through apiTransport, streamed from disk, and
// reports the time and this process's peak RSS growth during the send.
import { createReadStream } from "node:fs";
import { basename } from "node:path";
import { createMailer } from "@assmbl/core";
import { openpgpCrypto } from "@assmbl/crypto";
import { createDirectory } from "@assmbl/directory";
import { apiTransport } from "@assmbl/transport-api";
import { peakRss, resetPeak } from "./memory.mjs";

const [url, token, mailDomain, file, subject] = process.argv.slice(2);
const mailer = createMailer(apiTransport({ baseUrl: url, token }), {
  from: `bench-sender@${mailDomain}`,
  mailDomain,
  directory: createDirectory({ baseUrl: url, token }),
  crypto: openpgpCrypto(),
});
const to = `bench-receiver@${mailDomain}`;
const encrypt = { body: true, attachments: true };
// Warm-up: modules, the key lookup and the key check are not what is measured.
await mailer.send({ to, subject: "warm-up", text: "warm-up", encrypt });

const baseline = resetPeak();
const started = performance.now();
const result = await mailer.send({
  to,
  subject,
  text: "the file is attached",
  attachments: [
    { filename: basename(file), content: createReadStream(file, { highWaterMark: 1 << 20 }) },
  ],
  encrypt,
});
const ms = performance.now() - started;
process.stdout.write(
  `${JSON.stringify({ ms, peakGrowth: peakRss() - baseline, messageId: result.messageId })}\n`,
);
