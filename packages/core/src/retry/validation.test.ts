// The engine's public doors check their input (unknown keys by name, budgets that are not
// finite non-negative numbers, wrong types) before any attempt runs; `runRetries`, the SDK's own
// door, does not (its callers' schemas checked the settings it is built from).
import { describe, expect, it } from "vitest";
import { AgentMailError } from "../errors.js";
import { isRetryableFailure } from "./classification.js";
import { runRetries, runWithRetries } from "./engine.js";
import { errorChain, isTimeoutError, networkErrorCode, networkFailure } from "./network-errors.js";
import { type RetryPolicy, retryDelay } from "./policy.js";
import { abortedError } from "./runtime.js";

const instant = { now: () => 0, random: () => 0.5, sleep: async () => {} };

async function rejectionOf(run: () => Promise<unknown>): Promise<AgentMailError> {
  try {
    await run();
  } catch (error) {
    if (AgentMailError.is(error)) return error;
    throw error;
  }
  throw new Error("expected a rejection");
}

function thrownBy(run: () => unknown): AgentMailError {
  try {
    run();
  } catch (error) {
    if (AgentMailError.is(error)) return error;
    throw error;
  }
  throw new Error("expected a throw");
}

describe("runWithRetries checks its options before any attempt", () => {
  const cases: [string, unknown, string][] = [
    [
      "an unknown option, by name",
      { policy: { retries: 1 }, retrys: 2 },
      'runWithRetries options: unknown option "retrys"',
    ],
    [
      "an unknown policy key, by path",
      { policy: { retries: 1, maxElapsed: 5 } },
      'runWithRetries options: unknown option "policy.maxElapsed"',
    ],
    [
      "an unknown classification rule, by path",
      { policy: { retries: 1, retryOn: { statusses: [503] } } },
      'runWithRetries options: unknown option "policy.retryOn.statusses"',
    ],
    [
      "negative retries",
      { policy: { retries: -1 } },
      "runWithRetries options: policy.retries is invalid (Too small: expected number to be >=0)",
    ],
    [
      "fractional retries",
      { policy: { retries: 1.5 } },
      "runWithRetries options: policy.retries is invalid (expected int, received number)",
    ],
    [
      "a NaN time budget",
      { policy: { retries: 1, maxElapsedMs: Number.NaN } },
      "runWithRetries options: policy.maxElapsedMs is invalid (expected number, received NaN)",
    ],
    [
      "an infinite Retry-After cap",
      { policy: { retries: 1, maxRetryAfterMs: Number.POSITIVE_INFINITY } },
      "runWithRetries options: policy.maxRetryAfterMs is invalid (expected number, received Infinity)",
    ],
    [
      "a NaN backoff",
      { policy: { retries: 1, backoff: { baseDelayMs: Number.NaN } } },
      "runWithRetries options: policy.backoff.baseDelayMs is invalid (expected number, received NaN)",
    ],
    [
      "a string where a number goes",
      { policy: { retries: "3" } },
      "runWithRetries options: policy.retries is invalid (expected number, received string)",
    ],
    [
      "a function option that is not one",
      { policy: { retries: 1 }, onRetry: "log" },
      "runWithRetries options: onRetry is invalid (expected a function (failure, delayMs, context) => void)",
    ],
    [
      "a runtime without sleep",
      { policy: { retries: 1 }, runtime: { now: Date.now, random: Math.random } },
      "runWithRetries options: runtime is invalid (expected a Runtime with now, random and sleep methods)",
    ],
    [
      "a signal that is not an AbortSignal",
      { policy: { retries: 1 }, signal: { aborted: false } },
      "runWithRetries options: signal is invalid (expected an AbortSignal)",
    ],
    [
      "a missing policy",
      {},
      "runWithRetries options: policy is invalid (expected object, received undefined)",
    ],
  ];
  it.each(cases)("rejects %s", async (_name, options, message) => {
    let calls = 0;
    const error = await rejectionOf(() =>
      runWithRetries(async () => {
        calls++;
      }, options as never),
    );
    expect([error.code, error.message, calls]).toEqual(["invalid_options", message, 0]);
  });

  it("rejects an attempt that is not a function", async () => {
    const error = await rejectionOf(() =>
      runWithRetries("fetch" as never, { policy: { retries: 0 } }),
    );
    expect([error.code, error.message]).toEqual([
      "invalid_options",
      "runWithRetries: attempt is invalid (expected a function)",
    ]);
  });

  it("takes well-formed options, functions and a fake runtime with extra fields", async () => {
    const runtime = { ...instant, sleeps: [] as number[] };
    const seen: number[] = [];
    let calls = 0;
    const result = await runWithRetries(
      async () => {
        if (++calls < 3) throw new AgentMailError({ code: "timeout", message: "late" });
        return "ok";
      },
      {
        policy: {
          retries: 3,
          maxElapsedMs: 10_000,
          backoff: { baseDelayMs: 100, maxDelayMs: 1_000 },
          retryOn: { retryableFlag: true, statuses: [503], network: "not_sent" },
        },
        runtime,
        signal: new AbortController().signal,
        onRetry: (_failure, delayMs) => seen.push(delayMs),
      },
    );
    expect([result, calls, seen]).toEqual(["ok", 3, [50, 100]]);
  });

  it("runRetries, the SDK's own door, runs the same loop without the check", async () => {
    let calls = 0;
    const options = { policy: { retries: 2 }, runtime: instant, unchecked: true } as never;
    await expect(
      runRetries(async () => {
        calls++;
        if (calls < 2) throw new AgentMailError({ code: "timeout", message: "late" });
        return calls;
      }, options),
    ).resolves.toBe(2);
  });
});

describe("retryDelay and isRetryableFailure check their arguments", () => {
  const policy: RetryPolicy = { retries: 2, backoff: { baseDelayMs: 300 } };

  it("retryDelay names what is wrong", () => {
    expect(retryDelay(1, () => 0.5, policy)).toBe(300);
    const bad: [() => unknown, string][] = [
      [
        () => retryDelay(-1, Math.random, policy),
        "retry is invalid (Too small: expected number to be >=0)",
      ],
      [
        () => retryDelay(0, Math.random, policy, Number.NaN),
        "retryAfterMs is invalid (expected number, received NaN)",
      ],
      [
        () => retryDelay(0, Math.random, policy, -5),
        "retryAfterMs is invalid (Too small: expected number to be >=0)",
      ],
      [
        () => retryDelay(0, 0.5 as never, policy),
        "random is invalid (expected a function returning a number in [0, 1))",
      ],
      [
        () => retryDelay(0, Math.random, { ...policy, jitter: "full" } as never),
        'unknown option "policy.jitter"',
      ],
    ];
    for (const [run, message] of bad) {
      const error = thrownBy(run);
      expect([error.code, error.message]).toEqual([
        "invalid_options",
        `retryDelay arguments: ${message}`,
      ]);
    }
  });

  it("isRetryableFailure rejects a misspelt rule instead of matching nothing", () => {
    const failure = { error: new TypeError("fetch failed"), status: 503 };
    expect(isRetryableFailure(failure, { statuses: [503] })).toBe(true);
    const rule = thrownBy(() => isRetryableFailure(failure, { status: [503] } as never));
    expect([rule.code, rule.message]).toEqual([
      "invalid_options",
      'isRetryableFailure classification: unknown option "status"',
    ]);
    const field = thrownBy(() =>
      isRetryableFailure({ error: failure.error, retryAfter: 2 } as never, { network: "any" }),
    );
    expect(field.message).toBe('isRetryableFailure failure: unknown option "retryAfter"');
    const network = thrownBy(() => isRetryableFailure(failure, { network: "some" } as never));
    expect(network.message).toBe(
      'isRetryableFailure classification: network is invalid (Invalid option: expected one of "any"|"not_sent")',
    );
  });

  it("abortedError checks its signal", () => {
    const error = thrownBy(() => abortedError({ aborted: true } as never));
    expect([error.code, error.message]).toEqual([
      "invalid_options",
      "abortedError arguments: signal is invalid (expected an AbortSignal)",
    ]);
    const controller = new AbortController();
    controller.abort(new Error("stop"));
    expect(abortedError(controller.signal, "the read").message).toBe("the read was aborted");
  });
});

describe("the network classifiers take anything thrown, and never throw themselves", () => {
  it("reads a hostile error's throwing getters as absent", () => {
    const hostile = new Proxy(new TypeError("fetch failed"), {
      get(target, key) {
        if (key === "cause" || key === "code") throw new Error("getter");
        return Reflect.get(target, key);
      },
    });
    expect(networkFailure(hostile)).toEqual({ code: undefined, sent: "maybe" });
    expect(networkErrorCode(hostile)).toBeUndefined();
    expect(isTimeoutError(hostile)).toBe(false);
    const cycle: { cause?: unknown; code: string } = { code: "ECONNRESET" };
    cycle.cause = cycle;
    expect(errorChain(cycle)).toEqual([cycle]);
    for (const value of [undefined, null, 0, "ECONNRESET", Symbol("x")]) {
      expect(networkFailure(value)).toBeUndefined();
    }
  });
});
