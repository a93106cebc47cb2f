// The web inbox's document: markup from html.ts, one inline style sheet and one inline script,
// both allowed by a per-response nonce and nothing else (no external assets, no inline handlers).
import { randomBytes } from "node:crypto";
import { escapeHtml } from "./html.js";

/**
 * Where the page's script fetches the live fragment and listens for changes, relative to the
 * page (which is served at the web inbox's base path, see `webInboxBasePath`).
 */
export const WEB_INBOX_PATHS = {
  view: "view",
  events: "events",
} as const;

/**
 * A fresh CSP nonce (128 random bits, base64).
 *
 * @example
 * const nonce = cspNonce();
 */
export function cspNonce(): string {
  return randomBytes(16).toString("base64");
}

/**
 * The Content-Security-Policy of the page: only its own nonce'd script and style, requests to
 * its own origin, no images, frames, forms or plugins.
 *
 * @example
 * c.header("Content-Security-Policy", pageCsp(nonce));
 */
export function pageCsp(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/**
 * The whole page around the live fragment (`renderInbox`'s output).
 *
 * @example
 * c.html(webInboxPage({ nonce, mailDomain: store.mailDomain, fragment: renderInbox(state) }));
 */
export function webInboxPage(input: {
  nonce: string;
  mailDomain: string;
  fragment: string;
}): string {
  const nonce = escapeHtml(input.nonce);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>AgentMail dev server: inbox</title>
<style nonce="${nonce}">${STYLE}</style>
</head>
<body>
<header><h1>AgentMail dev server</h1>
<p>Mail domain <code>${escapeHtml(input.mailDomain)}</code>. Messages as stored: encrypted ones stay ciphertext.
<span id="live" class="badge">connecting…</span></p></header>
<main id="view">${input.fragment}</main>
<script nonce="${nonce}">${SCRIPT}</script>
</body>
</html>`;
}

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:0 1.5rem 2rem;color:#1b1b1b;background:#fafafa}
header h1{font-size:1.3rem;margin:1rem 0 .2rem}
nav.agents a{margin-right:1rem}
.count{color:#666}
section.agent{border-top:1px solid #ccc;margin-top:1rem}
h2{font-size:1.1rem} h4{margin:.8rem 0 .3rem}
ol.messages{list-style:none;padding:0}
li.message{background:#fff;border:1px solid #ddd;border-radius:4px;margin:.4rem 0;padding:.4rem .6rem}
summary{cursor:pointer} .subject{font-weight:600;margin-right:.6rem} .from,time{color:#555;margin-right:.6rem}
.badge{display:inline-block;font-size:.8rem;padding:0 .4rem;border-radius:3px;background:#e8e8e8;margin-right:.25rem}
.encrypted{background:#d9f2dd} .plain{background:#f2e6c9} .via-api{background:#dbe7f8} .via-ses{background:#eadcf8}
.warn{background:#f8dada} .ok{background:#d9f2dd} .unread{background:#333;color:#fff}
table{border-collapse:collapse;margin:.2rem 0} th,td{border:1px solid #ddd;padding:.15rem .4rem;text-align:left;vertical-align:top}
td{word-break:break-all} .decoded{color:#555}
pre{background:#f3f3f3;padding:.5rem;max-height:24rem;overflow:auto;white-space:pre-wrap;word-break:break-all}
.empty{color:#777}`;

// Refreshes the fragment when the event stream announces a state other than the one shown,
// keeping open messages open. The fragment is markup the server escaped.
const SCRIPT = `
(() => {
  const view = document.getElementById("view");
  const live = document.getElementById("live");
  const shown = () => document.getElementById("state")?.dataset.version;
  let latest = shown();
  let busy = false;
  async function refresh() {
    if (busy) return;
    busy = true;
    try {
      while (latest !== shown()) {
        const wanted = latest;
        const open = [...view.querySelectorAll("details[open]")].map((d) => d.id);
        const response = await fetch(${JSON.stringify(WEB_INBOX_PATHS.view)}, { credentials: "same-origin", cache: "no-store" });
        if (!response.ok) { live.textContent = "refresh failed (" + response.status + ")"; return; }
        view.innerHTML = await response.text();
        for (const id of open) { const d = document.getElementById(id); if (d) d.open = true; }
        if (shown() !== wanted && latest === wanted) latest = shown();
      }
    } finally { busy = false; }
  }
  const events = new EventSource(${JSON.stringify(WEB_INBOX_PATHS.events)});
  events.addEventListener("state", (event) => { latest = event.data; live.textContent = "live"; refresh(); });
  events.addEventListener("error", () => { live.textContent = "disconnected: retrying"; });
})();`;
