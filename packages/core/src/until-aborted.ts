/**
 * `work`, or the signal's reason as soon as the signal aborts, whichever comes first: a `fetch`
 * or body read that ignores signals cannot hold a caller past its deadline. When the signal wins,
 * `onAbort` gets the abandoned `work` to clean up after (cancel a late answer's body, destroy a
 * stream); `work` settling later is never reported as an unhandled rejection.
 *
 * @example
 * const response = await untilAborted(fetch(url, { signal }), signal, (late) =>
 *   late.then((r) => r.body?.cancel()).catch(() => {}),
 * );
 * @throws the signal's reason when it aborts first; else whatever `work` rejects with.
 */
export function untilAborted<T>(
  work: Promise<T>,
  signal: AbortSignal | undefined,
  onAbort?: (abandoned: Promise<T>) => void,
): Promise<T> {
  if (!signal) return work;
  work.catch(() => {});
  if (signal.aborted) {
    onAbort?.(work);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const abort = () => {
      reject(signal.reason);
      onAbort?.(work);
    };
    signal.addEventListener("abort", abort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", abort));
  });
}

/**
 * For {@link untilAborted}'s `onAbort` when the work is a `fetch`: the late answer's body is
 * cancelled, so its connection is closed rather than left to deliver into nothing.
 *
 * @example
 * await untilAborted(fetch(url, { signal }), signal, cancelLateBody);
 */
export function cancelLateBody(late: Promise<Response>): void {
  late.then((response) => response.body?.cancel().catch(() => {})).catch(() => {});
}
