import { AgentMailError, fullJitterDelay } from "@assmbl/core";
import { SESClient } from "@aws-sdk/client-ses";
import { classifySesError } from "./errors.js";
import type { Runtime, TokenBucket } from "./retry.js";

/**
 * An `SESv2Client` from `@aws-sdk/client-sesv2` (an optional peer dependency), described by
 * shape so that this package's types do not require that package.
 *
 * @example
 * import { SESv2Client } from "@aws-sdk/client-sesv2";
 * const client: SESv2ClientLike = new SESv2Client({ region: "us-east-1" });
 */
export interface SESv2ClientLike {
  readonly config: { readonly serviceId?: string };
  send(...args: never[]): Promise<unknown>;
}

/**
 * Either SES client of the AWS SDK v3.
 *
 * @example
 * const client: SesClient = new SESClient({ region: "us-east-1" });
 */
export type SesClient = SESClient | SESv2ClientLike;

/** Which SES API a client speaks. */
export type SesApi = "v1" | "v2";

/**
 * Tells an `SESClient` (SES v1, `@aws-sdk/client-ses`) from an `SESv2Client` by the
 * `serviceId` in its resolved config, which survives two copies of the SDK in one program
 * (where `instanceof` would not); `instanceof SESClient` is the fallback.
 *
 * @example
 * sesApiOf(new SESClient({ region: "us-east-1" })); // "v1"
 * @throws {AgentMailError} `invalid_options` for anything else.
 */
export function sesApiOf(client: unknown): SesApi {
  const serviceId = (client as { config?: { serviceId?: unknown } } | null)?.config?.serviceId;
  if (serviceId === "SESv2") return "v2";
  if (serviceId === "SES" || client instanceof SESClient) return "v1";
  throw new AgentMailError({
    code: "invalid_options",
    message:
      "client must be an SESClient from @aws-sdk/client-ses or an SESv2Client from @aws-sdk/client-sesv2",
  });
}

/** True when `value` looks like an AWS SDK v3 client (has `send` and `config`). */
export function isClientLike(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { send?: unknown }).send === "function" &&
    typeof (value as { config?: unknown }).config === "object"
  );
}

/** How {@link sendWithRetries} retries and paces. */
export interface RetryPlan {
  /** Attempts in all, the first included (>= 1). */
  maxAttempts: number;
  /** Also retry failures after which the message may have been sent (duplicates possible). */
  retryAmbiguous: boolean;
  runtime: Runtime;
  bucket?: TokenBucket | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * Sends one SES command: waits for the rate limiter, calls `client.send`, retries throttling
 * and failures that provably sent nothing with full-jitter backoff, and maps every failure to
 * an `AgentMailError` (see `classifySesError`).
 *
 * @example
 * const output = await sendWithRetries(client, command, "SendRawEmail", plan);
 * @throws {AgentMailError} `throttled`, `message_rejected`, `mail_from_not_verified`,
 * `sending_paused`, `ses_error`, `network_error`, `transport_failed`, `aborted`.
 */
export async function sendWithRetries<T>(
  client: SesClient,
  command: unknown,
  operation: string,
  plan: RetryPlan,
): Promise<T> {
  const send = client.send.bind(client) as (
    command: unknown,
    options?: { abortSignal?: AbortSignal },
  ) => Promise<T>;
  for (let attempt = 1; ; attempt++) {
    const wait = plan.bucket?.reserve() ?? 0;
    if (wait > 0) await plan.runtime.sleep(wait, plan.signal);
    throwIfAborted(plan.signal, "nothing was sent");
    try {
      return await send(command, plan.signal ? { abortSignal: plan.signal } : {});
    } catch (caught) {
      if (plan.signal?.aborted) {
        throw new AgentMailError({
          code: "aborted",
          message: `SES ${operation} was aborted while the request was in flight; the message may have been sent`,
          cause: caught,
        });
      }
      const { kind, error } = classifySesError(caught, operation, attempt);
      const retry =
        kind === "throttled" ||
        kind === "not_sent" ||
        (kind === "ambiguous" && plan.retryAmbiguous);
      if (!retry || attempt >= plan.maxAttempts) throw error;
      await plan.runtime.sleep(fullJitterDelay(attempt - 1, plan.runtime.random), plan.signal);
    }
  }
}

function throwIfAborted(signal: AbortSignal | undefined, outcome: string): void {
  if (signal?.aborted) {
    throw new AgentMailError({
      code: "aborted",
      message: `the send was aborted; ${outcome}`,
      cause: signal.reason,
    });
  }
}
