/**
 * Removes secrets from text that may reach an error message or a log line: armored OpenPGP
 * private keys, bearer tokens, `token=` / `passphrase=` style assignments, and any exact
 * strings the caller names (a configured token, a passphrase).
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
    if (secret.length >= 4) out = out.split(secret).join("[redacted]");
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
