// A logical send as a BullMQ job: every prepared copy (addresses, headers, text, attachments as
// base64 or stored refs) in one JSON document under a size cap. What is stored is what
// mailer.prepareCopies returned: for an encrypted message the body and attachments are already
// ciphertext, so Redis never holds their plaintext.
import {
  AgentMailError,
  type CopyKind,
  type PreparedCopy,
  type PreparedMessage,
  validatePreparedMessage,
} from "@assmbl/core";
import { fingerprintCopies } from "./fingerprint.js";

/**
 * The largest job the outbox stores: 8 MiB of serialized JSON (attachment bytes count as base64,
 * 4/3 of their size). Redis holds every queued job in memory; larger files belong in platform
 * storage: upload them first and attach the stored reference (`{ objectKey, ... }`).
 */
export const MAX_JOB_BYTES = 8 * 1024 * 1024;

/** One copy as stored: the prepared message with attachment bytes as base64. @internal */
export interface StoredCopy {
  kind: CopyKind;
  message: Omit<PreparedMessage, "attachments"> & {
    attachments: {
      manifest: PreparedMessage["attachments"][number]["manifest"];
      base64?: string;
    }[];
  };
}

/** A job's data. @internal */
export interface OutboxJobData {
  v: 1;
  /** {@link fingerprintCopies}: first, so a repeat of the key can read it from the data's head. */
  fingerprint: string;
  idempotencyKey: string;
  copies: StoredCopy[];
}

/**
 * Serializes the copies of one send, reading any streamed attachment under what is left of
 * {@link MAX_JOB_BYTES}.
 *
 * @throws {AgentMailError} `job_too_large` past the cap (a stream is cancelled there);
 * `aborted` when `signal` fires.
 */
export async function serializeCopies(
  copies: readonly PreparedCopy[],
  idempotencyKey: string,
  signal?: AbortSignal,
): Promise<OutboxJobData> {
  // Everything but attachment bytes first: what is left of the cap is the bytes' budget.
  let budget = MAX_JOB_BYTES;
  const stored: StoredCopy[] = [];
  for (const copy of copies) {
    const attachments: StoredCopy["message"]["attachments"] = [];
    for (const attachment of copy.message.attachments) {
      if (attachment.content === undefined) {
        attachments.push({ manifest: attachment.manifest });
        continue;
      }
      // base64 is 4/3 of the bytes: a stream may hold 3/4 of what is left.
      // Past the cap, the error names the total so far, not only this attachment.
      const usedBase64 = MAX_JOB_BYTES - budget;
      const bytes = await readUnder(
        attachment.content,
        Math.floor((budget * 3) / 4),
        signal,
        (bytes) => {
          // A stream is cut at the cap: its size is a lower bound.
          const more = attachment.content instanceof Uint8Array ? "" : "+";
          return `attachments of ${usedBase64 + Math.ceil(bytes / 3) * 4}${more} bytes in all as base64 (the last, "${attachment.manifest.filename}", ${bytes}${more} bytes)`;
        },
      );
      const base64 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString(
        "base64",
      );
      budget -= base64.length;
      attachments.push({ manifest: attachment.manifest, base64 });
    }
    stored.push({ kind: copy.kind, message: { ...copy.message, attachments } });
  }
  const data: OutboxJobData = {
    v: 1,
    fingerprint: fingerprintCopies(stored),
    idempotencyKey,
    copies: stored,
  };
  const size = Buffer.byteLength(JSON.stringify(data));
  if (size > MAX_JOB_BYTES) throw tooLarge(`${size} bytes`);
  return data;
}

/**
 * Rebuilds one stored copy as a prepared message, validated by core (a job is input from Redis,
 * trusted no more than any other).
 *
 * @throws {AgentMailError} what `validatePreparedMessage` throws (`invalid_message`, ...).
 */
export function rebuildCopy(copy: StoredCopy): PreparedMessage {
  const attachments = copy.message.attachments.map(({ manifest, base64 }) =>
    base64 === undefined
      ? { manifest }
      : { manifest, content: new Uint8Array(Buffer.from(base64, "base64")) },
  );
  return validatePreparedMessage({ ...copy.message, attachments });
}

/** Reads bytes or a stream whole, refusing more than `cap` bytes. */
async function readUnder(
  content: Uint8Array | ReadableStream<Uint8Array>,
  cap: number,
  signal: AbortSignal | undefined,
  describe: (bytes: number) => string,
): Promise<Uint8Array> {
  if (content instanceof Uint8Array) {
    if (content.byteLength > cap) throw tooLarge(describe(content.byteLength));
    return content;
  }
  const reader = content.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      if (signal?.aborted) {
        throw new AgentMailError({
          code: "aborted",
          message: "enqueue was aborted; nothing was queued",
          cause: signal.reason,
        });
      }
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > cap) throw tooLarge(describe(total));
      chunks.push(value);
    }
  } catch (error) {
    await reader.cancel(error).catch(() => {});
    throw error;
  } finally {
    reader.releaseLock();
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

function tooLarge(what: string): AgentMailError {
  return new AgentMailError({
    code: "job_too_large",
    message:
      `the outbox job would hold ${what}, past its cap of ${MAX_JOB_BYTES} bytes of JSON (attachments count as base64). ` +
      "Upload large attachments to platform storage first and attach the stored reference ({ objectKey, filename, contentType }); nothing was queued",
    outcome: "not_sent",
  });
}
