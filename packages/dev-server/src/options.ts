import {
  type DirectoryAlgorithm,
  DirectoryAlgorithmSchema,
  DOMAIN_NAME_PATTERN,
  Limits,
  normalizeAgentId,
  PricingSchema,
} from "@assmbl/core";
import { z } from "zod";
import type { DevDeliveryReport } from "./delivery.js";
import { type DevFaults, DevFaultsSchema } from "./faults.js";
import type { RequestLogEntry } from "./request-log.js";
import { sesAccessKeyIdSchema, sesSecretAccessKeySchema } from "./ses/credentials.js";
import { MAX_SES_MAX_SEND_RATE } from "./ses/send-rate.js";

/**
 * What `GET /public/agents/{agent_id}/pricing` answers for an agent, in wire form (snake_case);
 * keys beyond `pricing_model` and `base_price` are returned as given.
 *
 * @example
 * const pricing: DevPricing = { pricing_model: "per_message", base_price: 0.01, currency: "USD" };
 */
export type DevPricing = z.input<typeof PricingSchema>;

/**
 * An agent the server knows from the start.
 *
 * @example
 * const seed: SeedAgent = { agentId: "other-agent", publicKey: spkiPem, openpgpPublicKey: armored };
 */
export interface SeedAgent {
  /** 1–64 characters of `[a-z0-9._-]`, case-insensitive (stored lower-cased). */
  agentId: string;
  /** Its bearer token; a random one is generated when absent. */
  token?: string | undefined;
  /** SPKI PEM (`-----BEGIN PUBLIC KEY-----`); when given, the agent is registered at `key_version` 1. */
  publicKey?: string | undefined;
  /** The directory algorithm of `publicKey`; derived from the key when absent. */
  algorithm?: DirectoryAlgorithm | undefined;
  /** The armored OpenPGP public key served with the record; `null` or absent for none. */
  openpgpPublicKey?: string | null | undefined;
  /** Defaults to `{ pricing_model: "free", base_price: 0 }`. */
  pricing?: DevPricing | undefined;
  /**
   * The access key id of the agent's SES credentials (16-128 of `[A-Z0-9]`); random
   * (`AKIADEV...`) unless given. Give both or neither of `sesAccessKeyId` and `sesSecretAccessKey`.
   */
  sesAccessKeyId?: string | undefined;
  /** The secret of the agent's SES credentials: 40 characters of `[A-Za-z0-9+/]`; random unless given. */
  sesSecretAccessKey?: string | undefined;
}

/**
 * Options of {@link startDevServer}.
 *
 * @example
 * const options: DevServerOptions = { port: 0, agents: [{ agentId: "my-agent" }] };
 */
export interface DevServerOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number | undefined;
  /** Interface to listen on; default `127.0.0.1`. */
  host?: string | undefined;
  /** The domain of agents' addresses; default `agents.localhost`. */
  mailDomain?: string | undefined;
  /** Agents known from the start, each with a token. */
  agents?: SeedAgent[] | undefined;
  /**
   * How long a delivered message's attachments report `pending` (downloads answer 409
   * `attachment_pending`) before `ready`; default 0.
   */
  attachmentProcessingMs?: number | undefined;
  /** Faults to inject from the start (see {@link DevFaults}); change them with `server.setFaults`. */
  faults?: DevFaults | undefined;
  /**
   * The largest MIME message `POST /send` composes with its attachments inline (estimated from
   * the body, the headers and 4/3 of the attachments' sizes); a larger one is delivered by
   * reference (its attachment parts empty, their bytes downloaded from storage). Default and
   * maximum `Limits.sesV2MessageBytes` (40 MiB, SES's raw message limit).
   */
  inlineMessageBytes?: number | undefined;
  /**
   * Told of each request as it is answered (method, path, status, authenticated agent): what the
   * `agentmail-dev` CLI prints a line for. Never carries a token, a signature or a body.
   */
  onRequest?: ((entry: RequestLogEntry) => void) | undefined;
  /**
   * Told where each message `POST /send` or the SES endpoint accepted went: each recipient
   * `delivered`, `outbound` (a domain this server does not serve) or `unknown_agent`.
   */
  onDelivery?: ((report: DevDeliveryReport) => void) | undefined;
  /** What each agent's wallet starts with, in USD (`GET /billing/balance`); default 100. */
  startingBalance?: number | undefined;
  /**
   * The server's clock for rate-cap windows, trusted peers' `created_at` and usage rows, in
   * epoch milliseconds; default `Date.now`. Tests move it forward instead of sleeping through a
   * window. (SES signatures are checked against the real time.)
   */
  now?: (() => number) | undefined;
  /**
   * The SES account's sending rate: past this many accepted SES sends in any one second (a
   * sliding window on the server's clock `now`, all agents together, as SES counts per account
   * and region; one per call, whatever its recipients), the SES endpoint answers SES's
   * `Throttling` (v1) / `TooManyRequestsException` (v2) "Maximum sending rate exceeded." and
   * delivers nothing. `GetSendQuota` and `GetAccount` report it as `MaxSendRate`. Whole number,
   * 1 to 100000; default none (nothing throttled, `MaxSendRate` 14 reported). `/send` is not
   * counted.
   */
  sesMaxSendRate?: number | undefined;
  /**
   * How webhook deliveries are retried: `attempts` in all (default 6) and the first delay
   * (`baseDelayMs`, default 1000), doubling after each failure. Tests set a small delay.
   */
  webhookRetry?: { attempts: number; baseDelayMs: number } | undefined;
}

// RFC 6750 b64token: safe in a header, never split by whitespace.
const TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** An agent id (spec §1), lower-cased. */
export const agentIdSchema = z
  .string()
  .refine(
    (value) => {
      try {
        normalizeAgentId(value);
        return true;
      } catch {
        return false;
      }
    },
    { error: "expected 1-64 characters of a-z, 0-9, '.', '_' or '-'" },
  )
  .transform((value) => value.toLowerCase());

/**
 * A {@link SeedAgent}, checked. The token's error message never contains the token.
 *
 * @example
 * SeedAgentSchema.parse({ agentId: "My-Agent" }).agentId; // "my-agent"
 */
export const SeedAgentSchema = z.strictObject({
  agentId: agentIdSchema,
  token: z
    .string()
    // Worded for core's redaction, which hides the word after "token:" in any message.
    .max(512, { error: "value must be at most 512 characters" })
    .regex(TOKEN, { error: "value must be a b64token (letters, digits, -._~+/, then = padding)" })
    .optional(),
  publicKey: z.string().min(1).optional(),
  algorithm: DirectoryAlgorithmSchema.optional(),
  openpgpPublicKey: z.string().min(1).nullable().optional(),
  pricing: PricingSchema.optional(),
  sesAccessKeyId: sesAccessKeyIdSchema.optional(),
  sesSecretAccessKey: sesSecretAccessKeySchema.optional(),
});

/** A seed agent after validation (agent id lower-cased). */
export type ParsedSeedAgent = z.output<typeof SeedAgentSchema>;

/**
 * {@link DevServerOptions}, checked strictly: unknown keys are rejected by name.
 *
 * @example
 * DevServerOptionsSchema.parse({ port: 0 });
 */
export const DevServerOptionsSchema = z.strictObject({
  port: z.int().min(0).max(65_535).optional(),
  host: z.string().min(1).optional(),
  mailDomain: z
    .string()
    .transform((value) => value.toLowerCase())
    // Core's rule on the lower-cased name; the example names the dev server's own default domain.
    .pipe(
      z
        .string()
        .regex(DOMAIN_NAME_PATTERN, { error: "expected a domain name such as agents.localhost" }),
    )
    .optional(),
  agents: z.array(SeedAgentSchema).optional(),
  attachmentProcessingMs: z.int().min(0).max(3_600_000).optional(),
  faults: DevFaultsSchema.optional(),
  inlineMessageBytes: z.int().min(0).max(Limits.sesV2MessageBytes).optional(),
  onRequest: listener<RequestLogEntry>().optional(),
  onDelivery: listener<DevDeliveryReport>().optional(),
  startingBalance: z.number().finite().min(0).max(1_000_000_000).optional(),
  now: z
    .custom<() => number>((value) => typeof value === "function", {
      error: "expected a function returning epoch milliseconds",
    })
    .optional(),
  sesMaxSendRate: z.int().min(1).max(MAX_SES_MAX_SEND_RATE).optional(),
  webhookRetry: z
    .strictObject({
      attempts: z.int().min(1).max(20),
      baseDelayMs: z.int().min(0).max(3_600_000),
    })
    .optional(),
});

function listener<T>() {
  return z.custom<(event: T) => void>((value) => typeof value === "function", {
    error: "expected a function",
  });
}

/** Defaults of {@link DevServerOptions}. */
export const DEFAULTS = {
  port: 0,
  host: "127.0.0.1",
  mailDomain: "agents.localhost",
  cliPort: 8025,
} as const;
