// Every call the outbox makes to Redis on a caller's behalf ends: ioredis (and BullMQ on top of
// it) reconnects forever and queues commands while down, so a bare `await queue.add(...)` hangs
// as long as Redis is away or refuses the password. These helpers race such a call against the
// caller's signal, a deadline, and the connection's authentication failures.
import { AgentMailError } from "@assmbl/core";

/** How long a producer call waits for Redis by default before failing with `network_error`. */
export const DEFAULT_REDIS_TIMEOUT_MS = 10_000;

/**
 * Connection options for a producer connection (never a blocking one): commands fail instead of
 * queuing while disconnected, a connect attempt is bounded, and reconnects come often enough that
 * a refused password is seen again within a couple of seconds. The caller's own options win.
 * @internal
 */
export const PRODUCER_CONNECTION_DEFAULTS = {
  maxRetriesPerRequest: 1,
  connectTimeout: 5_000,
  enableOfflineQueue: false,
  retryStrategy: (times: number) => Math.min(100 * 2 ** times, 2_000),
} as const;

/** A `WRONGPASS` / `NOAUTH` reply: retrying cannot help, the credentials must change. @internal */
export function isAuthError(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /^(WRONGPASS|NOAUTH)\b|invalid username-password|without any password configured/i.test(
    message,
  );
}

/** The code word of an auth reply, never the rest (which could quote input back). */
function authWord(error: Error): string {
  return /^(WRONGPASS|NOAUTH)\b/.exec(error.message)?.[1] ?? "AUTH refused";
}

interface Emitter {
  // biome-ignore lint/suspicious/noExplicitAny: Node emitters type listeners loosely
  on(event: string, listener: (...args: any[]) => void): unknown;
}

/**
 * Remembers a connection's latest authentication failure (cleared when it becomes ready), and
 * tells waiters when one arrives.
 * @internal
 */
export class AuthWatch {
  private last: { error: Error; at: number } | undefined;
  private readonly waiters = new Set<(error: Error) => void>();

  constructor(errors: Emitter, ready: Emitter) {
    errors.on("error", (error: Error) => {
      if (!isAuthError(error)) return;
      this.last = { error, at: Date.now() };
      for (const waiter of this.waiters) waiter(error);
    });
    ready.on("ready", () => {
      this.last = undefined;
    });
  }

  /** The failure if one came recently (reconnects retry within 2 s, so 5 s covers the gap). */
  recent(): Error | undefined {
    return this.last && Date.now() - this.last.at < 5_000 ? this.last.error : undefined;
  }

  subscribe(waiter: (error: Error) => void): () => void {
    this.waiters.add(waiter);
    return () => this.waiters.delete(waiter);
  }
}

/** What a guarded call failed on. @internal */
export type GuardFailure =
  | { kind: "aborted"; reason: unknown }
  | { kind: "timeout" }
  | { kind: "auth"; error: Error };

/**
 * `work`, or the first of: the signal aborting, `timeoutMs` passing, an auth failure. `work` is
 * left to settle on its own (its rejection is swallowed).
 * @internal
 */
export function guarded<T>(
  work: Promise<T>,
  options: {
    signal?: AbortSignal | undefined;
    timeoutMs: number;
    auth?: AuthWatch | undefined;
    fail: (failure: GuardFailure) => AgentMailError;
  },
): Promise<T> {
  work.catch(() => {});
  const { signal, auth, fail } = options;
  if (signal?.aborted) return Promise.reject(fail({ kind: "aborted", reason: signal.reason }));
  const recent = auth?.recent();
  if (recent) return Promise.reject(fail({ kind: "auth", error: recent }));
  return new Promise<T>((resolve, reject) => {
    const cleanups: (() => void)[] = [];
    const settle = (action: () => void) => {
      for (const cleanup of cleanups.splice(0)) cleanup();
      action();
    };
    const timer = setTimeout(
      () => settle(() => reject(fail({ kind: "timeout" }))),
      options.timeoutMs,
    );
    cleanups.push(() => clearTimeout(timer));
    if (signal) {
      const onAbort = () => settle(() => reject(fail({ kind: "aborted", reason: signal.reason })));
      signal.addEventListener("abort", onAbort, { once: true });
      cleanups.push(() => signal.removeEventListener("abort", onAbort));
    }
    if (auth)
      cleanups.push(auth.subscribe((error) => settle(() => reject(fail({ kind: "auth", error })))));
    work.then(
      (value) => settle(() => resolve(value)),
      (error: unknown) =>
        settle(() =>
          reject(
            AgentMailError.is(error)
              ? error
              : isAuthError(error)
                ? fail({ kind: "auth", error: error as Error })
                : error,
          ),
        ),
    );
  });
}

/**
 * The error of a failed producer call. `what` names the call; `queued` says what is known of the
 * job: "nothing" (Redis never had the request) or "maybe" (sent, not answered).
 * @internal
 */
export function redisFailure(
  failure: GuardFailure,
  what: string,
  timeoutMs: number,
  tail: string,
): AgentMailError {
  if (failure.kind === "aborted") {
    return new AgentMailError({
      code: "aborted",
      message: `${what} was aborted; ${tail}`,
      cause: failure.reason,
    });
  }
  if (failure.kind === "auth") {
    return new AgentMailError({
      code: "unauthorized",
      message:
        `${what}: Redis refused the connection's credentials (${authWord(failure.error)}). ` +
        `Fix the username/password in \`connection\`; ${tail}`,
      retryable: false,
    });
  }
  return new AgentMailError({
    code: "network_error",
    message: `${what}: Redis did not answer within ${timeoutMs} ms (is it running, and is \`connection\` right?); ${tail}`,
  });
}
