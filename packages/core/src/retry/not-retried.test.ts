// Why the engine stopped: a retryable failure past the time budget is thrown at once; an
// AgentMailError carries the reason in its message, any other error leaves it to `finalize`
// (the directory's answers and fetch errors), which reads it from the history.
import { fakeRuntime } from "@assmbl/testing/fakes";
import { describe, expect, it } from "vitest";
import { runWithRetries } from "./engine.js";
import { AttemptError, type AttemptHistory } from "./policy.js";

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

describe("runWithRetries: history.notRetriedBecause", () => {
  it("tells finalize why a retryable failure was not retried, for errors it cannot annotate", async () => {
    const runtime = fakeRuntime();
    const answer = { status: 503 }; // not an AgentMailError: thrown as it is
    const histories: AttemptHistory[] = [];
    const thrown = await rejection(
      runWithRetries(
        async () => {
          runtime.time += 1_450; // 1450 ms in, a 100 ms wait would end at 1550
          throw new AttemptError({ error: answer, status: 503 });
        },
        {
          policy: { retries: 5, maxElapsedMs: 1_500, retryOn: { statuses: [503] } },
          runtime,
          finalize: (error, history) => {
            histories.push({ ...history });
            return error;
          },
        },
      ),
    );
    expect(thrown).toBe(answer);
    expect(runtime.sleeps).toEqual([]);
    expect(histories.map((h) => [h.attempts, h.notRetriedBecause])).toEqual([
      [1, "a retry after 100 ms would end past the time budget of 1500 ms; not retried"],
    ]);
  });

  it("stays undefined when the attempts ran out", async () => {
    const runtime = fakeRuntime();
    let seen: AttemptHistory | undefined;
    await rejection(
      runWithRetries(
        async () => {
          throw new AttemptError({ error: new Error("503"), status: 503 });
        },
        {
          policy: { retries: 1, maxElapsedMs: 60_000, retryOn: { statuses: [503] } },
          runtime,
          finalize: (error, history) => {
            seen = { ...history };
            return error;
          },
        },
      ),
    );
    expect([seen?.attempts, seen?.notRetriedBecause]).toEqual([2, undefined]);
  });
});
