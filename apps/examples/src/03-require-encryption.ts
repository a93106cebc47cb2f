/**
 * Example 3 — requiring encryption.
 *
 * `encrypt` never degrades to clear text: when the recipient has no usable key, the send fails
 * before the transport is called, and nothing goes out. `freshKeys` looks each recipient's key up
 * again for this send instead of trusting the directory cache, so a key revoked a minute ago is
 * not used. Shown with the `/send` transport; `sesTransport` behaves the same, as the check
 * happens in the mailer.
 *
 * Run it: `node apps/examples/dist/03-require-encryption.js`.
 */
import { AgentMailError, createMailer, type MailMessage } from "@assmbl/core";
import { openpgpCrypto } from "@assmbl/crypto";
import { apiTransport } from "@assmbl/transport-api";
import type { ExampleContext } from "./context.js";
import type { SendFacts } from "./facts.js";
import { runIfMain } from "./standalone.js";

/**
 * A send to a peer without a usable key, and how it ended.
 *
 * @example
 * const attempt: RefusalAttempt = { to: "revoked-agent@agents.localhost", refused: true, code: "peer_key_revoked" };
 */
export interface RefusalAttempt {
  to: string;
  /** `false` would mean the message went out: it never should. */
  refused: boolean;
  /** The `AgentMailError` code: `peer_missing_openpgp_public_key` or `peer_key_revoked`. */
  code?: string;
  message?: string;
}

/**
 * What example 3 returns.
 *
 * @example
 * const { sent, refusals }: RequireEncryptionFacts = await run(context);
 */
export interface RequireEncryptionFacts extends SendFacts {
  refusals: RefusalAttempt[];
}

/**
 * Sends one message that must be encrypted (fresh key lookup), then tries the same to a peer
 * without an OpenPGP key and to one whose key is revoked: both are refused.
 *
 * @example
 * const { refusals } = await run(context);
 * refusals.map((r) => r.code); // ["peer_missing_openpgp_public_key", "peer_key_revoked"]
 * @throws {AgentMailError} when the send to the recipient fails.
 */
export async function run(context: ExampleContext): Promise<RequireEncryptionFacts> {
  const { apiBaseUrl, sender, recipient, refusalPeers, mailDomain, directory, runId } = context;

  const mailer = createMailer(apiTransport({ baseUrl: apiBaseUrl, token: sender.token }), {
    from: sender.address,
    mailDomain,
    directory,
    crypto: openpgpCrypto({ signingKey: sender.signingKey }),
  });

  // Require encryption, with a key looked up now rather than from the cache.
  const requireEncryption = { body: true, attachments: true, freshKeys: true };
  const message: MailMessage = {
    to: recipient.address,
    subject: `Payroll export (${runId})`,
    text: "Payroll export approved. Totals: 1,204,330.00",
    encrypt: requireEncryption,
    correlationId: `payroll-${runId}`,
  };
  const result = await mailer.send(message);

  // The same message to peers without a usable key fails closed.
  const refusals: RefusalAttempt[] = [];
  for (const peer of [refusalPeers.keyless, refusalPeers.revoked]) {
    if (peer === undefined) continue; // real services: see AGENTMAIL_KEYLESS_AGENT_ID in the README
    try {
      await mailer.send({ ...message, to: peer.address });
      refusals.push({ to: peer.address, refused: false });
    } catch (error) {
      if (!AgentMailError.is(error)) throw error;
      // peer_missing_openpgp_public_key (error.status 409): the peer registered no OpenPGP key.
      // peer_key_revoked: the directory says the key is revoked (the cached copy said otherwise).
      refusals.push({ to: peer.address, refused: true, code: error.code, message: error.message });
    }
  }

  return { sent: [{ via: "apiTransport", message, result }], refusals };
}

await runIfMain(import.meta.url, run);
