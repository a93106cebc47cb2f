import type { AgentMailError } from "@assmbl/core";
import { decrypt, type Message, type PrivateKey, readMessage } from "openpgp";
import { ArmorLimits } from "./armor-limits.js";
import { hardenedConfig } from "./config.js";
import {
  decryptionError,
  enforceSignature,
  parseVerificationKeys,
  type VerificationResult,
  verify,
} from "./decrypt-message.js";
import { abortedError, type CheckedDecryptOptions } from "./decrypt-options.js";
import { plaintextTooLarge, wrapOpenpgpError } from "./errors.js";
import { binaryAfterSpace, skipLeadingSpace } from "./leading-space.js";
import {
  GuardedSeipdPacket,
  guardedDataPackets,
  oneSeipdPacketClass,
  StreamGuard,
} from "./stream-guard.js";

/**
 * One streamed decryption. `read` yields plaintext as openpgp.js produces it, which is NOT yet
 * authenticated: callers hold it (decryptStream) or hand it to a sink that promised to keep it
 * unreleased (decryptInto). `finish`, once `read` said done, checks the signature; the MDC was
 * checked before `read` said done. Any failure cancels the ciphertext input.
 */
export interface StreamDecryption {
  /** The next plaintext chunk; rejects with an AgentMailError, past the budget too. */
  read(): Promise<ReadableStreamReadResult<Uint8Array>>;
  /** After `read` said done: the signature check (`expectSigned` enforced). */
  finish(): Promise<VerificationResult>;
  /** Stops the decryption (the caller's sink failed, say); later reads reject with `error`. */
  stop(error: unknown): void;
  /** Rejects with the first failure (the caller's signal included); never resolves. */
  readonly failed: Promise<never>;
  /** The first failure as an AgentMailError, once there was one. */
  readonly error: AgentMailError | undefined;
  /**
   * `promise`, unless the decryption fails first: then rejects with the failure. For waits on
   * others (a sink that may never settle: an in-flight write holds off even `abort()`).
   */
  unlessFailed<T>(promise: Promise<T>): Promise<T>;
}

// The least armored text handed to openpgp.js at a time, but at the input's end.
const MIN_TEXT_CHUNK = 1024;
// Streamed messages are parsed with a guarded SEIPD class of their own, which also refuses a
// second SEIPD (see stream-guard.ts).
const readConfig = () => ({
  ...hardenedConfig,
  additionalAllowedPackets: [oneSeipdPacketClass()],
});

/**
 * Starts decrypting an armored or binary OpenPGP message arriving as a byte stream, in bounded
 * memory, with openpgp.js's `allowUnauthenticatedStream` and the guard that makes every failure
 * of it surface (no hang).
 *
 * @example
 * const run = await openStreamDecryption(key, input, checkDecryptOptions(options, "decryptInto"));
 * for (let next = await run.read(); !next.done; next = await run.read()) hold(next.value);
 * const { verification } = await run.finish();
 * @throws {AgentMailError} `decryption_failed`, `plaintext_too_large`, `aborted`.
 */
export async function openStreamDecryption(
  key: PrivateKey,
  input: ReadableStream<Uint8Array>,
  options: CheckedDecryptOptions,
): Promise<StreamDecryption> {
  const guard = new StreamGuard();
  const source = input.getReader();
  const stopInput = (reason: unknown) => void source.cancel(reason).catch(() => {});
  void guard.failed.catch(stopInput);
  const { signal } = options;
  const onAbort = () => guard.fail(abortedError(signal as AbortSignal));
  signal?.addEventListener("abort", onAbort, { once: true });
  const cleanup = () => signal?.removeEventListener("abort", onAbort);
  // Only for the few one-time steps: racing every chunk's read against the long-lived `failed`
  // would leave one reaction per chunk on it, each holding its chunk (all of the plaintext).
  const raced = <T>(promise: Promise<T>) => Promise.race([promise, guard.failed]);
  let message: Message<ReadableStream<Uint8Array | string>> | undefined;
  // The first failure, as the one AgentMailError every later question about it gets.
  let mapped: AgentMailError | undefined;
  const failure = (cause: unknown): AgentMailError => {
    guard.fail(cause);
    mapped ??= message
      ? decryptionError(guard.error, message, key)
      : wrapOpenpgpError(guard.error, "decryption_failed", "not an OpenPGP message");
    cleanup();
    return mapped;
  };
  try {
    const verificationKeys = await raced(parseVerificationKeys(options.verificationKeys));
    message = await raced(readStreamedMessage(source, guard));
    for (const packet of message.packets)
      if (packet instanceof GuardedSeipdPacket) packet.guard = guard;
    const result = await raced(
      decrypt({
        message,
        decryptionKeys: key,
        ...(verificationKeys.length > 0 ? { verificationKeys } : {}),
        format: "binary",
        config: {
          ...hardenedConfig,
          allowUnauthenticatedStream: true,
          maxDecompressedMessageSize: options.maxPlaintextBytes,
          additionalAllowedPackets: guardedDataPackets(guard) as never,
        },
      }),
    );
    const data = (result.data as unknown as ReadableStream<Uint8Array>).getReader();
    void guard.failed.catch((reason) => void data.cancel(reason).catch(() => {}));
    let produced = 0;
    return {
      async read() {
        try {
          const next = await data.read();
          // A failure cancels `data`, which ends it: "done" then means the failure.
          if (guard.hasFailed) throw guard.error;
          if (next.done) return next;
          produced += next.value.length;
          if (produced > options.maxPlaintextBytes)
            throw plaintextTooLarge(undefined, options.maxPlaintextBytes);
          return next;
        } catch (cause) {
          throw failure(cause);
        }
      },
      async finish() {
        cleanup();
        if (guard.hasFailed) throw failure(undefined);
        const checked = await verify(result.signatures, verificationKeys);
        enforceSignature(checked, options.expectSigned);
        return checked;
      },
      stop(error) {
        failure(error);
      },
      failed: guard.failed,
      unlessFailed(promise) {
        return new Promise((resolve, reject) => {
          const off = guard.onFail(() => reject(failure(undefined)));
          promise.then(
            (value) => {
              off();
              resolve(value);
            },
            (reason) => {
              off();
              reject(reason);
            },
          );
        });
      },
      get error() {
        return guard.hasFailed ? failure(undefined) : undefined;
      },
    };
  } catch (cause) {
    throw failure(cause);
  }
}

// Armored or binary: armor may follow blank lines, skipped without being kept (and only so many:
// leading-space.ts); binary starts with a packet tag byte (bit 7). Armored text is checked
// against armor-limits.ts before openpgp.js reads it; a refusal fails `guard` at once, whatever
// openpgp.js is doing with the input then.
async function readStreamedMessage(
  source: ReadableStreamDefaultReader<Uint8Array>,
  guard: StreamGuard,
): Promise<Message<ReadableStream<Uint8Array | string>>> {
  const { first, skipped, read } = await skipLeadingSpace(source);
  const cancel = (reason: unknown) => source.cancel(reason);
  // Anything that does not start with a packet tag byte must be armor; readMessage says if not.
  if ((first & 0x80) !== 0) {
    // As decryptBytes: binary OpenPGP has no room for white space before it.
    if (skipped > 0) throw binaryAfterSpace();
    const binaryMessage = new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          const next = await read();
          if (next.done) controller.close();
          else controller.enqueue(next.value);
        },
        cancel,
      },
      { highWaterMark: 0 },
    );
    return await readMessage({ binaryMessage, config: readConfig() as never });
  }
  const limits = new ArmorLimits();
  const decoder = new TextDecoder();
  const armoredMessage = new ReadableStream<string>(
    {
      async pull(controller) {
        // Tiny chunks are gathered: openpgp.js's streamed base64 decoding fails on input that
        // arrives a byte or two at a time ("Unexpected end of packet"; binary input does not).
        let text = "";
        for (;;) {
          const next = await read();
          const more = next.done ? decoder.decode() : decoder.decode(next.value, { stream: true });
          try {
            limits.check(more);
          } catch (error) {
            guard.fail(error);
            throw error;
          }
          text += more;
          if (text.length >= MIN_TEXT_CHUNK || (next.done && text.length > 0))
            controller.enqueue(text);
          if (next.done) return controller.close();
          if (text.length >= MIN_TEXT_CHUNK) return;
        }
      },
      cancel,
    },
    { highWaterMark: 0 },
  );
  return await readMessage({ armoredMessage, config: readConfig() as never });
}
