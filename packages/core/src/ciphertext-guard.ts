// Over 300 lines on purpose: one fail-closed check; its line feeder serves only it.
// The fail-closed check of what a MailCrypto hands back: not "does it start with an armor line"
// but "is it, packet by packet, one encrypted OpenPGP message to these recipients". A faulty or
// careless implementation that returns plaintext, literal data, the unprotected SED packet or
// a message to the wrong key between correct armor lines is refused before the transport sees
// a byte; a streamed attachment is checked as it passes and errors before any unchecked line.
import { concatBytes } from "./concat-bytes.js";
import { AgentMailError } from "./errors.js";
import type { EncryptionRecipient } from "./mail-crypto.js";
import { ArmoredMessageReader } from "./openpgp/armored-message-reader.js";
import { publicKeyIdentity } from "./openpgp/key-identity.js";
import type { SessionKeyPacket } from "./openpgp/message-packets.js";
import type { AttachmentBytes } from "./transport.js";

/** What an encrypted part must be, beyond one armored PKESK+SEIPD message. */
export interface CiphertextExpectations {
  /**
   * The recipients it was encrypted to: at least one session key packet each, and when every
   * session key packet names a key id, one naming a key of each recipient whose key core can read.
   * Given recipients also mean "a MailCrypto made this": its contract writes real key ids, so a
   * v3 session key packet with the wildcard key id is refused.
   */
  recipients?: readonly EncryptionRecipient[] | undefined;
  /** Accept PKESK v6 and SEIPD v2 (the crypto implementation opted in to v6 keys). */
  allowV6?: boolean | undefined;
  /** Errors a stream throws become `encryption_failed` (the stream came from the crypto implementation). */
  wrapStreamErrors?: boolean | undefined;
  /**
   * The longest wait, in milliseconds, for the next chunk of a stream before the guard errors
   * with `encryption_failed` (the crypto implementation's stream stalled). Default: none for a
   * caller's stream; the mailer passes `Limits.cryptoStreamIdleMs` for a MailCrypto's stream.
   */
  idleMs?: number | undefined;
  /** When it fires, a stream read through the guard errors with `aborted` and is cancelled. */
  signal?: AbortSignal | undefined;
}

// Armor lines are at most 76 characters (plus a CR); armor headers are refused. Longer is not armor.
const MAX_LINE = 128;
// The session key packets come first; 50 recipients with RSA-16384 keys stay well under this.
const MAX_HEAD_BYTES = 1024 * 1024;
const SLICE = 1024 * 1024;
const WILDCARD = "0000000000000000";
const encoder = new TextEncoder();

/**
 * Why `text` is not one armored encrypted OpenPGP message meeting `expect`, or `undefined` when
 * it is (leading and trailing white space ignored). The answer never quotes the text.
 *
 * @example
 * armoredMessageProblem(await crypto.encryptText(text, recipients), { recipients });
 * // undefined, or e.g. "it holds a packet of type 11 (literal data) where only ..."
 */
export function armoredMessageProblem(
  text: string,
  expect: CiphertextExpectations = {},
): string | undefined {
  if (typeof text !== "string") return "it is not a string";
  const feeder = new LineFeeder(expect);
  return feeder.push(encoder.encode(text.trim())) ?? feeder.end();
}

/**
 * Fails closed on ciphertext that is not one armored encrypted OpenPGP message meeting
 * `expect`: bytes are checked at once; a stream is checked line by line as it is read, holds
 * everything back until the session key packets and the SEIPD header passed, never yields a line
 * it has not checked, and errors (`encryption_failed`) on the first problem, so a transport
 * reading it never sends plaintext.
 *
 * @example
 * const safe = guardCiphertext(await crypto.encryptAttachment(bytes, recipients), "report.pdf", { recipients });
 * @throws {AgentMailError} `encryption_failed`.
 */
export function guardCiphertext(
  content: AttachmentBytes,
  what: string,
  expect: CiphertextExpectations = {},
): AttachmentBytes {
  const failure = (problem: string) =>
    new AgentMailError({
      code: "encryption_failed",
      message: `${what}: the crypto implementation did not return an encrypted OpenPGP message (${problem}); nothing was sent`,
    });
  if (content instanceof Uint8Array) {
    const feeder = new LineFeeder(expect);
    for (let at = 0; at < content.length; at += SLICE) {
      const problem = feeder.push(content.subarray(at, at + SLICE));
      if (problem !== undefined) throw failure(problem);
    }
    const problem = feeder.end() ?? (content.length === 0 ? "it is empty" : undefined);
    if (problem !== undefined) throw failure(problem);
    return content;
  }
  const reader = content.getReader();
  const feeder = new LineFeeder(expect);
  const read = timedReader(reader, what, expect);
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        let next: ReadableStreamReadResult<Uint8Array>;
        try {
          next = await read();
        } catch (cause) {
          controller.error(readFailure(cause, what, expect.wrapStreamErrors));
          reader.cancel(cause).catch(() => undefined);
          return;
        }
        const problem = next.done ? feeder.end() : feeder.push(next.value);
        if (problem !== undefined) {
          controller.error(failure(problem));
          if (!next.done) reader.cancel(problem).catch(() => undefined);
          return;
        }
        const ready = feeder.take();
        if (ready.length > 0) controller.enqueue(ready);
        if (next.done) return controller.close();
        if (ready.length > 0) return;
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

// One read of the source stream, failing with `aborted` when the signal fires and with
// `encryption_failed` when no chunk came within `idleMs`: a stream that stops yielding would
// otherwise hold the send (and a transport's open upload) forever.
function timedReader(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  what: string,
  expect: CiphertextExpectations,
): () => Promise<ReadableStreamReadResult<Uint8Array>> {
  const { idleMs, signal } = expect;
  if (idleMs === undefined && signal === undefined) return () => reader.read();
  return () =>
    new Promise((resolve, reject) => {
      const aborted = () =>
        new AgentMailError({
          code: "aborted",
          message: `${what}: the send was aborted while the ciphertext was read; nothing was sent`,
          cause: signal?.reason,
        });
      if (signal?.aborted) return reject(aborted());
      const onAbort = () => settle(() => reject(aborted()));
      const timer =
        idleMs === undefined
          ? undefined
          : setTimeout(
              () =>
                settle(() =>
                  reject(
                    new AgentMailError({
                      code: "encryption_failed",
                      message: `${what}: the crypto implementation's stream stalled (no data for ${idleMs} ms); nothing was sent`,
                    }),
                  ),
                ),
              idleMs,
            );
      let settled = false;
      const settle = (action: () => void) => {
        if (settled) return;
        settled = true;
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        action();
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      reader.read().then(
        (next) => settle(() => resolve(next)),
        (error: unknown) => settle(() => reject(error)),
      );
    });
}

function readFailure(cause: unknown, what: string, wrap: boolean | undefined): unknown {
  if (!wrap || AgentMailError.is(cause)) return cause;
  const name = cause instanceof Error ? cause.name : typeof cause;
  return new AgentMailError({
    code: "encryption_failed",
    message: `${what}: the crypto implementation's ciphertext stream failed (${name}, in error.cause); nothing was sent`,
    cause,
  });
}

// Splits ASCII bytes into lines for the reader and keeps what passed, ready to release: nothing
// until the head is checked, then every checked line; a partial line waits for its end.
class LineFeeder {
  readonly #reader: ArmoredMessageReader;
  readonly #recipients: readonly EncryptionRecipient[];
  // Fatal: armor is ASCII (UTF-8 only in armor headers); anything else is not armor.
  readonly #decoder = new TextDecoder("utf-8", { fatal: true });
  // The bytes after the last line feed: a line still arriving.
  #carry: Uint8Array = new Uint8Array(0);
  // Checked lines, as the original bytes (released as they came, never re-encoded).
  #checked: Uint8Array[] = [];
  #checkedLength = 0;
  #recipientsChecked = false;

  constructor(expect: CiphertextExpectations) {
    this.#recipients = expect.recipients ?? [];
    this.#reader = new ArmoredMessageReader({
      allowV6: expect.allowV6,
      minSessionKeys: Math.max(1, new Set(this.#recipients.map((r) => r.agentId)).size),
    });
  }

  push(bytes: Uint8Array): string | undefined {
    const joined = this.#carry.length > 0 ? concatBytes(this.#carry, bytes) : bytes;
    const end = joined.lastIndexOf(10) + 1;
    this.#carry = joined.slice(end);
    if (this.#carry.length > MAX_LINE) return "it has a line too long for armor";
    if (end === 0) return undefined;
    const complete = joined.subarray(0, end);
    const problem = this.#read(complete, true);
    if (problem !== undefined) return problem;
    if (!this.#reader.headChecked && this.#checkedLength > MAX_HEAD_BYTES) {
      return "its session key packets run past 1 MiB";
    }
    return undefined;
  }

  end(): string | undefined {
    if (this.#carry.length > 0) {
      const problem = this.#read(this.#carry, false);
      if (problem !== undefined) return problem;
      this.#carry = new Uint8Array(0);
    }
    return this.#reader.end() ?? this.#checkRecipients();
  }

  /** The checked bytes, once the head passed; emptied by taking. */
  take(): Uint8Array {
    if (!this.#reader.headChecked || this.#checked.length === 0) return new Uint8Array(0);
    const out =
      this.#checked.length === 1 ? (this.#checked[0] as Uint8Array) : concatBytes(...this.#checked);
    this.#checked = [];
    return out;
  }

  // Reads whole lines (the last one without its line feed when `terminated` is false), then
  // decodes and checks their packets before they may be released.
  #read(bytes: Uint8Array, terminated: boolean): string | undefined {
    let text: string;
    try {
      text = this.#decoder.decode(bytes);
    } catch {
      return "it is not text (not UTF-8)";
    }
    const lines = text.split("\n");
    if (terminated) lines.pop();
    for (const line of lines) {
      const problem = this.#reader.pushLine(line) ?? this.#checkRecipients();
      if (problem !== undefined) return problem;
    }
    const problem = this.#reader.flush() ?? this.#checkRecipients();
    if (problem !== undefined) return problem;
    this.#checked.push(bytes);
    this.#checkedLength += bytes.length;
    return undefined;
  }

  #checkRecipients(): string | undefined {
    if (this.#recipientsChecked || !this.#reader.headChecked) return undefined;
    this.#recipientsChecked = true;
    return recipientProblem(this.#reader.sessionKeys, this.#recipients);
  }
}

/**
 * Why the session key packets do not reach every recipient, or `undefined`. Only when there are
 * recipients to check (the mailer's check of a MailCrypto's output). A v3 PKESK with the wildcard
 * key id is refused: the contract says implementations write real key ids, PGPy cannot decrypt a
 * wildcard, and one wildcard would leave nothing to match. Then every recipient whose v4 key core
 * can read must be named by a PKESK. Version 6 PKESKs name no key id core matches (a v6
 * fingerprint, or none): a message with one is left to the count check (one PKESK per
 * recipient). Extra PKESKs (a copy to the sender's own key) are allowed.
 */
function recipientProblem(
  sessionKeys: readonly SessionKeyPacket[],
  recipients: readonly EncryptionRecipient[],
): string | undefined {
  if (recipients.length === 0) return undefined;
  if (sessionKeys.some((packet) => packet.keyId === WILDCARD)) {
    return "a session key packet has the wildcard key id, which the MailCrypto contract rules out";
  }
  if (sessionKeys.some((packet) => packet.keyId === undefined)) return undefined;
  const ids = sessionKeys.map((packet) => packet.keyId as string);
  for (const recipient of recipients) {
    const keyIds = keyIdsOf(recipient.publicKeyArmored);
    if (keyIds.size === 0) continue;
    if (!ids.some((id) => keyIds.has(id))) {
      return `no session key packet names a key of recipient ${recipient.agentId}`;
    }
  }
  return undefined;
}

const keyIdCache = new Map<string, Set<string>>();

// The key ids of every v4 primary key and subkey in an armored key (the last 16 digits of a v4
// fingerprint); empty when core cannot read it as one key.
function keyIdsOf(armored: string): Set<string> {
  const cached = keyIdCache.get(armored);
  if (cached) return cached;
  const identity = publicKeyIdentity(armored);
  const v4 = identity.ok ? identity.value.fingerprints.filter((hex) => hex.length === 40) : [];
  const ids = new Set(v4.map((hex) => hex.slice(-16)));
  if (keyIdCache.size >= 64) keyIdCache.delete(keyIdCache.keys().next().value as string);
  keyIdCache.set(armored, ids);
  return ids;
}
