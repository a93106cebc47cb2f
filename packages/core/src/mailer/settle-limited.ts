/**
 * Runs `task` for every item, at most `concurrency` at a time, and settles every one of them:
 * like `Promise.allSettled(items.map(task))`, without starting them all at once. It never
 * rejects, so no rejection is left unhandled; outcomes come back in the order of `items`.
 *
 * @example
 * const outcomes = await settleLimited(agentIds, 8, (agentId) => directory.lookup(agentId));
 * const failed = outcomes.find((outcome) => outcome.status === "rejected");
 */
export async function settleLimited<T, R>(
  items: readonly T[],
  concurrency: number,
  task: (item: T) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const outcomes: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      try {
        outcomes[index] = { status: "fulfilled", value: await task(items[index] as T) };
      } catch (reason) {
        outcomes[index] = { status: "rejected", reason };
      }
    }
  };
  const workers = Math.max(1, Math.min(concurrency, items.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return outcomes;
}
