import {
  AbortSignalSchema,
  AgentMailError,
  abortedError,
  assertPrepared,
  type MailTransport,
  type ManifestRow,
  type PreparedAttachment,
  type PreparedMessage,
  parseInput,
  Routes,
  type Runtime,
  realRuntime,
  SendResponseSchema,
  type TransportResult,
  withManifestRows,
} from "@assmbl/core";
import { z } from "zod";
import { createApiHttp } from "./http.js";
import { ConnectionOptionsShape, functionSchema, type RetryOptions } from "./options.js";
import { sendFailure, withSendOutcome } from "./send-outcome.js";
import { type AttachmentRef, toSendRequest } from "./send-request.js";
import { MAX_UPLOAD_BYTES, type UploadProgress, uploadContent } from "./upload.js";

/**
 * Options of {@link apiTransport}.
 *
 * @example
 * const options: ApiTransportOptions = { baseUrl: "https://api.example.com", token: process.env.AGENTMAIL_TOKEN ?? "" };
 */
export interface ApiTransportOptions {
  /** The AgentMail API (`AGENTMAIL_API_BASE_URL`). */
  baseUrl: string;
  /** The sending agent's bearer token (`AGENTMAIL_TOKEN`); the platform sends as its agent. */
  token: string;
  /** A `fetch` to use instead of the global one. */
  fetch?: typeof fetch | undefined;
  /** Retries of 429, 5xx, timeouts and network errors (default `{ limit: 3, backoffLimitMs: 5000, maxRetryAfterMs: 60000 }`). */
  retry?: RetryOptions | undefined;
  /**
   * Deadline of each attempt of an API call, in ms, headers and body included (default 30000).
   * Sending an upload's bytes has none (abort it with a signal), but storage must answer within it
   * of the last byte.
   */
  timeoutMs?: number | undefined;
  /** Called as each attachment's bytes go out. */
  onUploadProgress?: ((progress: UploadProgress) => void) | undefined;
  /** The most a streamed attachment may hold, for its presigned policy (default 5 GiB, S3's POST limit). */
  maxStreamBytes?: number | undefined;
}

/** {@link ApiTransportOptions}, checked. @internal */
export const OptionsSchema = z.strictObject({
  ...ConnectionOptionsShape,
  onUploadProgress: functionSchema<(progress: UploadProgress) => void>("a function").optional(),
  maxStreamBytes: z.int().positive().max(MAX_UPLOAD_BYTES).optional(),
});

/** Core's `TransportSendOptions`, checked. @internal */
export const SendOptionsSchema = z
  .strictObject({
    signal: AbortSignalSchema.optional(),
  })
  .optional();

// Attachments upload side by side, a few at a time.
const UPLOAD_CONCURRENCY = 4;

// The platform's message for a reused key is generic; what it means for a caller of this
// transport is not: an earlier send under the key, whose outcome was unknown, was committed.
const SEND_HINTS = {
  idempotency_key_reused:
    "Every retry inside one send() reuses the identical request body, but calling mailer.send " +
    "again for an encrypted message or one with attachments is a new request to the platform " +
    "(new uploads, new ciphertext) under the same key. If an earlier send with this key failed " +
    'with outcome "unknown", it was committed: treat the message as sent (outcome "sent"); ' +
    "nothing new was sent",
} as const;

/**
 * Core's `MailTransport` for the AgentMail API (`name: "agentmail-api"`): uploads each attachment
 * the mailer has bytes for (a presigned form POST: fields first, file last), then calls `/send`
 * with every attachment as an object reference. Attachments the caller already uploaded (refs
 * with an `objectKey`) pass through untouched. The manifest (`X-AgentMail-Attachments`) gets each
 * upload's `object_key`, and a streamed file its real `size`.
 *
 * What the idempotency key protects: every retry inside one `send()` reuses the identical
 * `/send` body under the same key (the caller's `idempotencyKey`, else one the transport makes,
 * `idem_<uuid>`), so a retried `/send` whose first answer was lost is answered from the platform's
 * record and a lost answer never doubles a send. Calling `mailer.send` again with the same
 * `idempotencyKey` replays the first answer only when the request is identical: a message that is
 * neither encrypted nor carries attachment bytes (refs already in storage pass through
 * unchanged). Each call uploads attachment bytes anew (new object keys) and the mailer encrypts
 * anew (new ciphertext), so re-running `mailer.send` for an encrypted or attachment-carrying
 * message is a new request to the platform, which the transport never answers from an old body
 * (it never sees the plaintext, so it cannot tell the same message from a changed one). After a
 * send that failed ambiguously once its retries ran out (`timeout`, `network_error`), a repeat
 * that gets `idempotency_key_reused` (409) means the first request was committed: treat the
 * message as sent.
 *
 * Every error of `send` says what the send did (`error.outcome`) and carries the key its attempts
 * used (`error.idempotencyKey`, also when the transport made it). The outcome is the worst over
 * all attempts: `unknown` when any attempt's request was sent and its answer lost or timed out
 * (or was a 5xx other than 503), even if a later retry got a plain 503; then `retryable` is true
 * and `mailer.send({ ...message, idempotencyKey: error.idempotencyKey })` cannot deliver twice.
 * `not_sent` when every attempt was refused (4xx, 429, 503, a connection that never opened) or
 * the send stopped before `/send` (an upload failed); `sent` for `idempotency_key_reused`.
 *
 * Billing: `/send` carries the message's `marketplace_request_id` and `usage`, and the result's
 * `billing` is `{ linked: true }` with what the platform answered: `marketplace: { status,
 * charge? }` (`reserved`, `settled`, `not_settled`) for a marketplace send, and
 * `reservationKey`. A marketplace request the buyer's wallet cannot cover fails with
 * `insufficient_funds` (402, `not_sent`).
 *
 * 429, 5xx, timeouts and network errors are retried with full-jitter exponential backoff, never
 * sooner than `Retry-After`. Attachment bytes are retried too; a stream cannot be replayed, so a
 * streamed upload that fails in transit fails the send with `upload_failed` (`retryable: false`)
 * and sends nothing. When one upload fails, the others are aborted and nothing is sent.
 *
 * @example
 * import { createMailer } from "@assmbl/core";
 * const mailer = createMailer(
 *   apiTransport({ baseUrl: process.env.AGENTMAIL_API_BASE_URL ?? "", token: process.env.AGENTMAIL_TOKEN ?? "" }),
 *   { from: "my-agent@agents.example.com", mailDomain: "agents.example.com" },
 * );
 * const { messageId } = await mailer.send({ to: "other-agent@agents.example.com", subject: "Hi", text: "Hello" });
 * @throws {AgentMailError} `invalid_options` for unknown (named) or malformed options; from
 * `send`, the platform's and storage's codes (`idempotency_key_reused`, `unauthorized`, ...),
 * `upload_failed`, `network_error`, `timeout`, `aborted`.
 */
export function apiTransport(options: ApiTransportOptions): MailTransport {
  return createApiTransport(options, realRuntime);
}

/**
 * {@link apiTransport} with an injected clock, randomness and sleep (for tests).
 *
 * @example
 * const transport = createApiTransport({ baseUrl, token }, { now: () => 0, random: () => 0, sleep: async () => {} });
 * @throws {AgentMailError} `invalid_options`.
 */
export function createApiTransport(options: ApiTransportOptions, runtime: Runtime): MailTransport {
  const config = parseInput(OptionsSchema, options, "apiTransport options");
  const http = createApiHttp(config, runtime);

  return {
    specificationVersion: "v1",
    name: "agentmail-api",
    async send(message: PreparedMessage, sendOptions): Promise<TransportResult> {
      const { signal } = parseInput(SendOptionsSchema, sendOptions, "send options") ?? {};
      // Core's one validation: O(1) for a message createMailer prepared (frozen, marked), a full
      // check of one built by hand; encrypted streams come back wrapped in the ciphertext check.
      let checked: PreparedMessage;
      try {
        checked = assertPrepared(message);
      } catch (error) {
        // Refused before any request: nothing went. No key: the message's was not validated.
        if (!AgentMailError.is(error) || error.outcome !== undefined) throw error;
        throw AgentMailError.withOutcome(error, "not_sent");
      }
      // One key per logical send, reused by every retry of it, and on every error to retry with.
      const idempotencyKey = checked.idempotencyKey ?? `idem_${globalThis.crypto.randomUUID()}`;
      try {
        return await sendOnce(checked, idempotencyKey, signal);
      } catch (error) {
        // Anything /send's own retry loop did not settle happened before /send: nothing went.
        throw withSendOutcome(error, "not_sent", idempotencyKey);
      }
    },
  };

  async function sendOnce(
    message: PreparedMessage,
    idempotencyKey: string,
    signal: AbortSignal | undefined,
  ): Promise<TransportResult> {
    if (signal?.aborted) {
      throw new AgentMailError({
        code: "aborted",
        message: "the send was aborted; nothing was sent",
        cause: signal.reason,
      });
    }
    const placed = await mapLimit(
      message.attachments,
      UPLOAD_CONCURRENCY,
      (attachment, uploadSignal) => place(attachment, uploadSignal),
      signal,
    );
    const sent = withManifestRows(
      message,
      placed.map((p) => p.row),
    );
    const { body } = await http.call({
      route: Routes.send,
      json: toSendRequest(
        sent,
        placed.map((p) => p.ref),
        idempotencyKey,
      ),
      schema: SendResponseSchema,
      what: "send",
      hints: SEND_HINTS,
      signal,
      finalize: (error, history) => sendFailure(error, history, idempotencyKey, "send"),
    });
    const correlationId = body.correlation_id ?? message.correlationId;
    return {
      messageId: body.message_id,
      ...(correlationId ? { correlationId } : {}),
      idempotencyKey: body.idempotency_key ?? idempotencyKey,
      ...(body.recipients ? { recipients: body.recipients } : {}),
      billing: billingOf(body),
    };
  }

  async function place(
    attachment: PreparedAttachment,
    signal: AbortSignal | undefined,
  ): Promise<{ row: ManifestRow; ref: AttachmentRef }> {
    const row = attachment.manifest;
    if (attachment.content === undefined) {
      if (!row.object_key) {
        throw new AgentMailError({
          code: "invalid_attachment",
          message: `attachment ${row.index} (${row.filename}) has neither content nor an object key`,
        });
      }
      return {
        row,
        ref: { object_key: row.object_key, filename: row.filename, content_type: row.content_type },
      };
    }
    const uploaded = await uploadContent(http, {
      index: row.index,
      filename: row.filename,
      contentType: row.content_type,
      content: attachment.content,
      maxBytes: config.maxStreamBytes,
      onProgress: config.onUploadProgress,
      signal,
    });
    return {
      row: { ...row, object_key: uploaded.objectKey, size: uploaded.size },
      ref: {
        object_key: uploaded.objectKey,
        filename: row.filename,
        content_type: row.content_type,
      },
    };
  }
}

/**
 * What `/send` answered about billing: every send through the platform is metered (`linked`),
 * with the marketplace status of a send that carried a marketplace request id and the
 * `reservation_key`, each when the platform gave one.
 */
function billingOf(
  body: z.output<typeof SendResponseSchema>,
): NonNullable<TransportResult["billing"]> {
  const { marketplace } = body;
  return {
    linked: true,
    ...(marketplace
      ? {
          marketplace: {
            status: marketplace.status,
            ...(marketplace.charge === undefined ? {} : { charge: marketplace.charge }),
          },
        }
      : {}),
    ...(body.reservation_key ? { reservationKey: body.reservation_key } : {}),
  };
}

/**
 * `Promise.all(items.map(fn))` with at most `limit` calls running at once; fails fast. Each call
 * gets a signal that fires when `signal` does or when any call fails, so the first failure stops
 * the uploads still running instead of letting them finish for nothing.
 */
async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, signal: AbortSignal) => Promise<R>,
  signal: AbortSignal | undefined,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  if (items.length === 0) return results;
  const controller = new AbortController();
  const forward = () => controller.abort(signal?.reason);
  if (signal?.aborted) forward();
  else signal?.addEventListener("abort", forward, { once: true });
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      // Not one more item once the caller aborted or another call failed.
      if (controller.signal.aborted) throw abortedError(controller.signal, "the send");
      const i = next++;
      try {
        results[i] = await fn(items[i] as T, controller.signal);
      } catch (error) {
        controller.abort(error);
        throw error;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  } finally {
    signal?.removeEventListener("abort", forward);
  }
  return results;
}
