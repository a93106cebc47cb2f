/**
 * `Content-Disposition: attachment` for a file name (RFC 6266): a quoted ASCII `filename` for
 * old clients, in which each character but printable ASCII (and `"`, `\`) becomes `_`, and the exact
 * name as `filename*=UTF-8''<percent-encoded>` (RFC 5987), which current clients prefer. A
 * storage download is always an attachment, so a browser opening the URL saves the bytes instead
 * of rendering them on the API's origin.
 *
 * @example
 * attachmentDisposition("résumé.pdf");
 * // `attachment; filename="r_sum_.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf`
 */
export function attachmentDisposition(fileName: string): string {
  const fallback = fileName.replace(/[^\x20-\x7e]|["\\]/gu, "_");
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeExtValue(fileName)}`;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * RFC 5987 `value-chars`: UTF-8, every byte outside `attr-char` percent-encoded.
 * `encodeURIComponent` leaves `'()*` as they are, which `attr-char` does not allow, and throws on
 * a lone surrogate (which a JSON file name can hold), which becomes U+FFFD as in UTF-8 decoding.
 */
function encodeExtValue(value: string): string {
  const wellFormed = value.replace(LONE_SURROGATE, "\uFFFD");
  return encodeURIComponent(wellFormed).replace(
    /['()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
