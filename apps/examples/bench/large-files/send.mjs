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
// Warm-up: loading modules, the key lookup and check, and compiling the hot paths (one-time
// costs of a process) are not what is measured; a 4 MiB attachment runs every one of them.
await mailer.send({
  to,
  subject: "warm-up",
  text: "warm-up",
  attachments: [{ filename: "warm-up.bin", content: new Uint8Array(4 * 1024 * 1024) }],
  encrypt,
});

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
