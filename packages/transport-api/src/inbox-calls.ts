import { InboxPageSchema, parseInput, Routes } from "@assmbl/core";
import { cleanText } from "@assmbl/mime/read";
import { signalOf } from "./call-options.js";
import type { AgentMailClient } from "./client.js";
import { fetchMessage, getStoredMessage, type MessageReader } from "./fetch-message.js";
import { messageIdOf } from "./ids.js";
import {
  type InboxItem,
  type InboxQuery,
  InboxQueryOptionsSchema,
  toInboxItem,
  toWireQuery,
} from "./inbox.js";
import { eachItem } from "./paging.js";

/**
 * The platform's text fields of an inbox item with control characters replaced, as the reader
 * does for every header it decodes (`cleanText`); the id is kept as it is, to be passed back.
 */
function cleanItem<T extends InboxItem>(item: T): T {
  return {
    ...item,
    sender: cleanText(item.sender),
    subject: cleanText(item.subject),
    labels: item.labels.map(cleanText),
  };
}

/**
 * The inbox and message calls of the client (see `AgentMailClient`).
 *
 * @internal
 * @example
 * const calls = inboxCalls({ http, runtime, mailDomain: undefined, timeoutMs: 30_000 });
 * const page = await calls.listInbox({ verifiedOnly: true });
 */
export function inboxCalls(
  reader: MessageReader,
): Pick<
  AgentMailClient,
  "listInbox" | "iterInbox" | "getMessage" | "fetchMessage" | "deleteMessage"
> {
  const { http } = reader;

  async function listInbox(query: InboxQuery | undefined, signal: AbortSignal | undefined) {
    const parsed = parseInput(InboxQueryOptionsSchema, query, "inbox query");
    const { body } = await http.call({
      route: Routes.listInbox,
      query: toWireQuery(parsed),
      schema: InboxPageSchema,
      what: "listInbox",
      signal,
    });
    return {
      items: body.items.map((item) => cleanItem(toInboxItem(item))),
      nextCursor: body.next_cursor,
    };
  }

  return {
    async listInbox(query, callOptions) {
      return listInbox(query, signalOf(callOptions, "listInbox"));
    },
    async *iterInbox(query, callOptions) {
      const signal = signalOf(callOptions, "iterInbox");
      const cursor = parseInput(InboxQueryOptionsSchema, query, "inbox query")?.cursor;
      yield* eachItem(cursor, (next) => listInbox({ ...query, cursor: next }, signal), "iterInbox");
    },
    async getMessage(id, callOptions) {
      const signal = signalOf(callOptions, "getMessage");
      return getStoredMessage(http, messageIdOf(id, "getMessage"), signal);
    },
    async fetchMessage(id, fetchOptions) {
      const messageId = messageIdOf(id, "fetchMessage");
      return fetchMessage(reader, messageId, fetchOptions);
    },
    async deleteMessage(id, callOptions) {
      const signal = signalOf(callOptions, "deleteMessage");
      const messageId = messageIdOf(id, "deleteMessage");
      await http.call({
        route: Routes.deleteMessage,
        params: { id: messageId },
        what: `deleteMessage(${messageId})`,
        goneAfterAmbiguousIsSuccess: true,
        signal,
      });
    },
  };
}
