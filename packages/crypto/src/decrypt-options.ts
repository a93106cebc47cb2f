import { AgentMailError, type DecryptOptions, parseInput } from "@assmbl/core";
import { z } from "zod";
import { MAX_DECOMPRESSED_BYTES } from "./config.js";

// The options every decryption of AgentPrivateKey takes (core's DecryptOptions), checked once.
/** Core's {@link DecryptOptions}, checked. @internal */
export const DecryptOptionsSchema = z
  .strictObject({
    verificationKeys: z.array(z.string()).readonly().optional(),
    expectSigned: z.boolean().optional(),
    maxPlaintextBytes: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional(),
    signal: z.instanceof(AbortSignal).optional(),
  })
  .optional();

/** {@link DecryptOptions} after checking, with the plaintext budget resolved. */
export interface CheckedDecryptOptions {
  verificationKeys?: readonly string[] | undefined;
  expectSigned?: boolean | undefined;
  /** The caller's `maxPlaintextBytes`, or {@link MAX_DECOMPRESSED_BYTES}. */
  maxPlaintextBytes: number;
  signal?: AbortSignal | undefined;
}

/**
 * Checks decrypt options (unknown keys are refused by name) and resolves the plaintext budget.
 *
 * @example
 * const checked = checkDecryptOptions(options, "decryptInto");
 * @throws {AgentMailError} `invalid_options`; `aborted` when the signal already fired.
 */
export function checkDecryptOptions(
  options: DecryptOptions | undefined,
  what: string,
): CheckedDecryptOptions {
  const parsed = parseInput(DecryptOptionsSchema, options, `${what} options`) ?? {};
  throwIfAborted(parsed.signal);
  return {
    ...parsed,
    maxPlaintextBytes: parsed.maxPlaintextBytes ?? MAX_DECOMPRESSED_BYTES,
  };
}

/**
 * Fails with `aborted` when `signal` fired.
 *
 * @example
 * throwIfAborted(options.signal);
 * @throws {AgentMailError} `aborted`.
 */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortedError(signal);
}

/**
 * The error of a decryption stopped by its caller's signal.
 *
 * @example
 * reject(abortedError(signal));
 */
export function abortedError(signal: AbortSignal): AgentMailError {
  return new AgentMailError({
    code: "aborted",
    message: "decryption aborted by the caller's signal; no plaintext was released",
    cause: signal.reason,
  });
}
