import { AgentMailError, Limits } from "@assmbl/core";

/**
 * How much plaintext one received message may decrypt to, body and attachments together: the
 * bound on decompression bombs (a few KB of compressed OpenPGP can inflate to gigabytes). The
 * parts are decrypted one after another, each told what is left (`maxPlaintextBytes`). The
 * first part that would pass it fails with `plaintext_too_large`, and from then on every
 * encrypted part fails with the same code without being tried: one code for the message.
 *
 * @example
 * const budget = new PlaintextBudget(defaultPlaintextBudget(cipherBytes));
 * const { data } = await budget.spend("attachment 0", (max) => key.decryptBytes(cipher, { maxPlaintextBytes: max }), (r) => r.data.length);
 */
export class PlaintextBudget {
  readonly total: number;
  #left: number;
  #exhaustedBy: string | undefined;

  constructor(total: number) {
    this.total = total;
    this.#left = total;
  }

  /** Bytes that later parts may still decrypt to. */
  get left(): number {
    return this.#left;
  }

  /**
   * Fails as {@link spend} would without calling anything, once the budget is used up: lets a
   * caller skip fetching a part that would not be decrypted anyway.
   *
   * @example
   * budget.check("attachment 2");
   * @throws {AgentMailError} `plaintext_too_large` once the budget is used up.
   */
  check(what: string): void {
    if (this.#exhaustedBy !== undefined || this.#left <= 0) throw this.#notTried(what);
  }

  /**
   * Runs one decryption under what is left of the budget and counts what it produced. A
   * decryptor that ignores `maxPlaintextBytes` and returns more is held to it all the same (its
   * plaintext is dropped).
   *
   * @example
   * await budget.spend("the body", (max) => key.decryptText(armored, { maxPlaintextBytes: max }), (r) => utf8Length(r.text));
   * @throws {AgentMailError} `plaintext_too_large` past the budget, or once it is used up
   * (`decrypt` is then not called); whatever `decrypt` throws.
   */
  async spend<T>(
    what: string,
    decrypt: (maxPlaintextBytes: number) => Promise<T>,
    size: (result: T) => number,
  ): Promise<T> {
    // An empty plaintext could still fit in 0 bytes, but no decryptor is asked for "at most 0".
    this.check(what);
    const left = this.#left;
    let result: T;
    try {
      result = await decrypt(left);
    } catch (error) {
      if (AgentMailError.is(error) && error.code === "plaintext_too_large") {
        throw this.#exceeded(what, left, error);
      }
      throw error;
    }
    const produced = size(result);
    if (produced > left) throw this.#exceeded(what, left, undefined);
    this.#left -= produced;
    return result;
  }

  #exceeded(what: string, left: number, cause: unknown): AgentMailError {
    this.#exhaustedBy = what;
    this.#left = 0;
    return new AgentMailError({
      code: "plaintext_too_large",
      message: `${what} decrypts to more than the ${left} bytes left of this message's plaintext budget (${this.total} bytes); nothing of it was released. Pass a larger maxPlaintextBytes to allow more`,
      ...(cause === undefined ? {} : { cause }),
    });
  }

  #notTried(what: string): AgentMailError {
    const by = this.#exhaustedBy === undefined ? "earlier parts" : this.#exhaustedBy;
    return new AgentMailError({
      code: "plaintext_too_large",
      message: `${what} was not decrypted: this message's plaintext budget (${this.total} bytes) is used up by ${by}. Pass a larger maxPlaintextBytes to allow more`,
    });
  }
}

/**
 * The budget of a message whose encrypted parts hold `ciphertextBytes` together: that, plus
 * `Limits.plaintextExpansionBytes`; with `toFiles` (`downloadDir`: the plaintext goes to disk,
 * not memory) `Limits.downloadExpansionRatio` times that many bytes, plus the same.
 *
 * @example
 * defaultPlaintextBudget(1_000); // 67_109_864
 * defaultPlaintextBudget(1_000, { toFiles: true }); // 67_140_864
 */
export function defaultPlaintextBudget(
  ciphertextBytes: number,
  options: { toFiles?: boolean } = {},
): number {
  const ratio = options.toFiles ? Limits.downloadExpansionRatio : 1;
  return ciphertextBytes * ratio + Limits.plaintextExpansionBytes;
}

/**
 * The UTF-8 length of `text`, without encoding it (a lone surrogate counts as U+FFFD, 3 bytes).
 *
 * @example
 * utf8Length("\u00e9"); // 2
 */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}
