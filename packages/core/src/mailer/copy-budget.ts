import { AgentMailError } from "../errors.js";
import { Limits } from "../limits.js";
import type { NormalizedAttachment } from "./normalize.js";

/**
 * What a send that goes out as copies may hold of attachments: every copy is encrypted and held
 * in memory before the first one is sent, so `copies × the attachments' total size` must stay
 * within `limit` (`Limits.bccCopiesAttachmentBytes`). `perCopy` is the most the attachments of
 * one copy may total, `bytes` what the bytes attachments already take of it, and `streamRoom`
 * what is left for the streams, which are read into memory under it.
 *
 * @example
 * const budget = copyBudget(normalized.attachments, 3); // { perCopy: 89478485, streamRoom: ..., ... }
 */
export interface CopyBudget {
  copies: number;
  limit: number;
  perCopy: number;
  bytes: number;
  streamRoom: number;
}

/**
 * Checks, before any lookup, that the bytes attachments of a send of `copies` copies fit the
 * bound, and returns the room left for its streams. Stored references hold nothing in memory and
 * count for nothing.
 *
 * @example
 * const budget = copyBudget(normalized.attachments, 1 + bccCopyRecipients(normalized).length);
 * @throws {AgentMailError} `message_too_large`, whose message gives the arithmetic.
 */
export function copyBudget(
  attachments: readonly NormalizedAttachment[],
  copies: number,
  limit: number = Limits.bccCopiesAttachmentBytes,
): CopyBudget {
  const bytes = attachments.reduce(
    (total, { content }) => total + (content instanceof Uint8Array ? content.length : 0),
    0,
  );
  const perCopy = Math.floor(limit / copies);
  if (bytes > perCopy) throw tooLargeForCopies({ copies, limit, attachmentBytes: bytes });
  return { copies, limit, perCopy, bytes, streamRoom: perCopy - bytes };
}

/**
 * The `message_too_large` of a send whose copies would hold more attachment bytes than the
 * bound: the arithmetic, and what to do. With `stream`, the attachment whose reading went past
 * the bound (and was cancelled), `attachmentBytes` then being what was read so far.
 *
 * @example
 * throw tooLargeForCopies({ copies: 11, limit: Limits.bccCopiesAttachmentBytes, attachmentBytes: 30 * 2 ** 20 });
 */
export function tooLargeForCopies(facts: {
  copies: number;
  limit: number;
  attachmentBytes: number;
  stream?: string;
}): AgentMailError {
  const { copies, limit, attachmentBytes, stream } = facts;
  const why = `this encrypted message goes out as ${copies} copies (the primary, and one per Bcc recipient, each encrypted to its own recipients), and every copy's ciphertext is held in memory before the first one is sent`;
  const bound = `Limits.bccCopiesAttachmentBytes, ${limit} bytes (${(limit / 2 ** 20).toFixed(0)} MiB)`;
  const arithmetic =
    stream === undefined
      ? `${why}: ${copies} copies × ${attachmentBytes} bytes of attachments = ${copies * attachmentBytes} bytes, over ${bound}.`
      : `attachment ${stream} is a stream, read into memory because ${why}: the attachments may total at most ${Math.floor(limit / copies)} bytes (${bound}, / ${copies} copies), and they total more (${attachmentBytes} bytes read so far), so the stream was cancelled.`;
  // The most copies these attachments allow, and so the most Bcc recipients left on this send.
  const keep = Math.max(0, Math.floor(limit / attachmentBytes) - 1);
  const advice =
    keep > 0
      ? `Keep at most ${keep} Bcc ${keep === 1 ? "recipient" : "recipients"} on this send and send to the others one by one`
      : "Send it without Bcc recipients, and to each Bcc recipient in a send of its own";
  return new AgentMailError({
    code: "message_too_large",
    message: `${arithmetic} Nothing was sent. ${advice} (to: that recipient alone, which is what its Bcc copy would look like), or send smaller attachments`,
    body: { copies, attachmentBytes, limit, ...(stream === undefined ? {} : { filename: stream }) },
  });
}
