/**
 * A bounded least-recently-used cache of parsed keys, keyed by the SHA-256 of the armored text,
 * so that many messages to one peer parse its key once. Concurrent requests for one key share
 * one parse; a failed parse is not cached.
 *
 * @example
 * const cache = new ParsedKeyCache<PublicKey>(256);
 * const key = await cache.get(armored, (text) => readKey({ armoredKey: text }));
 */
export class ParsedKeyCache<T> {
  readonly #entries = new Map<string, Promise<T>>();
  readonly #maxEntries: number;

  constructor(maxEntries = 256) {
    this.#maxEntries = maxEntries;
  }

  get size(): number {
    return this.#entries.size;
  }

  async get(armored: string, parse: (armored: string) => Promise<T>): Promise<T> {
    const id = await sha256Hex(armored);
    const hit = this.#entries.get(id);
    if (hit) {
      // Re-insert to mark it most recently used.
      this.#entries.delete(id);
      this.#entries.set(id, hit);
      return hit;
    }
    const parsing = parse(armored);
    this.#entries.set(id, parsing);
    parsing.catch(() => this.#entries.delete(id));
    if (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    return parsing;
  }
}

const encoder = new TextEncoder();

/**
 * Lower-case hex SHA-256 of a string or bytes (WebCrypto, so it runs wherever openpgp.js does).
 *
 * @example
 * await sha256Hex("abc"); // "ba7816bf..."
 */
export async function sha256Hex(input: string | Uint8Array): Promise<string> {
  const bytes = typeof input === "string" ? encoder.encode(input) : input;
  const digest = new Uint8Array(
    await globalThis.crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>),
  );
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
