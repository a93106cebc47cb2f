import type { PrivateKey } from "openpgp";
import type { VerificationResult } from "./decrypt-message.js";
import type { CheckedDecryptOptions } from "./decrypt-options.js";
import { openStreamDecryption } from "./decrypt-stream.js";

/**
 * Decrypts a message arriving as a stream and releases its plaintext only after the whole
 * message passed its integrity check (MDC) and, with `expectSigned`, its signature check: the
 * returned stream yields nothing until then, and errors instead when a check fails. The
 * plaintext is held in memory meanwhile (one copy, at most `maxPlaintextBytes`).
 *
 * @example
 * const { data, verification } = await decryptHeldStream(key, input, checked);
 * @throws {AgentMailError} `decryption_failed`, `plaintext_too_large`, `aborted`; the stream
 * errors with those or `signature_missing` / `signature_invalid` before yielding anything.
 */
export async function decryptHeldStream(
  key: PrivateKey,
  input: ReadableStream<Uint8Array>,
  options: CheckedDecryptOptions,
): Promise<{ data: ReadableStream<Uint8Array>; verification: Promise<VerificationResult> }> {
  const run = await openStreamDecryption(key, input, options);
  let settle: (value: VerificationResult) => void = () => {};
  let fail: (reason: unknown) => void = () => {};
  const verification = new Promise<VerificationResult>((resolve, reject) => {
    settle = resolve;
    fail = reject;
  });
  // Callers that only read the data must not see an unhandled rejection.
  verification.catch(() => {});
  let checkedChunks: Uint8Array[] | undefined;
  const data = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!checkedChunks) {
          try {
            const held: Uint8Array[] = [];
            for (let next = await run.read(); !next.done; next = await run.read())
              held.push(next.value);
            const checked = await run.finish();
            checkedChunks = held;
            settle(checked);
          } catch (error) {
            fail(error);
            controller.error(error);
            return;
          }
        }
        const chunk = checkedChunks.shift();
        if (chunk) controller.enqueue(chunk);
        else controller.close();
      },
      cancel(reason) {
        run.stop(reason);
      },
    },
    { highWaterMark: 0 },
  );
  return { data, verification };
}
