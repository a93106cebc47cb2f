// What "the same message" means for an idempotency key the queue already holds. Producers in
// different processes must agree without a shared secret, and an encrypted body is random per
// encryption, so the fingerprint covers what the job stores in clear anyway: every copy's
// envelope (from, recipients, subject, headers, ids), the manifest rows, and the body and
// attachment bytes only where they are not encrypted (not the correlation id, new per prepare). Ciphertext is left out, so no digest of
// an encrypted message's plaintext is ever stored; the cost: two encrypted messages that differ
// only in their body or encrypted attachments count as the same (use a new key per message).
import { createHash } from "node:crypto";
import type { StoredCopy } from "./serialize.js";

/** The SHA-256 (hex) of the clear parts of a job's copies. @internal */
export function fingerprintCopies(copies: readonly StoredCopy[]): string {
  const shape = copies.map(({ kind, message }) => {
    // correlationId is drawn anew by every prepare unless the caller gives one.
    const { text, html, attachments, headers, correlationId: _, ...envelope } = message;
    const bodyClear = !message.encrypted.body;
    return {
      kind,
      envelope,
      headers: Object.entries(headers).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
      body: bodyClear ? { text, html: html ?? null } : "encrypted",
      attachments: attachments.map(({ manifest, base64 }) =>
        manifest.encrypted
          ? { ...manifest, size: null, encryption: null, bytes: "encrypted" }
          : { ...manifest, bytes: base64 ?? null },
      ),
    };
  });
  return createHash("sha256").update(JSON.stringify(shape)).digest("hex");
}
