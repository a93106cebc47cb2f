import { Limits } from "@assmbl/core";

// A decrypted attachment's name comes from the sender (the manifest's original_filename, or the
// MIME part's name) and is meant to be written to disk as it is: it is restored only if every
// common file system stores it as that one name in the directory it is written to, and it
// displays as what it is.

// `/` and `\` separate directories; Windows refuses the others (`:` also opens an NTFS stream).
const WINDOWS_RESERVED = /[<>:"/\\|?*]/;
// Controls, format characters (bidi marks, embeddings, overrides, isolates; zero-width space and
// joiners; U+FEFF), U+2028, U+2029, lone surrogates, and the other invisible default-ignorables.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Default_Ignorable_Code_Point}]/u;
// The stem is the name up to its first dot, without trailing spaces: Windows treats `nul.txt`
// and `CON .tar.gz` as the device.
const WINDOWS_DEVICE =
  /^(?:con|prn|aux|nul|com[0-9\u00b9\u00b2\u00b3]|lpt[0-9\u00b9\u00b2\u00b3]|conin\$|conout\$|clock\$)$/i;
const utf8 = new TextEncoder();

/**
 * `name` if it is safe to write as a file in a directory on Linux, macOS and Windows, else
 * `undefined` (the reader then tries the next candidate). Refused: empty or over 255 UTF-8 bytes;
 * `/ \ < > : " | ? *`; any control, format (bidi, zero-width, U+FEFF, soft hyphen), line or
 * paragraph separator, lone surrogate or other default-ignorable code point; only dots and
 * spaces; a trailing dot or space; a Windows device name with or without an extension. A leading
 * dot is allowed. See `ReceivedAttachment.filename`.
 *
 * @example
 * safeFileName("Q3 report.pdf"); // "Q3 report.pdf"
 * safeFileName("invoice\u202Efdp.exe"); // undefined
 * safeFileName("nul.txt"); // undefined
 */
export function safeFileName(name: string | undefined): string | undefined {
  if (!name || WINDOWS_RESERVED.test(name) || INVISIBLE.test(name)) return undefined;
  if (/^[. ]*$/.test(name) || /[. ]$/.test(name)) return undefined;
  if (WINDOWS_DEVICE.test((name.split(".")[0] ?? "").replace(/ +$/, ""))) return undefined;
  return utf8.encode(name).length <= Limits.filenameBytes ? name : undefined;
}

/**
 * A name as sent (an attachment that was not decrypted), as the reader returns it: only its last
 * path segment (after the last `/` or `\\`), so that `../../.ssh/authorized_keys` comes back as
 * `authorized_keys`; `attachment-<index>` when nothing but dots and spaces is left. Control and
 * other invisible characters were already replaced by the reader (`cleanText`).
 *
 * @example
 * sentFileName("../../.ssh/authorized_keys", 0); // "authorized_keys"
 * sentFileName("..\\..\\boot.ini", 1); // "boot.ini"
 * sentFileName("../..", 2); // "attachment-2"
 */
export function sentFileName(name: string, index: number): string {
  const base = name.slice(Math.max(name.lastIndexOf("/"), name.lastIndexOf("\\")) + 1);
  return /^[. ]*$/.test(base) ? `attachment-${index}` : base;
}
