import { Hono } from "hono";
import { billingRoutes } from "./billing/routes.js";
import type { DevDeliveryReport } from "./delivery.js";
import type { FaultInjector } from "./faults.js";
import { DroppedResponseError, faultMiddleware } from "./http/faults.js";
import { errorResponse, problemResponse } from "./http/problem.js";
import { allowedMethods, type DevRoute, honoPath } from "./http/route.js";
import type { RequestLog } from "./request-log.js";
import { attachmentRoutes } from "./routes/attachments.js";
import { directoryRoutes } from "./routes/directory.js";
import { inboxRoutes } from "./routes/inbox.js";
import { messageRoutes } from "./routes/messages.js";
import { outboundRoutes } from "./routes/outbound.js";
import { sendRoutes } from "./routes/send.js";
import { SendOutbox } from "./send/outbox.js";
import { SesOutbox } from "./ses/outbox.js";
import { mountSesRoutes } from "./ses/routes.js";
import { STORAGE_PREFIX } from "./storage/download-url.js";
import { Presigner } from "./storage/presigner.js";
import { mountStorageRoutes } from "./storage/routes.js";
import type { DevStore } from "./store.js";
import { trustedPeerRoutes } from "./trusted-peers/routes.js";
import { WebInboxFeed } from "./web-inbox/feed.js";
import { mountWebInbox } from "./web-inbox/routes.js";
import { WebhookDeliverer, WebhookSettings, webhookRoutes } from "./webhooks/index.js";

/**
 * Options of {@link createDevApp}.
 *
 * @example
 * const options: DevAppOptions = { requests: new RequestLog(), ses: new SesOutbox(), faults: new FaultInjector() };
 */
export interface DevAppOptions {
  /** Where to record each request the app answers; none when absent. */
  requests?: RequestLog;
  /** Where the SES endpoint keeps what it accepted; a fresh outbox when absent. */
  ses?: SesOutbox;
  /** Where `POST /send` keeps what it accepted; a fresh outbox when absent. */
  sent?: SendOutbox;
  /**
   * The faults to inject (see {@link DevFaults}); none when absent. In-process (no Node socket
   * to cut), a dropped response makes `app.request()` reject.
   */
  faults?: FaultInjector;
  /**
   * Told where each message `POST /send` or the SES endpoint accepted went, after it was
   * delivered. What it throws is logged (its name only) and changes nothing of the answer.
   */
  onDelivery?: ((report: DevDeliveryReport) => void) | undefined;
  /**
   * The agents' webhook settings and the deliverer that POSTs `mail.received` events; fresh ones
   * (retried as `webhookRetry` says) when absent. Give your own to close the deliverer
   * (`deliverer.close()`) when you are done with the app: `startDevServer` does on `stop()`.
   */
  webhooks?: { settings: WebhookSettings; deliverer: WebhookDeliverer } | undefined;
  /** Retries of the deliverer made when `webhooks` is absent (see `DevServerOptions.webhookRetry`). */
  webhookRetry?: { attempts: number; baseDelayMs: number } | undefined;
}

/**
 * The dev server's HTTP API as a Hono app, for in-process use (`app.request(...)`, another
 * server, a test harness). {@link startDevServer} serves it on a port.
 *
 * Every non-2xx answer of the AgentMail API is `{"error": "<code>", "message": "..."}`: unknown
 * routes are 404 `not_found`, a known path with the wrong method is 405 with an `Allow` header,
 * and anything unexpected is a 500 `server_error` that reveals nothing about its cause. The
 * SES-compatible endpoint (`POST /` with a form body, `/v2/email/...`) answers in SES's formats
 * instead, and delivers what it accepts to the store's inboxes; the storage URLs that uploads and
 * downloads are presigned for (`/_storage/...`) answer like S3. The web inbox (`/_inbox/<random>/`)
 * is for a browser on loopback that opens the URL `webInboxUrl(server)` gives (`agentmail-dev`
 * prints it).
 *
 * @example
 * const store = new DevStore();
 * await store.addAgent({ agentId: "peer", publicKey: pem });
 * const app = createDevApp(store);
 * const response = await app.request(routePath(Routes.getAgent, { agent_id: "peer" }));
 * console.log((await response.json()).key_version); // 1
 */
export function createDevApp(store: DevStore, options: DevAppOptions = {}): Hono {
  const app = new Hono({ strict: true });
  // Signs upload policies and download URLs; a new secret per app.
  const presigner = new Presigner();
  // The web inbox learns of each delivery (its transport, and when to refresh open pages).
  const feed = new WebInboxFeed();
  const webhooks = options.webhooks ?? createWebhooks(store, options.webhookRetry);
  // Told after the send committed (delivered, money moved): a listener that throws must not turn
  // it into a 500, which would also free the idempotency key for a second copy.
  const onDelivery = (report: DevDeliveryReport) => {
    notify("the web inbox", () => feed.record(report));
    // Queues in the background; never throws.
    webhooks.deliverer.onDelivery(report);
    const listener = options.onDelivery;
    if (listener) notify("onDelivery", () => listener(report));
  };
  const routes: DevRoute[] = [
    ...directoryRoutes(store),
    ...sendRoutes({
      store,
      outbox: options.sent ?? new SendOutbox(),
      onDelivery,
    }),
    ...attachmentRoutes(store, presigner),
    ...inboxRoutes(store),
    ...messageRoutes(store, presigner),
    ...outboundRoutes(store),
    ...trustedPeerRoutes(store),
    ...billingRoutes(store),
    ...webhookRoutes({ store, settings: webhooks.settings }),
  ];
  const { requests } = options;
  const ses = options.ses ?? new SesOutbox();

  if (requests) {
    app.use("*", async (c, next) => {
      await next();
      requests.record({
        method: c.req.method,
        path: rawPath(c.req.url),
        status: c.res.status,
        agentId: c.get("agentId"),
      });
    });
  }
  if (options.faults) {
    const isApiPath = (path: string) =>
      path.startsWith(STORAGE_PREFIX) || allowedMethods(routes, path).length > 0;
    app.use("*", faultMiddleware(options.faults, isApiPath));
  }
  for (const { route, handler } of routes) app.on(route.method, honoPath(route.path), handler);
  // Not in `routes`: those also answer 405s.
  mountSesRoutes(app, { store, outbox: ses, onDelivery });
  mountStorageRoutes(app, { objects: store.objects, presigner });
  // The web inbox, for a loopback browser with the UI token (see `webInboxUrl`).
  mountWebInbox(app, { store, feed, presigner });

  app.notFound((c) => {
    const allow = allowedMethods(routes, c.req.path);
    if (allow.length > 0) {
      return problemResponse(
        c,
        "invalid_request",
        `${c.req.method} is not allowed here; use ${allow.join(", ")}`,
        405,
        { Allow: allow.join(", ") },
      );
    }
    return problemResponse(c, "not_found", "no such route on the AgentMail dev server", 404);
  });
  app.onError((error, c) => {
    if (error instanceof DroppedResponseError) throw error;
    return errorResponse(c, error);
  });
  return app;
}

/**
 * An app's webhook settings and deliverer, the `trusted` tier of its notification rules read
 * from the store's trusted peers.
 *
 * @example
 * const webhooks = createWebhooks(store, { attempts: 3, baseDelayMs: 10 });
 * const app = createDevApp(store, { webhooks });
 * await webhooks.deliverer.close();
 */
export function createWebhooks(
  store: DevStore,
  retry?: { attempts: number; baseDelayMs: number } | undefined,
): { settings: WebhookSettings; deliverer: WebhookDeliverer } {
  const settings = new WebhookSettings();
  const deliverer = new WebhookDeliverer({
    store,
    settings,
    isTrustedPeer: (recipient, sender) =>
      store.trustedPeers.isTrusted(recipient.toLowerCase(), sender.toLowerCase()),
    ...(retry === undefined ? {} : { retry }),
  });
  return { settings, deliverer };
}

/**
 * Runs a delivery listener, logging what it throws by its name only: the error's message may
 * quote the mail.
 */
function notify(listener: string, run: () => void): void {
  try {
    run();
  } catch (error) {
    const name = error instanceof Error ? error.name : typeof error;
    console.error(`[agentmail-dev] ${listener} listener threw (${name}); the send stands`);
  }
}

/** The path as the client sent it (percent-encoded), without the query. */
function rawPath(url: string): string {
  return new URL(url).pathname;
}
