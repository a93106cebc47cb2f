// One POST of a webhook delivery, bounded: a deadline over the whole exchange, redirects not
// followed, and at most a few hundred bytes of the receiver's answer read (for the log).

/**
 * What one attempt came to.
 *
 * @example
 * const result: AttemptResult = { ok: false, status: 500, error: "HTTP 500: bad signature" };
 */
export interface AttemptResult {
  ok: boolean;
  /** The receiver's HTTP status, when it answered. */
  status?: number;
  /** Why it failed, for the delivery log: never the secret, at most a short quote of the answer. */
  error?: string;
}

/**
 * The most of a failed answer kept for the log (what a receiver says about a bad signature).
 *
 * @example
 * record.lastError.length <= ANSWER_QUOTE_BYTES + 40; // "HTTP 500: " and the quote
 */
export const ANSWER_QUOTE_BYTES = 512;

/**
 * POSTs `body` to `url` with `headers`. Success is a 2xx status within `timeoutMs`; a 3xx is a
 * failure (redirects are not followed: the dev server sends to loopback only). The answer's
 * body is not read on success, and only {@link ANSWER_QUOTE_BYTES} of it otherwise, so a
 * receiver that answers slowly or without end cannot hold the deliverer or its memory.
 *
 * @example
 * const result = await attemptDelivery({ fetch, url, headers, body, timeoutMs: 10_000, signal });
 * if (!result.ok) console.log(result.error); // "HTTP 500: bad signature"
 */
export async function attemptDelivery(input: {
  fetch: typeof fetch;
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  /** Aborted when the deliverer closes. */
  signal: AbortSignal;
}): Promise<AttemptResult> {
  const deadline = AbortSignal.timeout(input.timeoutMs);
  const signal = AbortSignal.any([input.signal, deadline]);
  let response: Response;
  try {
    response = await input.fetch(input.url, {
      method: "POST",
      headers: input.headers,
      body: input.body,
      redirect: "manual",
      signal,
    });
  } catch (error) {
    if (deadline.aborted) return { ok: false, error: `no answer within ${input.timeoutMs} ms` };
    if (input.signal.aborted) return { ok: false, error: "the deliverer closed" };
    return { ok: false, error: describeNetworkError(error) };
  }
  if (response.status >= 200 && response.status < 300) {
    await response.body?.cancel().catch(() => {});
    return { ok: true, status: response.status };
  }
  const quote = await readQuote(response, signal);
  const what =
    response.status >= 300 && response.status < 400
      ? `HTTP ${response.status} (redirects are not followed)`
      : `HTTP ${response.status}`;
  return { ok: false, status: response.status, error: quote ? `${what}: ${quote}` : what };
}

/** The start of an answer's body as text, single-line; `""` when it cannot be read in time. */
async function readQuote(response: Response, signal: AbortSignal): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return "";
  const chunks: Uint8Array[] = [];
  let length = 0;
  const onAbort = () => void reader.cancel().catch(() => {});
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    while (length < ANSWER_QUOTE_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      length += value.byteLength;
    }
  } catch {
    // Cut off by the deadline or the receiver: keep what arrived.
  } finally {
    signal.removeEventListener("abort", onAbort);
    void reader.cancel().catch(() => {});
  }
  const bytes = Buffer.concat(chunks).subarray(0, ANSWER_QUOTE_BYTES);
  return new TextDecoder().decode(bytes).replace(CONTROL, " ").trim();
}

// A receiver's answer goes into a log line: its control characters become spaces.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL = /[\x00-\x1f\x7f]+/g;

/** fetch's "fetch failed" says nothing: its cause has the socket error's code. */
function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (typeof cause?.code === "string") return `connection failed (${cause.code})`;
  return `connection failed (${String((error as Error | undefined)?.message ?? error).slice(0, 200)})`;
}
