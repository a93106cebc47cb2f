import {
  AgentMailError,
  AgentMailHeaders,
  assertSafeHeader,
  decodeHeaderWords,
  decodeManifest,
  ENCRYPTED_BODY,
  isArmoredMessage,
  isReservedHeader,
  Limits,
  type Mailbox,
  type ManifestRow,
  OPENPGP_ARMORED,
  type PreparedMessage,
  parseAddress,
  type SendRequestSchema,
  withManifestRows,
} from "@assmbl/core";
import type { z } from "zod";
import { HttpProblem } from "../http/problem.js";
import type { DevStoredObject, ObjectStore } from "../storage/object-store.js";
import { estimatedMimeBytes, isArmoredBytes, REFERENCE_PLACEHOLDER } from "./by-reference.js";

/**
 * A `POST /send` body after core's `SendRequestSchema` (defaults filled in).
 *
 * @example
 * const request: SendRequestWire = SendRequestSchema.parse({ to: "b@agents.localhost", subject: "hi", body: "hello" });
 */
export type SendRequestWire = z.output<typeof SendRequestSchema>;

/** Who sends, where the attachments' bytes are, and how large a message may be inline. */
export interface SendSender {
  agentId: string;
  mailDomain: string;
  objects: ObjectStore;
  /** Above this estimated size, attachments are delivered by reference. */
  inlineMessageBytes: number;
}

/**
 * A `/send` request ready to compose: the message, and for a message delivered by reference
 * the object key of each attachment by index (empty when the attachments are inline).
 *
 * @example
 * const { prepared, referenced } = prepareSend(request, sender, "corr_1");
 */
export interface PreparedSend {
  /** What `composeMime` renders; attachments delivered by reference carry a placeholder. */
  prepared: PreparedMessage;
  /**
   * Attachment index → the uploaded object holding its bytes, as it was checked here (an upload
   * replaced under the same key while the message is composed is not delivered); empty when inline.
   */
  referenced: Map<number, Readonly<DevStoredObject>>;
}

/** The two headers a `/send` caller writes itself, by lower-cased name. */
const CALLER_OWNED = new Map<string, string>(
  [AgentMailHeaders.encrypted, AgentMailHeaders.attachments].map((name) => [
    name.toLowerCase(),
    name,
  ]),
);
const PGP_ENCRYPTED = "application/pgp-encrypted";

/**
 * Turns a `/send` request into the `PreparedMessage` @assmbl/mime's `composeMime` renders, so a
 * message sent through the API has the same shape as one the SDK sends through SES. From is the
 * sending agent's address; the correlation id is the caller's or a generated one. A message
 * whose estimated size with its attachments inline passes `inlineMessageBytes` is delivered by
 * reference: its attachments are given to the composer as placeholders, and `referenced` names
 * the objects that hold their bytes.
 *
 * @example
 * const { prepared, referenced } = prepareSend(
 *   request,
 *   { agentId: "my-agent", mailDomain: "agents.localhost", objects, inlineMessageBytes: Limits.sesV2MessageBytes },
 *   "corr_1",
 * );
 * @throws {AgentMailError} (4xx) `header_injection`, `invalid_header`, `reserved_header`,
 * `invalid_address`, `too_many_recipients`, `invalid_attachment` (an object_key that is not this
 * agent's uploaded object), `invalid_manifest`, `invalid_message`.
 */
export function prepareSend(
  request: SendRequestWire,
  sender: SendSender,
  correlationId: string,
): PreparedSend {
  const headers = callerHeaders(request.headers);
  const encrypted = headers[AgentMailHeaders.encrypted] === ENCRYPTED_BODY;
  if (encrypted && !isArmoredMessage(request.body)) {
    throw new HttpProblem(
      "invalid_message",
      `body must be one ASCII-armored OpenPGP message when ${AgentMailHeaders.encrypted} is "${ENCRYPTED_BODY}"`,
    );
  }
  const to = addresses(typeof request.to === "string" ? [request.to] : request.to, "to");
  const cc = addresses(request.cc, "cc");
  const bcc = addresses(request.bcc, "bcc");
  const count = to.length + cc.length + bcc.length;
  if (count > Limits.recipientsPerMessage) {
    throw new HttpProblem(
      "too_many_recipients",
      `the message has ${count} recipients (to, cc and bcc); the limit is ${Limits.recipientsPerMessage}`,
    );
  }
  // The stored bytes themselves (no copy): the composer only reads them.
  const objects = request.attachments.map((ref, i) => {
    const object = sender.objects.view(ref.object_key);
    if (object?.kind !== "upload" || object.agentId !== sender.agentId) {
      throw new HttpProblem(
        "invalid_attachment",
        `attachments[${i}].object_key is not an upload of yours whose bytes have been uploaded`,
      );
    }
    // A multipart type would make the composer write a container of its own, whose delimiter
    // lines no longer separate this message's parts one to one.
    if (/^\s*multipart\//i.test(ref.content_type)) {
      throw new HttpProblem(
        "invalid_attachment",
        `attachments[${i}].content_type is a multipart type; an attachment is one file (send it as application/octet-stream)`,
      );
    }
    return object;
  });
  const contents = objects.map((object) => object.bytes);
  const rows = manifestRows(request, headers[AgentMailHeaders.attachments], contents);
  const byReference =
    contents.length > 0 &&
    estimatedMimeBytes(
      request,
      contents.map((bytes) => bytes.byteLength),
    ) > sender.inlineMessageBytes;
  rows.forEach((row, i) => {
    const bytes = contents[i] as Uint8Array;
    const armored = byReference
      ? isArmoredBytes(bytes)
      : isArmoredMessage(new TextDecoder().decode(bytes));
    if (row.encrypted && !armored) {
      throw new HttpProblem(
        "invalid_attachment",
        `attachments[${i}] is marked encrypted but its bytes are not one ASCII-armored OpenPGP message`,
      );
    }
  });
  const prepared: PreparedMessage = {
    specificationVersion: "v1",
    from: parseAddress(`${sender.agentId}@${sender.mailDomain}`),
    to,
    cc,
    bcc,
    replyTo: addresses(request.reply_to ?? [], "reply_to"),
    subject: request.subject,
    text: request.body,
    ...(request.html === null ? {} : { html: request.html }),
    headers,
    attachments: rows.map((row, i) => ({
      manifest: row,
      content: byReference ? REFERENCE_PLACEHOLDER : (contents[i] as Uint8Array),
    })),
    correlationId,
    ...(request.idempotency_key === null ? {} : { idempotencyKey: request.idempotency_key }),
    ...(request.marketplace_request_id === null
      ? {}
      : { marketplaceRequestId: request.marketplace_request_id }),
    encrypted: { body: encrypted },
  };
  const referenced = new Map(byReference ? objects.map((object, i) => [i, object] as const) : []);
  return { prepared: rows.length === 0 ? prepared : withManifestRows(prepared, rows), referenced };
}

/**
 * The request's headers, checked: no control characters (`header_injection`), RFC 5322 names,
 * nothing the composer writes except `X-AgentMail-Encrypted` and `X-AgentMail-Attachments`
 * (spelled as the contract spells them, whatever case the caller used).
 */
function callerHeaders(given: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  const seen = new Set<string>();
  for (const [name, value] of Object.entries(given)) {
    assertSafeHeader(name, value);
    const lower = name.toLowerCase();
    const owned = CALLER_OWNED.get(lower);
    if (owned === undefined && isReservedHeader(name)) {
      throw new HttpProblem(
        "reserved_header",
        `headers.${name} is written by the platform and cannot be given`,
      );
    }
    if (seen.has(lower)) {
      throw new HttpProblem("invalid_header", `headers.${name} is given twice (in another case)`);
    }
    seen.add(lower);
    out[owned ?? name] = value;
  }
  return out;
}

function addresses(values: readonly string[], field: string): Mailbox[] {
  return values.map((value, i) => {
    try {
      return parseAddress(value);
    } catch (error) {
      if (!AgentMailError.is(error)) throw error;
      throw new HttpProblem(
        error.code === "header_injection" ? "header_injection" : "invalid_address",
        `${field}[${i}] is not a valid email address (expected local@domain or "Name <local@domain>")`,
      );
    }
  });
}

/**
 * The manifest rows: the caller's `X-AgentMail-Attachments` when given (one row per attachment,
 * in the given order, naming the same object key, filename and content type as its ref), else
 * rows the server writes from the refs.
 */
function manifestRows(
  request: SendRequestWire,
  given: string | undefined,
  contents: readonly Uint8Array[],
): ManifestRow[] {
  const refs = request.attachments;
  if (given === undefined) {
    return refs.map((ref, i) => {
      const encrypted = ref.content_type.toLowerCase() === PGP_ENCRYPTED;
      return {
        index: i,
        filename: ref.filename,
        content_type: ref.content_type,
        size: contents[i]?.byteLength ?? 0,
        encrypted,
        ...(encrypted ? { encryption: { ...OPENPGP_ARMORED } } : {}),
        object_key: ref.object_key,
      };
    });
  }
  // decodeManifest returns the rows sorted by index; the order is checked on the rows as given.
  const rows = decodeManifest(given);
  if (rows.length !== refs.length) {
    throw new HttpProblem(
      "invalid_manifest",
      `${AgentMailHeaders.attachments} has ${rows.length} rows for ${refs.length} attachments`,
    );
  }
  givenIndexes(given).forEach((index, position) => {
    if (index !== position) {
      throw new HttpProblem(
        "invalid_manifest",
        `${AgentMailHeaders.attachments} row ${position} has index ${index}: rows must be in attachment order (index ${position} here)`,
      );
    }
  });
  rows.forEach((row, i) => {
    const ref = refs[i];
    const mismatch =
      ref === undefined || row.object_key !== ref.object_key
        ? "object_key"
        : row.filename !== ref.filename
          ? "filename"
          : row.content_type.toLowerCase() !== ref.content_type.toLowerCase()
            ? "content_type"
            : undefined;
    if (mismatch !== undefined) {
      throw new HttpProblem(
        "invalid_manifest",
        `${AgentMailHeaders.attachments} row ${i}: ${mismatch} does not match attachments[${i}].${mismatch}`,
      );
    }
  });
  return rows;
}

/**
 * The `index` of each row of a manifest header in the order written. Only called on a value
 * `decodeManifest` accepted (valid JSON once its RFC 2047 encoded words are decoded, an array of
 * rows), and `callerHeaders` has refused CR/LF, so there is no folding to undo.
 */
function givenIndexes(value: string): unknown[] {
  return (JSON.parse(decodeHeaderWords(value)) as Array<{ index?: unknown }>).map(
    (row) => row.index,
  );
}
