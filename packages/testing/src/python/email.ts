// Parses MIME with Python's `email` package (policy.default): an independent reader of what
// the composer writes.
import { runPython } from "./run.js";

/** One MIME part as Python's parser sees it. */
export interface PythonPart {
  /** Position in `msg.walk()` order. */
  index: number;
  contentType: string;
  params: Record<string, string>;
  isMultipart: boolean;
  transferEncoding: string | null;
  disposition: string | null;
  /** `get_filename()`: RFC 2231 decoded. */
  filename: string | null;
  /** The `name` parameter of Content-Type, RFC 2047 decoded. */
  nameParam: string | null;
  /** `get_content()` of text parts: decoded, newlines as "\n". */
  text: string | null;
  /** Base64 of `get_payload(decode=True)` of every leaf part. */
  payloadBase64: string | null;
  /** The part's own header lines, name and unfolded value. */
  headers: [string, string][];
}

/** What Python made of a message. */
export interface PythonMessage {
  /** Root headers in order: name as written, value unfolded and RFC 2047 decoded. */
  headers: [string, string][];
  /** Root headers as written on the wire (folded, encoded). */
  rawHeaders: [string, string][];
  /** Every header name anywhere in the message, parts included, lower-cased. */
  allHeaderNames: string[];
  /** Parser defects, as class names; a well-formed message has none. */
  defects: string[];
  parts: PythonPart[];
}

const SCRIPT = `
import base64, email, email.policy, json, sys
from email.header import decode_header, make_header

raw = sys.stdin.buffer.read()
msg = email.message_from_bytes(raw, policy=email.policy.default)

def decoded(value):
    return str(make_header(decode_header(value))) if value is not None else None

defects = []
names = []
parts = []
for i, part in enumerate(msg.walk()):
    defects += [type(d).__name__ for d in part.defects]
    names += [k.lower() for k in part.keys()]
    for k, v in part.items():
        defects += [type(d).__name__ for d in getattr(v, "defects", ())]
    ctype = part.get_content_type()
    leaf = not part.is_multipart()
    text = None
    if leaf and part.get_content_maintype() == "text":
        text = part.get_content()
    payload = part.get_payload(decode=True) if leaf else None
    name = part.get_param("name", header="content-type")
    if isinstance(name, tuple):
        name = email.utils.collapse_rfc2231_value(name)
    parts.append({
        "index": i,
        "contentType": ctype,
        "params": {k: str(v) for k, v in part["content-type"].params.items()} if part["content-type"] else {},
        "isMultipart": part.is_multipart(),
        "transferEncoding": part.get("content-transfer-encoding"),
        "disposition": part.get_content_disposition(),
        "filename": part.get_filename(),
        "nameParam": decoded(name) if name is not None else None,
        "text": text,
        "payloadBase64": base64.b64encode(payload).decode() if payload is not None else None,
        "headers": [[k, str(v)] for k, v in part.items()],
    })

print(json.dumps({
    "headers": [[k, str(v)] for k, v in msg.items()],
    "rawHeaders": [[k, v] for k, v in msg.raw_items()],
    "allHeaderNames": names,
    "defects": defects,
    "parts": parts,
}))
`;

/**
 * Runs `python3` with `email.message_from_bytes(raw, policy=email.policy.default)` on `raw`.
 *
 * @example
 * const parsed = await parseWithPython(raw);
 * expect(parsed.parts[0]?.contentType).toBe("text/plain");
 */
export async function parseWithPython(raw: Uint8Array): Promise<PythonMessage> {
  const out = await runPython(SCRIPT, raw);
  return JSON.parse(out.toString("utf8")) as PythonMessage;
}

/** The value of the first root header `name` (case-insensitive), as Python decoded it. */
export function header(parsed: PythonMessage, name: string): string | undefined {
  return parsed.headers.find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];
}
