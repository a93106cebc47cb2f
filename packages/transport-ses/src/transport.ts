import {
  AbortSignalSchema,
  AgentMailError,
  assertPrepared,
  DomainNameSchema,
  Limits,
  type MailTransport,
  type PreparedMessage,
  parseInput,
  type RateLimiter,
  SendRateSchema,
  type TransportResult,
} from "@assmbl/core";
import { renderMessage } from "@assmbl/mime";
import { SendRawEmailCommand } from "@aws-sdk/client-ses";
import { z } from "zod";
import { unmetered } from "./billing.js";
import { type Envelope, envelope } from "./envelope.js";
import { isRateLimiterLike, limiterFrom } from "./rate-limit.js";
import { type Runtime, realRuntime } from "./retry.js";
import {
  DEFAULT_SES_TIMEOUT_MS,
  isClientLike,
  type SesApi,
  type SesClient,
  sendWithRetries,
  sesApiOf,
} from "./ses-client.js";

/**
 * Options of {@link sesTransport}.
 *
 * @example
 * const options: SesTransportOptions = { client: new SESClient({ region: "us-east-1", maxAttempts: 1 }), maxSendRate: 14 };
 * @example
 * // One budget for several transports (or, with a shared store, several processes):
 * const shared: SesTransportOptions = { client, rateLimiter: localRateLimiter({ maxPerSecond: 14 }) };
 */
export interface SesTransportOptions {
  /**
   * `new SESClient(...)` (SES v1 `SendRawEmail`, 10 MiB per message) or `new SESv2Client(...)`
   * (SES v2 `SendEmail` with raw content, 40 MiB; needs the optional peer dependency
   * `@aws-sdk/client-sesv2`). The client's own retry strategy also retries throttling and
   * connection errors: give it `maxAttempts: 1` to leave retries to this transport.
   */
  client: SesClient;
  /** SES configuration set for event publishing (`ConfigurationSetName`). */
  configurationSetName?: string | undefined;
  /**
   * Identity ARN for sending authorization: v1 `SourceArn` and `FromArn`, v2
   * `FromEmailAddressIdentityArn`.
   */
  sourceArn?: string | undefined;
  /**
   * The send budget: a core `RateLimiter` that every SES request of this transport (retries
   * included) acquires from first. Share one between transports to keep them all within one
   * budget: `localRateLimiter` of `@assmbl/core` for one process, `redisRateLimiter` of
   * `@assmbl/outbox` for several (an SES account's `MaxSendRate` is per account and region, not
   * per process). Not with `maxSendRate`.
   */
  rateLimiter?: RateLimiter | undefined;
  /**
   * Messages per second this transport sends at most: shorthand for `rateLimiter:
   * localRateLimiter({ maxPerSecond: maxSendRate })` (a token bucket with a burst of one second),
   * a budget of this transport alone. Not with `rateLimiter`.
   */
  maxSendRate?: number | undefined;
  /** Attempts per message when SES throttles, the first included (default 3, at most 10). */
  maxAttempts?: number | undefined;
  /**
   * The time budget for retrying, in ms from the send's start (default: none, `maxAttempts`
   * alone bounds it). A retry whose backoff wait would end past it is not made: the last error
   * is thrown at once, its message saying so. Time already spent in attempts and rate-limiter
   * waits counts, but a limiter's wait itself is not cut short by it (the limiter decides that
   * wait; end it with the send's signal), nor is an attempt (`timeoutMs` does).
   */
  maxElapsedMs?: number | undefined;
  /** Domain of generated `Message-ID`s (default: the sender's domain). */
  messageIdDomain?: string | undefined;
  /**
   * Also retry failures after which SES may already have the message (connection reset,
   * timeout). Off by default: SES has no idempotency key, so a retry can deliver twice. Either
   * way, the error of a send one of whose attempts may have reached SES says `outcome:
   * "unknown"` and `retryable: false`, whatever a later attempt answered.
   */
  retryAmbiguousFailures?: boolean | undefined;
  /**
   * Deadline of each SES request, in ms, from sending it to the last byte of SES's answer
   * (default 60000). An attempt past it fails with `timeout` (the message may have been sent).
   * Raise it for messages of tens of MiB over a slow link.
   */
  timeoutMs?: number | undefined;
  /**
   * Send a message that carries `usage` (a seller's billing report) all the same. SES sends are
   * not metered (platform-documented: no billing linkage), so the usage goes nowhere: it is in no
   * header, and the buyer's reservation is not settled. Off by default: such a message fails with
   * `usage_not_metered` and nothing is sent, since a billing report silently lost is a money bug.
   * Either way the result's `billing` is `{ linked: false, reason: "ses_not_metered" }`.
   */
  allowUnmeteredUsage?: boolean | undefined;
}

/** {@link SesTransportOptions}, checked. @internal */
export const OptionsSchema = z
  .strictObject({
    client: z.custom<SesClient>(isClientLike, "expected an SESClient or SESv2Client"),
    configurationSetName: z.string().min(1).max(64).optional(),
    sourceArn: z
      .string()
      .regex(/^arn:[^\s]+$/, "expected an ARN")
      .optional(),
    rateLimiter: z
      .custom<RateLimiter>(isRateLimiterLike, "expected a RateLimiter (an object with acquire())")
      .optional(),
    // The same floor as localRateLimiter's: a rate whose interval (1000 / rate ms) is a number.
    maxSendRate: SendRateSchema.optional(),
    maxAttempts: z.int().min(1).max(10).optional(),
    maxElapsedMs: z.int().nonnegative().optional(),
    messageIdDomain: DomainNameSchema.optional(),
    retryAmbiguousFailures: z.boolean().optional(),
    // setTimeout's largest delay (2^31 - 1 ms); a larger one would fire at once.
    timeoutMs: z.int().positive().max(2_147_483_647).optional(),
    allowUnmeteredUsage: z.boolean().optional(),
  })
  .refine((options) => options.rateLimiter === undefined || options.maxSendRate === undefined, {
    message:
      "give rateLimiter or maxSendRate, not both (maxSendRate is shorthand for rateLimiter: localRateLimiter({ maxPerSecond }))",
    path: ["maxSendRate"],
  });

/** Core's `TransportSendOptions`, checked. @internal */
export const SendOptionsSchema = z.strictObject({
  signal: AbortSignalSchema.optional(),
});

/**
 * Core's `MailTransport` for Amazon SES: renders each prepared message with `composeMime` and
 * sends the bytes with `SendRawEmail` (an `SESClient`) or SESv2 `SendEmail` with raw content (an
 * `SESv2Client`). Every To, Cc and Bcc address goes in the envelope (`Destinations` /
 * `Destination`); Bcc addresses appear in no header.
 *
 * Before any request, a message over the API's size limit (`Limits.sesV1MessageBytes`,
 * `Limits.sesV2MessageBytes`) fails with `message_too_large` and one with more than
 * `Limits.recipientsPerMessage` recipients with `too_many_recipients`. Throttling is retried
 * up to `maxAttempts` with full-jitter backoff; `rateLimiter` (or `maxSendRate`) paces every
 * request, retries included. A streamed
 * attachment is read only while the message can still fit the limit, then cancelled.
 *
 * Every SES request runs under `timeoutMs` and SES's answer is read under `SES_RESPONSE_BYTES`
 * (64 KiB; SES answers are under 1 KiB), through a middleware the transport adds to each command
 * it builds, never to your client: a client you pass keeps its handler and middleware, and its
 * other calls are unchanged. Too long an answer fails with `response_too_large`, too slow a one
 * with `timeout`; both after the request left, so the message may have been sent. The result's
 * `messageId` is SES's `MessageId`: SES replaces the `Message-ID` header with one built from it,
 * so it is the id recipients see and the one SES events carry.
 *
 * Billing: SES sends are not metered (platform-documented). A message with a marketplace request
 * id goes out with its `X-AgentMail-Marketplace-Request-Id` header and a result whose `billing`
 * is `{ linked: false, reason: "ses_not_metered" }`; one with `usage` fails with
 * `usage_not_metered` before any request, unless `allowUnmeteredUsage: true`.
 *
 * Every error of `send` says what the send did (`error.outcome`): `not_sent` when SES refused it
 * (throttling, a 4xx) or no request left (a refused connection, a check before sending);
 * `unknown` once any attempt's request may have reached SES (a reset or timed-out answer, an
 * SES 5xx), with `retryable: false`: SES has no idempotency key, so neither this transport nor
 * the client's own retry strategy sends it again, and a retry of yours could deliver it twice
 * (check the recipient's side first).
 *
 * @example
 * import { SESClient } from "@aws-sdk/client-ses";
 * const mailer = createMailer(
 *   sesTransport({ client: new SESClient({ region: "us-east-1" }), maxSendRate: 14 }),
 *   { from: "my-agent@agents.example.com", mailDomain: "agents.example.com" },
 * );
 * await mailer.send({ to: "other-agent@agents.example.com", subject: "Hi", text: "Hello" });
 * @throws {AgentMailError} `invalid_options` for unknown or bad options (named), a client
 * that is neither SES client, or both `rateLimiter` and `maxSendRate`; from `send`, `usage_not_metered`, `message_too_large`, `too_many_recipients`, SES's
 * codes, `timeout`, `response_too_large`, `aborted`.
 */
export function sesTransport(options: SesTransportOptions): MailTransport {
  return createSesTransport(options, realRuntime);
}

/**
 * {@link sesTransport} with an injected clock, randomness and sleep (for tests).
 *
 * @example
 * const transport = createSesTransport({ client }, { now: () => 0, random: () => 0, sleep: async () => {} });
 * @throws {AgentMailError} `invalid_options`.
 */
export function createSesTransport(options: SesTransportOptions, runtime: Runtime): MailTransport {
  const config = parseInput(OptionsSchema, options, "sesTransport options");
  const client = config.client;
  const api = sesApiOf(client);
  const rateLimiter = limiterFrom(config, runtime);
  const limit = api === "v1" ? Limits.sesV1MessageBytes : Limits.sesV2MessageBytes;

  return {
    specificationVersion: "v1",
    name: "ses",
    async send(message: PreparedMessage, sendOptions): Promise<TransportResult> {
      const { signal } = parseInput(SendOptionsSchema, sendOptions ?? {}, "send options");
      const { command, operation, billing } = await build(message, signal).catch(
        (error: unknown) => {
          // Rendering and checks come before any request: nothing went.
          throw notSent(error);
        },
      );
      const output = await sendWithRetries<{ MessageId?: string }>(client, command, operation, {
        maxAttempts: config.maxAttempts ?? 3,
        maxElapsedMs: config.maxElapsedMs,
        retryAmbiguous: config.retryAmbiguousFailures ?? false,
        runtime,
        rateLimiter,
        signal,
        timeoutMs: config.timeoutMs ?? DEFAULT_SES_TIMEOUT_MS,
      });
      if (!output?.MessageId) {
        throw new AgentMailError({
          code: "ses_error",
          message: `SES ${operation} answered without a MessageId; the message may have been sent`,
          outcome: "unknown",
          retryable: false,
        });
      }
      return { messageId: output.MessageId, ...(billing ? { billing } : {}) };
    },
  };

  async function build(message: PreparedMessage, signal: AbortSignal | undefined) {
    // Core's one validation, before the envelope reads an address: O(1) for a message
    // createMailer prepared, a full check of one built by hand. The composer trusts the result.
    const checked = assertPrepared(message);
    const billing = unmetered(checked, config.allowUnmeteredUsage ?? false);
    const destinations = envelope(checked);
    const { raw } = await renderMessage(
      checked,
      config.messageIdDomain === undefined ? {} : { messageIdDomain: config.messageIdDomain },
      // A stream is read only while the message can still fit: a 1 GiB stream costs what the
      // limit allows, not 1 GiB (and is cancelled there).
      { signal, limit: { bytes: limit, name: `SES ${api}` } },
    );
    if (raw.length > limit) {
      throw new AgentMailError({
        code: "message_too_large",
        message: `the message is ${raw.length} bytes after encoding; SES ${api} accepts at most ${limit} bytes (${limit / 1024 / 1024} MiB); nothing was sent`,
        body: { size: raw.length, limit },
      });
    }
    const command = await commandFor(api, raw, destinations, config);
    return { command, operation: api === "v1" ? "SendRawEmail" : "SendEmail", billing };
  }
}

/** `error` with `outcome: "not_sent"` when it has no outcome yet; stack and fields kept. */
function notSent(error: unknown): unknown {
  if (!AgentMailError.is(error) || error.outcome !== undefined) return error;
  // No key: SES has no idempotency key, and the copy drops any the error carried.
  return AgentMailError.withOutcome(error, "not_sent");
}

let sesv2: Promise<typeof import("@aws-sdk/client-sesv2")> | undefined;

async function commandFor(
  api: SesApi,
  raw: Uint8Array,
  destinations: Envelope,
  config: z.output<typeof OptionsSchema>,
): Promise<unknown> {
  if (api === "v1") {
    return new SendRawEmailCommand({
      RawMessage: { Data: raw },
      Destinations: [...destinations.to, ...destinations.cc, ...destinations.bcc],
      ...(config.configurationSetName === undefined
        ? {}
        : { ConfigurationSetName: config.configurationSetName }),
      ...(config.sourceArn === undefined
        ? {}
        : { SourceArn: config.sourceArn, FromArn: config.sourceArn }),
    });
  }
  sesv2 ??= import("@aws-sdk/client-sesv2");
  let module: typeof import("@aws-sdk/client-sesv2");
  try {
    module = await sesv2;
  } catch (cause) {
    sesv2 = undefined;
    throw new AgentMailError({
      code: "invalid_options",
      message:
        "an SESv2Client needs the package @aws-sdk/client-sesv2 installed beside @assmbl/transport-ses",
      cause,
    });
  }
  return new module.SendEmailCommand({
    Content: { Raw: { Data: raw } },
    Destination: {
      ToAddresses: destinations.to,
      CcAddresses: destinations.cc,
      BccAddresses: destinations.bcc,
    },
    ...(config.configurationSetName === undefined
      ? {}
      : { ConfigurationSetName: config.configurationSetName }),
    ...(config.sourceArn === undefined ? {} : { FromEmailAddressIdentityArn: config.sourceArn }),
  });
}
