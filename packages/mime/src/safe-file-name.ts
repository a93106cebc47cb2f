import { Limits } from "@assmbl/core";

// A decrypted attachment's name comes from the sender (the manifest's original_filename, or the
// MIME part's name) and is meant to be written to disk as it is: it is restored only if every
// common file system stores it as that one name in the directory it is written to, and it
// displays as what it is.

// `/` and `\` separate directories; Windows refuses the others (`:` also opens an NTFS stream:
// `a:b` writes stream b of file a, `C:evil.txt` is relative to drive C's current directory).
const WINDOWS_RESERVED = /[<>:"/\\|?*]/;
// Characters Windows' "best fit" conversion (ANSI file APIs, and tools built on them) turns into
// one of the reserved ones above: slash and backslash look-alikes (division, fraction and big
// solidus, set minus, small and fullwidth forms) and the fullwidth < > : " | ? * (ours: the list
// covers the code points that best-fit tables map to those ASCII characters).
const BEST_FIT_RESERVED =
  /[\u2044\u2215\u2216\u29f5\u29f8\u29f9\ufe68\uff0f\uff3c\uff1c\uff1e\uff1a\uff02\uff5c\uff1f\uff0a\ufe55\ufe64\ufe65\ufe56\ufe61\u2236\u02d0\ua789]/;
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
 * `/ \ < > : " | ? *` and the look-alikes Windows best-fits to them (U+2215, U+FF0F, U+29F8...);
 * any control, format (bidi, zero-width, U+FEFF, soft hyphen), line or
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
  if (!name || WINDOWS_RESERVED.test(name) || BEST_FIT_RESERVED.test(name)) return undefined;
  if (INVISIBLE.test(name)) return undefined;
  if (/^[. ]*$/.test(name) || /[. ]$/.test(name)) return undefined;
  if (WINDOWS_DEVICE.test((name.split(".")[0] ?? "").replace(/ +$/, ""))) return undefined;
  return utf8.encode(name).length <= Limits.filenameBytes ? name : undefined;
}

/**
 * A name as sent (an attachment that was not decrypted), as the reader returns it: only its last
 * path segment (after the last `/` or `\\`), so that `../../.ssh/authorized_keys` comes back as
 * `authorized_keys`; `attachment-<index>` when nothing but dots and spaces is left. Then the
 * parts of it that Windows reads as something other than a name are neutralised: `:` (a drive in
 * `C:evil.txt`, an NTFS alternate data stream in `a:b`) and the look-alikes Windows' best-fit
 * conversion turns into `/ \\ : < > " | ? *` (U+2215 DIVISION SLASH, U+FF0F FULLWIDTH SOLIDUS,
 * U+29F8 BIG SOLIDUS, U+FF1A FULLWIDTH COLON...) become `_`, and a device name (`CON`, `nul.txt`,
 * `COM1 .log`) gets a leading `_`. The other characters Windows refuses (`< > " | ? *`) are kept:
 * they cannot name another file, only fail to be written there, and names as sent read back as
 * written. Control and other invisible characters were already replaced by the reader
 * (`cleanText`).
 *
 * @example
 * sentFileName("../../.ssh/authorized_keys", 0); // "authorized_keys"
 * sentFileName("..\\..\\boot.ini", 1); // "boot.ini"
 * sentFileName("../..", 2); // "attachment-2"
 * sentFileName("C:evil.txt", 3); // "C_evil.txt"
 * sentFileName("nul.txt", 4); // "_nul.txt"
 */
export function sentFileName(name: string, index: number): string {
  const base = name.slice(Math.max(name.lastIndexOf("/"), name.lastIndexOf("\\")) + 1);
  if (/^[. ]*$/.test(base)) return `attachment-${index}`;
  const replaced = base.replace(/:/g, "_").replace(new RegExp(BEST_FIT_RESERVED.source, "g"), "_");
  const stem = (replaced.split(".")[0] ?? "").replace(/ +$/, "");
  return WINDOWS_DEVICE.test(stem) ? `_${replaced}` : replaced;
}
