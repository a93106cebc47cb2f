// Delivery by reference: when a /send message with its attachments inline would be larger than
// SES takes (40 MiB raw), the platform cannot send it as one MIME message. Its attachments then
// travel as references: each part keeps its headers with an empty body, the manifest keeps its
// rows (object_key and size), and the recipient downloads the bytes from storage.

import type { SendRequestWire } from "./prepare.js";

/** Headers, boundaries and part headers of a message beyond what is counted one by one. */
const MESSAGE_OVERHEAD_BYTES = 4 * 1024;
/** One attachment part's boundary and headers (type, name, disposition, encoding). */
const PART_OVERHEAD_BYTES = 1024;
/** base64 in MIME: a CRLF after every 76 characters. */
const BASE64_LINE = 76;

const ARMOR_HEADER = Buffer.from("-----BEGIN PGP MESSAGE-----");
const ARMOR_FOOTER = Buffer.from("-----END PGP MESSAGE-----");
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * An estimate, from above, of the MIME message `/send` would compose with these attachment
 * sizes inline: the text and HTML bodies (7-bit text as is, other text at its worst-case
 * encoding), the headers the request gives (addresses, subject, its own headers), each
 * attachment base64-encoded in 76-character lines, and a fixed allowance for what the
 * composer adds. Compared with `inlineMessageBytes` to decide delivery by
 * reference.
 *
 * @example
 * estimatedMimeBytes(request, [1_073_741_824]) > Limits.sesV2MessageBytes; // true
 */
export function estimatedMimeBytes(request: SendRequestWire, sizes: readonly number[]): number {
  const text = (value: string | null | undefined) => (value ? Buffer.byteLength(value) : 0);
  // ASCII goes out as it is, LF as CRLF; other text as quoted-printable or base64, at most
  // three bytes per byte plus soft line breaks (a bound, not a guess at the composer's choice).
  const bodyText = (value: string | null | undefined) => {
    if (!value) return 0;
    // biome-ignore lint/suspicious/noControlCharactersInRegex: 7-bit text is the point.
    if (/^[\u0000-\u007f]*$/.test(value)) return value.length + (value.match(/\n/g)?.length ?? 0);
    return Math.ceil((Buffer.byteLength(value) * 3 * 76) / 73);
  };
  const addresses = [
    ...(typeof request.to === "string" ? [request.to] : request.to),
    ...request.cc,
    ...request.bcc,
    ...(request.reply_to ?? []),
  ];
  const headers =
    text(request.subject) +
    addresses.reduce((total, address) => total + text(address) + 2, 0) +
    Object.entries(request.headers).reduce(
      (total, [name, value]) => total + text(name) + text(value) + 4,
      0,
    );
  const attachments = sizes.reduce((total, size) => {
    const encoded = Math.ceil(size / 3) * 4;
    return total + encoded + Math.ceil(encoded / BASE64_LINE) * 2 + PART_OVERHEAD_BYTES;
  }, 0);
  return (
    bodyText(request.body) + bodyText(request.html) + headers + attachments + MESSAGE_OVERHEAD_BYTES
  );
}

/**
 * Whether bytes are one ASCII-armored OpenPGP message, checked on the bytes: core's
 * `isArmoredMessage` on the decoded text would need a string of the whole attachment, which
 * past ~512 MiB V8 cannot make. Same rule: after white space (and a UTF-8 BOM, which decoding
 * drops) is trimmed, it begins with the armor header, ends with the footer, and has neither
 * anywhere else.
 *
 * @example
 * isArmoredBytes(new TextEncoder().encode("-----BEGIN PGP MESSAGE-----\n...\n-----END PGP MESSAGE-----\n"));
 */
export function isArmoredBytes(bytes: Uint8Array): boolean {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let start = buffer.subarray(0, UTF8_BOM.length).equals(UTF8_BOM) ? UTF8_BOM.length : 0;
  let end = buffer.length;
  while (start < end && isSpace(buffer[start] as number)) start += 1;
  while (end > start && isSpace(buffer[end - 1] as number)) end -= 1;
  const trimmed = buffer.subarray(start, end);
  return (
    trimmed.subarray(0, ARMOR_HEADER.length).equals(ARMOR_HEADER) &&
    trimmed.length >= ARMOR_HEADER.length + ARMOR_FOOTER.length &&
    trimmed.subarray(trimmed.length - ARMOR_FOOTER.length).equals(ARMOR_FOOTER) &&
    trimmed.indexOf(ARMOR_HEADER, 1) === -1 &&
    trimmed.indexOf(ARMOR_FOOTER) === trimmed.length - ARMOR_FOOTER.length
  );
}

/** ASCII white space as `String.prototype.trim` removes it (tab, LF, VT, FF, CR, space). */
function isSpace(byte: number): boolean {
  return byte === 0x20 || (byte >= 0x09 && byte <= 0x0d);
}

/**
 * What the composer is given for an attachment delivered by reference: short, and shaped like an
 * armored encrypted message packet by packet (a PKESK v3, then one SEIPD v1 packet; nobody can
 * decrypt it) so that the composer's check of encrypted attachments passes; its part's body is
 * emptied after composing (see `referenceMime`), so none of it is ever delivered.
 *
 * @example
 * const attachment = { manifest: row, content: REFERENCE_PLACEHOLDER };
 */
export const REFERENCE_PLACEHOLDER: Uint8Array = placeholderCiphertext();

function placeholderCiphertext(): Uint8Array {
  // PKESK v3: version, key id, RSA, a 2048-bit MPI; SEIPD v1: version, then 64 bytes.
  const pkesk = Buffer.concat([
    Buffer.from([0xc1, 0xc0, 0x4c, 3, 1, 2, 3, 4, 5, 6, 7, 8, 1, 0x08, 0x00]),
    Buffer.alloc(256, 0xa5),
  ]);
  const seipd = Buffer.concat([Buffer.from([0xd2, 65, 1]), Buffer.alloc(64, 0x5a)]);
  const base64 = Buffer.concat([pkesk, seipd]).toString("base64");
  const lines = base64.replace(/.{1,64}/g, "$&\n");
  return new Uint8Array(Buffer.from(`${ARMOR_HEADER}\n\n${lines}-----END PGP MESSAGE-----\n`));
}
