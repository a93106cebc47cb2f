import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { AgentMailError } from "./errors.js";
import { readBodyCapped, readTextCapped } from "./read-body.js";

const encoder = new TextEncoder();

/** A body made of `chunks`, recording what was pulled and whether (and why) it was cancelled. */
function scriptedBody(
  chunks: Uint8Array[],
  options: { thenHang?: boolean; thenError?: Error } = {},
) {
  const state = { pulled: 0, pulledBytes: 0, cancelled: false, reason: undefined as unknown };
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const chunk = chunks[state.pulled];
        state.pulled++;
        if (chunk) {
          state.pulledBytes += chunk.byteLength;
          controller.enqueue(chunk);
          return;
        }
        if (options.thenError) controller.error(options.thenError);
        // A peer that stops sending but keeps the connection open.
        else if (options.thenHang) return new Promise<void>(() => {});
        else controller.close();
      },
      cancel(reason) {
        state.cancelled = true;
        state.reason = reason;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, state };
}

// A real loopback server, for what only a socket shows: the connection closing under the sender.
type Handler = (request: IncomingMessage, response: ServerResponse) => void;
let server: Server | undefined;
async function serve(handler: Handler): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** Streams 64 KiB chunks, as fast as the client reads them, until the client goes away. */
function endless(response: ServerResponse) {
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  response.writeHead(200, { "content-type": "application/json" });
  const pump = () => {
    while (!response.destroyed && response.write(chunk)) {}
  };
  response.on("drain", pump);
  pump();
}

describe("readBodyCapped", () => {
  it("returns every byte of a body within the cap, across chunks", async () => {
    const { stream } = scriptedBody([encoder.encode("ab"), encoder.encode("cd")]);
    const bytes = await readBodyCapped(new Response(stream), { maxBytes: 4, what: "t" });
    expect(new TextDecoder().decode(bytes)).toBe("abcd");
  });

  it("fails with response_too_large one byte past the cap and cancels the body", async () => {
    const { stream, state } = scriptedBody([
      encoder.encode("ab"),
      encoder.encode("cde"),
      encoder.encode("never pulled"),
    ]);
    const error = await readBodyCapped(new Response(stream, { status: 201 }), {
      maxBytes: 4,
      what: "listInbox",
    }).catch((e: unknown) => e);
    expect(AgentMailError.is(error, "response_too_large")).toBe(true);
    expect((error as AgentMailError).retryable).toBe(false);
    expect((error as AgentMailError).message).toContain("listInbox");
    expect((error as AgentMailError).message).toContain("4 bytes");
    expect(state.cancelled).toBe(true);
    expect(state.reason).toBe(error);
    expect(state.pulledBytes).toBe(5);
  });

  it("refuses a Content-Length over the cap before reading a byte", async () => {
    const { stream, state } = scriptedBody([encoder.encode("x")]);
    const response = new Response(stream, { headers: { "content-length": "5000" } });
    const error = await readBodyCapped(response, { maxBytes: 4096, what: "t" }).catch((e) => e);
    expect(AgentMailError.is(error, "response_too_large")).toBe(true);
    expect(state.pulled).toBe(0);
    expect(state.cancelled).toBe(true);
  });

  it("returns every byte whether the Content-Length is exact, understated or overstated", async () => {
    for (const declared of ["8", "3", "20"]) {
      const { stream } = scriptedBody([encoder.encode("12345"), encoder.encode("678")]);
      const response = new Response(stream, { headers: { "content-length": declared } });
      const bytes = await readBodyCapped(response, { maxBytes: 20, what: "t" });
      expect(new TextDecoder().decode(bytes)).toBe("12345678");
    }
  });

  it("counts the bytes that arrive, not a Content-Length that understates them", async () => {
    const { stream } = scriptedBody([encoder.encode("12345"), encoder.encode("678")]);
    const response = new Response(stream, { headers: { "content-length": "3" } });
    const error = await readBodyCapped(response, { maxBytes: 6, what: "t" }).catch((e) => e);
    expect(AgentMailError.is(error, "response_too_large")).toBe(true);
  });

  it("with truncate, returns the first maxBytes and cancels the rest, Content-Length or not", async () => {
    const { stream, state } = scriptedBody([
      encoder.encode("abc"),
      encoder.encode("def"),
      encoder.encode("never pulled"),
    ]);
    const response = new Response(stream, { headers: { "content-length": "999999" } });
    const bytes = await readBodyCapped(response, { maxBytes: 4, what: "t", truncate: true });
    expect(new TextDecoder().decode(bytes)).toBe("abcd");
    expect(state.pulled).toBe(2);
    expect(state.cancelled).toBe(true);
    // Exactly full: cancelled without pulling another chunk to find out whether more would come.
    const full = scriptedBody([encoder.encode("ab"), encoder.encode("cd"), encoder.encode("e")]);
    const cut = await readBodyCapped(new Response(full.stream), {
      maxBytes: 4,
      what: "t",
      truncate: true,
    });
    expect(new TextDecoder().decode(cut)).toBe("abcd");
    expect(full.state.pulled).toBe(2);
    expect(full.state.cancelled).toBe(true);
  });

  it("returns an empty array for a response without a body", async () => {
    const bytes = await readBodyCapped(new Response(null, { status: 204 }), {
      maxBytes: 0,
      what: "t",
    });
    expect(bytes.byteLength).toBe(0);
  });

  it("throws the signal's reason when it aborts while the peer is silent", async () => {
    const { stream, state } = scriptedBody([encoder.encode("{")], { thenHang: true });
    const controller = new AbortController();
    const reason = new DOMException("deadline", "TimeoutError");
    const reading = readBodyCapped(new Response(stream), {
      maxBytes: 100,
      what: "t",
      signal: controller.signal,
    });
    // The stream ignores the signal: only readBodyCapped's own race can end the read.
    while (state.pulled < 2) await new Promise((resolve) => setImmediate(resolve));
    controller.abort(reason);
    await expect(reading).rejects.toBe(reason);
    expect(state.cancelled).toBe(true);
  });

  it("cancels the body and throws at once when the signal is already aborted", async () => {
    const { stream, state } = scriptedBody([encoder.encode("{}")]);
    const reason = new Error("caller gave up");
    const error = await readBodyCapped(new Response(stream), {
      maxBytes: 100,
      what: "t",
      signal: AbortSignal.abort(reason),
    }).catch((e) => e);
    expect(error).toBe(reason);
    expect(state.pulled).toBe(0);
    expect(state.cancelled).toBe(true);
  });

  it("rethrows the error of a body that breaks off", async () => {
    const broken = new TypeError("terminated");
    const { stream } = scriptedBody([encoder.encode("{")], { thenError: broken });
    await expect(readBodyCapped(new Response(stream), { maxBytes: 10, what: "t" })).rejects.toBe(
      broken,
    );
  });

  it("rejects malformed options by name", async () => {
    const response = new Response("x");
    const unknown = await readBodyCapped(response, {
      maxBytes: 1,
      what: "t",
      maxbytes: 2,
    } as never).catch((e) => e);
    expect(AgentMailError.is(unknown, "invalid_options")).toBe(true);
    expect(unknown.message).toContain('"maxbytes"');
    const negative = await readBodyCapped(response, { maxBytes: -1, what: "t" }).catch((e) => e);
    expect(AgentMailError.is(negative, "invalid_options")).toBe(true);
    expect(negative.message).toContain("maxBytes");
  });

  it("closes a real endless body's connection at the cap", async () => {
    let closed!: () => void;
    const gone = new Promise<void>((resolve) => {
      closed = resolve;
    });
    const url = await serve((_request, response) => {
      response.on("close", closed);
      endless(response);
    });
    const response = await fetch(url);
    const error = await readBodyCapped(response, { maxBytes: 1024 * 1024, what: "t" }).catch(
      (e) => e,
    );
    expect(AgentMailError.is(error, "response_too_large")).toBe(true);
    expect(error.status).toBe(200);
    // The sender sees its connection closed: nothing more is read (an endless body has no end).
    await gone;
  });

  it("refuses a real server's oversized Content-Length and closes the connection", async () => {
    let closed!: () => void;
    const gone = new Promise<void>((resolve) => {
      closed = resolve;
    });
    const url = await serve((_request, response) => {
      response.on("close", closed);
      response.writeHead(200, { "content-length": String(2 * 1024 ** 3) });
      response.write(Buffer.alloc(1024));
    });
    const response = await fetch(url);
    const error = await readBodyCapped(response, { maxBytes: 96 * 1024, what: "t" }).catch(
      (e) => e,
    );
    expect(AgentMailError.is(error, "response_too_large")).toBe(true);
    await gone;
  });
});

describe("readTextCapped", () => {
  it("decodes UTF-8 split across chunks, and replaces invalid sequences", async () => {
    const euro = encoder.encode("€"); // three bytes
    const { stream } = scriptedBody([euro.subarray(0, 1), euro.subarray(1), encoder.encode("!")]);
    expect(await readTextCapped(new Response(stream), { maxBytes: 4, what: "t" })).toBe("€!");
    const invalid = new Response(new Uint8Array([0x61, 0xff, 0x62]));
    expect(await readTextCapped(invalid, { maxBytes: 3, what: "t" })).toBe("a\uFFFDb");
  });

  it("fails past the cap like readBodyCapped", async () => {
    const error = await readTextCapped(new Response("abcdef"), { maxBytes: 5, what: "t" }).catch(
      (e) => e,
    );
    expect(AgentMailError.is(error, "response_too_large")).toBe(true);
  });
});
