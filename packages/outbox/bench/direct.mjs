// The benchmark's baseline process: `mailer.send` straight to /send (prepare, encrypt and send in
// one call, no queue), `inFlight` at a time. Config as JSON in OUTBOX_PROOF; answers { ms }.
import { createMailer } from "@assmbl/core";
import { openpgpCrypto } from "@assmbl/crypto";
import { createDirectory } from "@assmbl/directory";
import { apiTransport } from "@assmbl/transport-api";
import { benchMessage } from "./message.mjs";

const { access, messages, inFlight, runId } = JSON.parse(process.env.OUTBOX_PROOF ?? "{}");
const mailer = createMailer(apiTransport({ baseUrl: access.url, token: access.token }), {
  from: access.from,
  mailDomain: access.mailDomain,
  directory: createDirectory({ baseUrl: access.url, token: access.token }),
  crypto: openpgpCrypto(),
});
// One send first: the key lookup and module warm-up are not what is measured.
await mailer.send(benchMessage(access, `${runId}-warm`));
const started = performance.now();
let next = 0;
async function lane() {
  while (next < messages) await mailer.send(benchMessage(access, `${runId}-${next++}`));
}
await Promise.all(Array.from({ length: inFlight }, lane));
process.send?.({ ms: performance.now() - started }, () => process.exit(0));
