// The producer process of the proof: prepares (encrypts) and enqueues the logical sends, half on
// the /send queue and half on the SES queue, a third each plain, encrypted body, and encrypted
// body with an encrypted attachment. Every encrypted plaintext starts with `marker`, which the
// parent then looks for in every Redis key. Config comes as JSON in OUTBOX_PROOF; it answers
// with `{ enqueued, ms }` over IPC.
import { createMailer } from "@assmbl/core";
import { openpgpCrypto } from "@assmbl/crypto";
import { createDirectory } from "@assmbl/directory";
import { createOutbox } from "@assmbl/outbox";
import { apiTransport } from "@assmbl/transport-api";
import { sesTransport } from "@assmbl/transport-ses";
import { devSesClient, planOf } from "./lib.mjs";

const config = JSON.parse(process.env.OUTBOX_PROOF ?? "{}");
const { access, redisUrl, marker } = config;

const directory = createDirectory({ baseUrl: access.url, token: access.token });
const crypto = openpgpCrypto();
const mailerOptions = { from: access.from, mailDomain: access.mailDomain, directory, crypto };
const client = await devSesClient(access);
const outboxes = {
  api: createOutbox({
    connection: redisUrl,
    queueName: config.apiQueue,
    mailer: createMailer(apiTransport({ baseUrl: access.url, token: access.token }), mailerOptions),
  }),
  ses: createOutbox({
    connection: redisUrl,
    queueName: config.sesQueue,
    mailer: createMailer(sesTransport({ client }), mailerOptions),
  }),
};

/** The i-th logical send (see the file comment for the mix). */
function messageFor(i) {
  const { route, kind, idempotencyKey } = planOf(config.runId, i);
  const filler = "lorem ipsum dolor sit amet ".repeat(70); // ~2 KB
  if (kind === "plain") {
    return {
      route,
      kind,
      message: {
        to: access.to,
        subject: `plain ${i}`,
        text: `plain ${i}\n${filler}`,
        idempotencyKey,
      },
    };
  }
  const message = {
    to: access.to,
    subject: `sealed ${i}`,
    text: `${marker}-${i} body\n${filler}`,
    encrypt: true,
    idempotencyKey,
  };
  if (kind === "attachment") {
    message.attachments = [
      {
        filename: `report-${i}.txt`,
        contentType: "text/plain",
        content: new TextEncoder().encode(`${marker}-${i}-attachment\n${filler}`),
      },
    ];
  }
  return { route, kind, message };
}

const started = performance.now();
let next = 0;
const counts = { api: 0, ses: 0, plain: 0, encrypted: 0, attachment: 0 };
async function lane() {
  while (next < config.messages) {
    const i = next++;
    const { route, kind, message } = messageFor(i);
    await outboxes[route].enqueue(message);
    counts[route]++;
    counts[kind]++;
  }
}
await Promise.all(Array.from({ length: config.inFlight ?? 8 }, lane));
const ms = Math.round(performance.now() - started);
await Promise.all(Object.values(outboxes).map((outbox) => outbox.close()));
client.destroy();
process.send?.({ enqueued: config.messages, ms, counts }, () => process.exit(0));
