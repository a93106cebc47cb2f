import { AgentMailError, type DecryptedInto } from "@assmbl/core";
import type { PrivateKey } from "openpgp";
import type { CheckedDecryptOptions } from "./decrypt-options.js";
import { openStreamDecryption, type StreamDecryption } from "./decrypt-stream.js";

/**
 * Decrypts a message arriving as a stream into `sink` as the plaintext is produced, with the
 * sink's backpressure: memory stays flat whatever the size. The sink gets plaintext BEFORE it is
 * authenticated (OpenPGP puts the MDC at the end), so it must keep it where nobody reads it until
 * this resolves; the sink is closed only after the MDC and, with `expectSigned`, the signature
 * passed, and aborted on any failure.
 *
 * @example
 * const { bytes, verification } = await decryptIntoSink(key, input, sink, checked);
 * @throws {AgentMailError} `decryption_failed` (the sink's own failure too), `plaintext_too_large`,
 * `signature_missing`, `signature_invalid`, `aborted`, `invalid_options`.
 */
export async function decryptIntoSink(
  key: PrivateKey,
  input: ReadableStream<Uint8Array>,
  sink: WritableStream<Uint8Array>,
  options: CheckedDecryptOptions,
): Promise<DecryptedInto> {
  if (!(input instanceof ReadableStream) || !(sink instanceof WritableStream)) {
    throw new AgentMailError({
      code: "invalid_options",
      message: "decryptInto: give a ReadableStream of ciphertext and a WritableStream sink",
    });
  }
  const writer = sink.getWriter();
  let run: StreamDecryption | undefined;
  try {
    const started = await openStreamDecryption(key, input, options);
    run = started;
    // A sink that stalls must not outlive a failure or the caller's signal: every wait on it
    // ends with the failure (aborting it would not do: an in-flight write holds abort() off).
    const sinkStep = <T>(promise: Promise<T>) =>
      started.unlessFailed(promise.catch((cause) => Promise.reject(sinkError(cause))));
    let bytes = 0;
    for (let next = await started.read(); !next.done; next = await started.read()) {
      await sinkStep(writer.ready);
      await sinkStep(writer.write(next.value));
      bytes += next.value.length;
    }
    const checked = await started.finish();
    await sinkStep(writer.close());
    return { ...checked, bytes };
  } catch (cause) {
    const error = run?.error ?? (AgentMailError.is(cause) ? cause : sinkError(cause));
    run?.stop(error);
    // Not awaited: with a write in flight, abort() settles only when that write does.
    writer.abort(error).catch(() => {});
    throw error;
  }
}

function sinkError(cause: unknown): AgentMailError {
  if (AgentMailError.is(cause)) return cause;
  return new AgentMailError({
    code: "decryption_failed",
    message: `decryptInto: the sink failed (${cause instanceof Error ? cause.message : String(cause)}); the decryption stopped`,
    cause,
  });
}
