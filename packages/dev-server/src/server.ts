import { AsyncLocalStorage } from "node:async_hooks";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { AgentMailError, parseInput } from "@assmbl/core";
import { getRequestListener, RequestError } from "@hono/node-server";
import { createDevApp, createWebhooks } from "./app.js";
import { type DevFaults, FaultInjector } from "./faults.js";
import { errorBody, logServerError, SERVER_ERROR_MESSAGE } from "./http/problem.js";
import { DEFAULTS, type DevServerOptions, DevServerOptionsSchema } from "./options.js";
import type { OutboundLog } from "./outbound.js";
import { RequestLog } from "./request-log.js";
import { SendOutbox } from "./send/outbox.js";
import type { DevSesCredentials } from "./ses/credentials.js";
import { SesOutbox } from "./ses/outbox.js";
import { DevStore } from "./store.js";
import type { WebhookDeliverer } from "./webhooks/index.js";

/**
 * A running dev server.
 *
 * @example
 * const server = await startDevServer({ agents: [{ agentId: "my-agent" }] });
 * process.env.AGENTMAIL_API_BASE_URL = server.url;
 * process.env.AGENTMAIL_TOKEN = server.agents["my-agent"]?.token;
 * const { accessKeyId, secretAccessKey } = server.agents["my-agent"]?.ses ?? {};
 * await server.stop();
 */
export interface DevServer {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:43123`. */
  url: string;
  /** The port it listens on (the chosen one when started with port 0). */
  port: number;
  /** The domain of agents' addresses. */
  mailDomain: string;
  /**
   * The bearer token and SES credentials of each seeded agent, by (lower-case) agent id. Sign SES
   * requests with `ses` (any region): the SES endpoint sends as that agent's address only.
   */
  agents: Record<string, { token: string; ses: DevSesCredentials }>;
  /** Every request that reached the server. */
  requests: RequestLog;
  /**
   * What the SES-compatible endpoint accepted (`ses.messages()`, `ses.clear()`): point an
   * `SESClient` or `SESv2Client` at {@link DevServer.url} with an agent's issued credentials
   * (`agents[id].ses`).
   */
  ses: SesOutbox;
  /** What `POST /send` accepted (`sent.messages()`, `sent.clear()`). */
  sent: SendOutbox;
  /**
   * The webhook deliveries made so far (`webhooks.deliveries()`: delivery id, agent, URL,
   * attempts, status; no secrets or bodies) and `webhooks.whenIdle()`, which resolves when none
   * is pending.
   */
  webhooks: Pick<WebhookDeliverer, "deliveries" | "whenIdle">;
  /**
   * Mail to domains this server does not serve (`store.outbound`), which the real platform would
   * hand to SES; `GET /outbound` shows an agent its own.
   */
  outbound: OutboundLog;
  /** The server's state, for arranging or inspecting it without HTTP. */
  store: DevStore;
  /**
   * Replaces the injected faults (`{}` clears them); see {@link DevFaults}.
   *
   * @example
   * server.setFaults({ queue: ["drop"] });
   * @throws {AgentMailError} `invalid_options` for unknown keys or out-of-range values.
   */
  setFaults(faults: DevFaults): void;
  /**
   * Closes the listener and every open connection, and cancels pending webhook deliveries;
   * calling it again is harmless.
   */
  stop(): Promise<void>;
}

/**
 * Starts a local AgentMail platform on a loopback port: the directory API (`/public/agents/...`,
 * `/directory/register`, `/directory/revoke`) with the given agents seeded; `/send`, presigned
 * attachment uploads and downloads, the inbox and message routes; and an SES-compatible endpoint
 * (v1 `SendRawEmail`, `SendEmail`, `GetSendQuota`; v2 `SendEmail` with raw content, `GetAccount`)
 * that keeps each message byte for byte, throttling past `sesMaxSendRate` sends a second when
 * given. Mail from either is delivered to the inboxes of local agents, a repeated
 * `X-AgentMail-Idempotency-Key` of one sender once.
 * `faults` makes chosen requests slow, fail, rate-limited or answered with a cut connection.
 *
 * @example
 * const server = await startDevServer({
 *   port: 0,
 *   agents: [{ agentId: "other-agent", publicKey: spkiPem, openpgpPublicKey: armored }],
 * });
 * const record = await (await fetch(`${server.url}/public/agents/other-agent`)).json();
 * await server.stop();
 * @throws {AgentMailError} `invalid_options` for unknown or bad options (naming the key), a bad
 * seed agent, or a port that cannot be listened on.
 */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const parsed = parseInput(DevServerOptionsSchema, options, "startDevServer options");
  const host = parsed.host ?? DEFAULTS.host;
  const store = new DevStore({
    mailDomain: parsed.mailDomain ?? DEFAULTS.mailDomain,
    attachmentProcessingMs: parsed.attachmentProcessingMs,
    inlineMessageBytes: parsed.inlineMessageBytes,
    startingBalance: parsed.startingBalance,
    now: parsed.now,
  });
  const agents: Record<string, { token: string; ses: DevSesCredentials }> = {};
  for (const seed of parsed.agents ?? []) {
    const agent = await store.addAgent(seed);
    agents[agent.agentId] = { token: agent.token, ses: agent.ses };
  }
  const requests = new RequestLog(parsed.onRequest);
  // The account's sending rate counts on the server's clock, as the trusted peers' caps do.
  const ses = new SesOutbox({ maxSendRate: parsed.sesMaxSendRate, now: store.now });
  const sent = new SendOutbox();
  const faults = new FaultInjector(parsed.faults ?? {});
  const webhooks = createWebhooks(store, parsed.webhookRetry);
  const server = createHttpServer(
    createDevApp(store, { requests, ses, sent, faults, onDelivery: parsed.onDelivery, webhooks }),
    requests,
    host,
  );
  try {
    await listen(server, parsed.port ?? DEFAULTS.port, host);
  } catch (error) {
    await webhooks.deliverer.close();
    throw error;
  }

  const { port } = server.address() as AddressInfo;
  let stopped: Promise<void> | undefined;
  return {
    url: `http://${urlHost(host)}:${port}`,
    port,
    mailDomain: store.mailDomain,
    agents,
    requests,
    ses,
    sent,
    webhooks: {
      deliveries: () => webhooks.deliverer.deliveries(),
      whenIdle: () => webhooks.deliverer.whenIdle(),
    },
    outbound: store.outbound,
    store,
    setFaults: (next) => faults.set(next),
    stop: () => {
      stopped ??= Promise.all([
        // Pending webhook retries are cancelled: nothing is sent after stop().
        webhooks.deliverer.close(),
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
      ]).then(() => undefined);
      return stopped;
    },
  };
}

type FetchHandler = (request: Request, env: unknown) => Response | Promise<Response>;

function createHttpServer(
  app: { fetch: FetchHandler },
  requests: RequestLog,
  host: string,
): Server {
  // Lets the adapter's error handler (which only gets the error) log the request it refused.
  const current = new AsyncLocalStorage<IncomingMessage>();
  const listener = getRequestListener(app.fetch, {
    hostname: host,
    // Keep the process's global Request/Response as they are: tests share the process.
    overrideGlobalObjects: false,
    errorHandler: (error) => {
      const incoming = current.getStore();
      // The adapter refuses requests it cannot turn into a URL (a backslash in the path, a bad
      // Host header): client input, so a 400.
      const refused = error instanceof RequestError;
      const status = refused ? 400 : 500;
      if (!refused) logServerError(error);
      if (incoming) {
        requests.record({
          method: incoming.method ?? "GET",
          path: (incoming.url ?? "").split("?")[0] ?? "",
          status,
        });
      }
      const body = refused
        ? errorBody("invalid_request", "the request target or Host header is malformed")
        : errorBody("server_error", SERVER_ERROR_MESSAGE);
      return Response.json(body, { status });
    },
  });
  const server = createServer((incoming, outgoing) => {
    current.run(incoming, () => listener(incoming, outgoing));
  });
  server.on("clientError", answerMalformedRequest);
  return server;
}

/** Malformed HTTP never reaches the app; answer it in the same `{error, message}` shape. */
function answerMalformedRequest(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (
    error.code === "ECONNRESET" ||
    !socket.writable ||
    (socket as { bytesWritten?: number }).bytesWritten
  ) {
    socket.destroy();
    return;
  }
  const [status, reason, code, message] =
    error.code === "HPE_HEADER_OVERFLOW"
      ? [
          431,
          "Request Header Fields Too Large",
          "invalid_request",
          "the request headers are too large",
        ]
      : error.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? [408, "Request Timeout", "timeout", "the request took too long to arrive"]
        : [400, "Bad Request", "invalid_request", "the request is not well-formed HTTP/1.1"];
  const body = JSON.stringify(errorBody(code, message));
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(
        new AgentMailError({
          code: "invalid_options",
          message: `startDevServer: cannot listen on ${host}:${port} (${error.code ?? error.message})`,
          cause: error,
        }),
      );
    };
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve();
    });
  });
}

/** A host as it goes in a URL: IPv6 in brackets, the unspecified addresses as loopback. */
function urlHost(host: string): string {
  if (host === "0.0.0.0") return "127.0.0.1";
  if (host === "::" || host === "[::]") return "[::1]";
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}
