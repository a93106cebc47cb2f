import type { AttachmentContent } from "../bytes.js";
import type { SendOutcome } from "../errors.js";
import type { KeyDirectory } from "../key-directory.js";
import type { MailCrypto } from "../mail-crypto.js";
import type { PreparedMessage, SendBilling } from "../transport.js";

/** An attachment given as bytes, text or a stream. */
export interface ContentAttachment {
  /** A base name (no `/` or `\`), at most 255 UTF-8 bytes. */
  filename: string;
  content: AttachmentContent;
  /** Defaults to `text/plain; charset=utf-8` for string content, else `application/octet-stream`. */
  contentType?: string | undefined;
  /**
   * The content is already an armored OpenPGP message: sent as is and flagged encrypted in the
   * manifest, never encrypted twice.
   */
  encrypted?: boolean | undefined;
  /** For already-encrypted content: the plaintext's name and type, for the receiver. */
  originalFilename?: string | undefined;
  originalContentType?: string | undefined;
}

/** An attachment already in platform storage (uploaded earlier): referenced, never re-sent. */
export interface StoredAttachment {
  objectKey: string;
  filename: string;
  contentType: string;
  /** Byte size of the stored object, when known. */
  size?: number | undefined;
  /** The stored bytes are an armored OpenPGP message. */
  encrypted?: boolean | undefined;
  originalFilename?: string | undefined;
  originalContentType?: string | undefined;
}

/** Any attachment of a {@link MailMessage}. */
export type Attachment = ContentAttachment | StoredAttachment;

/** What to encrypt. */
export interface EncryptionRequest {
  /** Encrypt the text body (an HTML body is then refused). */
  body?: boolean | undefined;
  /** Encrypt every attachment the SDK has bytes for (stored plaintext refs are refused). */
  attachments?: boolean | undefined;
  /**
   * Skip the directory cache and look every recipient's key up fresh. Fails closed: if the
   * directory cannot answer, the send fails (`directory_unavailable`) and nothing is sent, rather
   * than encrypt to a cached key that may have been revoked since.
   */
  freshKeys?: boolean | undefined;
}

/**
 * What a seller reports for billing on a marketplace response (the platform's `SendUsagePayload`,
 * camelCase): every field optional, each a whole number from 0 except `customUnits` values. It
 * goes to the platform as `/send`'s `usage` (`outcomes_returned`, `tokens_input`, ...), never in
 * a MIME header, and settles the buyer's reservation against the seller's pricing: tokens for
 * `token_based`, outcomes for `dynamic`; `computeMs` and `customUnits` count only where the
 * pricing prices them.
 *
 * @example
 * const usage: MailUsage = { tokensInput: 1200, tokensOutput: 300, customUnits: { files: 3 } };
 */
export interface MailUsage {
  outcomesReturned?: number | undefined;
  tokensInput?: number | undefined;
  tokensOutput?: number | undefined;
  computeMs?: number | undefined;
  /** Units the seller's pricing names, e.g. `{ files: 3 }` (at most 50). */
  customUnits?: Record<string, number> | undefined;
}

/** One message to send. Addresses are `local@domain` or `Name <local@domain>`. */
export interface MailMessage {
  to: string | string[];
  cc?: string | string[] | undefined;
  bcc?: string | string[] | undefined;
  replyTo?: string | string[] | undefined;
  subject: string;
  text?: string | undefined;
  html?: string | undefined;
  /** Custom headers, e.g. `X-Workflow-Name`. They cannot override headers the SDK sets. */
  headers?: Record<string, string> | undefined;
  attachments?: Attachment[] | undefined;
  /**
   * Shared by every message of one workflow (`X-AgentMail-Correlation-Id`). When the mailer
   * encrypts something and none is given, it generates one (`corr_<uuid>`).
   */
  correlationId?: string | undefined;
  /**
   * `X-AgentMail-Idempotency-Key`: every retry the transport makes of this send reuses it. A new
   * `mailer.send` of an encrypted message is new ciphertext, so it needs a new key (over `/send`
   * a reused key with a different request is refused). When the mailer encrypts something and
   * none is given, it generates one (`idem_<uuid>`).
   */
  idempotencyKey?: string | undefined;
  /**
   * `X-AgentMail-Marketplace-Request-Id`: links a buyer's request and the seller's response for
   * billing (see {@link Mailer.sendMarketplaceRequest}). A header and a `/send` field; never
   * encrypted, since the platform bills by it.
   */
  marketplaceRequestId?: string | undefined;
  /**
   * Billing usage a seller reports on its marketplace response (see {@link MailUsage}); needs a
   * `marketplaceRequestId` (usage settles a marketplace request, and means nothing without one:
   * `invalid_message`). Goes on every copy of a send that splits: only the copy that reaches the
   * reserving buyer settles, the others answer `not_settled` and move no money. The SES transport refuses
   * a message that carries it (`usage_not_metered`) unless told otherwise, since SES sends are
   * not metered.
   */
  usage?: MailUsage | undefined;
  /**
   * The directory id of a recipient outside `mailDomain`: a string when the message has one
   * recipient, or a map from address to agent id.
   */
  peerAgentId?: string | Record<string, string> | undefined;
  /** `true` encrypts body and attachments; an object picks. */
  encrypt?: boolean | EncryptionRequest | undefined;
}

/** Options of {@link createMailer}. */
export interface MailerOptions {
  /** The sending agent's address. */
  from: string;
  /** The platform mail domain: recipients on it are looked up by their local part. */
  mailDomain: string;
  /** Where recipients' public keys come from; required to encrypt. */
  directory?: KeyDirectory | undefined;
  /** The OpenPGP implementation; required to encrypt. */
  crypto?: MailCrypto | undefined;
  /** Headers added to every message (a message's own headers win). */
  defaultHeaders?: Record<string, string> | undefined;
}

/** Per-send options. */
export interface SendOptions {
  signal?: AbortSignal | undefined;
}

/** One recipient as the send saw it. */
export interface RecipientReport {
  address: string;
  kind: "to" | "cc" | "bcc";
  /** Set when the message was encrypted to this recipient. */
  agentId?: string | undefined;
  /** OpenPGP fingerprint of the key the message was encrypted to. */
  keyFingerprint?: string | undefined;
}

/**
 * Which copy of a logical send a message is: the `primary` (To and Cc, and the Bcc envelope when
 * nothing is encrypted), or the `bcc` copy of one Bcc recipient of an encrypted message.
 *
 * @example
 * const kinds: CopyKind[] = result.copies.map((copy) => copy.kind); // ["primary", "bcc", "bcc"]
 */
export type CopyKind = "primary" | "bcc";

/**
 * One copy of a logical send that the transport accepted. A message goes out as one copy, except
 * an encrypted message with Bcc recipients: the primary copy goes to To and Cc, encrypted to
 * their keys only, and each Bcc recipient gets its own copy, addressed and encrypted to it alone.
 *
 * @example
 * for (const copy of result.copies) console.log(copy.kind, copy.recipients.join(", "), copy.messageId);
 */
export interface SentCopy {
  kind: CopyKind;
  /** The bare addresses this copy was delivered to (To, Cc and, for the primary, any envelope-only Bcc). */
  recipients: string[];
  /** The transport's id of this copy. */
  messageId: string;
  /** The copy's `X-AgentMail-Idempotency-Key`: the send's key, or for a Bcc copy one derived from it. */
  idempotencyKey?: string | undefined;
  /**
   * What the platform reported for each recipient of this copy, when it reports it (ours: the dev
   * server's `/send` answers `delivered`, `outbound` for a domain it does not serve, or
   * `unknown_agent`). Absent for SES, which reports nothing per recipient.
   */
  delivery?: { address: string; status: string }[] | undefined;
  /** What this copy's send did to billing, when the transport says (see `SendBilling`). */
  billing?: SendBilling | undefined;
}

/**
 * The copy a `partially_sent` send stopped at. `mayHaveBeenSent` is true when the transport had
 * been called and failed in a way that does not say whether the copy went (`transport_failed`,
 * `timeout`, `network_error`, or `aborted` while the transport had it): the copy may have been
 * delivered. It is false when the failure says the copy did not go, or the abort was noticed
 * before the transport was called.
 *
 * @example
 * if (body.failed.mayHaveBeenSent) console.warn(`may have reached ${body.failed.recipients.join(", ")}`);
 */
export interface FailedCopy {
  kind: CopyKind;
  recipients: string[];
  /** The code of the copy's error (`error.cause`). */
  code: string;
  /** `outcome !== "not_sent"`: kept for callers written before `outcome`. */
  mayHaveBeenSent: boolean;
  /** What this copy's send did, as its error said (see `AgentMailError.outcome`). */
  outcome: SendOutcome;
  /** The copy's `X-AgentMail-Idempotency-Key`. */
  idempotencyKey?: string | undefined;
}

/**
 * `error.body` of `partially_sent`: the copies that went, the one that failed, and the ones not
 * attempted. Do not retry the whole send: send again to the `failed` and `notSent` recipients
 * only, under a new idempotency key.
 *
 * @example
 * if (AgentMailError.is(error) && error.code === "partially_sent") {
 *   const { failed, notSent } = error.body as PartiallySentBody;
 *   const resend = [failed, ...notSent].flatMap((copy) => copy.recipients);
 * }
 */
export interface PartiallySentBody {
  sent: SentCopy[];
  failed: FailedCopy;
  notSent: { kind: CopyKind; recipients: string[] }[];
}

/**
 * One copy as {@link Mailer.prepareCopies} returns it: what the transport would receive.
 *
 * @example
 * const copies: PreparedCopy[] = await mailer.prepareCopies(message);
 * for (const { kind, message: prepared } of copies) console.log(kind, prepared.to.map((m) => m.address));
 */
export interface PreparedCopy {
  kind: CopyKind;
  message: PreparedMessage;
}

/**
 * The outcome of {@link Mailer.send}. `messageId`, `correlationId`, `idempotencyKey`,
 * `encrypted` and `attachments` are those of the primary copy; `copies` lists every copy sent
 * (one entry unless an encrypted message had Bcc recipients).
 *
 * @example
 * const result: SendResult = await mailer.send({ to, bcc: "audit@agents.example.com", subject, text, encrypt: true });
 * result.copies.length; // 2: the primary to `to`, and the audit agent's own copy
 */
export interface SendResult {
  messageId: string;
  correlationId?: string | undefined;
  idempotencyKey?: string | undefined;
  /** The transport's `name`. */
  transport: string;
  encrypted: {
    body: boolean;
    /** True when the message has attachments and every one went encrypted. */
    attachments: boolean;
  };
  /** Every recipient of the logical send (Bcc included) with the key it was encrypted to. */
  recipients: RecipientReport[];
  attachments: { index: number; filename: string; encrypted: boolean }[];
  /** The copies that went out, in the order they were sent: the primary first. */
  copies: SentCopy[];
  /**
   * What the send did to billing, when the transport says: `{ linked: true, marketplace?,
   * reservationKey? }` through the AgentMail API, `{ linked: false, reason: "ses_not_metered" }`
   * through SES for a message with a marketplace request id or usage. From every copy: the report
   * of the copy that settled, else of the copy that reserved, else the primary's (each copy's is
   * in `copies[i].billing`). Absent when the transport does not report it.
   */
  billing?: SendBilling | undefined;
}

/**
 * The input of {@link Mailer.sendMarketplaceRequest}: a message whose `marketplaceRequestId` is
 * generated (`mkt_<uuid>`) when omitted. No `usage`: the seller reports usage, on its response.
 *
 * @example
 * const request: MarketplaceRequestMessage = { to: "seller@agents.example.com", subject: "Summarize", text: "..." };
 */
export type MarketplaceRequestMessage = Omit<MailMessage, "usage">;

/**
 * The input of {@link Mailer.sendMarketplaceResponse}: a message echoing the buyer's
 * `marketplaceRequestId` (required), with the `usage` to settle on.
 *
 * @example
 * const response: MarketplaceResponseMessage = { to: buyer, marketplaceRequestId: "mkt_1", subject: "Re: Summarize", text: "...", usage: { tokensInput: 1200 } };
 */
export type MarketplaceResponseMessage = MailMessage & { marketplaceRequestId: string };

/**
 * The outcome of a marketplace send: the send's result and the marketplace request id it
 * carried (the one generated, for a request that named none).
 *
 * @example
 * const { marketplaceRequestId, billing } = await mailer.sendMarketplaceRequest(request);
 */
export interface MarketplaceSendResult extends SendResult {
  marketplaceRequestId: string;
}
