// The web inbox's markup. Every value from mail (subjects, names, file names, headers) is the
// sender's: it only ever reaches the page through `text()`, which escapes it for element content
// and quoted attributes alike.
import type { ManifestRow } from "@assmbl/core";
import type { WebInboxAgent, WebInboxMessage, WebInboxState } from "./view-model.js";

/** Markup that is already safe to insert: built only by this module. */
interface Html {
  readonly html: string;
}

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
  "`": "&#96;",
};

/**
 * Escapes a string for HTML element content or a quoted attribute value.
 *
 * @example
 * escapeHtml('<img src=x onerror="alert(1)">'); // "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"
 */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (char) => ESCAPES[char] ?? char);
}

/** A template tag: interpolated strings are escaped, `Html` values and arrays of them are not. */
function h(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0] ?? "";
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? "");
  });
  return { html: out };
}

function render(value: unknown): string {
  if (Array.isArray(value)) return value.map(render).join("");
  if (value !== null && typeof value === "object" && "html" in value) return (value as Html).html;
  if (value === undefined || value === null || value === false) return "";
  return escapeHtml(String(value));
}

/**
 * The page's live part: every agent and its messages, newest first. `data-version` is the state's
 * digest, which the script compares with what the event stream announces.
 *
 * @example
 * const fragment = renderInbox(await webInboxState(store, feed));
 */
export function renderInbox(state: WebInboxState): string {
  return h`<div id="state" data-version="${state.version}">
<nav class="agents">${state.agents.map(
    (agent) =>
      h`<a href="#agent-${agent.agentId}">${agent.agentId} <span class="count">${agent.messageCount}</span></a>`,
  )}</nav>
${state.agents.length === 0 ? h`<p class="empty">No agents: start the server with --agent NAME.</p>` : ""}
${state.agents.map(agentSection)}
</div>`.html;
}

function agentSection(agent: WebInboxAgent): Html {
  return h`<section class="agent" id="agent-${agent.agentId}" data-agent="${agent.agentId}">
<h2>${agent.address} <span class="badge ${agent.keyVersion === null ? "warn" : "ok"}">${
    agent.keyVersion === null ? "no key registered" : `key v${agent.keyVersion}`
  }</span></h2>
${agent.messages.length === 0 ? h`<p class="empty">No messages yet.</p>` : ""}
<ol class="messages">${agent.messages.map(messageItem)}</ol>
${agent.olderNotShown > 0 ? h`<p class="empty">${agent.olderNotShown} older messages not shown (GET /messages with the agent's token lists them).</p>` : ""}
</section>`;
}

function messageItem(m: WebInboxMessage): Html {
  return h`<li class="message" data-message-id="${m.id}">
<details id="m-${m.id}">
<summary><span class="subject">${m.subject === "" ? "(no subject)" : m.subject}</span>
<span class="from">${m.sender === "" ? "(unknown sender)" : m.sender}</span>
<time datetime="${m.receivedAt}">${m.receivedAt.replace("T", " ").replace(/\.\d+Z$/, "Z")}</time>
${badges(m)}</summary>
${agentMailFields(m)}
${attachmentsTable(m)}
<h4>Headers</h4>
<table class="headers">${m.headers.map(
    (field) =>
      h`<tr><th>${field.name}</th><td>${field.value}${
        field.decoded === field.value ? "" : h`<div class="decoded">${field.decoded}</div>`
      }</td></tr>`,
  )}</table>
${m.headersNotShown > 0 ? h`<p class="empty">${m.headersNotShown} more header fields not shown: open the raw MIME as text for all of them.</p>` : ""}
<h4>Body (as stored${m.encrypted ? ": ciphertext, not decrypted here" : ""})</h4>
<pre class="body">${m.text}</pre>
<h4>Raw MIME (${m.rawBytes} bytes) <a class="raw-link" href="messages/${encodeURIComponent(m.id)}/raw" target="_blank" rel="noopener">open as text</a></h4>
<pre class="raw">${m.raw}${m.raw.length < m.rawBytes ? "\n[… truncated: open as text for all of it]" : ""}</pre>
</details>
</li>`;
}

function badges(m: WebInboxMessage): Html {
  return h`<span class="badges">
<span class="badge via via-${m.via}">via ${m.via}</span>
${
  m.encrypted
    ? h`<span class="badge encrypted" title="stored as ciphertext; the web inbox does not decrypt">encrypted${m.encrypted === "armored-body" ? " (no header)" : ""}</span>`
    : h`<span class="badge plain">plain</span>`
}
<span class="badge ${m.senderVerified ? "ok" : "warn"}">${m.senderVerified ? "verified sender" : "unverified sender"}</span>
${m.attachments.length > 0 ? h`<span class="badge attachments">${m.attachments.length} attachment${m.attachments.length === 1 ? "" : "s"}</span>` : ""}
${m.isRead ? "" : h`<span class="badge unread">unread</span>`}
${m.isArchived ? h`<span class="badge">archived</span>` : ""}
${m.labels.map((label) => h`<span class="badge label">${label}</span>`)}
</span>`;
}

function agentMailFields(m: WebInboxMessage): Html {
  const row = (name: string, value: string | undefined, cls: string) =>
    value === undefined ? "" : h`<tr><th>${name}</th><td class="${cls}">${value}</td></tr>`;
  return h`<h4>AgentMail fields</h4>
<table class="agentmail">
<tr><th>Encrypted</th><td class="encrypted-flag">${
    m.encrypted === "header"
      ? "yes (X-AgentMail-Encrypted: body): the body is OpenPGP ciphertext, shown as stored"
      : m.encrypted === "armored-body"
        ? "the body is an armored OpenPGP message, but X-AgentMail-Encrypted is missing"
        : "no"
  }</td></tr>
${row("Correlation id", m.correlationId, "correlation")}
${row("Idempotency key", m.idempotencyKey, "idempotency")}
${row("Marketplace request id", m.marketplaceRequestId, "marketplace")}
</table>
${m.manifest === undefined ? "" : manifestTable(m.manifest)}`;
}

function manifestTable(manifest: NonNullable<WebInboxMessage["manifest"]>): Html {
  if ("error" in manifest) {
    return h`<p class="manifest-error">X-AgentMail-Attachments: ${manifest.error}</p>`;
  }
  const cell = (row: ManifestRow, key: keyof ManifestRow) => {
    const value = row[key];
    return value === undefined ? "" : typeof value === "object" ? JSON.stringify(value) : value;
  };
  return h`<h4>Attachment manifest (X-AgentMail-Attachments)</h4>
<table class="manifest"><tr><th>index</th><th>filename</th><th>content type</th><th>size</th><th>encrypted</th><th>encryption</th><th>original filename</th><th>original type</th><th>object key</th></tr>
${manifest.rows.map(
  (row) =>
    h`<tr><td>${row.index}</td><td class="filename">${row.filename}</td><td>${row.content_type}</td><td>${cell(row, "size")}</td><td>${row.encrypted ? "yes" : "no"}</td><td>${cell(row, "encryption")}</td><td>${cell(row, "original_filename")}</td><td>${cell(row, "original_content_type")}</td><td>${cell(row, "object_key")}</td></tr>`,
)}</table>`;
}

function attachmentsTable(m: WebInboxMessage): Html {
  if (m.attachments.length === 0) return h``;
  return h`<h4>Attachments</h4>
<table class="attachments"><tr><th>index</th><th>file name</th><th>content type</th><th>size</th><th>status</th><th></th></tr>
${m.attachments.map(
  (a) =>
    h`<tr><td>${a.index}</td><td class="filename">${a.fileName === "" ? "(none)" : a.fileName}</td><td>${a.contentType}</td><td>${a.size}</td><td><span class="badge status-${a.status}">${a.status}</span></td><td>${
      a.status === "ready"
        ? h`<a class="download" href="messages/${encodeURIComponent(m.id)}/attachments/${a.index}" download>download</a>`
        : ""
    }</td></tr>`,
)}</table>
${m.attachmentsNotShown > 0 ? h`<p class="empty">${m.attachmentsNotShown} more attachments not listed.</p>` : ""}`;
}
