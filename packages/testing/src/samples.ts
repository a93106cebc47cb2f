// Sample bytes, a chunked stream of them, and the AgentMailError a promise rejects with: the
// transports' tests' common inputs.
import { AgentMailError } from "@assmbl/core";

/** The AgentMailError a promise rejects with; fails when it resolves or rejects otherwise. */
export async function errorOf(promise: Promise<unknown>): Promise<AgentMailError> {
  try {
    await promise;
  } catch (error) {
    if (AgentMailError.is(error)) return error;
    throw new Error(`expected an AgentMailError, got ${String(error)}`, { cause: error });
  }
  throw new Error("expected a rejection");
}

/** Deterministic bytes covering every byte value. */
export function sampleBytes(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    out[i] = i < 256 ? i : state >>> 24;
  }
  return out;
}

/** A web stream that yields `bytes` in chunks of `size`. */
export function streamOf(bytes: Uint8Array, size = 1000): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + size));
      offset += size;
    },
  });
}
