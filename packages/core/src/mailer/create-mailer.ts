import { parseAddress } from "../address.js";
import { AgentMailError } from "../errors.js";
import type { KeyDirectory } from "../key-directory.js";
import type { MailCrypto } from "../mail-crypto.js";
import type { MailTransport, PreparedMessage } from "../transport.js";
import { parseInput } from "../validate.js";
import { throwIfAborted } from "./abort.js";
import {
  checkBccCopyCount,
  checkCallerEncryptedAttachments,
  multipleCopies,
} from "./bcc-checks.js";
import { bufferStreams } from "./buffer-streams.js";
import { bccCopyRecipients, planCopies, prepareCopies } from "./copies.js";
import { type CopyBudget, copyBudget } from "./copy-budget.js";
import { checkKeyRoom } from "./copy-keys.js";
import { marketplaceSends } from "./marketplace.js";
import { checkCustomHeaders, type NormalizedMessage, normalizeMessage } from "./normalize.js";
import { checkEncryptionPolicy, needsRecipientKeys } from "./policy.js";
import { type ResolvedKeys, resolveRecipientKeys } from "./resolve-keys.js";
import { MailerOptionsSchema, SendOptionsSchema } from "./schemas.js";
import { sendBillingOf } from "./send-billing.js";
import { sendCopies } from "./send-copies.js";
import { settleOutcome } from "./send-outcome.js";
import type {
  MailerOptions,
  MailMessage,
  MarketplaceRequestMessage,
  MarketplaceResponseMessage,
  MarketplaceSendResult,
  PreparedCopy,
  RecipientReport,
  SendOptions,
  SendResult,
} from "./types.js";

/**
 * Sends messages through one transport.
 *
 * An encrypted message with Bcc recipients goes out as copies, so that no recipient learns who
 * else got it, neither from a header nor from the OpenPGP key ids of the ciphertext: the primary
 * copy to To and Cc, encrypted to their keys only, then one copy per Bcc recipient, addressed
 * and encrypted to it alone. Every copy is prepared before the first one is sent.
 *
 * Idempotency: each copy's transport-level retries reuse its key, so a lost answer never doubles
 * a copy; a new `mailer.send` is new ciphertext and needs a new key.
 *
 * @example
 * const mailer = createMailer(transport, { from, mailDomain, directory, crypto });
 * const result = await mailer.send({ to, bcc: "audit@agents.example.com", subject: "Q3", text: "...", encrypt: true });
 * result.copies.map((copy) => copy.kind); // ["primary", "bcc"]
 */
export interface Mailer {
  /**
   * Validates, looks keys up, encrypts, and hands the message to the transport: one message, or
   * for an encrypted message with Bcc recipients the primary copy and then each Bcc copy, one
   * after another. A message the mailer encrypts always carries an idempotency key `K` (the
   * message's, or a generated `idem_<uuid>`) and a correlation id (likewise, `corr_<uuid>`), split
   * or not, so its headers do not tell whether it had Bcc recipients. The primary carries `K`,
   * each Bcc copy `K.bcc-<16 hex>` derived from its address, every copy the same correlation id.
   * Each copy's transport-level retries reuse its key, so a lost answer never doubles a copy; a
   * new `mailer.send` is new ciphertext and needs a new key.
   *
   * @example
   * const { messageId, copies } = await mailer.send({ to, subject: "Hi", text: "Hello", encrypt: true });
   * @throws {AgentMailError} for any input, policy, lookup, crypto or transport failure. Every
   * error says what the send did in `error.outcome`: `not_sent` for every failure before the
   * transport (`bcc_with_encrypted_attachment`, `too_many_recipients` and `message_too_large`
   * among them, see {@link createMailer}) and for a transport's plain refusal; `unknown` when the
   * first copy's request may have been committed (a lost answer, a timeout, a 5xx other than
   * 503), even if a later retry was refused: then retry only with `error.idempotencyKey`, and only
   * when `error.retryable` (the AgentMail API deduplicates on the key; SES cannot, so there it is
   * false). `sent` for `partially_sent`, when a copy after the first failed (or the send was
   * aborted between copies): `error.body` is `{ sent, failed: { ..., outcome, mayHaveBeenSent },
   * notSent }` (`PartiallySentBody`). Do not retry the whole send: send again only to the failed
   * and not-attempted copies' recipients, under a new idempotency key (over `/send` the old one
   * is refused, over SES a retry would deliver the sent copies twice).
   */
  send(message: MailMessage, options?: SendOptions): Promise<SendResult>;
  /**
   * The buyer's side of a marketplace job (Python `send_marketplace_request`): `send` with a
   * `marketplaceRequestId`, the caller's or a generated `mkt_<uuid>`, returned in the result. The
   * platform reserves the seller's price from the buyer's wallet when the request reaches a seller
   * whose pricing is enabled (`result.billing.marketplace.status === "reserved"` through the
   * AgentMail API; 402 `insufficient_funds` and nothing sent when the wallet is short).
   * Encryption works as for `send` (the Python call has no encrypt flags; ours keeps them): the
   * id is a header and a `/send` field, never encrypted, since the platform bills by it.
   *
   * A generated id is in the result only: to retry a send whose outcome was `unknown` (same
   * `idempotencyKey`, same request), pass your own `marketplaceRequestId` from the start.
   *
   * @example
   * const { marketplaceRequestId, billing } = await mailer.sendMarketplaceRequest({
   *   to: "summarizer@agents.example.com",
   *   subject: "Summarize",
   *   text: "Please summarize the attached report.",
   * });
   * billing?.linked && billing.marketplace?.status; // "reserved"
   * @throws {AgentMailError} `invalid_message` when the message carries `usage` (the seller
   * reports usage, on its response); every code `send` throws (`insufficient_funds` among them).
   */
  sendMarketplaceRequest(
    message: MarketplaceRequestMessage,
    options?: SendOptions,
  ): Promise<MarketplaceSendResult>;
  /**
   * The seller's side (Python `send_marketplace_response`): `send` echoing the buyer's
   * `marketplaceRequestId` (required) with the `usage` to settle on. Through the AgentMail API the
   * platform settles the buyer's reservation: `result.billing.marketplace` is `{ status:
   * "settled", charge }`, or `{ status: "not_settled" }` when there is no open reservation under
   * that id between the two agents. Through SES nothing is metered: the SES transport refuses
   * `usage` (`usage_not_metered`) unless it was created with `allowUnmeteredUsage: true`.
   *
   * @example
   * const { billing } = await mailer.sendMarketplaceResponse({
   *   to: buyer,
   *   marketplaceRequestId: inbound.marketplaceRequestId,
   *   subject: "Re: Summarize",
   *   text: summary,
   *   usage: { tokensInput: 1200, tokensOutput: 300 },
   * });
   * billing?.linked && billing.marketplace?.charge; // what the buyer paid
   * @throws {AgentMailError} `invalid_message` without `marketplaceRequestId`; every code `send`
   * throws.
   */
  sendMarketplaceResponse(
    message: MarketplaceResponseMessage,
    options?: SendOptions,
  ): Promise<MarketplaceSendResult>;
  /**
   * Everything `send` does but the transport call: what would go on the wire, for a message that
   * goes out as one copy.
   *
   * @example
   * const prepared = await mailer.prepare({ to, subject: "Hi", text: "Hello", encrypt: true });
   * @throws {AgentMailError} `multiple_copies` for an encrypted message with Bcc recipients (use
   * `prepareCopies`), and every code `send` throws before the transport call.
   */
  prepare(message: MailMessage, options?: SendOptions): Promise<PreparedMessage>;
  /**
   * Everything `send` does but the transport calls, for any message: every copy that would go on
   * the wire, the primary first (one entry when the message does not split).
   *
   * @example
   * const copies = await mailer.prepareCopies({ to, bcc: ["a@agents.example.com"], subject: "s", text: "t", encrypt: true });
   * copies.map(({ kind, message }) => [kind, message.to[0]?.address]); // [["primary", to], ["bcc", "a@agents.example.com"]]
   * @throws {AgentMailError} every code `send` throws before the transport call.
   */
  prepareCopies(message: MailMessage, options?: SendOptions): Promise<PreparedCopy[]>;
}

/**
 * Creates a mailer: validate → resolve recipient keys → encrypt → build manifest and headers →
 * transport. Every check happens before the transport is called, so a failed send sent nothing.
 *
 * Bcc: without encryption, Bcc addresses are envelope-only recipients of the one message. With
 * encryption (the body, or an attachment the mailer has bytes for), each distinct Bcc recipient
 * that is not also a To or Cc recipient gets its own copy (see {@link Mailer}). Before any lookup,
 * such a send is refused with `bcc_with_encrypted_attachment` when an attachment is already
 * encrypted by the caller (its key ids would name the Bcc recipients; with or without other
 * encryption), with `too_many_recipients` past `Limits.recipientsPerMessage` Bcc copies, and with
 * `message_too_large` when copies × the attachments' bytes exceed
 * `Limits.bccCopiesAttachmentBytes`; streams are read into memory once, under what that bound
 * leaves them, to be encrypted per copy.
 *
 * @example
 * const mailer = createMailer(sesTransport({ client: new SESClient({ region }) }), {
 *   from: "my-agent@agents.example.com",
 *   mailDomain: "agents.example.com",
 *   directory: createDirectory({ baseUrl }),
 *   crypto: openpgpCrypto(),
 * });
 * const result = await mailer.send({
 *   to: "other-agent@agents.example.com",
 *   subject: "Task 42",
 *   text: "The numbers are in.",
 *   encrypt: { body: true, attachments: true },
 *   correlationId: "corr-123",
 * });
 * @throws {AgentMailError} `invalid_options` for unknown or malformed options.
 */
export function createMailer(transport: MailTransport, options: MailerOptions): Mailer {
  checkImplementation(transport, "transport", ["send"]);
  const config = parseInput(MailerOptionsSchema, options, "createMailer options");
  const from = parseAddress(config.from);
  const mailDomain = config.mailDomain.toLowerCase();
  const directory = config.directory as KeyDirectory | undefined;
  const crypto = config.crypto as MailCrypto | undefined;
  if (directory) checkImplementation(directory, "directory", ["lookup"]);
  if (crypto)
    checkImplementation(crypto, "crypto", [
      "checkRecipientKey",
      "encryptText",
      "encryptAttachment",
    ]);
  const defaultHeaders = config.defaultHeaders ?? {};
  checkCustomHeaders(defaultHeaders, "createMailer defaultHeaders");

  async function run(message: MailMessage, sendOptions: SendOptions | undefined, onlyOne: boolean) {
    const { signal } = parseInput(SendOptionsSchema, sendOptions, "send options") ?? {};
    throwIfAborted(signal);
    let normalized = normalizeMessage(message, { from, defaultHeaders });
    checkEncryptionPolicy(normalized, { crypto, directory });
    checkCallerEncryptedAttachments(normalized);
    const copyCount = 1 + bccCopyRecipients(normalized).length;
    let budget: CopyBudget | undefined;
    if (copyCount > 1) {
      // Decided before any lookup: these need nothing but the message.
      if (onlyOne) throw multipleCopies(copyCount);
      checkBccCopyCount(copyCount - 1);
      checkKeyRoom(normalized.idempotencyKey);
      budget = copyBudget(normalized.attachments, copyCount);
    }
    const keys: ResolvedKeys = needsRecipientKeys(normalized)
      ? await resolveRecipientKeys(normalized, {
          directory: directory as KeyDirectory,
          crypto: crypto as MailCrypto,
          mailDomain,
          signal,
        })
      : { recipients: [], reports: [] };
    throwIfAborted(signal);
    if (budget) {
      // A stream cannot be read once per copy: read it once, then encrypt the bytes per copy.
      const attachments = await bufferStreams(normalized.attachments, { budget, signal });
      normalized = { ...normalized, attachments };
    }
    const copies = await prepareCopies(
      await planCopies(normalized, keys.recipients),
      crypto,
      signal,
    );
    return { copies, reports: keys.reports, normalized, signal };
  }

  const mailer: Mailer = {
    async prepare(message, sendOptions) {
      const { copies } = await run(message, sendOptions, true);
      return (copies[0] as PreparedCopy).message;
    },
    async prepareCopies(message, sendOptions) {
      return (await run(message, sendOptions, false)).copies;
    },
    async send(message, sendOptions) {
      const { copies, reports, normalized, signal } = await run(message, sendOptions, false).catch(
        (error: unknown) => {
          // Every check, lookup and encryption comes before the transport: nothing went.
          throw settleOutcome(error, { transportCalled: false });
        },
      );
      const outcomes = await sendCopies(transport, copies, signal);
      const { copy, result: sent } = outcomes[0] as (typeof outcomes)[number];
      const prepared = copy.message;
      const correlationId = sent.correlationId ?? prepared.correlationId;
      const idempotencyKey = sent.idempotencyKey ?? prepared.idempotencyKey;
      // From every copy: the buyer of a seller's response may be a Bcc recipient.
      const billing = sendBillingOf(outcomes.map((outcome) => outcome.result.billing));
      return {
        messageId: sent.messageId,
        ...(correlationId === undefined ? {} : { correlationId }),
        ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
        transport: transport.name,
        encrypted: {
          body: prepared.encrypted.body,
          attachments:
            prepared.attachments.length > 0 &&
            prepared.attachments.every(({ manifest }) => manifest.encrypted),
        },
        recipients: recipientReports(normalized, reports),
        attachments: prepared.attachments.map(({ manifest }) => ({
          index: manifest.index,
          filename: manifest.filename,
          encrypted: manifest.encrypted,
        })),
        copies: outcomes.map((outcome) => outcome.sent),
        ...(billing ? { billing } : {}),
      };
    },
    // `send` with the marketplace id and usage rules on top; `mailer` is read only once called.
    ...marketplaceSends((message, options) => mailer.send(message, options)),
  };
  return mailer;
}

/** Every recipient of the logical send, in to, cc, bcc order, with its key when encrypted. */
function recipientReports(
  normalized: NormalizedMessage,
  reports: readonly RecipientReport[],
): RecipientReport[] {
  const reported = new Map(reports.map((report) => [report.address.toLowerCase(), report]));
  return (["to", "cc", "bcc"] as const).flatMap((kind) =>
    normalized[kind].map((mailbox) => ({
      ...reported.get(mailbox.address.toLowerCase()),
      address: mailbox.address,
      kind,
    })),
  );
}

function checkImplementation(value: unknown, what: string, methods: readonly string[]): void {
  const candidate = value as Record<string, unknown> | null | undefined;
  if (typeof candidate !== "object" || candidate === null) {
    throw new AgentMailError({
      code: "invalid_options",
      message: `createMailer: ${what} must be an object`,
    });
  }
  if (candidate.specificationVersion !== "v1") {
    throw new AgentMailError({
      code: "invalid_options",
      message: `createMailer: ${what} implements specification ${String(candidate.specificationVersion)}; this @assmbl/core supports v1`,
    });
  }
  for (const method of methods) {
    if (typeof candidate[method] !== "function") {
      throw new AgentMailError({
        code: "invalid_options",
        message: `createMailer: ${what} has no ${method}() method`,
      });
    }
  }
}
