// The web inbox's routes: the page at `/`, its live fragment and event stream, each message's raw
// MIME and its attachments' downloads. All behind `webInboxAuth` (loopback + UI token).
import type { Context, Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { HttpProblem, problemResponse } from "../http/problem.js";
import { mimeAttachments } from "../mime/attachments.js";
import { presignAttachmentDownload } from "../storage/attachment-download.js";
import type { Presigner } from "../storage/presigner.js";
import type { DevStore } from "../store.js";
import { webInboxAuth, webInboxBasePath } from "./auth.js";
import type { WebInboxFeed } from "./feed.js";
import { renderInbox } from "./html.js";
import { cspNonce, pageCsp, WEB_INBOX_PATHS, webInboxPage } from "./page.js";
import { webInboxState, webInboxVersion } from "./view-model.js";

/** What the web inbox reads. */
export interface WebInboxContext {
  store: DevStore;
  feed: WebInboxFeed;
  presigner: Presigner;
}

/** How often the event stream looks for changes made without a delivery (`store.*` calls). */
const POLL_MS = 2_000;

/**
 * Open event streams a server keeps at most: each is a connection and a loop re-reading the
 * store; a page needs one, a few tabs a few. More are refused with 429 until one closes.
 */
export const MAX_EVENT_STREAMS = 16;

/** Headers of every web inbox answer: never cached, never framed, never sniffed. */
const COMMON_HEADERS = {
  "Cache-Control": "no-store",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
} as const;

/**
 * Mounts the web inbox: `GET /?token=` (sets the UI cookie and redirects to the base path,
 * `/_inbox/<random>/`, see `webInboxBasePath`), and under the base path: the page, `view` (the
 * live fragment), `events` (Server-Sent Events: `state` with the state's digest, at connect and
 * on every change; at most {@link MAX_EVENT_STREAMS} open), `messages/{id}/raw` (text/plain) and
 * `messages/{id}/attachments/{index}` (a redirect to a presigned download, as
 * `POST /messages/{id}/attachments/{index}/download` gives one).
 *
 * @example
 * mountWebInbox(app, { store, feed: new WebInboxFeed(), presigner });
 */
export function mountWebInbox(app: Hono, context: WebInboxContext): void {
  const { store, feed } = context;
  const auth = webInboxAuth(store);
  const base = webInboxBasePath(store);
  let openStreams = 0;
  // The token leaves the address bar (and history) once the cookie carries it.
  app.on(["GET", "HEAD"], "/", auth, (c) => c.redirect(base, 303));
  app.on(["GET", "HEAD"], base, auth, async (c) => {
    const nonce = cspNonce();
    const fragment = renderInbox(await webInboxState(store, feed));
    return c.html(webInboxPage({ nonce, mailDomain: store.mailDomain, fragment }), 200, {
      ...COMMON_HEADERS,
      "Content-Security-Policy": pageCsp(nonce),
    });
  });
  app.get(`${base}${WEB_INBOX_PATHS.view}`, auth, async (c) =>
    c.html(renderInbox(await webInboxState(store, feed)), 200, {
      ...COMMON_HEADERS,
      "Content-Security-Policy": "default-src 'none'",
    }),
  );
  app.get(`${base}${WEB_INBOX_PATHS.events}`, auth, (c) => {
    // Hono answers HEAD with the GET handler's headers and drops its body unread: a stream
    // started here would never see its reader go and would hold its slot for good.
    if (c.req.method === "HEAD") {
      return c.body(null, 200, { ...COMMON_HEADERS, "Content-Type": "text/event-stream" });
    }
    if (openStreams >= MAX_EVENT_STREAMS) {
      c.header("Retry-After", "5");
      return problemResponse(
        c,
        "rate_limited",
        `the web inbox keeps at most ${MAX_EVENT_STREAMS} live pages open; close one and reload`,
        429,
      );
    }
    openStreams += 1;
    for (const [name, value] of Object.entries(COMMON_HEADERS)) c.header(name, value);
    return streamSSE(c, async (stream) => {
      const closed = new AbortController();
      stream.onAbort(() => closed.abort());
      try {
        let sent: string | undefined;
        while (!closed.signal.aborted) {
          const version = webInboxVersion(store);
          if (version !== sent) {
            await stream.writeSSE({ event: "state", data: version });
            sent = version;
          } else {
            // Keeps proxies and the browser from timing the stream out.
            await stream.write(": idle\n\n");
          }
          await feed.next(POLL_MS, closed.signal);
        }
      } finally {
        openStreams -= 1;
      }
    });
  });
  app.get(`${base}messages/:id/raw`, auth, (c) => {
    const message = messageOf(c, store);
    return c.body(new Uint8Array(message.raw), 200, {
      ...COMMON_HEADERS,
      "Content-Type": "text/plain; charset=utf-8",
      "Content-Security-Policy": "default-src 'none'; sandbox",
    });
  });
  app.get(`${base}messages/:id/attachments/:index`, auth, async (c) => {
    const message = messageOf(c, store);
    const raw = c.req.param("index");
    const index = /^\d{1,6}$/.test(raw) ? Number(raw) : -1;
    const part = (await mimeAttachments(message.raw))[index];
    if (!part) throw new HttpProblem("not_found", "the message has no attachment with this index");
    // The same object (and key) the message route's download presigns, so both serve alike.
    const origin = new URL(c.req.url).origin;
    const url = presignAttachmentDownload(store, context.presigner, message, index, part, origin);
    return c.redirect(url, 303);
  });
}

function messageOf(c: Context, store: DevStore) {
  const message = store.message(c.req.param("id") ?? "");
  if (!message) throw new HttpProblem("not_found", "no message with this id");
  return message;
}
