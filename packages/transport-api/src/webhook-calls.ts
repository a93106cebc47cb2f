import {
  AgentMailError,
  PutWebhookRequestSchema,
  parseInput,
  Routes,
  WebhookConfigSchema,
} from "@assmbl/core";
import { z } from "zod";
import { isApiNotFound } from "./api-not-found.js";
import { observeAttempts } from "./attempt-observer.js";
import { signalOf } from "./call-options.js";
import type { AgentMailClient } from "./client.js";
import type { ApiHttp } from "./http.js";
import type { AttemptHistory } from "./retry.js";

/**
 * What {@link AgentMailClient.putWebhook} sets (the Python SDK's `put_webhook(url, enabled,
 * rotate_secret)`).
 *
 * @example
 * const input: PutWebhookInput = { url: "https://agent.example.com/hooks/mail", enabled: true };
 */
export interface PutWebhookInput {
  /** Where `mail.received` events are POSTed: http(s), no credentials, at most 2 KiB. */
  url: string;
  /** Default `true`. */
  enabled?: boolean | undefined;
  /** `true`: a new signing secret, returned in `signingSecret` (the old one stops working). */
  rotateSecret?: boolean | undefined;
}

/**
 * The agent's webhook. `signingSecret` is there only in the answer to the first set-up and to a
 * rotation: store it, it is never shown again.
 *
 * @example
 * const { signingSecret }: WebhookSettings = await client.putWebhook({ url });
 * if (signingSecret) await saveSecret(signingSecret);
 */
export interface WebhookSettings {
  url: string;
  enabled: boolean;
  signingSecret?: string;
}

/** {@link PutWebhookInput}, checked; the URL by the wire schema's own rule. @internal */
export const PutWebhookInputSchema = z.strictObject({
  url: PutWebhookRequestSchema.shape.url,
  enabled: z.boolean().optional(),
  rotateSecret: z.boolean().optional(),
});

const LOST_SECRET =
  "an earlier attempt may have set the webhook (or rotated its secret) and its answer, with the signing secret, was lost: call putWebhook with rotateSecret: true to get a secret you know";

function toSettings(wire: z.output<typeof WebhookConfigSchema>): WebhookSettings {
  return {
    url: wire.url,
    enabled: wire.enabled,
    ...(wire.signing_secret === undefined ? {} : { signingSecret: wire.signing_secret }),
  };
}

/**
 * The answer to a rotation: it must carry the new secret. A 2xx without one leaves a webhook
 * whose secret nobody knows (the old one no longer works): that is a broken answer, not a
 * success.
 */
function withSecret(
  wire: z.output<typeof WebhookConfigSchema>,
  what: string,
): z.output<typeof WebhookConfigSchema> {
  if (wire.signing_secret !== undefined) return wire;
  throw new AgentMailError({
    code: "invalid_response",
    message: `${what}: the server rotated the signing secret (rotate_secret: true) but its answer carries none; call putWebhook with rotateSecret: true again`,
  });
}

/** The error that ends a putWebhook, with what an earlier lost answer means for the secret. */
function lostSecretNote(error: unknown, history: AttemptHistory): unknown {
  if (history.ambiguous === undefined || !AgentMailError.is(error)) return error;
  return new AgentMailError({
    code: error.code,
    message: `${error.message}; ${LOST_SECRET}`,
    ...(error.status === undefined ? {} : { status: error.status }),
    body: error.body,
    retryable: error.retryable,
    cause: error,
  });
}

/**
 * The webhook calls of the client (see `AgentMailClient`). `httpWith(fetch)` is the client's
 * HTTP layer over another `fetch` (putWebhook watches its own attempts through it).
 *
 * Retries: every call is retried like the client's other calls (PUT and DELETE are idempotent).
 * The signing secret is the exception to "same request, same answer": only the first set-up's and
 * a rotation's answers carry it. A rotation retried after a lost answer rotates again and returns
 * the secret now in force (the one the lost answer held is superseded; deliveries signed with it
 * are re-signed on their next attempt). A set-up without `rotateSecret` whose retry follows an
 * attempt that may have succeeded (a lost answer) and comes back without a secret may have lost a
 * first set-up's secret: the client then rotates once (`rotate_secret: true`) and returns that
 * secret, so the caller is never left with a webhook whose secret nobody knows. The client cannot
 * tell a first set-up from an update of the URL, so a lost answer to an update rotates too. A
 * 2xx answer to a rotation without `signing_secret` is `invalid_response`.
 *
 * The stale-secret race: an attempt that timed out on the client's side may still be completed by
 * the server after its retry. When both were rotations, the secret returned (the retry's) is
 * superseded by the late one, which nobody saw: deliveries then fail verification. A timeout
 * shorter than the server's worst answer time makes this possible; if verification starts
 * failing after a rotation, rotate again (with nothing else changing the webhook meanwhile).
 *
 * @internal
 * @example
 * const calls = webhookCalls(http, (fetch) => createApiHttp({ ...config, fetch }, runtime));
 * const { signingSecret } = await calls.putWebhook({ url: "https://agent.example.com/hooks" });
 */
export function webhookCalls(
  http: ApiHttp,
  httpWith: (fetch: typeof globalThis.fetch) => ApiHttp,
): Pick<AgentMailClient, "putWebhook" | "getWebhook" | "deleteWebhook"> {
  return {
    async putWebhook(input, callOptions) {
      const what = "putWebhook";
      const signal = signalOf(callOptions, what);
      const given = parseInput(PutWebhookInputSchema, input, "putWebhook input");
      const json = parseInput(
        PutWebhookRequestSchema,
        { url: given.url, enabled: given.enabled, rotate_secret: given.rotateSecret },
        "putWebhook input",
      );
      const observer = observeAttempts(http.fetch);
      const { body } = await httpWith(observer.fetch).call({
        route: Routes.putWebhook,
        json,
        schema: WebhookConfigSchema,
        what,
        signal,
        finalize: lostSecretNote,
      });
      if (json.rotate_secret) return toSettings(withSecret(body, what));
      if (body.signing_secret !== undefined) return toSettings(body);
      if (!observer.earlierMayHaveWorked()) return toSettings(body);
      const rotated = await http.call({
        route: Routes.putWebhook,
        json: { ...json, rotate_secret: true },
        schema: WebhookConfigSchema,
        what: `${what} (rotating the secret: an earlier attempt's answer was lost)`,
        signal,
        finalize: lostSecretNote,
      });
      return toSettings(withSecret(rotated.body, what));
    },
    async getWebhook(callOptions) {
      const what = "getWebhook";
      const signal = signalOf(callOptions, what);
      try {
        const { body } = await http.call({
          route: Routes.getWebhook,
          schema: WebhookConfigSchema,
          what,
          signal,
        });
        return { url: body.url, enabled: body.enabled };
      } catch (error) {
        // The API's own 404 only: a proxy's page says nothing about the webhook.
        if (isApiNotFound(error)) return null;
        throw error;
      }
    },
    async deleteWebhook(callOptions) {
      const what = "deleteWebhook";
      const signal = signalOf(callOptions, what);
      // Gone after an attempt that may have deleted it (and the API's own 404) is done.
      await http.call({
        route: Routes.deleteWebhook,
        what,
        signal,
        goneAfterAmbiguousIsSuccess: true,
      });
    },
  };
}
