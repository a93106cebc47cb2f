import { AgentMailError, concatBytes, untilAborted } from "@assmbl/core";

/**
 * The most bytes of one SES answer this package reads: 64 KiB. SES answers are small (a
 * `SendRawEmail` result or an error document is well under 1 KiB of XML or JSON), so anything
 * longer is not SES (a misconfigured endpoint, a proxy's error page, a hostile server) and is
 * refused with `response_too_large` instead of being held in memory.
 *
 * @example
 * if (bytes.length > SES_RESPONSE_BYTES) throw new Error("not an SES answer");
 */
export const SES_RESPONSE_BYTES = 64 * 1024;

/** The part of an AWS SDK v3 command this module uses: its own middleware stack. */
interface CommandLike {
  middlewareStack?: {
    add(middleware: unknown, options: Record<string, unknown>): void;
  };
}

interface HttpResponseLike {
  statusCode?: unknown;
  headers?: Record<string, string | undefined>;
  body?: unknown;
}

type Next = (args: unknown) => Promise<{ response?: unknown }>;

/**
 * Makes `command` read SES's answer under a cap and a deadline, before the SDK parses it: a
 * middleware on the command's OWN stack (deserialize step, low priority, so it runs inside the
 * SDK's deserializer, next to the request handler) reads the body, at most `maxBytes` (a
 * `content-length` above it is refused before reading), and stops when the signal that
 * `signal()` returns for the current attempt fires (the caller's abort or the per-attempt
 * deadline, also given to `client.send` as `abortSignal`, which makes the request handler drop
 * the connection). The SDK then parses the bytes as usual.
 *
 * Why the command and not the client: the transport builds every command it sends, so the cap
 * applies the same to a client the caller constructed and configured (any request handler,
 * proxy or middleware of theirs), and the caller's client is never modified: its other calls
 * behave as before.
 *
 * @example
 * const command = new SendRawEmailCommand(input);
 * capResponse(command, { operation: "SendRawEmail", maxBytes: SES_RESPONSE_BYTES, signal: () => attemptSignal });
 * @throws nothing itself; the command's send then fails with `response_too_large` (an
 * `AgentMailError`), or with the signal's reason.
 */
export function capResponse(
  command: unknown,
  options: { operation: string; maxBytes: number; signal: () => AbortSignal | undefined },
): void {
  const stack = (command as CommandLike | null)?.middlewareStack;
  if (typeof stack?.add !== "function") return;
  const middleware = (next: Next) => async (args: unknown) => {
    const result = await next(args);
    const response = result?.response as HttpResponseLike | undefined;
    if (response && typeof response === "object" && "body" in response) {
      response.body = await readCapped(
        response,
        options.operation,
        options.maxBytes,
        options.signal(),
      );
    }
    return result;
  };
  stack.add(middleware, {
    step: "deserialize",
    priority: "low",
    name: "agentmailCappedResponse",
    override: true,
  });
}

const encoder = new TextEncoder();

/**
 * The body of one answer, whole, read under `maxBytes` and `signal`.
 */
async function readCapped(
  response: HttpResponseLike,
  operation: string,
  maxBytes: number,
  signal: AbortSignal | undefined,
): Promise<Uint8Array> {
  const body = response.body;
  const tooLarge = (size: string) =>
    new AgentMailError({
      code: "response_too_large",
      message: `SES ${operation}: the answer (HTTP ${String(response.statusCode)}) is ${size}, more than the ${maxBytes} bytes an SES answer can be; it was not read further. The endpoint is not SES or misbehaves; the message may have been sent`,
      body: { operation, limit: maxBytes },
    });
  if (body === undefined || body === null) return new Uint8Array(0);
  if (typeof body === "string") {
    const bytes = encoder.encode(body);
    if (bytes.length > maxBytes) throw tooLarge(`${bytes.length} bytes`);
    return bytes;
  }
  if (body instanceof Uint8Array) {
    if (body.length > maxBytes) throw tooLarge(`${body.length} bytes`);
    return body;
  }
  const declared = Number(response.headers?.["content-length"] ?? Number.NaN);
  if (declared > maxBytes) {
    stop(body, undefined);
    throw tooLarge(`${declared} bytes by its content-length`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const take = (chunk: unknown) => {
    const bytes = typeof chunk === "string" ? encoder.encode(chunk) : (chunk as Uint8Array);
    size += bytes.length;
    if (size > maxBytes) throw tooLarge(`longer than ${maxBytes} bytes`);
    chunks.push(bytes);
  };
  let reader: ReadableStreamDefaultReader<unknown> | undefined;
  const read = async () => {
    if (typeof (body as ReadableStream).getReader === "function") {
      reader = (body as ReadableStream<unknown>).getReader();
      try {
        for (;;) {
          const next = await reader.read();
          if (next.done) return;
          take(next.value);
        }
      } catch (error) {
        await reader.cancel(error).catch(() => {});
        throw error;
      }
    }
    if (typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] === "function") {
      // Leaving the loop early (the cap) destroys a Node stream: the connection is dropped.
      for await (const chunk of body as AsyncIterable<unknown>) take(chunk);
      return;
    }
    throw new AgentMailError({
      code: "invalid_response",
      message: `SES ${operation}: the request handler returned a body this package cannot read`,
    });
  };
  await untilAborted(read(), signal, () => {
    if (reader) reader.cancel(signal?.reason).catch(() => {});
    else stop(body, signal?.reason);
  });
  return concatBytes(...chunks);
}

/** Drops a body that will not be read (a Node stream is destroyed, a web stream cancelled). */
function stop(body: unknown, reason: unknown): void {
  const stream = body as { destroy?: (error?: unknown) => void; cancel?: (r?: unknown) => unknown };
  try {
    if (typeof stream.destroy === "function") stream.destroy();
    else if (typeof stream.cancel === "function") {
      Promise.resolve(stream.cancel(reason)).catch(() => {});
    }
  } catch {
    // Already gone: nothing to stop.
  }
}
