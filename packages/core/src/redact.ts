/**
 * Removes secrets from text that may reach an error message or a log line: armored OpenPGP
 * private keys, bearer tokens, `token=` / `passphrase=` style assignments, and any strings the
 * caller names (a configured token, a passphrase) as they are and as a server may echo them:
 * in any letter case, base64 and base64url (at any alignment inside a longer encoded run),
 * hex, and percent-encoded.
 *
 * Redaction is a second line of defence: the SDK never puts secrets into messages on purpose,
 * but server responses and third-party errors can echo them back.
 *
 * @example
 * redact("Authorization: Bearer abc.def", []); // "Authorization: Bearer [redacted]"
 * redact("token is s3cret", ["s3cret"]); // "token is [redacted]"
 */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text
    .replace(PRIVATE_KEY_BLOCK, "[redacted private key]")
    .replace(BEARER, "$1[redacted]")
    .replace(ASSIGNMENT, "$1[redacted]");
  for (const secret of secrets) {
    // Short strings would redact ordinary words; a secret under 4 chars is no secret anyway.
    if (secret.length < 4) continue;
    for (const pattern of echoesOf(secret)) out = out.replace(pattern, "[redacted]");
  }
  return out;
}

const utf8 = new TextEncoder();
// Shortest encoded run redacted on its own: shorter ones would hit ordinary text.
const MIN_ENCODED_RUN = 6;
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

// Patterns for the ways a server echoes a secret: as given or in another letter case, base64
// and base64url (the secret's bytes at each of the three offsets a longer encoded run can put
// them at: only the characters that depend on the secret alone), hex in either case, and
// percent-encoded (every byte, or only the bytes encodeURIComponent escapes).
function echoesOf(secret: string): RegExp[] {
  const bytes = utf8.encode(secret);
  const caseless = [
    secret,
    [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join(""),
    [...bytes].map((byte) => `%${byte.toString(16).padStart(2, "0")}`).join(""),
    percentEncoded(secret),
  ];
  const exact = new Set<string>();
  for (let offset = 0; offset < 3; offset++) {
    const padded = new Uint8Array(offset + bytes.length);
    padded.set(bytes, offset);
    const encoded = base64(padded);
    // Characters wholly made of the secret's bits: from bit 8*offset to bit 8*(offset+length).
    const run = encoded.slice(Math.ceil((8 * offset) / 6), Math.floor((8 * padded.length) / 6));
    if (run.length < MIN_ENCODED_RUN) continue;
    exact.add(run);
    exact.add(run.replace(/\+/g, "-").replace(/\//g, "_"));
  }
  return [...new Set(caseless.filter((text) => text.length >= 4))]
    .map((text) => new RegExp(escapeRegExp(text), "gi"))
    .concat([...exact].map((text) => new RegExp(escapeRegExp(text), "g")));
}

function percentEncoded(secret: string): string {
  try {
    return encodeURIComponent(secret);
  } catch {
    return secret; // a lone surrogate: not encodable, so never echoed that way
  }
}

// Base64 without Buffer or btoa's Latin-1 detour (core runs on every runtime).
function base64(bytes: Uint8Array): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const n = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let c = 0; c < chars; c++) out += alphabet[(n >> (18 - 6 * c)) & 63];
  }
  return out;
}

/**
 * Applies {@link redact} to every string inside a JSON-like value, returning a copy.
 *
 * @example
 * redactValue({ error: "bad", echo: "Bearer tok123" }); // { error: "bad", echo: "Bearer [redacted]" }
 */
export function redactValue(value: unknown, secrets: readonly string[] = [], depth = 0): unknown {
  if (typeof value === "string") return redact(value, secrets);
  if (value === null || typeof value !== "object") return value;
  // Deeper than any response body we expect: drop it rather than pass it on unredacted.
  if (depth > 8) return "[redacted: nested too deep]";
  if (Array.isArray(value)) return value.map((item) => redactValue(item, secrets, depth + 1));
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    copy[key] = SECRET_KEY_NAME.test(key) ? "[redacted]" : redactValue(item, secrets, depth + 1);
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
