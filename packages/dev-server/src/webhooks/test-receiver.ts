// Test peer: an agent's webhook endpoint as a plain node:http server on loopback. It verifies
// every delivery's signature (wire.md §8) before anything else, and deduplicates on delivery_id
// as a receiver must. Used by this folder's tests only.
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type WebhookEvent, WebhookEventSchema } from "@assmbl/core";

/** One POST the receiver got, verified or not. */
export interface ReceivedRequest {
  headers: Record<string, string>;
  rawBody: string;
  /** Set when the signature verified under the receiver's current secret. */
  event?: WebhookEvent;
  /** Why verification failed. */
  rejected?: string;
}

/** Checks one delivery's signature; rejects (with the reason) when it does not verify. */
export type WebhookVerifier = (input: {
  secret: string;
  timestamp: string | undefined;
  signature: string | undefined;
  rawBody: string;
}) => Promise<void>;

/**
 * Scratch verifier of wire.md §8 with node:crypto: `v1=` hex HMAC-SHA256 of `<timestamp>.<body>`
 * under the secret as UTF-8, compared in constant time, timestamp within 300 s.
 *
 * The SDK's `verifyWebhookSignature` (@assmbl/transport-api) is the verifier these tests should
 * use; dev-server cannot devDepend on transport-api (transport-api devDepends on dev-server: a
 * cycle in the workspace graph), so this mirrors it until the end-to-end test moves to a package
 * that may import both.
 */
export const scratchVerifier: WebhookVerifier = async ({
  secret,
  timestamp,
  signature,
  rawBody,
}) => {
  if (!timestamp || !signature?.startsWith("v1=")) throw new Error("missing signature headers");
  const expected = createHmac("sha256", Buffer.from(secret, "utf8"))
    .update(`${timestamp}.${rawBody}`, "utf8")
    .digest();
  const given = Buffer.from(signature.slice(3), "hex");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new Error("signature does not match");
  }
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) throw new Error("timestamp skew");
};

/** A running receiver. */
export interface WebhookReceiver {
  url: string;
  /** Every request, in arrival order. */
  readonly requests: ReceivedRequest[];
  /** Verified events, each delivery_id once (the receiver's deduplication). */
  readonly events: WebhookEvent[];
  /** Resolves once `count` requests have arrived. */
  received(count: number): Promise<void>;
  stop(): Promise<void>;
}

/** The largest body the receiver reads: an event is well under 4 KiB. */
const BODY_LIMIT = 64 * 1024;

/**
 * Starts a receiver on a free loopback port. `secret()` is read at each request (so a test can
 * rotate); `answer(n)` gives the status of the n-th request (1-based; default 200 when it
 * verified, else 401).
 *
 * @example
 * const receiver = await startReceiver({ secret: () => secret });
 * await receiver.received(1);
 */
export async function startReceiver(options: {
  secret: () => string;
  answer?: (n: number, request: ReceivedRequest) => number;
  verify?: WebhookVerifier;
}): Promise<WebhookReceiver> {
  const verify = options.verify ?? scratchVerifier;
  const requests: ReceivedRequest[] = [];
  const events: WebhookEvent[] = [];
  const seen = new Set<string>();
  const waiters: { count: number; resolve: () => void }[] = [];

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const rawBody = await readBody(request);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (typeof value === "string") headers[name] = value;
    }
    const received: ReceivedRequest = { headers, rawBody };
    try {
      await verify({
        secret: options.secret(),
        timestamp: headers["x-agentmail-timestamp"],
        signature: headers["x-agentmail-signature"],
        rawBody,
      });
      received.event = WebhookEventSchema.parse(JSON.parse(rawBody));
    } catch (error) {
      received.rejected = String((error as Error).message ?? error);
    }
    requests.push(received);
    const status = options.answer?.(requests.length, received) ?? (received.event ? 200 : 401);
    const event = received.event;
    // Deduplicate on delivery_id, counting only what was accepted (a 2xx).
    if (event && status < 300 && !seen.has(event.delivery_id)) {
      seen.add(event.delivery_id);
      events.push(event);
    }
    response.writeHead(status, { "content-type": "text/plain" });
    response.end(received.rejected ?? "ok");
    for (const waiter of waiters.filter((w) => requests.length >= w.count)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  };
  const server = createServer((request, response) => {
    handle(request, response).catch(() => response.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/mail`,
    requests,
    events,
    received: (count) =>
      requests.length >= count
        ? Promise.resolve()
        : new Promise((resolve) => waiters.push({ count, resolve })),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of request) {
    length += (chunk as Buffer).length;
    if (length > BODY_LIMIT) throw new Error("body too large");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * A loopback server that reads each request and never answers it; its closer goes on `stops`.
 *
 * @example
 * const silent = await silentServer(stops); // settings.put("bob", { url: silent.url })
 */
export async function silentServer(
  stops: (() => Promise<void>)[],
): Promise<{ url: string; requests: () => number }> {
  let requests = 0;
  const held: ServerResponse[] = [];
  const server = createServer((request, response) => {
    requests++;
    request.resume();
    held.push(response);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  stops.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    requests: () => requests,
  };
}
