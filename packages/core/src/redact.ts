import { compileEchoes, type EchoMatcher, type Spans } from "./redact-echoes.js";

/**
 * Removes secrets from text that may reach an error message or a log line: armored OpenPGP
 * private keys, bearer tokens, `token=` / `passphrase=` style assignments, and any strings the
 * caller names (a configured token, a passphrase) as they are and as a server may echo them: in
 * any letter case, base64 and base64url (at any alignment inside a longer encoded run, wrapped
 * or not), hex (with or without separators), percent-encoded (in part, whole, or twice),
 * JSON-escaped, quoted-printable, as HTML entities, folded across lines, and for a secret of 32
 * characters or more, any 24 characters of it in a row (an echo cut short).
 *
 * Redaction is a second line of defence: the SDK never puts secrets into messages on purpose,
 * but server responses and third-party errors can echo them back. It never throws: if anything
 * goes wrong inside it, the whole text is replaced by `"[redacted]"`.
 *
 * @example
 * redact("Authorization: Bearer abc.def", []); // "Authorization: Bearer [redacted]"
 * redact("token is s3cret", ["s3cret"]); // "token is [redacted]"
 */
export function redact(text: string, secrets: readonly string[] = []): string {
  try {
    return redactWith(text, compileEchoes(secrets));
  } catch {
    return REDACTED;
  }
}

const REDACTED = "[redacted]";

function redactWith(text: string, echoes: EchoMatcher): string {
  const out = text
    .replace(PRIVATE_KEY_BLOCK, "[redacted private key]")
    .replace(BEARER, "$1[redacted]")
    .replace(ASSIGNMENT, "$1[redacted]");
  return cutSpans(out, echoes.spans(out));
}

// `text` with each run of characters that some span covers replaced by one "[redacted]".
function cutSpans(text: string, spans: Spans): string {
  if (spans.length === 0) return text;
  const depth = new Int32Array(text.length + 1);
  for (const [start, end] of spans) {
    depth[start] = (depth[start] as number) + 1;
    depth[end] = (depth[end] as number) - 1;
  }
  let out = "";
  let covered = 0;
  let from = 0;
  for (let i = 0; i <= text.length; i++) {
    const was = covered;
    covered += depth[i] as number;
    if (was === 0 && covered > 0) out += text.slice(from, i);
    else if (was > 0 && covered === 0) {
      out += REDACTED;
      from = i;
    }
  }
  return covered > 0 ? out + REDACTED : out + text.slice(from);
}

/**
 * Applies {@link redact} to every string inside a JSON-like value, returning a copy.
 *
 * @example
 * redactValue({ error: "bad", echo: "Bearer tok123" }); // { error: "bad", echo: "Bearer [redacted]" }
 */
export function redactValue(value: unknown, secrets: readonly string[] = [], depth = 0): unknown {
  try {
    return redactValueWith(value, compileEchoes(secrets), depth);
  } catch {
    // A getter or proxy that throws, or anything else unexpected: pass nothing on.
    return REDACTED;
  }
}

function redactValueWith(value: unknown, echoes: EchoMatcher, depth: number): unknown {
  if (typeof value === "string") return redactWith(value, echoes);
  if (value === null || typeof value !== "object") return value;
  // Deeper than any response body we expect: drop it rather than pass it on unredacted.
  if (depth > 8) return "[redacted: nested too deep]";
  if (Array.isArray(value)) return value.map((item) => redactValueWith(item, echoes, depth + 1));
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    // Keys too: a server can echo a token as a property name. Defined, not assigned: a
    // `__proto__` key from JSON.parse stays a plain property.
    Object.defineProperty(copy, redactWith(key, echoes), {
      value: SECRET_KEY_NAME.test(key) ? REDACTED : redactValueWith(item, echoes, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy;
}

const PRIVATE_KEY_BLOCK =
  /-----BEGIN (?:PGP PRIVATE KEY BLOCK|[A-Z ]*PRIVATE KEY)-----[\s\S]*?(?:-----END (?:PGP PRIVATE KEY BLOCK|[A-Z ]*PRIVATE KEY)-----|$)/g;
const BEARER = /(\bBearer\s+)[^\s"',;]+/gi;
const ASSIGNMENT =
  /(\b(?:token|access_token|api_key|apikey|passphrase|password|secret|signing_secret)["']?\s*[:=]\s*["']?)[^\s"',;&]+/gi;
const SECRET_KEY_NAME =
  /^(?:token|access_token|authorization|api_key|apikey|passphrase|password|secret|signing_secret|private_key|privateKey|privateKeyArmored|signingKey)$/i;
