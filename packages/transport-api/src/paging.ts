import { AgentMailError } from "@assmbl/core";

/** One page of a cursor-paged list: its items and the cursor of the next (absent on the last). */
export interface CursorPage<T> {
  items: readonly T[];
  nextCursor: string | null | undefined;
}

/**
 * How many pages in a row may come back empty while still naming a next page: a server that
 * hands out fresh cursors for ever on empty pages would keep an iteration (and its requests)
 * going without end, and no real list has ten empty pages in a row.
 */
export const MAX_EMPTY_PAGES_IN_A_ROW = 10;
/**
 * How many cursors one iteration remembers to catch a repeat: past this many pages the server is
 * walking a list no client should page through in one go (10 million rows at 100 a page), and
 * the set that catches loops would otherwise grow without bound.
 */
export const MAX_PAGES_PER_ITERATION = 100_000;

/**
 * Every item of a cursor-paged list, page after page, from `cursor` (the first page when
 * undefined). The server must move forward: a cursor it handed back before (the starting one
 * included), more than {@link MAX_EMPTY_PAGES_IN_A_ROW} empty pages in a row that still name a
 * next page, or more than {@link MAX_PAGES_PER_ITERATION} pages are `invalid_response`, not
 * another lap.
 *
 * @example
 * for await (const row of eachItem(undefined, (cursor) => usagePage({ cursor }), "iterBillingUsage")) console.log(row.id);
 * @throws {AgentMailError} `invalid_response` when the server does not move forward; whatever
 * `page` throws.
 */
export async function* eachItem<T>(
  cursor: string | undefined,
  page: (cursor: string | undefined) => Promise<CursorPage<T>>,
  what: string,
): AsyncGenerator<T, void, undefined> {
  const seen = new Set<string>(cursor === undefined ? [] : [cursor]);
  let emptyInARow = 0;
  let next = cursor;
  do {
    const current = await page(next);
    yield* current.items;
    next = current.nextCursor ?? undefined;
    if (next === undefined) return;
    emptyInARow = current.items.length === 0 ? emptyInARow + 1 : 0;
    if (seen.has(next)) {
      throw stuck(what, "the server returned a cursor it had returned before (or was given)");
    }
    if (emptyInARow >= MAX_EMPTY_PAGES_IN_A_ROW) {
      throw stuck(
        what,
        `the server returned ${emptyInARow} empty pages in a row, each naming a next page`,
      );
    }
    if (seen.size >= MAX_PAGES_PER_ITERATION) {
      throw stuck(
        what,
        `the server named more than ${MAX_PAGES_PER_ITERATION} pages; page with an explicit cursor (the last nextCursor) to go on`,
      );
    }
    seen.add(next);
  } while (true);
}

function stuck(what: string, why: string): AgentMailError {
  return new AgentMailError({
    code: "invalid_response",
    message: `${what}: ${why}; stopping instead of looping`,
  });
}
