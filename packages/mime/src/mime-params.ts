import { AgentMailError, hasEncodedWordLookalike } from "@assmbl/core";

/** Width Python's `email.policy.default` folds a MIME parameter header to (RFC 5322's 78). */
const MAX_WIDTH = 78;

// Printable ASCII: what goes out as a quoted string (any other value is RFC 2231-encoded).
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** One parameter of a MIME header value, in the order it is written. */
export interface MimeParameter {
  name: string;
  value: string;
  /**
   * `false`: never split into RFC 2231 sections, however long (the ASCII `name` fallback of
   * Content-Type, meant for readers that ignore RFC 2231); the parameter then gets a line of its
   * own. Default `true`.
   */
  split?: boolean;
}

/**
 * Writes `field: value; p1=...; p2=...` the way Python's `email.policy.default` folds MIME
 * parameters (`_fold_mime_parameters`), and returns what follows `field: `, continuation lines
 * included. A fold only ever comes before a parameter, after its `;`, **never inside a quoted
 * string**: a reader that does not unfold (Python's compat32 `get_filename()`) would otherwise
 * keep the CRLF in the name.
 *
 * - printable ASCII: `name="value"` (`\` and `"` as quoted pairs), on the current line while it
 *   fits 78 characters, else on a line of its own;
 * - anything else, and **any value holding `=?`** (ours: readers decode encoded words even in a
 *   quoted parameter, RFC 2047 §5 notwithstanding): RFC 2231 `name*=utf-8''percent-encoded`;
 * - too long for one line: RFC 2231 sections `name*0*=us-ascii''...; name*1*=...` (`utf-8` when
 *   it had to be encoded), each within 78 characters, cut between characters, never inside one.
 *
 * For a filename this is byte for byte what the Python SDK (`add_attachment(filename=...)`)
 * writes, except for values with `=?`, which Python writes quoted (and its own reader then
 * decodes).
 *
 * @example
 * foldParameters("Content-Disposition", "attachment", [{ name: "filename", value: "report.pdf" }]);
 * // 'attachment; filename="report.pdf"'
 * @throws {AgentMailError} `invalid_attachment` for a value that is not well-formed UTF-16 (a
 * lone surrogate has no UTF-8 encoding).
 */
export function foldParameters(
  field: string,
  value: string,
  params: readonly MimeParameter[],
): string {
  const lines = [`${field}: ${value}`];
  for (const param of params) {
    if (!(lines[lines.length - 1] as string).trimEnd().endsWith(";"))
      lines[lines.length - 1] += ";";
    const encode = !PRINTABLE_ASCII.test(param.value) || hasEncodedWordLookalike(param.value);
    const charset = encode ? "utf-8" : "us-ascii";
    const single = encode
      ? `${param.name}*=${charset}''${percentEncode(param.value)}`
      : `${param.name}=${quoteString(param.value)}`;
    const last = lines[lines.length - 1] as string;
    if (last.length + single.length + 1 < MAX_WIDTH) {
      lines[lines.length - 1] = `${last} ${single}`;
    } else if (single.length + 2 <= MAX_WIDTH || param.split === false) {
      lines.push(` ${single}`);
    } else {
      lines.push(...sections(param.name, param.value, charset));
    }
  }
  return lines.join("\r\n").slice(field.length + 2);
}

// RFC 2231 §3 sections, as Python cuts them: as many characters as fit once percent-encoded.
function sections(name: string, value: string, charset: string): string[] {
  const out: string[] = [];
  let rest = Array.from(value);
  let chrome = `${charset}''`;
  for (let section = 0; rest.length > 0; section++) {
    const room = MAX_WIDTH - (name.length + String(section).length + 3 + chrome.length) - 2;
    let cut = Math.max(1, Math.min(room, rest.length));
    let encoded = percentEncode(rest.slice(0, cut).join(""));
    while (encoded.length > room && cut > 1) {
      cut--;
      encoded = percentEncode(rest.slice(0, cut).join(""));
    }
    rest = rest.slice(cut);
    out.push(` ${name}*${section}*=${chrome}${encoded}${rest.length > 0 ? ";" : ""}`);
    chrome = "";
  }
  return out;
}

// Python's `urllib.parse.quote(value, safe="")`: only A-Z a-z 0-9 _ . - ~ stay as they are.
function percentEncode(value: string): string {
  let encoded: string;
  try {
    encoded = encodeURIComponent(value);
  } catch (cause) {
    throw new AgentMailError({
      code: "invalid_attachment",
      message:
        "a MIME parameter (filename or media type) has a lone surrogate, which has no UTF-8 encoding",
      cause,
    });
  }
  return encoded.replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

// Python's `email.utils.quote` inside double quotes.
function quoteString(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}
