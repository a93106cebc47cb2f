import { AgentMailError } from "@assmbl/core";

/** One page of a cursor-paged list: its items and the cursor of the next (absent on the last). */
export interface CursorPage<T> {
  items: readonly T[];
  nextCursor: string | null | undefined;
}

/**
 * Every item of a cursor-paged list, page after page, from `cursor` (the first page when
 * undefined). A server that hands back a cursor it gave before would keep an iteration going for
 * ever: that is `invalid_response`, not another lap.
 *
 * @example
 * for await (const row of eachItem(undefined, (cursor) => usagePage({ cursor }), "iterBillingUsage")) console.log(row.id);
 * @throws {AgentMailError} `invalid_response` when a cursor repeats; whatever `page` throws.
 */
export async function* eachItem<T>(
  cursor: string | undefined,
  page: (cursor: string | undefined) => Promise<CursorPage<T>>,
  what: string,
): AsyncGenerator<T, void, undefined> {
  const seen = new Set<string>();
  let next = cursor;
  do {
    const current = await page(next);
    yield* current.items;
    next = current.nextCursor ?? undefined;
    if (next !== undefined) {
      if (seen.has(next)) {
        throw new AgentMailError({
          code: "invalid_response",
          message: `${what}: the server returned a cursor it had returned before; stopping instead of looping`,
        });
      }
      seen.add(next);
    }
  } while (next !== undefined);
}
