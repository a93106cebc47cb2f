import { type Mailbox, normalizeAgentId, parseAddress } from "../address.js";
import { toAttachmentBytes } from "../bytes.js";
import { AgentMailError } from "../errors.js";
import {
  assertSafeHeader,
  assertSafeHeaderValue,
  hasEncodedWordLookalike,
} from "../header-safety.js";
import { isReservedHeader } from "../headers.js";
import { Limits } from "../limits.js";
import type { SendUsage } from "../schemas/billing.js";
import type { AttachmentBytes } from "../transport.js";
import { parseInput } from "../validate.js";
import { assertWellFormedText } from "../well-formed-text.js";
import { ContentAttachmentSchema, MailMessageSchema, StoredAttachmentSchema } from "./schemas.js";

/** An attachment after validation, before encryption. */
export interface NormalizedAttachment {
  filename: string;
  contentType: string;
  /** The caller's bytes are already ciphertext. */
  encrypted: boolean;
  originalFilename?: string;
  originalContentType?: string;
  /** Absent for stored attachments. */
  content?: AttachmentBytes;
  objectKey?: string;
  size?: number;
}

/** A message after validation: parsed addresses, checked headers, normalised attachments. */
export interface NormalizedMessage {
  from: Mailbox;
  to: Mailbox[];
  cc: Mailbox[];
  bcc: Mailbox[];
  replyTo: Mailbox[];
  subject: string;
  text: string;
  html?: string;
  headers: Record<string, string>;
  attachments: NormalizedAttachment[];
  correlationId?: string;
  idempotencyKey?: string;
  marketplaceRequestId?: string;
  /** The caller's `usage`, in the wire spelling of `/send`. */
  usage?: SendUsage;
  /** Lower-cased address → agent id, or one id for a single-recipient message. */
  peerAgentId?: string | Map<string, string>;
  encrypt: { body: boolean; attachments: boolean; freshKeys: boolean };
}

/**
 * Step 1 of the pipeline: validates a message and normalises it. Nothing is looked up or
 * encrypted here, so every input error surfaces before any I/O.
 *
 * @example
 * const normalized = normalizeMessage(message, { from, defaultHeaders: {} });
 * @throws {AgentMailError} `invalid_message`, `invalid_address`, `header_injection`,
 * `invalid_header`, `reserved_header`, `invalid_attachment`, `no_recipients`, `invalid_agent_id`.
 */
export function normalizeMessage(
  input: unknown,
  context: { from: Mailbox; defaultHeaders: Record<string, string> },
): NormalizedMessage {
  const message = parseInput(MailMessageSchema, input, "message", "invalid_message");
  assertNoLookalikeAddress(context.from);
  const to = mailboxes(message.to);
  if (to.length === 0)
    throw new AgentMailError({ code: "no_recipients", message: "message.to names no recipient" });
  assertSafeHeaderValue(message.subject, "subject");
  for (const field of ["subject", "text", "html"] as const)
    assertWellFormedText(message[field], field);
  const asked = message.encrypt;
  const encrypt =
    typeof asked === "boolean"
      ? { body: asked, attachments: asked, freshKeys: false }
      : {
          body: asked?.body ?? false,
          attachments: asked?.attachments ?? false,
          freshKeys: asked?.freshKeys ?? false,
        };
  if (message.text === undefined && message.html === undefined && !message.attachments?.length) {
    throw new AgentMailError({
      code: "invalid_message",
      message: "a message needs text, html or attachments",
    });
  }
  if (message.usage !== undefined && message.marketplaceRequestId === undefined) {
    throw new AgentMailError({
      code: "invalid_message",
      message:
        "message.usage needs a marketplaceRequestId: usage settles a marketplace request (echo the buyer's, see sendMarketplaceResponse) and means nothing without one",
    });
  }
  for (const [key, value] of [
    ["correlationId", message.correlationId],
    ["idempotencyKey", message.idempotencyKey],
    ["marketplaceRequestId", message.marketplaceRequestId],
  ] as const) {
    if (value !== undefined) assertSafeHeaderValue(value, key);
  }
  const cc = mailboxes(message.cc);
  const bcc = mailboxes(message.bcc);
  return {
    from: context.from,
    to,
    cc,
    bcc,
    replyTo: mailboxes(message.replyTo),
    subject: message.subject,
    text: message.text ?? "",
    ...(message.html === undefined ? {} : { html: message.html }),
    headers: mergeHeaders(context.defaultHeaders, message.headers ?? {}),
    attachments: (message.attachments ?? []).map(normalizeAttachment),
    ...(message.correlationId === undefined ? {} : { correlationId: message.correlationId }),
    ...(message.idempotencyKey === undefined ? {} : { idempotencyKey: message.idempotencyKey }),
    ...(message.marketplaceRequestId === undefined
      ? {}
      : { marketplaceRequestId: message.marketplaceRequestId }),
    ...(message.usage === undefined ? {} : { usage: usageToWire(message.usage) }),
    ...peerAgentIds(message.peerAgentId, [...to, ...cc, ...bcc]),
    encrypt,
  };
}

/**
 * A send's `usage` in the wire spelling of `/send` (`SendUsageSchema`): field for field, absent
 * fields left out.
 *
 * @example
 * usageToWire({ tokensInput: 1200, customUnits: { files: 3 } }); // { tokens_input: 1200, custom_units: { files: 3 } }
 */
export function usageToWire(usage: {
  outcomesReturned?: number | undefined;
  tokensInput?: number | undefined;
  tokensOutput?: number | undefined;
  computeMs?: number | undefined;
  customUnits?: Record<string, number> | undefined;
}): SendUsage {
  const wire: SendUsage = {};
  if (usage.outcomesReturned !== undefined) wire.outcomes_returned = usage.outcomesReturned;
  if (usage.tokensInput !== undefined) wire.tokens_input = usage.tokensInput;
  if (usage.tokensOutput !== undefined) wire.tokens_output = usage.tokensOutput;
  if (usage.computeMs !== undefined) wire.compute_ms = usage.computeMs;
  if (usage.customUnits !== undefined) wire.custom_units = { ...usage.customUnits };
  return wire;
}

function mailboxes(list: string | string[] | undefined): Mailbox[] {
  if (list === undefined) return [];
  return (typeof list === "string" ? [list] : list).map((entry) =>
    assertNoLookalikeAddress(parseAddress(entry)),
  );
}

// An address cannot be RFC 2047-encoded, and readers decode encoded words even inside one
// (Python's email reads "=?utf-8?q?x?=@example.com" as x@example.com): refuse it. A display
// name with "=?" is fine, the composer encodes it.
function assertNoLookalikeAddress(mailbox: Mailbox): Mailbox {
  if (hasEncodedWordLookalike(mailbox.address)) {
    throw new AgentMailError({
      code: "invalid_address",
      message: `the address ${JSON.stringify(mailbox.address)} holds "=?", which readers decode as an RFC 2047 encoded word`,
    });
  }
  return mailbox;
}

/**
 * Validates caller headers: safe names and values, none reserved, no name twice.
 *
 * @example
 * checkCustomHeaders({ "X-Workflow-Name": "nightly" }, "message.headers");
 * @throws {AgentMailError} `header_injection`, `invalid_header`, `reserved_header`.
 */
export function checkCustomHeaders(headers: Record<string, string>, what: string): void {
  const seen = new Set<string>();
  for (const [name, value] of Object.entries(headers)) {
    assertSafeHeader(name, value);
    if (isReservedHeader(name)) {
      throw new AgentMailError({
        code: "reserved_header",
        message: `${what}: ${name} is set by the SDK and cannot be overridden`,
      });
    }
    const lower = name.toLowerCase();
    if (seen.has(lower))
      throw new AgentMailError({
        code: "invalid_header",
        message: `${what}: ${name} is given twice`,
      });
    seen.add(lower);
  }
}

function mergeHeaders(
  defaults: Record<string, string>,
  own: Record<string, string>,
): Record<string, string> {
  checkCustomHeaders(own, "message.headers");
  const ownNames = new Set(Object.keys(own).map((name) => name.toLowerCase()));
  const merged: Record<string, string> = {};
  for (const [name, value] of Object.entries(defaults))
    if (!ownNames.has(name.toLowerCase())) merged[name] = value;
  return Object.assign(merged, own);
}

function normalizeAttachment(input: unknown, index: number): NormalizedAttachment {
  const what = `attachments[${index}]`;
  const stored = typeof input === "object" && input !== null && "objectKey" in input;
  // Media types become MIME header values (and /send fields): injection is reported as such,
  // before the schema would call it a malformed media type.
  for (const key of ["contentType", "originalContentType"] as const) {
    const value = (input as Record<string, unknown> | null)?.[key];
    if (typeof value === "string") assertSafeHeaderValue(value, `${what}.${key}`);
  }
  const attachment = stored
    ? parseInput(StoredAttachmentSchema, input, what, "invalid_attachment")
    : parseInput(ContentAttachmentSchema, input, what, "invalid_attachment");
  checkFilename(attachment.filename, `${what}.filename`);
  if (attachment.originalFilename !== undefined)
    checkFilename(attachment.originalFilename, `${what}.originalFilename`);
  const encrypted = attachment.encrypted ?? false;
  const common = {
    filename: attachment.filename,
    encrypted,
    ...(attachment.originalFilename === undefined
      ? {}
      : { originalFilename: attachment.originalFilename }),
    ...(attachment.originalContentType === undefined
      ? {}
      : { originalContentType: attachment.originalContentType }),
  };
  if ("objectKey" in attachment) {
    return {
      ...common,
      contentType: attachment.contentType,
      objectKey: attachment.objectKey,
      ...(attachment.size === undefined ? {} : { size: attachment.size }),
    };
  }
  const content = toAttachmentBytes(attachment.content as Parameters<typeof toAttachmentBytes>[0]);
  const contentType =
    attachment.contentType ??
    (encrypted
      ? "application/pgp-encrypted"
      : typeof attachment.content === "string"
        ? "text/plain; charset=utf-8"
        : "application/octet-stream");
  return {
    ...common,
    contentType,
    content,
    ...(content instanceof Uint8Array ? { size: content.length } : {}),
  };
}

const encoder = new TextEncoder();

function checkFilename(filename: string, what: string): void {
  assertSafeHeaderValue(filename, what);
  if (/[/\\]/.test(filename) || filename === "." || filename === "..") {
    throw new AgentMailError({
      code: "invalid_attachment",
      message: `${what} must be a base name, without "/" or "\\"`,
    });
  }
  if (encoder.encode(filename).length > Limits.filenameBytes) {
    throw new AgentMailError({
      code: "invalid_attachment",
      message: `${what} is longer than ${Limits.filenameBytes} bytes`,
    });
  }
}

function peerAgentIds(
  given: string | Record<string, string> | undefined,
  recipients: Mailbox[],
): { peerAgentId?: string | Map<string, string> } {
  if (given === undefined) return {};
  if (typeof given === "string") {
    const distinct = new Set(recipients.map((mailbox) => mailbox.address.toLowerCase()));
    if (distinct.size !== 1) {
      throw new AgentMailError({
        code: "invalid_message",
        message: `peerAgentId as a string needs a message with one recipient; this one has ${distinct.size}: pass a map from address to agent id`,
      });
    }
    return { peerAgentId: normalizeAgentId(given) };
  }
  const map = new Map<string, string>();
  for (const [address, agentId] of Object.entries(given)) {
    map.set(parseAddress(address).address.toLowerCase(), normalizeAgentId(agentId));
  }
  return { peerAgentId: map };
}
