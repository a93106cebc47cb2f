import { AgentMailError, type InboxQuerySchema } from "@assmbl/core";
import type { z } from "zod";
import type { StoredInboxMessage } from "./inbox.js";

/**
 * `GET /inbox` query, as validated by core's `InboxQuerySchema` (booleans and `limit` parsed).
 *
 * @example
 * const query: InboxQuery = { limit: 10, verified_only: true };
 */
export type InboxQuery = z.output<typeof InboxQuerySchema>;

/** `limit` when the query has none. */
export const DEFAULT_INBOX_LIMIT = 20;

/**
 * One page of an inbox: messages oldest first, and the cursor of the next page (`null` on the
 * last one).
 *
 * @example
 * const { messages, nextCursor }: DevInboxPage = store.inboxPage("my-agent", { limit: 2 });
 */
export interface DevInboxPage<M = StoredInboxMessage> {
  messages: M[];
  nextCursor: string | null;
}

/**
 * Selects a page from an inbox (oldest first). The cursor names the last message of the previous
 * page by its store-wide delivery number, not by position, so deleting messages between two
 * requests neither skips nor repeats one.
 *
 * @example
 * inboxPage(messages, { limit: 2, is_read: false });
 * @throws {AgentMailError} `invalid_request` for a cursor this server did not issue.
 */
export function inboxPage(
  messages: readonly StoredInboxMessage[],
  query: InboxQuery,
): DevInboxPage {
  const after = query.cursor === undefined ? -1 : decodeCursor(query.cursor);
  const limit = query.limit ?? DEFAULT_INBOX_LIMIT;
  const needle = query.q?.toLowerCase();
  const matching = messages.filter(
    (message) =>
      message.seq > after &&
      (query.include_archived === true || !message.isArchived) &&
      (query.verified_only !== true || message.senderVerified) &&
      (query.is_read === undefined || message.isRead === query.is_read) &&
      (query.label === undefined || message.labels.includes(query.label)) &&
      (needle === undefined ||
        message.subject.toLowerCase().includes(needle) ||
        message.sender.toLowerCase().includes(needle)),
  );
  const page = matching.slice(0, limit);
  const last = page[page.length - 1];
  return {
    messages: page,
    nextCursor: matching.length > limit && last ? encodeCursor(last.seq) : null,
  };
}

/** An opaque cursor: base64url of `{"after": <delivery number>}`. */
function encodeCursor(seq: number): string {
  return Buffer.from(JSON.stringify({ after: seq })).toString("base64url");
}

function decodeCursor(cursor: string): number {
  const invalid = () =>
    new AgentMailError({
      code: "invalid_request",
      message: "cursor is not a next_cursor this server issued",
    });
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) throw invalid();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw invalid();
  }
  // Anything JSON can be: only a plain object whose one key is a delivery number is ours.
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw invalid();
  const keys = Object.keys(value);
  const after: unknown = (value as { after?: unknown }).after;
  if (
    keys.length !== 1 ||
    keys[0] !== "after" ||
    typeof after !== "number" ||
    !Number.isSafeInteger(after) ||
    after < 0
  ) {
    throw invalid();
  }
  return after;
}
