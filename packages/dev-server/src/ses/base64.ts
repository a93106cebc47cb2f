const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Decodes standard, padded base64 (line breaks allowed, as MIME encoders wrap it); `undefined`
 * for anything else, where `Buffer.from` would silently skip the bad characters.
 *
 * @example
 * decodeBase64Strict("aGk="); // Uint8Array [104, 105]
 * decodeBase64Strict("aGk"); // undefined
 */
export function decodeBase64Strict(text: string): Uint8Array | undefined {
  const compact = text.replace(/\r?\n/g, "");
  if (compact.length % 4 !== 0 || !BASE64.test(compact)) return undefined;
  const decoded = Buffer.from(compact, "base64");
  // A plain Uint8Array of its own, not a view of Buffer's shared pool.
  const bytes = new Uint8Array(decoded.byteLength);
  bytes.set(decoded);
  return bytes;
}
