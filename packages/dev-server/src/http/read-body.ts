import type { Context } from "hono";

/** Why {@link readBodyLimited} gave up: the body is over the limit, or it broke off. */
export class BodyReadError extends Error {
  constructor(
    readonly reason: "too_large" | "unreadable",
    readonly limitBytes: number,
  ) {
    super(
      reason === "too_large"
        ? `the request body is larger than this route's limit of ${limitBytes} bytes`
        : "the request body could not be read to its end",
    );
    this.name = "BodyReadError";
  }
}

/**
 * Reads a request body whole, enforcing `limitBytes` while reading: a `Content-Length` over the
 * limit is refused before any byte is read, and a chunked (or lying) body is cut off as soon as it
 * passes the limit. What is left unread is drained by the node adapter after the response.
 *
 * @throws {BodyReadError} `too_large` or `unreadable`; each route words its own answer.
 */
export async function readBodyLimited(c: Context, limitBytes: number): Promise<Uint8Array> {
  const declared = declaredLength(c);
  if (declared !== undefined && declared > limitBytes) {
    throw new BodyReadError("too_large", limitBytes);
  }
  const body = c.req.raw.body;
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > limitBytes) {
        reader.cancel().catch(() => {});
        throw new BodyReadError("too_large", limitBytes);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof BodyReadError) throw error;
    throw new BodyReadError("unreadable", limitBytes);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** The `Content-Length` header as a number, or `undefined` when absent or not a number. */
export function declaredLength(c: Context): number | undefined {
  const header = c.req.header("content-length");
  if (header === undefined || !/^\d+$/.test(header.trim())) return undefined;
  return Number(header.trim());
}

/** The media type of a `Content-Type` header, lower-cased, without parameters. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}
