// An encoded word (RFC 2047) in a display name is one opaque word to a reader that parses the
// header first (Python's `policy.default`, the SDK's `openMessage`), but its raw text is syntax
// to one that never decodes (Python's compat32 `getaddresses` / `parseaddr`):
// `"bob@x"=?utf-8?q?,?= <alice@x>` is alice to the first and bob to the others. So an encoded
// word in a phrase is accepted only when its encoded text holds nothing a reader could take as
// syntax (RFC 2047 §5(3) limits a Q word in a phrase to letters, digits and `!*+-/=_`), it is
// well-formed, and it decodes in a known charset to text without control characters. Otherwise
// its decoded text is not restricted: it is a name, whatever it says (the SDK writes any name
// holding `=?` or specials as one B word, and receivers must read back exactly that text).

/** The charsets whose ASCII bytes are ASCII and whose other bytes never decode to ASCII. */
const CHARSET = /^(?:utf-8|us-ascii|iso-8859-(?:[1-9]|1[0-6])|windows-125[0-8])(?:\*[a-z0-9-]+)?$/i;
const WORD = /^=\?([^?\s]*)\?([BbQq])\?([^?\s]*)\?=/;
/** RFC 5322 specials: syntax to a reader that does not decode first. */
const SPECIALS = /[()<>[\]:;@\\,."]/;

/** A special, a C0 or C1 control character, or DEL. */
function special(text: string): boolean {
  return SPECIALS.test(text) || control(text);
}

/** A C0 or C1 control character, or DEL. */
function control(text: string): boolean {
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return true;
  }
  return false;
}

/**
 * Reads the encoded word at the start of `text` (which starts with `=?`): its length, or why it
 * is refused in a display name (malformed, an unknown charset, not valid in its charset, encoded
 * text holding one of `()<>[]:;@\,."` or a control character, or decoded text holding a control).
 *
 * @example
 * phraseEncodedWord("=?UTF-8?Q?Al=C3=AFce?= <a@x.example>"); // { ok: true, length: 22 }
 * phraseEncodedWord("=?utf-8?q?,?= <a@x.example>"); // { ok: false, problem: "..." }
 */
export function phraseEncodedWord(
  text: string,
): { ok: true; length: number } | { ok: false; problem: string } {
  const match = WORD.exec(text);
  const [word, charset = "", encoding = "", encoded = ""] = match ?? [];
  if (word === undefined) return refuse("a malformed encoded word");
  if (!CHARSET.test(charset))
    return refuse(
      "an encoded word in a charset other than UTF-8, US-ASCII, ISO-8859 or Windows-125x",
    );
  const bytes = decode(encoding.toUpperCase() === "B" ? "B" : "Q", encoded);
  if (bytes === undefined) return refuse("a malformed encoded word");
  if (special(encoded)) return refuse("an encoded word whose text holds a special character");
  let decoded: string;
  try {
    decoded = new TextDecoder(/^utf-8/i.test(charset) ? "utf-8" : "latin1", {
      fatal: true,
    }).decode(bytes);
  } catch {
    return refuse("an encoded word that is not valid in its charset");
  }
  // Python's policy.default raises on a display name holding CR or LF (every later access to the
  // header fails), and C0/C1 controls are never text. A single-byte charset's 0x80-0x9f are C1
  // controls to Python's codecs.
  const c1 = !/^utf-8/i.test(charset) && bytes.some((byte) => byte >= 0x80 && byte <= 0x9f);
  if (control(decoded) || c1) return refuse("an encoded word that decodes to a control character");
  return { ok: true, length: word.length };
}

/** The bytes of B or Q encoded text, or `undefined` where readers would decode it differently. */
function decode(encoding: "B" | "Q", encoded: string): Uint8Array | undefined {
  if (encoding === "B") {
    // Strict base64: lenient readers skip or map `-` `_` and a missing pad differently.
    if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(encoded)) {
      return undefined;
    }
    return Uint8Array.from(Buffer.from(encoded, "base64"));
  }
  if (!/^(?:[^=]|=[0-9A-Fa-f]{2})*$/.test(encoded)) return undefined;
  const bytes: number[] = [];
  for (let i = 0; i < encoded.length; i++) {
    const char = encoded[i] as string;
    if (char === "=") {
      bytes.push(Number.parseInt(encoded.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (char === "_") bytes.push(0x20);
    else {
      const code = char.charCodeAt(0);
      if (code > 0x7e) return undefined;
      bytes.push(code);
    }
  }
  return Uint8Array.from(bytes);
}

function refuse(what: string): { ok: false; problem: string } {
  return { ok: false, problem: `the display name holds ${what}` };
}
