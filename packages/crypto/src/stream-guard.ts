// Why this file exists: openpgp.js 6.3 can deadlock while it decrypts a stream with
// `allowUnauthenticatedStream` (the only way to decrypt in bounded memory). Its streaming packet
// parser hands each data packet's body to the packet's `read()` as a stream and keeps writing the
// body into it, waiting for room. Two ways of failing leave that body unread, so the writer waits
// forever, the input is never read to its end, and no error ever reaches the caller:
//
// 1. The packet is refused before or while its `read()` runs: a data packet not allowed there
//    (a Symmetrically Encrypted Data packet, tag 9, nested in the SEIPD: a sender can craft that;
//    or a nested SEIPD or AEAD packet), or a Compressed Data packet whose algorithm is unknown or
//    whose content does not parse. openpgp.js keeps that error back until "the entire input" is
//    read (so that a failed MDC takes precedence), but the input is stuck behind the unread body.
// 2. A later packet header inside the SEIPD (or inside a Compressed Data packet) does not parse
//    (e.g. a damaged partial-length header ends the literal data early). The inner parser stops
//    reading and records the error in its packet list, but openpgp.js only looks at that list
//    after the outer packet list ended, and the outer list is stuck behind the SEIPD body nobody
//    reads any more.
//
// The guard closes both, without patching openpgp.js: the packet classes below (given to
// openpgp.js through `config.additionalAllowedPackets`, per decryption) always read a refused
// body to its end before they throw (1); and the SEIPD and Compressed Data packets hand their
// inner packet lists through `watch`, which reads them eagerly so that an error is seen as soon
// as it happens, and then `fail` stops the decryption: it cancels the SEIPD's ciphertext body
// (the outer parser is unblocked and ends) and rejects `failed`, which the reader of the
// plaintext races against every read (2).
import {
  CompressedDataPacket,
  type Config,
  enums,
  SymEncryptedIntegrityProtectedDataPacket,
} from "openpgp";

type Packet = object;
interface PacketClass {
  readonly tag: number;
  new (): Packet;
}

/** The state of one streamed decryption: its first failure, and how to stop it. */
export class StreamGuard {
  /** Rejects with the first failure the guard saw; never resolves. */
  readonly failed: Promise<never>;
  private reject: (reason: unknown) => void = () => {};
  private stopCiphertext: ((reason: unknown) => void) | undefined;
  private failure: { error: unknown } | undefined;

  constructor() {
    this.failed = new Promise<never>((_, reject) => {
      this.reject = reject;
    });
    this.failed.catch(() => {});
  }

  /** Whether the guard failed (`error` may be anything, even undefined). */
  get hasFailed(): boolean {
    return this.failure !== undefined;
  }

  /** The first failure, if any. */
  get error(): unknown {
    return this.failure?.error;
  }

  /** Stops the decryption with `error` (the first call wins). */
  fail(error: unknown): void {
    if (this.failure) return;
    this.failure = { error };
    this.reject(error);
    this.stopCiphertext?.(error);
    for (const listener of this.listeners) listener(error);
    this.listeners.clear();
  }

  /**
   * Calls `listener` on failure (at once if failed already) until the returned function removes
   * it. Unlike a race against `failed`, nothing stays attached once the wait is over, so a wait
   * per chunk holds no chunk.
   */
  onFail(listener: (error: unknown) => void): () => void {
    if (this.failure) {
      listener(this.failure.error);
      return () => {};
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private readonly listeners = new Set<(error: unknown) => void>();

  /**
   * A stand-in for the SEIPD's ciphertext body that openpgp.js reads instead, so that `fail` can
   * still cancel the real one (openpgp.js tees the body it is given and rebinds that object).
   */
  relay(body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
    const reader = body.getReader();
    this.stopCiphertext = (reason) => void reader.cancel(reason).catch(() => {});
    return new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          const next = await reader.read();
          if (next.done) controller.close();
          else controller.enqueue(next.value);
        },
        cancel: (reason) => reader.cancel(reason),
      },
      { highWaterMark: 0 },
    );
  }

  /**
   * Reads a packet list's stream eagerly (what is left of it after the data packet: signatures,
   * or nothing) and gives openpgp.js a copy to read later; an error in it fails the guard at once.
   */
  watch<T>(stream: ReadableStream<T>): ReadableStream<T> {
    const reader = stream.getReader();
    const queue: T[] = [];
    let ended = false;
    let error: { reason: unknown } | undefined;
    let wake: () => void = () => {};
    void (async () => {
      try {
        for (let next = await reader.read(); !next.done; next = await reader.read()) {
          queue.push(next.value);
          wake();
        }
        ended = true;
      } catch (reason) {
        error = { reason };
        this.fail(reason);
      }
      wake();
    })();
    return new ReadableStream<T>(
      {
        async pull(controller) {
          while (queue.length === 0 && !ended && !error)
            await new Promise<void>((resolve) => {
              wake = resolve;
            });
          if (queue.length > 0) controller.enqueue(queue.shift() as T);
          else if (error) controller.error(error.reason);
          else controller.close();
        },
      },
      { highWaterMark: 0 },
    );
  }
}

/** Reads a packet body to its end, discarding it; errors are left to openpgp.js to report. */
async function drain(body: unknown): Promise<void> {
  if (!(body instanceof ReadableStream)) return;
  const reader = body.getReader();
  await drainReader(reader);
}

async function drainReader(reader: ReadableStreamDefaultReader<unknown>): Promise<void> {
  try {
    for (let next = await reader.read(); !next.done; next = await reader.read()) {}
  } catch {
    // The body's own error (a failed MDC, a truncated input) reaches openpgp.js's reader too.
  }
}

// A data packet that is never allowed inside a SEIPD or a Compressed Data packet: read to its
// end, then refused with the error openpgp.js gives for it.
function refused(tag: number): PacketClass {
  const name = enums.read(enums.packet, tag);
  return class RefusedDataPacket {
    static get tag() {
      return tag;
    }
    async read(body: unknown): Promise<void> {
      await drain(body);
      throw new Error(`Packet not allowed in this context: ${name}`);
    }
    write(): never {
      throw new Error(`${name} packets are not written here`);
    }
  };
}

type CompressedInternals = {
  read(bytes: unknown, config?: Config): Promise<void>;
  packets: { stream?: unknown } | null;
};

/**
 * The packet classes one streamed decryption gives openpgp.js as `additionalAllowedPackets`.
 * Tags 8 and 11 already had a class each, so overriding them would widen openpgp.js's message
 * grammar (its grammar check allows an "additional" tag anywhere): the Compressed Data class
 * therefore refuses what the grammar would (a second one, or one nested in another: the first
 * data packet of a streamed list is always a stream, any later one a buffer).
 */
export function guardedDataPackets(guard: StreamGuard): PacketClass[] {
  let compressedSeen = false;
  class GuardedCompressedDataPacket extends CompressedDataPacket {
    override async read(bytes: unknown, config?: Config): Promise<void> {
      if (!(bytes instanceof ReadableStream) || compressedSeen) {
        await drain(bytes);
        throw new Error("Packet not allowed in this context: compressedData");
      }
      compressedSeen = true;
      const reader = (bytes as ReadableStream<Uint8Array>).getReader();
      const body = new ReadableStream<Uint8Array>(
        {
          async pull(controller) {
            const next = await reader.read();
            if (next.done) controller.close();
            else controller.enqueue(next.value);
          },
          // Whoever stops reading the compressed data, the body is still read to its end, so
          // the parser writing it finishes and reports its errors.
          cancel: () => void drainReader(reader),
        },
        { highWaterMark: 0 },
      );
      const self = this as unknown as CompressedInternals;
      try {
        const base = CompressedDataPacket.prototype as unknown as CompressedInternals;
        await base.read.call(this, body, config);
      } catch (error) {
        await drainReader(reader);
        throw error;
      }
      const stream = self.packets?.stream;
      if (stream instanceof ReadableStream && self.packets)
        self.packets.stream = guard.watch(stream);
    }
  }
  return [
    GuardedCompressedDataPacket as unknown as PacketClass,
    refused(enums.packet.symmetricallyEncryptedData),
    refused(enums.packet.symEncryptedIntegrityProtectedData),
    refused(enums.packet.aeadEncryptedData),
  ];
}

type SeipdInternals = {
  encrypted: unknown;
  packets: { stream?: unknown } | null;
};

/**
 * The SEIPD class `readMessage` uses for a streamed message (through `additionalAllowedPackets`).
 * Its `guard` is set before decryption. Use {@link oneSeipdPacketClass}, never this class itself:
 * openpgp.js's grammar check allows an "additional" tag anywhere, a second SEIPD after the first
 * included, and then decrypts only the first.
 */
export class GuardedSeipdPacket extends SymEncryptedIntegrityProtectedDataPacket {
  guard: StreamGuard | undefined;
  private relayed = false;

  async decrypt(algorithm: unknown, key: Uint8Array, config?: Config): Promise<boolean> {
    const self = this as unknown as SeipdInternals;
    const guard = this.guard;
    if (guard && !this.relayed && self.encrypted instanceof ReadableStream) {
      this.relayed = true;
      self.encrypted = guard.relay(self.encrypted as ReadableStream<Uint8Array>);
    }
    const decrypt = SymEncryptedIntegrityProtectedDataPacket.prototype as unknown as {
      decrypt(this: unknown, a: unknown, k: Uint8Array, c?: Config): Promise<boolean>;
    };
    const result = await decrypt.decrypt.call(this, algorithm, key, config);
    const stream = self.packets?.stream;
    if (guard && stream instanceof ReadableStream && self.packets)
      self.packets.stream = guard.watch(stream);
    return result;
  }
}

/**
 * A {@link GuardedSeipdPacket} class for one streamed message, refusing any SEIPD after the first.
 * Without it openpgp.js would release the first SEIPD's plaintext and skip the second, where
 * decryptBytes refuses the message (its grammar check has no "additional" SEIPD to allow). What
 * follows the first SEIPD arrives as a whole buffer (openpgp.js streams only the first data
 * packet) and is parsed once the plaintext has been read, so the refusal comes before the end.
 *
 * @example
 * readMessage({ binaryMessage, config: { ...hardenedConfig, additionalAllowedPackets: [oneSeipdPacketClass()] } });
 */
export function oneSeipdPacketClass(): typeof GuardedSeipdPacket {
  let read = false;
  return class OneSeipdPacket extends GuardedSeipdPacket {
    override async read(bytes: unknown, config?: Config): Promise<void> {
      if (read) {
        await drain(bytes);
        throw new Error("Packet not allowed in this context: a second encrypted data packet");
      }
      read = true;
      const base = SymEncryptedIntegrityProtectedDataPacket.prototype as unknown as {
        read(this: unknown, b: unknown, c?: Config): Promise<void>;
      };
      await base.read.call(this, bytes, config);
    }
  };
}
