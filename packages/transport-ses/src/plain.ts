import {
  AbortSignalSchema,
  AgentMailError,
  assertSafeHeaderValue,
  hasEncodedWordLookalike,
  Limits,
  type Mailbox,
  parseAddress,
  parseInput,
} from "@assmbl/core";
import { assertWritableMailbox, formatMailbox } from "@assmbl/mime";
import { type SESClient, SendEmailCommand } from "@aws-sdk/client-ses";
import { z } from "zod";
import { envelope } from "./envelope.js";
import { type Runtime, realRuntime } from "./retry.js";
import { DEFAULT_SES_TIMEOUT_MS, isClientLike, sendWithRetries, sesApiOf } from "./ses-client.js";

/**
 * A message for {@link sendPlainEmail}. Addresses are `local@domain` or `Name <local@domain>`.
 *
 * @example
 * const email: PlainEmail = { from: "bot@agents.example.com", to: "ops@example.com", subject: "Hi", text: "Hello" };
 */
export interface PlainEmail {
  from: string;
  to: string | string[];
  cc?: string | string[] | undefined;
  bcc?: string | string[] | undefined;
  replyTo?: string | string[] | undefined;
  subject: string;
  /** At least one of `text` and `html`. */
  text?: string | undefined;
  html?: string | undefined;
  configurationSetName?: string | undefined;
  /** Identity ARN for sending authorization (`SourceArn`). */
  sourceArn?: string | undefined;
  /** Attempts when SES throttles, the first included (default 3, at most 10). */
  maxAttempts?: number | undefined;
  /** The time the send may spend, retries and waits included (default: none); see `sesTransport`. */
  maxElapsedMs?: number | undefined;
  /** Deadline of each SES request, from sending it to the last byte of the answer (default 60000 ms). */
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
}

const addressList = z.union([z.string(), z.array(z.string())]);

/** {@link PlainEmail}, checked. @internal */
export const PlainEmailSchema = z.strictObject({
  from: z.string(),
  to: addressList,
  cc: addressList.optional(),
  bcc: addressList.optional(),
  replyTo: addressList.optional(),
  subject: z.string(),
  text: z.string().optional(),
  html: z.string().optional(),
  configurationSetName: z.string().min(1).max(64).optional(),
  sourceArn: z
    .string()
    .regex(/^arn:[^\s]+$/, "expected an ARN")
    .optional(),
  maxAttempts: z.int().min(1).max(10).optional(),
  maxElapsedMs: z.int().nonnegative().optional(),
  timeoutMs: z.int().positive().max(2_147_483_647).optional(),
  signal: AbortSignalSchema.optional(),
});

const encoder = new TextEncoder();

/**
 * Sends a plain (unencrypted, attachment-free) message with SES v1 `SendEmail`, for IAM
 * policies that allow `ses:SendEmail` but not `ses:SendRawEmail`. SES builds the MIME itself,
 * so no `X-AgentMail-*` header can travel this way: use `sesTransport` for AgentMail messages.
 * Input is checked as `createMailer` checks it (addresses parsed by core; CR, LF and other
 * control characters in any header value fail with `header_injection`) before any request;
 * errors map as in `sesTransport`, and throttling is retried with backoff.
 *
 * @example
 * import { SESClient } from "@aws-sdk/client-ses";
 * const { messageId } = await sendPlainEmail(new SESClient({ region: "us-east-1" }), {
 *   from: "Report Bot <report-bot@agents.example.com>",
 *   to: "ops@example.com",
 *   subject: "Nightly report",
 *   text: "All green.",
 * });
 * @throws {AgentMailError} `invalid_options`, `invalid_message`, `invalid_address`,
 * `header_injection`, `invalid_header` (a subject holding `=?`), `no_recipients`, `too_many_recipients`, `message_too_large`, and the SES
 * codes of `sesTransport` (`throttled`, `message_rejected`, `mail_from_not_verified`,
 * `sending_paused`, `ses_error`, `network_error`, `transport_failed`, `timeout`,
 * `response_too_large`, `aborted`). SES's answer is read under `SES_RESPONSE_BYTES` and each
 * request runs under `timeoutMs`, as with `sesTransport`.
 */
export async function sendPlainEmail(
  client: SESClient,
  message: PlainEmail,
): Promise<{ messageId: string }> {
  return sendPlainEmailWith(client, message, realRuntime);
}

/**
 * {@link sendPlainEmail} with an injected clock, randomness and sleep (for tests).
 *
 * @example
 * await sendPlainEmailWith(client, message, { now: () => 0, random: () => 0, sleep: async () => {} });
 * @throws {AgentMailError} as {@link sendPlainEmail}.
 */
export async function sendPlainEmailWith(
  client: SESClient,
  message: PlainEmail,
  runtime: Runtime,
): Promise<{ messageId: string }> {
  if (!isClientLike(client) || sesApiOf(client) !== "v1") {
    throw new AgentMailError({
      code: "invalid_options",
      message:
        "sendPlainEmail needs an SESClient from @aws-sdk/client-ses (SES v1 SendEmail); for an SESv2Client use sesTransport",
    });
  }
  const input = parseInput(PlainEmailSchema, message, "sendPlainEmail message", "invalid_message");
  assertSafeHeaderValue(input.subject, "subject");
  assertPlainSubject(input.subject);
  const from = mailbox(input.from, "from");
  const to = list(input.to, "to");
  const cc = list(input.cc, "cc");
  const bcc = list(input.bcc, "bcc");
  const replyTo = list(input.replyTo, "replyTo");
  if (input.text === undefined && input.html === undefined) {
    throw new AgentMailError({ code: "invalid_message", message: "a message needs text or html" });
  }
  envelope({ to, cc, bcc });
  const size = [input.subject, input.text ?? "", input.html ?? ""].reduce(
    (total, part) => total + encoder.encode(part).length,
    0,
  );
  if (size > Limits.sesV1MessageBytes) {
    throw new AgentMailError({
      code: "message_too_large",
      message: `the message has ${size} bytes of subject and body; SES SendEmail accepts at most ${Limits.sesV1MessageBytes} bytes (10 MiB) in all; nothing was sent`,
      body: { size, limit: Limits.sesV1MessageBytes },
    });
  }
  const utf8 = (data: string) => ({ Data: data, Charset: "UTF-8" });
  const command = new SendEmailCommand({
    Source: encodeAddress(from),
    Destination: {
      ToAddresses: to.map(encodeAddress),
      CcAddresses: cc.map(encodeAddress),
      BccAddresses: bcc.map(encodeAddress),
    },
    Message: {
      Subject: utf8(input.subject),
      Body: {
        ...(input.text === undefined ? {} : { Text: utf8(input.text) }),
        ...(input.html === undefined ? {} : { Html: utf8(input.html) }),
      },
    },
    ...(replyTo.length === 0 ? {} : { ReplyToAddresses: replyTo.map(encodeAddress) }),
    ...(input.configurationSetName === undefined
      ? {}
      : { ConfigurationSetName: input.configurationSetName }),
    ...(input.sourceArn === undefined ? {} : { SourceArn: input.sourceArn }),
  });
  const output = await sendWithRetries<{ MessageId?: string }>(client, command, "SendEmail", {
    maxAttempts: input.maxAttempts ?? 3,
    maxElapsedMs: input.maxElapsedMs,
    retryAmbiguous: false,
    runtime,
    signal: input.signal,
    timeoutMs: input.timeoutMs ?? DEFAULT_SES_TIMEOUT_MS,
  });
  if (!output?.MessageId) {
    throw new AgentMailError({
      code: "ses_error",
      message: "SES SendEmail answered without a MessageId; the message may have been sent",
    });
  }
  return { messageId: output.MessageId };
}

function mailbox(value: string, what: string): Mailbox {
  const parsed = parseAddress(value);
  // The composer's own checks (an address with "=?" is refused, a name with it must fit one
  // encoded word): SES writes these as header lines too.
  assertWritableMailbox(parsed, what);
  return parsed;
}

function list(value: string | string[] | undefined, what: string): Mailbox[] {
  if (value === undefined) return [];
  return (typeof value === "string" ? [value] : value).map((entry, i) =>
    mailbox(entry, typeof value === "string" ? what : `${what}[${i}]`),
  );
}

// SES writes the Subject itself: printable ASCII as it is, so an encoded-word look-alike would
// reach readers that decode it (Python's email turns "=?utf-8?q?a=0D=0ABcc:...?=" into a line
// break). It cannot be pre-encoded either (SES may encode it again), so it is refused here;
// sesTransport writes such a subject as encoded words. (Leading white space is SES's to keep or
// drop: readers drop it from a plain Subject; sesTransport encodes such a subject.)
function assertPlainSubject(subject: string): void {
  if (hasEncodedWordLookalike(subject)) {
    throw new AgentMailError({
      code: "invalid_header",
      message:
        'subject holds "=?", which readers decode as an RFC 2047 encoded word and SendEmail cannot encode; use sesTransport for such a subject',
    });
  }
}

// SES wants non-ASCII display names as RFC 2047 encoded words; names are written as the composer
// writes them (one B word when not plain ASCII, with "=?" or odd spacing).
function encodeAddress(entry: Mailbox): string {
  return formatMailbox(entry);
}
