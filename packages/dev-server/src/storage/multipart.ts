// Over 300 lines on purpose: one streaming multipart/form-data reader and its header parsing.
// A streaming reader of multipart/form-data (RFC 7578), enough for S3-style presigned POSTs:
// fields are read whole (small), and the file part is read with a size limit that is enforced
// as its bytes arrive, so an oversize upload is refused without being buffered.

/** Why {@link MultipartReader} gave up. */
export class MultipartError extends Error {
  constructor(
    readonly reason: "malformed" | "too_large",
    message: string,
  ) {
    super(message);
    this.name = "MultipartError";
  }
}

/**
 * One part's headers: the form field name and, for a file, its filename and type.
 *
 * @example
 * const part: MultipartPart = { name: "file", filename: "r.pdf", contentType: "application/pdf" };
 */
export interface MultipartPart {
  name: string;
  filename?: string;
  contentType?: string;
}

const CRLF = Buffer.from("\r\n");
const HEADER_END = Buffer.from("\r\n\r\n");
/** Largest header block of one part. */
const MAX_PART_HEADER_BYTES = 16 * 1024;
/** Largest preamble before the first boundary. */
const MAX_PREAMBLE_BYTES = 64 * 1024;

/**
 * The `boundary` parameter of a `multipart/form-data` Content-Type, or `undefined` when the type
 * is another one or has no usable boundary (RFC 2046: 1–70 characters).
 *
 * @example
 * multipartBoundary('multipart/form-data; boundary="abc"'); // "abc"
 */
export function multipartBoundary(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  const [type = "", ...rest] = splitParams(contentType);
  if (type.trim().toLowerCase() !== "multipart/form-data") return undefined;
  const boundary = params(rest).get("boundary");
  return boundary !== undefined && boundary.length >= 1 && boundary.length <= 70
    ? boundary
    : undefined;
}

/**
 * Reads a multipart/form-data body part by part without holding more than one part's unread
 * window: `nextPart()` gives the next part's headers (skipping what was left of the current
 * one), `readContent(limit)` its bytes.
 *
 * @example
 * const reader = new MultipartReader(request.body, boundary);
 * for (let part = await reader.nextPart(); part; part = await reader.nextPart()) {
 *   const bytes = await reader.readContent(1024);
 * }
 */
export class MultipartReader {
  readonly #source: ReadableStreamDefaultReader<Uint8Array>;
  /** CRLF + "--" + boundary: what ends every part's content. */
  readonly #delimiter: Buffer;
  // A virtual CRLF in front lets the first boundary match the same delimiter as the others.
  #buffer: Buffer = Buffer.from(CRLF);
  /** Bytes taken from the body so far. */
  #pulled = 0;
  #ended = false;
  #state: "start" | "content" | "delimiter" | "end" = "start";

  constructor(body: ReadableStream<Uint8Array>, boundary: string) {
    this.#source = body.getReader();
    this.#delimiter = Buffer.from(`\r\n--${boundary}`, "latin1");
  }

  /**
   * The next part's headers, or `undefined` after the closing boundary.
   *
   * @throws {MultipartError} `malformed` for a body that breaks the format or ends early.
   */
  async nextPart(): Promise<MultipartPart | undefined> {
    if (this.#state === "end") return undefined;
    if (this.#state === "start") await this.#skipPreamble();
    else if (this.#state === "content")
      await this.#pipeContent(Number.POSITIVE_INFINITY, undefined);
    // The buffer starts with the delimiter; then "--" (the end) or the rest of the line.
    await this.#need(this.#delimiter.length + 2);
    const after = this.#buffer.subarray(this.#delimiter.length, this.#delimiter.length + 2);
    if (after.toString("latin1") === "--") {
      this.#state = "end";
      return undefined;
    }
    const lineEnd = await this.#find(CRLF, this.#delimiter.length, MAX_PART_HEADER_BYTES);
    if (this.#buffer.subarray(this.#delimiter.length, lineEnd).toString("latin1").trim() !== "") {
      throw malformed("a boundary line has characters after the boundary");
    }
    this.#buffer = this.#buffer.subarray(lineEnd + CRLF.length);
    let head = "";
    await this.#need(CRLF.length);
    if (this.#buffer.subarray(0, 2).equals(CRLF)) {
      this.#buffer = this.#buffer.subarray(2);
    } else {
      const end = await this.#find(HEADER_END, 0, MAX_PART_HEADER_BYTES);
      head = this.#buffer.subarray(0, end).toString("utf8");
      this.#buffer = this.#buffer.subarray(end + HEADER_END.length);
    }
    this.#state = "content";
    return partOf(head);
  }

  /**
   * The current part's bytes, whole.
   *
   * @throws {MultipartError} `too_large` as soon as more than `limitBytes` arrived (the rest is
   * not read), `malformed` when the body ends before the part does.
   */
  async readContent(limitBytes: number, sizeHint = 0): Promise<Uint8Array> {
    if (this.#state !== "content") throw malformed("no part is being read");
    // With a size hint (what is left of a Content-Length body) the part is written into one
    // buffer as it arrives and returned as a view of it: a GiB upload is held once, not as
    // chunks plus their concatenation. Without one, or past it, chunks are gathered and joined.
    // Zero-filled (the OS's lazily zeroed pages, so no cost up front): whatever of it is not
    // filled never holds another allocation's leftovers, and it is never a slice of Node's pool.
    let whole: Buffer | undefined = sizeHint > 0 ? Buffer.alloc(sizeHint) : undefined;
    let filled = 0;
    const chunks: Buffer[] = [];
    await this.#pipeContent(limitBytes, (chunk) => {
      if (whole && filled + chunk.length <= whole.length) {
        filled += chunk.copy(whole, filled);
        return;
      }
      if (whole) chunks.push(whole.subarray(0, filled));
      whole = undefined;
      chunks.push(Buffer.from(chunk));
    });
    if (!whole) return viewOf(Buffer.concat(chunks));
    // A hint far above what came (fields after the file) is not kept alive by a small part.
    return filled < whole.length / 2
      ? new Uint8Array(whole.subarray(0, filled))
      : viewOf(whole.subarray(0, filled));
  }

  /**
   * How many bytes of the body were consumed so far (headers of the current part included):
   * with the body's Content-Length, an upper bound on what the current part can still hold.
   */
  get bytesConsumed(): number {
    // Until the first boundary is consumed, the buffer may still hold the virtual CRLF.
    return Math.max(0, this.#pulled - this.#buffer.length);
  }

  /** Stops reading the body; what is left is the HTTP server's to drain. */
  cancel(): void {
    this.#source.cancel().catch(() => {});
  }

  /** Moves the current part's content to `sink` up to the delimiter, which stays buffered. */
  async #pipeContent(
    limitBytes: number,
    sink: ((chunk: Buffer) => void) | undefined,
  ): Promise<void> {
    let total = 0;
    const emit = (chunk: Buffer) => {
      total += chunk.length;
      if (total > limitBytes) {
        throw new MultipartError("too_large", `the part is larger than ${limitBytes} bytes`);
      }
      // The sink copies what it keeps: `chunk` is a view of the read buffer.
      if (chunk.length > 0) sink?.(chunk);
    };
    for (;;) {
      const at = this.#buffer.indexOf(this.#delimiter);
      if (at !== -1) {
        emit(this.#buffer.subarray(0, at));
        this.#buffer = this.#buffer.subarray(at);
        this.#state = "delimiter";
        return;
      }
      // Everything but a tail that could be the start of the delimiter is content.
      const safe = this.#buffer.length - (this.#delimiter.length - 1);
      if (safe > 0) {
        emit(this.#buffer.subarray(0, safe));
        this.#buffer = this.#buffer.subarray(safe);
      }
      if (!(await this.#pull())) throw malformed("the body ended inside a part");
    }
  }

  async #skipPreamble(): Promise<void> {
    for (;;) {
      const at = this.#buffer.indexOf(this.#delimiter);
      if (at !== -1) {
        this.#buffer = this.#buffer.subarray(at);
        return;
      }
      if (this.#buffer.length > MAX_PREAMBLE_BYTES)
        throw malformed("no boundary where one was expected");
      if (!(await this.#pull())) throw malformed("no boundary where one was expected");
    }
  }

  /** Index of `needle` at or after `from`, pulling more input; at most `limit` bytes are searched. */
  async #find(needle: Buffer, from: number, limit: number): Promise<number> {
    for (;;) {
      const at = this.#buffer.indexOf(needle, from);
      if (at !== -1 && at - from <= limit) return at;
      if (this.#buffer.length - from > limit) throw malformed("a part's headers are too long");
      if (!(await this.#pull())) throw malformed("the body ended inside a part's headers");
    }
  }

  async #need(bytes: number): Promise<void> {
    while (this.#buffer.length < bytes) {
      if (!(await this.#pull())) throw malformed("the body ended before the closing boundary");
    }
  }

  async #pull(): Promise<boolean> {
    if (this.#ended) return false;
    let result: ReadableStreamReadResult<Uint8Array>;
    try {
      result = await this.#source.read();
    } catch {
      throw malformed("the body could not be read to its end");
    }
    if (result.done) {
      this.#ended = true;
      return false;
    }
    const chunk = result.value;
    this.#pulled += chunk.byteLength;
    this.#buffer = Buffer.concat([
      this.#buffer,
      Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength),
    ]);
    return true;
  }
}

function viewOf(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

function malformed(message: string): MultipartError {
  return new MultipartError("malformed", message);
}

/** A part's header block → its form name, filename and type. */
function partOf(head: string): MultipartPart {
  let disposition: string | undefined;
  let contentType: string | undefined;
  for (const line of head.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon <= 0) throw malformed("a part has a header line without a colon");
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === "content-disposition") disposition = value;
    else if (name === "content-type") contentType = value;
  }
  if (disposition === undefined) throw malformed("a part has no Content-Disposition");
  const [kind = "", ...rest] = splitParams(disposition);
  if (kind.trim().toLowerCase() !== "form-data") {
    throw malformed("a part's Content-Disposition is not form-data");
  }
  const values = params(rest);
  const name = values.get("name");
  if (name === undefined) throw malformed("a part has no field name");
  const filename = values.get("filename");
  return {
    name,
    ...(filename === undefined ? {} : { filename }),
    ...(contentType === undefined ? {} : { contentType }),
  };
}

/** `a; b="x;y"; c=z` → `["a", ' b="x;y"', " c=z"]`: splits at semicolons outside quotes. */
function splitParams(value: string): string[] {
  const parts: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < value.length; i += 1) {
    const char = value[i] as string;
    if (quoted && char === "\\" && i + 1 < value.length) {
      current += char + (value[i + 1] as string);
      i += 1;
      continue;
    }
    if (char === '"') quoted = !quoted;
    if (char === ";" && !quoted) {
      parts.push(current);
      current = "";
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts;
}

/** Parameters `name=value` / `name="quoted \" value"`, names lower-cased. */
function params(parts: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of parts) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim().toLowerCase();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) {
      value = value.slice(1, -1).replace(/\\(.)/g, "$1");
    }
    if (!out.has(name)) out.set(name, value);
  }
  return out;
}
