// Fetches the message with the given subject and decrypts its attachment into a folder
// (`downloadDir`), then reports the time, this process's peak RSS growth and the file's path.

import { readFileSync } from "node:fs";
import { loadPrivateKey } from "@assmbl/crypto";
import { createAgentMailClient } from "@assmbl/transport-api";
import { peakRss, resetPeak } from "./memory.mjs";

const [url, token, keyFile, subject, downloadDir] = process.argv.slice(2);
const client = createAgentMailClient({ baseUrl: url, token });
const decryptWith = await loadPrivateKey(readFileSync(keyFile, "utf8"));
const find = async (wanted) => {
  for await (const item of client.iterInbox({ q: wanted }))
    if (item.subject === wanted) return item.id;
  throw new Error(`no message with subject ${wanted}`);
};
// Warm-up: the first fetch and decryption (into a file, as measured) load and compile what
// the measured one reuses.
await client.fetchMessage(await find("warm-up"), { decryptWith, downloadDir });

const id = await find(subject);
const baseline = resetPeak();
const started = performance.now();
const message = await client.fetchMessage(id, { decryptWith, downloadDir });
const ms = performance.now() - started;
const [attachment] = message.attachments;
if (!attachment?.decrypted || !attachment.path) {
  throw new Error(`the attachment was not decrypted to a file: ${attachment?.error?.message}`);
}
process.stdout.write(
  `${JSON.stringify({ ms, peakGrowth: peakRss() - baseline, path: attachment.path })}\n`,
);
