import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Signs and checks what the storage URLs hand out (upload policies, download URLs) with a secret
 * that lives only as long as the server: hex HMAC-SHA256, compared in constant time.
 *
 * @example
 * const presigner = new Presigner();
 * presigner.verify("policy", presigner.sign("policy")); // true
 */
export class Presigner {
  readonly #secret: Buffer;

  constructor(secret: Uint8Array = randomBytes(32)) {
    this.#secret = Buffer.from(secret);
  }

  /**
   * The hex HMAC-SHA256 of `text` under this server's secret.
   *
   * @example
   * presigner.sign(policyBase64); // "9f86d0..."
   */
  sign(text: string): string {
    return createHmac("sha256", this.#secret).update(text, "utf8").digest("hex");
  }

  /**
   * Whether `signature` is {@link Presigner.sign} of `text` (any other string, of any length, is not).
   *
   * @example
   * presigner.verify(policyBase64, fields["x-amz-signature"] ?? "");
   */
  verify(text: string, signature: string): boolean {
    if (!/^[0-9a-f]{64}$/.test(signature)) return false;
    return timingSafeEqual(Buffer.from(this.sign(text), "hex"), Buffer.from(signature, "hex"));
  }
}
