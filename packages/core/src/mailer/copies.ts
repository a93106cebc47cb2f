import type { Mailbox } from "../address.js";
import { AgentMailError } from "../errors.js";
import type { EncryptionRecipient, MailCrypto } from "../mail-crypto.js";
import { sealMailerPrepared } from "../prepared-message.js";
import { throwIfAborted } from "./abort.js";
import { readWhole } from "./buffer-streams.js";
import { buildPrepared } from "./build.js";
import { bccCopyKey, sendCorrelationFor, sendKeyFor } from "./copy-keys.js";
import { type EncryptedParts, encryptParts } from "./encrypt.js";
import type { NormalizedMessage } from "./normalize.js";
import { needsRecipientKeys } from "./policy.js";
import type { CopyKind, PreparedCopy } from "./types.js";

// Why copies: a message encrypted once to every recipient's key carries each key id in clear, so
// To and Cc recipients could read a Bcc recipient's key id off the ciphertext and find the agent
// in the public directory. Wildcard key ids would hide it, but the Python SDK's PGPy cannot
// decrypt them. So each Bcc recipient of an encrypted message gets its own copy instead.

/**
 * The Bcc recipients nobody else may learn of: each distinct Bcc address that is not also a To
 * or Cc address (such a recipient is visible anyway, and reads the primary copy).
 *
 * @example
 * hiddenBccRecipients(normalized).map((mailbox) => mailbox.address); // ["audit@agents.example.com"]
 */
export function hiddenBccRecipients(message: NormalizedMessage): Mailbox[] {
  if (message.bcc.length === 0) return [];
  const seen = new Set([...message.to, ...message.cc].map(keyOf));
  return message.bcc.filter((mailbox) => {
    if (seen.has(keyOf(mailbox))) return false;
    seen.add(keyOf(mailbox));
    return true;
  });
}

/**
 * The Bcc recipients that get a copy of their own: none unless the mailer encrypts something
 * (without encryption, Bcc stays envelope-only and nothing leaks); otherwise every one of
 * {@link hiddenBccRecipients}.
 *
 * @example
 * bccCopyRecipients(normalized).length; // 0: one message; n: a primary and n Bcc copies
 */
export function bccCopyRecipients(message: NormalizedMessage): Mailbox[] {
  return needsRecipientKeys(message) ? hiddenBccRecipients(message) : [];
}

/**
 * One copy to prepare: the message as it is addressed, and the recipients it is encrypted to.
 *
 * @example
 * const plan: CopyPlan = { kind: "bcc", message: { ...normalized, to: [audit], cc: [], bcc: [] }, recipients: [auditKey] };
 */
export interface CopyPlan {
  kind: CopyKind;
  message: NormalizedMessage;
  recipients: EncryptionRecipient[];
}

/**
 * Splits a message into the copies that go out. Without encryption, one message as given. With
 * encryption, the primary copy keeps To and Cc, drops Bcc and is encrypted to the To and Cc
 * recipients only; each of `bccCopyRecipients` gets a copy addressed and encrypted to it alone.
 * A message the mailer encrypts carries an idempotency key and a correlation id whether it splits
 * or not (the caller's, else generated ones), so its headers do not tell whether it had Bcc
 * recipients: the primary carries the key `K`, each Bcc copy a key derived from it, and every
 * copy the same correlation id, marketplace request id and `usage`: the platform settles on the
 * copy that reaches the buyer holding the reservation (which copy that is, only the caller knows)
 * and answers `not_settled`, moving no money, for every other.
 *
 * @example
 * const plans = await planCopies(normalized, keys.recipients);
 * @throws {AgentMailError} `invalid_message` when a derived key would be too long;
 * `encryption_failed` if a copy would have no key to encrypt to (never sent in clear).
 */
export async function planCopies(
  message: NormalizedMessage,
  recipients: readonly EncryptionRecipient[],
): Promise<CopyPlan[]> {
  if (!needsRecipientKeys(message)) return [{ kind: "primary", message, recipients: [] }];
  const visible = new Set([...message.to, ...message.cc].map(keyOf));
  const keysFor = (addresses: Set<string>) =>
    recipients.filter((recipient) => addresses.has(recipient.address.toLowerCase()));
  const key = sendKeyFor(message.idempotencyKey);
  const shared = { ...message, correlationId: sendCorrelationFor(message.correlationId) };
  // A Bcc address that is also a To or Cc address reads the primary: it gets no copy of its own.
  const primary: CopyPlan = {
    kind: "primary",
    message: { ...shared, bcc: [], idempotencyKey: key },
    recipients: keysFor(visible),
  };
  // Usage goes on every copy: the buyer may be a Bcc recipient, and a copy reaching the
  // reserving buyer without it would settle at the base price. Only that copy settles; the
  // others answer `not_settled` and move no money (the platform settles a reservation once).
  const copies = await Promise.all(
    bccCopyRecipients(message).map(
      async (mailbox): Promise<CopyPlan> => ({
        kind: "bcc",
        message: {
          ...shared,
          to: [mailbox],
          cc: [],
          bcc: [],
          idempotencyKey: await bccCopyKey(key, mailbox.address),
        },
        recipients: keysFor(new Set([keyOf(mailbox)])),
      }),
    ),
  );
  return [primary, ...copies].map(checkHasKeys);
}

function checkHasKeys(plan: CopyPlan): CopyPlan {
  if (plan.recipients.length === 0) {
    throw new AgentMailError({
      code: "encryption_failed",
      message: `no recipient key was resolved for the ${plan.kind} copy to ${plan.message.to.map(keyOf).join(", ")}; nothing was sent`,
    });
  }
  return plan;
}

/**
 * Encrypts, builds and validates every planned copy, one after another, before any is sent
 * (each a frozen message core marks as validated, see `validatePreparedMessage`). With more than
 * one copy, ciphertext a crypto implementation streamed back is read whole here, so a copy that
 * fails its armor check fails the send before the first copy leaves.
 *
 * @example
 * const copies = await prepareCopies(plans, crypto, signal);
 * @throws {AgentMailError} `encryption_failed`, `aborted` and the crypto implementation's codes.
 */
export async function prepareCopies(
  plans: readonly CopyPlan[],
  crypto: MailCrypto | undefined,
  signal: AbortSignal | undefined,
): Promise<PreparedCopy[]> {
  const prepared: PreparedCopy[] = [];
  for (const plan of plans) {
    let parts = await encryptParts(plan.message, plan.recipients, crypto, signal);
    if (plans.length > 1) parts = await materialize(parts, signal);
    throwIfAborted(signal);
    // Validated last, once, and frozen: transports trust the mark (core's assertPrepared).
    const message = sealMailerPrepared(buildPrepared(plan.message, parts));
    prepared.push({ kind: plan.kind, message });
  }
  return prepared;
}

async function materialize(
  parts: EncryptedParts,
  signal: AbortSignal | undefined,
): Promise<EncryptedParts> {
  const attachments = [];
  for (const attachment of parts.attachments) {
    if (attachment.content === undefined || attachment.content instanceof Uint8Array) {
      attachments.push(attachment);
      continue;
    }
    const bytes = await readWhole(attachment.content, signal);
    attachments.push({ ...attachment, content: bytes, size: bytes.length });
  }
  return { ...parts, attachments };
}

function keyOf(mailbox: Mailbox): string {
  return mailbox.address.toLowerCase();
}
