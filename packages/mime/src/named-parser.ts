// postal-mime reads an attachment's name with RFC 2047 decoding AFTER the RFC 2231 decoding
// (`decodeWords(filename)` in its collectAttachment), so `filename*=utf-8''%3D%3Futf-8%3Fb%3F...`
// comes back as what the look-alike decodes to (a CR LF, `../../.ssh/authorized_keys`), where
// Python's `email` (`get_filename()`, policy.default) reads the literal `=?utf-8?b?...?=` text that
// was sent. Our composer writes every name holding `=?` by RFC 2231 precisely so that no reader
// decodes it: this parser reads such a name as Python does.
//
// Rule (checked against /usr/bin/python3 by named-parser.test.ts):
// - the name comes from Content-Disposition `filename`, else Content-Type `name` (both read the
//   first header of each kind, as postal-mime and Python do);
// - a parameter given in RFC 2231 form (`filename*=`, or sections `filename*0*=`/`filename*0=`)
//   is the RFC 2231 decoded value, verbatim: no encoded word in it is decoded;
// - a plain parameter (`filename="=?utf-8?q?...?="`) keeps postal-mime's RFC 2047 decoding, which
//   Python applies too (its header parser decodes encoded words inside quoted strings).
//
// The part is known only to postal-mime, so the parser hooks its per-part `collectAttachment`
// (the one place that names an attachment) to see the node, and reads the node's own raw header
// value and parameters. Parts of a nested message/rfc822 are collected by a parser postal-mime
// creates itself and keep its reading. If a postal-mime release drops the hook, the names fall
// back to postal-mime's reading (sanitized by the reader all the same) and the test fails.
import PostalMime from "postal-mime";

/** What postal-mime returns from `parse`. */
export type Email = Awaited<ReturnType<typeof PostalMime.parse>>;

/** The fields of postal-mime's MimeNode this module reads (declared public in its types). */
interface PartNode {
  contentType: { value: string; parsed: { params: Record<string, string> } };
  contentDisposition: { value: string; parsed: { params: Record<string, string> } };
}

type Collect = (this: PostalMime, node: PartNode, ...rest: unknown[]) => void;

const collectAttachment: unknown = Reflect.get(PostalMime.prototype, "collectAttachment");

class NamedParser extends PostalMime {
  /** Attachments (by identity) whose name postal-mime decoded once too often, and the literal. */
  readonly literalNames = new Map<object, string>();
}

if (typeof collectAttachment === "function") {
  Object.defineProperty(NamedParser.prototype, "collectAttachment", {
    configurable: true,
    writable: true,
    value: function collect(this: NamedParser, node: PartNode, ...rest: unknown[]): void {
      (collectAttachment as Collect).call(this, node, ...rest);
      const attachments = (this as unknown as { attachments?: unknown[] }).attachments;
      const attachment = attachments?.[attachments.length - 1];
      const literal = extendedName(node);
      if (attachment && typeof attachment === "object" && literal !== undefined) {
        this.literalNames.set(attachment, literal);
      }
    },
  });
}

/**
 * Parses `bytes` as `PostalMime.parse` does (attachments as ArrayBuffers), except that an
 * attachment name given in RFC 2231 form is its RFC 2231 decoded value, with no RFC 2047 pass
 * after it (as Python's `email` reads it).
 *
 * @example
 * const email = await parseNamed(asPythonLines(raw));
 * email.attachments[0]?.filename; // "=?utf-8?b?SW52b2ljZQ==?=" for filename*=utf-8''%3D%3Futf-8...
 */
export async function parseNamed(bytes: Uint8Array): Promise<Email> {
  const parser = new NamedParser({ attachmentEncoding: "arraybuffer" });
  const email = await parser.parse(bytes);
  for (const attachment of email.attachments) {
    const literal = parser.literalNames.get(attachment);
    if (literal !== undefined) attachment.filename = literal;
  }
  return email;
}

/**
 * The name postal-mime picked for the part (`filename || name`), before its RFC 2047 pass, when
 * that parameter was given in RFC 2231 form; `undefined` otherwise (postal-mime's reading stands).
 */
function extendedName(node: PartNode): string | undefined {
  const filename = node.contentDisposition?.parsed?.params?.filename;
  if (filename) {
    return hasExtendedParameter(node.contentDisposition.value, "filename") ? filename : undefined;
  }
  const name = node.contentType?.parsed?.params?.name;
  if (name) return hasExtendedParameter(node.contentType.value, "name") ? name : undefined;
  return undefined;
}

/**
 * Whether the header value has parameter `key` in RFC 2231 form: `key*`, `key*<n>` or
 * `key*<n>*` (postal-mime then uses the RFC 2231 value, even when a plain `key` is there too).
 * Names are read between `;` and `=` outside quoted strings (a backslash escapes inside one),
 * as postal-mime's parameter parser does.
 *
 * @example
 * hasExtendedParameter("attachment; filename*=utf-8''a.txt", "filename"); // true
 */
export function hasExtendedParameter(value: string | undefined, key: string): boolean {
  if (!value) return false;
  const pattern = new RegExp(`^${key}\\*(\\d+\\*?)?$`, "i");
  let quoted = false;
  let escaped = false;
  let segment = "";
  const check = (): boolean => {
    const eq = segment.indexOf("=");
    return eq >= 0 && pattern.test(segment.slice(0, eq).trim());
  };
  for (const char of value) {
    if (escaped) escaped = false;
    else if (quoted && char === "\\") escaped = true;
    else if (char === '"') quoted = !quoted;
    else if (char === ";" && !quoted) {
      if (check()) return true;
      segment = "";
      continue;
    }
    segment += char;
  }
  return check();
}
