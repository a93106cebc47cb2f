// The web inbox's page is bounded whatever the mail holds: a sender controls header counts and
// lengths, attachment counts and how many messages it sends, and the page renders all agents'
// mail on every load and refresh, so each is cut and the cut is said on the page.
import { describe, expect, it } from "vitest";
import { DevStore } from "../store.js";
import { WebInboxFeed } from "./feed.js";
import { renderInbox } from "./html.js";
import {
  MAX_ATTACHMENT_ROWS,
  MAX_HEADER_FIELDS,
  MAX_HEADER_VALUE_CHARS,
  MAX_MESSAGES_PER_AGENT,
  webInboxState,
} from "./view-model.js";

async function storeWith(agentId: string): Promise<DevStore> {
  const store = new DevStore();
  await store.addAgent({ agentId });
  return store;
}

const HEAD = "From: peer@agents.localhost\r\nTo: my-agent@agents.localhost\r\nSubject: s\r\n";

describe("web inbox bounds", () => {
  it("shows at most MAX_HEADER_FIELDS header fields, each cut at MAX_HEADER_VALUE_CHARS", async () => {
    const store = await storeWith("my-agent");
    const many = Array.from({ length: 5_000 }, (_, i) => `X-Filler-${i}: ${"v".repeat(200)}\r\n`);
    const long = `X-Long: ${"L".repeat(1024 * 1024)}\r\n`;
    store.deliver("my-agent", `${HEAD}${long}${many.join("")}\r\nbody\r\n`);
    const state = await webInboxState(store, new WebInboxFeed());
    const [message] = state.agents[0]?.messages ?? [];
    expect(message?.headers).toHaveLength(MAX_HEADER_FIELDS);
    expect(message?.headersNotShown).toBe(5_000 + 4 - MAX_HEADER_FIELDS);
    const longField = message?.headers.find((field) => field.name === "X-Long");
    expect(longField?.value.length).toBeLessThanOrEqual(MAX_HEADER_VALUE_CHARS + 1);
    const html = renderInbox(state);
    // 1 MiB + 1 MiB of headers in the message; the page holds a bounded share of them.
    expect(html.length).toBeLessThan(512 * 1024);
    expect(html).toContain(`${message?.headersNotShown} more header fields not shown`);
  });

  it("lists at most MAX_ATTACHMENT_ROWS attachments of a message", async () => {
    const store = await storeWith("my-agent");
    const parts = Array.from(
      { length: MAX_ATTACHMENT_ROWS + 50 },
      (_, i) =>
        `--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="f${i}.bin"\r\n\r\nx\r\n`,
    );
    store.deliver(
      "my-agent",
      `${HEAD}Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n${parts.join("")}--b--\r\n`,
    );
    const state = await webInboxState(store, new WebInboxFeed());
    const [message] = state.agents[0]?.messages ?? [];
    expect(message?.attachments).toHaveLength(MAX_ATTACHMENT_ROWS);
    expect(message?.attachmentsNotShown).toBe(50);
    expect(renderInbox(state)).toContain("50 more attachments not listed");
  });

  it("shows an agent's newest MAX_MESSAGES_PER_AGENT messages and says how many are older", async () => {
    const store = await storeWith("my-agent");
    const total = MAX_MESSAGES_PER_AGENT + 20;
    for (let i = 0; i < total; i++) store.deliver("my-agent", `${HEAD}X-N: ${i}\r\n\r\nb\r\n`);
    const state = await webInboxState(store, new WebInboxFeed());
    const agent = state.agents[0];
    expect(agent?.messages).toHaveLength(MAX_MESSAGES_PER_AGENT);
    expect(agent?.olderNotShown).toBe(20);
    expect(agent?.messageCount).toBe(total);
    // Newest first: the last delivered is on top.
    expect(agent?.messages[0]?.headers.find((f) => f.name === "X-N")?.value.trim()).toBe(
      String(total - 1),
    );
    const html = renderInbox(state);
    expect(html.match(/<li class="message"/g)).toHaveLength(MAX_MESSAGES_PER_AGENT);
    expect(html).toContain("20 older messages not shown");
    expect(html).toContain(`<span class="count">${total}</span>`);
  });
});
