/**
 * Example 7 — the receiving agent's webhook.
 *
 * Instead of polling its inbox, the receiving agent sets a webhook (`putWebhook`) and keeps the
 * signing secret the answer carries: it is shown once. Its endpoint is a plain `node:http` server
 * that checks each POST with `verifyWebhookSignature` (the raw body, `X-AgentMail-Timestamp`,
 * `X-AgentMail-Signature`) before trusting a byte of it, handles each `delivery_id` once (the
 * platform retries until it gets a 2xx, so the same delivery can arrive again), and for
 * `mail.received` fetches the message the event names and decrypts it with its private key.
 * The event itself carries no body: only ids, the sender and the subject.
 *
 * Locally the receiver listens on loopback and the dev server POSTs to it. Against real services
 * the platform needs a public HTTPS URL: set `AGENTMAIL_WEBHOOK_URL` to one that forwards to
 * `127.0.0.1:AGENTMAIL_WEBHOOK_PORT` (a tunnel or reverse proxy; default port 8787).
 *
 * Run it: `node apps/examples/dist/07-webhook-receiver.js`.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import {
  createMailer,
  type MailMessage,
  type WebhookEvent,
  WebhookEventSchema,
} from "@assmbl/core";
import { loadPrivateKey, openpgpCrypto } from "@assmbl/crypto";
import { createDirectory } from "@assmbl/directory";
import {
  apiTransport,
  createAgentMailClient,
  type FetchedMessage,
  verifyWebhookSignature,
} from "@assmbl/transport-api";
import type { ExampleContext } from "./context.js";
import { ExampleEnv } from "./env.js";
import type { SendFacts } from "./facts.js";
import { runIfMain } from "./standalone.js";

/**
 * What the receiver did with the POSTs it got.
 *
 * @example
 * const { verified, duplicates }: ReceiverStats = receiver.stats;
 */
export interface ReceiverStats {
  posts: number;
  /** Signature and timestamp held. */
  verified: number;
  /** Verified, but a `delivery_id` already handled: acknowledged, not handled again. */
  duplicates: number;
  /** Refused (401): why, per POST. */
  refused: string[];
}

/**
 * A running webhook endpoint.
 *
 * @example
 * const receiver = await startWebhookReceiver({ secret: () => secret, onEvent });
 */
export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>/hooks/agentmail`. */
  url: string;
  stats: ReceiverStats;
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024; // an event is well under 1 KiB: anything bigger is not one

/**
 * Starts a webhook endpoint on loopback: verifies every POST, handles each delivery once with
 * `onEvent`, and answers 2xx only once `onEvent` succeeded (a failure answers 500, and the
 * platform retries the same delivery later).
 *
 * @example
 * const receiver = await startWebhookReceiver({ secret: () => secret, onEvent: async (event) => console.log(event.subject) });
 */
export async function startWebhookReceiver(options: {
  /** The webhook's signing secret; read per request, so a rotation applies at once. */
  secret: () => string;
  onEvent: (event: WebhookEvent) => Promise<void>;
  /** Default 0: any free port. */
  port?: number | undefined;
}): Promise<WebhookReceiver> {
  const stats: ReceiverStats = { posts: 0, verified: 0, duplicates: 0, refused: [] };
  // delivery_id -> its handling. In production, a unique key in your database.
  const handled = new Map<string, Promise<void>>();

  const server = createServer((request, response) => {
    stats.posts += 1;
    handle(request)
      .then((status) => response.writeHead(status).end())
      .catch(() => response.writeHead(500).end()); // retried by the platform
  });
  // A deadline on every request: a peer that trickles bytes does not hold a socket forever.
  server.requestTimeout = 10_000;
  server.headersTimeout = 10_000;

  async function handle(request: IncomingMessage): Promise<number> {
    if (request.method !== "POST") return 405;
    const rawBody = await readCapped(request);
    if (rawBody === undefined) return 413;
    try {
      // The raw bytes as they arrived: re-serialised JSON would not verify.
      await verifyWebhookSignature({
        secret: options.secret(),
        timestamp: request.headers["x-agentmail-timestamp"] as string | undefined,
        signature: request.headers["x-agentmail-signature"] as string | undefined,
        rawBody,
      });
    } catch (error) {
      stats.refused.push(error instanceof Error ? error.message : String(error));
      return 401;
    }
    stats.verified += 1;
    const parsed = WebhookEventSchema.safeParse(JSON.parse(rawBody.toString("utf8")));
    if (!parsed.success) return 204; // an event this code does not know: acknowledged, ignored
    const event = parsed.data;
    const earlier = handled.get(event.delivery_id);
    if (earlier) {
      stats.duplicates += 1;
      await earlier; // still running (the platform gave up waiting): answer once it is done
      return 204;
    }
    const work = options.onEvent(event);
    handled.set(event.delivery_id, work);
    await work.catch((error: unknown) => {
      handled.delete(event.delivery_id); // let the platform's retry handle it again
      throw error;
    });
    return 204;
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/agentmail`,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The body under {@link MAX_BODY}, or `undefined` when it is larger. */
async function readCapped(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of request) {
    length += (chunk as Buffer).length;
    if (length > MAX_BODY) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * What example 7 returns: the message sent, the webhook, the receiver's counts, and the event
 * and message as the receiver handled them.
 *
 * @example
 * const { event, message }: WebhookFacts = await run(context);
 */
export interface WebhookFacts extends SendFacts {
  /** Where the platform POSTed. */
  webhookUrl: string;
  /** Whether `putWebhook` itself answered with the signing secret (a first set-up). */
  secretOnSetUp: boolean;
  stats: ReceiverStats;
  event: WebhookEvent;
  /** Fetched by the event's `message_id` and decrypted. */
  message: FetchedMessage;
}

/**
 * Sets the recipient's webhook to a receiver started here, sends it an encrypted message, and
 * returns what the receiver got; then removes the webhook (the receiver stops with the example).
 *
 * @example
 * const { message } = await run(context); // message.bodyTextDecrypted: "Invoice 7 is approved..."
 * @throws {Error} without the recipient's token or key, or when no delivery came within a minute;
 * {@link AgentMailError} on API failures.
 */
export async function run(context: ExampleContext): Promise<WebhookFacts> {
  const { apiBaseUrl, mailDomain, sender, recipient, directory, runId } = context;
  if (!recipient.token || !recipient.privateKeyArmored) {
    throw new Error(
      `set ${ExampleEnv.recipientToken} and ${ExampleEnv.recipientPrivateKey}: the receiver reads the recipient's inbox`,
    );
  }
  if (context.target === "real services" && !context.webhook) {
    throw new Error(`set ${ExampleEnv.webhookUrl}: the platform POSTs to a public HTTPS URL`);
  }

  // --- The receiving agent: its client, its key, its endpoint.
  const inbox = createAgentMailClient({ baseUrl: apiBaseUrl, token: recipient.token, mailDomain });
  const decryptWith = await loadPrivateKey(recipient.privateKeyArmored, recipient.passphrase);
  const verifyWith = createDirectory({ baseUrl: apiBaseUrl });
  const received = new Map<string, { event: WebhookEvent; message: FetchedMessage }>();
  let secret = "";
  let wake = () => {};
  const receiver = await startWebhookReceiver({
    port: context.webhook?.port,
    secret: () => secret,
    onEvent: async (event) => {
      // The event says which message arrived; its body is fetched and decrypted here.
      const message = await inbox.fetchMessage(event.message_id, { decryptWith, verifyWith });
      received.set(event.message_id, { event, message });
      wake();
    },
  });
  try {
    const webhookUrl = context.webhook?.publicUrl ?? receiver.url;
    let webhook = await inbox.putWebhook({ url: webhookUrl });
    const secretOnSetUp = webhook.signingSecret !== undefined;
    // The secret comes only with the first set-up. An agent whose webhook was set earlier gets
    // none now: rotate to get one this process knows (the old secret stops verifying).
    if (!webhook.signingSecret)
      webhook = await inbox.putWebhook({ url: webhookUrl, rotateSecret: true });
    secret = webhook.signingSecret ?? "";

    // --- The sending agent: an encrypted message through /send, as in example 4.
    const mailer = createMailer(apiTransport({ baseUrl: apiBaseUrl, token: sender.token }), {
      from: sender.address,
      mailDomain,
      directory,
      crypto: openpgpCrypto({ signingKey: sender.signingKey }),
    });
    const message: MailMessage = {
      to: recipient.address,
      subject: `Invoice 7 approved (${runId})`,
      text: "Invoice 7 is approved: pay 1,250.00 EUR by Friday.",
      encrypt: true,
      correlationId: `invoices-${runId}`,
    };
    const result = await mailer.send(message);

    // The delivery comes on its own; wait for the one naming this message, within a minute.
    const deadline = Date.now() + 60_000;
    while (!received.has(result.messageId) && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 1_000);
      });
    }
    const got = received.get(result.messageId);
    if (!got) throw new Error(`no verified mail.received delivery for ${result.messageId}`);
    return {
      sent: [{ via: "apiTransport", message, result }],
      webhookUrl,
      secretOnSetUp,
      stats: { ...receiver.stats, refused: [...receiver.stats.refused] },
      ...got,
    };
  } finally {
    // This receiver ends with the example: without the webhook, nothing is retried into a closed port.
    // A failure here must not hide the example's own outcome (or error).
    await inbox.deleteWebhook().catch(() => {});
    await receiver.close();
  }
}

await runIfMain(import.meta.url, run);
