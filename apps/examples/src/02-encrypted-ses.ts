/**
 * Example 2 — an SDK-encrypted body sent through SES raw.
 *
 * The mailer looks the recipient's OpenPGP key up in the platform directory, encrypts (and, with
 * a signing key, signs) the body, and hands the transport a message whose body is one
 * ASCII-armored OpenPGP message with `X-AgentMail-Encrypted: body`: the same wire shape the
 * platform's `/send` produces, so the recipient reads it the same way. The subject and headers
 * stay in clear.
 *
 * Run it: `node apps/examples/dist/02-encrypted-ses.js`.
 */
import { createMailer, type MailMessage } from "@assmbl/core";
import { openpgpCrypto } from "@assmbl/crypto";
import { sesTransport } from "@assmbl/transport-ses";
import type { ExampleContext } from "./context.js";
import type { SendFacts } from "./facts.js";
import { runIfMain } from "./standalone.js";

/**
 * Sends one encrypted, signed message with `sesTransport` (SES `SendRawEmail`).
 *
 * @example
 * const { sent } = await run(context); // sent[0].result.encrypted.body === true
 * @throws {AgentMailError} `peer_missing_openpgp_public_key`, `peer_key_revoked`, SES failures.
 */
export async function run(context: ExampleContext): Promise<SendFacts> {
  const { ses, sender, recipient, mailDomain, directory, runId } = context;

  const mailer = createMailer(sesTransport({ client: ses }), {
    from: sender.address,
    mailDomain, // recipients on this domain are looked up in the directory by local part
    directory, // createDirectory({ baseUrl: process.env.AGENTMAIL_API_BASE_URL })
    // signingKey: await loadPrivateKey(armoredPrivateKey, passphrase); optional.
    crypto: openpgpCrypto({ signingKey: sender.signingKey }),
  });

  const message: MailMessage = {
    to: recipient.address,
    subject: `Encrypted task (${runId})`, // in clear: keep secrets out of subjects
    text: "Task 42: reconcile the Q3 ledger before Friday.",
    encrypt: { body: true }, // no key, no send: this never falls back to clear text
    correlationId: `task-42-${runId}`,
  };
  const result = await mailer.send(message);
  // result.recipients[0].keyFingerprint: the key it was encrypted to.

  return { sent: [{ via: "sesTransport", message, result }] };
}

await runIfMain(import.meta.url, run);
