import { parseAddress } from "../address.js";
import { AgentMailError } from "../errors.js";
import type { KeyDirectory } from "../key-directory.js";
import type { MailCrypto } from "../mail-crypto.js";
import type { MailTransport, PreparedMessage } from "../transport.js";
import { parseInput } from "../validate.js";
import { buildPrepared } from "./build.js";
import { encryptParts } from "./encrypt.js";
import { checkCustomHeaders, normalizeMessage } from "./normalize.js";
import { checkEncryptionPolicy, needsRecipientKeys } from "./policy.js";
import { type ResolvedKeys, resolveRecipientKeys } from "./resolve-keys.js";
import { MailerOptionsSchema, SendOptionsSchema } from "./schemas.js";
import type {
  MailerOptions,
  MailMessage,
  RecipientReport,
  SendOptions,
  SendResult,
} from "./types.js";

/** Sends messages through one transport. */
export interface Mailer {
  /**
   * Validates, looks keys up, encrypts, and hands the message to the transport.
   * @throws {AgentMailError} for any input, policy, lookup, crypto or transport failure.
   */
  send(message: MailMessage, options?: SendOptions): Promise<SendResult>;
  /** Everything `send` does but the transport call: what would go on the wire. */
  prepare(message: MailMessage, options?: SendOptions): Promise<PreparedMessage>;
}

/**
 * Creates a mailer: validate → resolve recipient keys → encrypt → build manifest and headers →
 * transport. Every check happens before the transport is called, so a failed send sent nothing.
 *
 * @example
 * const mailer = createMailer(sesTransport({ client: new SESClient({ region }) }), {
 *   from: "my-agent@agents.example.com",
 *   mailDomain: "agents.example.com",
 *   directory: createDirectory({ baseUrl }),
 *   crypto: openpgpCrypto(),
 * });
 * const result = await mailer.send({
 *   to: "other-agent@agents.example.com",
 *   subject: "Task 42",
 *   text: "The numbers are in.",
 *   encrypt: { body: true, attachments: true },
 *   correlationId: "corr-123",
 * });
 * @throws {AgentMailError} `invalid_options` for unknown or malformed options.
 */
export function createMailer(transport: MailTransport, options: MailerOptions): Mailer {
  checkImplementation(transport, "transport", ["send"]);
  const config = parseInput(MailerOptionsSchema, options, "createMailer options");
  const from = parseAddress(config.from);
  const mailDomain = config.mailDomain.toLowerCase();
  const directory = config.directory as KeyDirectory | undefined;
  const crypto = config.crypto as MailCrypto | undefined;
  if (directory) checkImplementation(directory, "directory", ["lookup"]);
  if (crypto)
    checkImplementation(crypto, "crypto", [
      "checkRecipientKey",
      "encryptText",
      "encryptAttachment",
    ]);
  const defaultHeaders = config.defaultHeaders ?? {};
  checkCustomHeaders(defaultHeaders, "createMailer defaultHeaders");

  async function run(message: MailMessage, sendOptions: SendOptions | undefined) {
    const { signal } = parseInput(SendOptionsSchema, sendOptions, "send options") ?? {};
    throwIfAborted(signal);
    const normalized = normalizeMessage(message, { from, defaultHeaders });
    checkEncryptionPolicy(normalized, { crypto, directory });
    const keys: ResolvedKeys = needsRecipientKeys(normalized)
      ? await resolveRecipientKeys(normalized, {
          directory: directory as KeyDirectory,
          crypto: crypto as MailCrypto,
          mailDomain,
          signal,
        })
      : { recipients: [], reports: [] };
    throwIfAborted(signal);
    const parts = await encryptParts(normalized, keys.recipients, crypto, signal);
    throwIfAborted(signal);
    return {
      prepared: buildPrepared(normalized, parts),
      reports: keys.reports,
      normalized,
      signal,
    };
  }

  return {
    async prepare(message, sendOptions) {
      return (await run(message, sendOptions)).prepared;
    },
    async send(message, sendOptions) {
      const { prepared, reports, normalized, signal } = await run(message, sendOptions);
      let sent: Awaited<ReturnType<MailTransport["send"]>>;
      try {
        sent = await transport.send(prepared, signal ? { signal } : {});
      } catch (cause) {
        if (AgentMailError.is(cause)) throw cause;
        throw new AgentMailError({
          code: "transport_failed",
          message: `transport ${transport.name} failed: ${errorMessage(cause)}`,
          cause,
        });
      }
      const attachments = prepared.attachments.map(({ manifest }) => ({
        index: manifest.index,
        filename: manifest.filename,
        encrypted: manifest.encrypted,
      }));
      const reported = new Map(reports.map((report) => [report.address.toLowerCase(), report]));
      const recipients: RecipientReport[] = (["to", "cc", "bcc"] as const).flatMap((kind) =>
        normalized[kind].map((mailbox) => ({
          ...reported.get(mailbox.address.toLowerCase()),
          address: mailbox.address,
          kind,
        })),
      );
      const correlationId = sent.correlationId ?? prepared.correlationId;
      const idempotencyKey = sent.idempotencyKey ?? prepared.idempotencyKey;
      return {
        messageId: sent.messageId,
        ...(correlationId === undefined ? {} : { correlationId }),
        ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
        transport: transport.name,
        encrypted: {
          body: prepared.encrypted.body,
          attachments: attachments.length > 0 && attachments.every((a) => a.encrypted),
        },
        recipients,
        attachments,
      };
    },
  };
}

function checkImplementation(value: unknown, what: string, methods: readonly string[]): void {
  const candidate = value as Record<string, unknown> | null | undefined;
  if (typeof candidate !== "object" || candidate === null) {
    throw new AgentMailError({
      code: "invalid_options",
      message: `createMailer: ${what} must be an object`,
    });
  }
  if (candidate.specificationVersion !== "v1") {
    throw new AgentMailError({
      code: "invalid_options",
      message: `createMailer: ${what} implements specification ${String(candidate.specificationVersion)}; this @assmbl/core supports v1`,
    });
  }
  for (const method of methods) {
    if (typeof candidate[method] !== "function") {
      throw new AgentMailError({
        code: "invalid_options",
        message: `createMailer: ${what} has no ${method}() method`,
      });
    }
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new AgentMailError({
      code: "aborted",
      message: "the send was aborted; nothing was sent",
      cause: signal.reason,
    });
  }
}

function errorMessage(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
