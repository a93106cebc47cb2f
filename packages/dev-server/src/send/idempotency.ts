import { HttpProblem } from "../http/problem.js";

/**
 * What {@link IdempotencyLedger.run} returns: the outcome, and whether it is an earlier one.
 *
 * @example
 * const { value, replayed } = await ledger.run(agentId, key, fingerprint, send);
 */
export interface IdempotentOutcome<T> {
  value: T;
  replayed: boolean;
}

interface Entry<T> {
  fingerprint: string;
  outcome: { value: T } | undefined;
  settled: Promise<void>;
}

/**
 * Idempotency per (scope, key), as `POST /send` applies it per (agent, idempotency_key): the
 * first request with a key runs; the same request again gets the first outcome (`replayed`)
 * without running; a different request with the key is refused. A request that arrives while
 * the first is running waits for it. A failed run does not consume the key.
 *
 * @example
 * const ledger = new IdempotencyLedger<SendResponseWire>();
 * await ledger.run("my-agent", "idem-1", canonicalJson(request), () => send(request));
 */
export class IdempotencyLedger<T> {
  readonly #entries = new Map<string, Entry<T>>();

  /**
   * Runs `work` once per (scope, key) and fingerprint; `key` null runs it every time.
   *
   * @throws {HttpProblem} 409 `idempotency_key_reused` for another fingerprint under a used key;
   * whatever `work` throws.
   */
  async run(
    scope: string,
    key: string | null,
    fingerprint: string,
    work: () => Promise<T>,
  ): Promise<IdempotentOutcome<T>> {
    if (key === null) return { value: await work(), replayed: false };
    const id = JSON.stringify([scope, key]);
    for (let entry = this.#entries.get(id); entry; entry = this.#entries.get(id)) {
      if (!entry.outcome) {
        await entry.settled;
        continue;
      }
      if (entry.fingerprint !== fingerprint) {
        throw new HttpProblem(
          "idempotency_key_reused",
          "idempotency_key was already used for a different request",
        );
      }
      return { value: entry.outcome.value, replayed: true };
    }
    let settle = () => {};
    const entry: Entry<T> = {
      fingerprint,
      outcome: undefined,
      settled: new Promise<void>((resolve) => {
        settle = resolve;
      }),
    };
    this.#entries.set(id, entry);
    try {
      const value = await work();
      entry.outcome = { value };
      return { value, replayed: false };
    } catch (error) {
      this.#entries.delete(id);
      throw error;
    } finally {
      settle();
    }
  }
}

/**
 * JSON with object keys sorted at every level: equal values give equal strings, whatever the
 * order their keys were written in.
 *
 * @example
 * canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] }); // '{"a":[{"c":3,"d":2}],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (inner === null || typeof inner !== "object" || Array.isArray(inner)) return inner;
    return Object.fromEntries(
      Object.entries(inner as Record<string, unknown>).sort(([a], [b]) =>
        a < b ? -1 : a > b ? 1 : 0,
      ),
    );
  });
}
