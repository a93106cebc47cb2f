import type { Context } from "hono";
import type { z } from "zod";
import { HttpProblem } from "./problem.js";
import { BodyReadError, declaredLength, readBodyLimited } from "./read-body.js";

/**
 * Reads a request's JSON body, enforcing `limitBytes` while reading: a `Content-Length` over the
 * limit is refused before any byte is read, and a chunked (or lying) body is cut off as soon as it
 * passes the limit. What is left unread is drained by the node adapter after the response.
 *
 * @throws {HttpProblem} 415 `invalid_request` for a non-JSON content type, 413
 * `payload_too_large`, 400 `invalid_request` for a missing, non-UTF-8 or malformed body.
 */
export async function readJsonBody(c: Context, limitBytes: number): Promise<unknown> {
  const declared = declaredLength(c);
  const contentType = c.req.header("content-type");
  if (contentType === undefined) {
    if (declared === 0 || (declared === undefined && !hasChunkedBody(c))) throw missingBody();
    throw unsupportedType("no Content-Type");
  }
  checkJsonType(contentType);
  if (declared !== undefined && declared > limitBytes) throw tooLarge(limitBytes);

  let bytes: Uint8Array;
  try {
    bytes = await readBodyLimited(c, limitBytes);
  } catch (error) {
    if (!(error instanceof BodyReadError)) throw error;
    throw error.reason === "too_large"
      ? tooLarge(limitBytes)
      : new HttpProblem("invalid_request", error.message);
  }
  if (bytes.byteLength === 0) throw missingBody();
  const parsed = parseJsonBytes(bytes);
  if (!parsed.ok) throw new HttpProblem("invalid_request", `the request body ${parsed.problem}`);
  return parsed.value;
}

/**
 * Parses a JSON body already read: strict UTF-8, at most {@link MAX_JSON_DEPTH} levels of
 * nesting, then `JSON.parse`. Every JSON body the server reads (the API's and the SES v2
 * endpoint's) goes through here, so both refuse the same bodies. The problem never quotes the body.
 *
 * @example
 * const parsed = parseJsonBytes(bytes);
 * if (!parsed.ok) console.log(`the request body ${parsed.problem}`); // "is malformed JSON (at character 3)"
 */
export function parseJsonBytes(
  bytes: Uint8Array,
): { ok: true; value: unknown } | { ok: false; problem: string } {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, problem: "is not valid UTF-8" };
  }
  if (nestingDepthOver(text, MAX_JSON_DEPTH)) {
    // Code that walks the parsed value recursively (validation, the idempotency key's canonical
    // form) would overflow the stack on a body nested thousands deep: refuse it up front.
    return {
      ok: false,
      problem: `nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep`,
    };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    // V8's message quotes the body; keep only the position.
    const position = /position (\d+)/.exec(String((error as Error).message))?.[1];
    return {
      ok: false,
      problem: `is malformed JSON${position === undefined ? "" : ` (at character ${position})`}`,
    };
  }
}

/** No route's body nests deeper than this; `usage` and `headers` in `/send` need a few levels. */
export const MAX_JSON_DEPTH = 64;

/**
 * Whether JSON text opens more than `limit` arrays or objects inside each other (brackets in
 * strings do not count). Linear, no recursion; malformed text is left to `JSON.parse`.
 *
 * @example
 * nestingDepthOver('{"a":[[1]]}', 2); // true
 */
export function nestingDepthOver(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/**
 * Validates a parsed body with a wire schema; the message names each offending path and unknown
 * field, never a value.
 *
 * @throws {HttpProblem} 400 `invalid_request`.
 */
export function parseBody<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new HttpProblem("invalid_request", `${what}: ${describeBodyIssues(result.error.issues)}`);
}

/** `unknown field "x"; key_version: expected int, received string` (at most five issues). */
export function describeBodyIssues(issues: readonly z.core.$ZodIssue[]): string {
  const parts = issues.slice(0, 5).map((issue) => {
    const path = issue.path.map(String).join(".");
    if (issue.code === "unrecognized_keys") {
      const shown = issue.keys
        .slice(0, 5)
        .map((key) => JSON.stringify(`${path ? `${path}.` : ""}${key}`.slice(0, 64)));
      const more = issue.keys.length > 5 ? ` and ${issue.keys.length - 5} more` : "";
      return `unknown field${issue.keys.length > 1 ? "s" : ""} ${shown.join(", ")}${more}`;
    }
    return `${path || "body"}: ${issue.message.replace(/^Invalid input: /, "")}`;
  });
  if (issues.length > 5) parts.push(`and ${issues.length - 5} more problems`);
  return parts.join("; ");
}

function checkJsonType(contentType: string): void {
  const [mediaType = "", ...params] = contentType
    .split(";")
    .map((part) => part.trim().toLowerCase());
  if (mediaType !== "application/json" && !/^application\/[a-z0-9.+-]+\+json$/.test(mediaType)) {
    throw unsupportedType(`Content-Type ${JSON.stringify(mediaType.slice(0, 80))}`);
  }
  const charset = params.find((param) => param.startsWith("charset="))?.slice("charset=".length);
  if (charset !== undefined && !["utf-8", "utf8", '"utf-8"'].includes(charset)) {
    throw unsupportedType("a charset other than utf-8");
  }
}

function hasChunkedBody(c: Context): boolean {
  return c.req.header("transfer-encoding") !== undefined;
}

function missingBody(): HttpProblem {
  return new HttpProblem("invalid_request", "this route needs a JSON body (send {} for none)");
}

function unsupportedType(what: string): HttpProblem {
  return new HttpProblem(
    "invalid_request",
    `the request body must be JSON (Content-Type: application/json); got ${what}`,
    { status: 415 },
  );
}

function tooLarge(limitBytes: number): HttpProblem {
  return new HttpProblem(
    "payload_too_large",
    `the request body is larger than this route's limit of ${limitBytes} bytes`,
  );
}
