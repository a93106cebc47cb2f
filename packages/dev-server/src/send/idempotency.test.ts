import { describe, expect, it, vi } from "vitest";
import { canonicalJson, IdempotencyLedger } from "./idempotency.js";

/** A promise the test settles, to hold a run "in progress" for as long as it likes. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every pending promise callback run (a macrotask comes after all microtasks). */
const settleMicrotasks = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Tracks whether a promise has settled, without awaiting it. */
function track<T>(promise: Promise<T>) {
  const state: { settled: boolean; value?: T; error?: unknown } = { settled: false };
  promise.then(
    (value) => Object.assign(state, { settled: true, value }),
    (error: unknown) => Object.assign(state, { settled: true, error }),
  );
  return state;
}

describe("IdempotencyLedger", () => {
  it("runs every time without a key", async () => {
    const ledger = new IdempotencyLedger<number>();
    const work = vi.fn(async () => 1);
    await ledger.run("a", null, "f", work);
    expect(await ledger.run("a", null, "f", work)).toEqual({ value: 1, replayed: false });
    expect(work).toHaveBeenCalledTimes(2);
  });

  it("replays the first outcome for the same fingerprint, refuses another, per scope", async () => {
    const ledger = new IdempotencyLedger<string>();
    expect(await ledger.run("a", "k", "f1", async () => "first")).toEqual({
      value: "first",
      replayed: false,
    });
    const again = vi.fn(async () => "second");
    expect(await ledger.run("a", "k", "f1", again)).toEqual({ value: "first", replayed: true });
    expect(again).not.toHaveBeenCalled();
    await expect(ledger.run("a", "k", "f2", again)).rejects.toMatchObject({
      code: "idempotency_key_reused",
      status: 409,
    });
    expect(await ledger.run("b", "k", "f2", again)).toEqual({ value: "second", replayed: false });
  });

  it("a duplicate that arrives while the first runs waits for it, then replays its outcome", async () => {
    const ledger = new IdempotencyLedger<string>();
    const gate = deferred<string>();
    const first = track(ledger.run("a", "k", "f", () => gate.promise));
    const duplicateWork = vi.fn(async () => "duplicate");
    const duplicate = track(ledger.run("a", "k", "f", duplicateWork));
    const different = track(ledger.run("a", "k", "other", duplicateWork));
    await settleMicrotasks();
    // Neither answered early (no 409 for a key merely in use), nor ran.
    expect([first.settled, duplicate.settled, different.settled]).toEqual([false, false, false]);
    gate.resolve("first");
    await settleMicrotasks();
    expect(first.value).toEqual({ value: "first", replayed: false });
    expect(duplicate.value).toEqual({ value: "first", replayed: true });
    expect(different.error).toMatchObject({ code: "idempotency_key_reused" });
    expect(duplicateWork).not.toHaveBeenCalled();
  });

  it("when the first run fails, a waiting duplicate runs on its own: the key was not consumed", async () => {
    const ledger = new IdempotencyLedger<string>();
    const gate = deferred<string>();
    const first = track(ledger.run("a", "k", "f", () => gate.promise));
    const second = deferred<string>();
    const secondWork = vi.fn(() => second.promise);
    const duplicate = track(ledger.run("a", "k", "f", secondWork));
    const thirdWork = vi.fn(async () => "third");
    const third = track(ledger.run("a", "k", "f", thirdWork));
    await settleMicrotasks();
    const failure = new Error("the first send failed");
    gate.reject(failure);
    await settleMicrotasks();
    expect(first.error).toBe(failure);
    // One waiter takes the key and runs; the other now waits for that run.
    expect(secondWork).toHaveBeenCalledTimes(1);
    expect(thirdWork).not.toHaveBeenCalled();
    expect([duplicate.settled, third.settled]).toEqual([false, false]);
    second.resolve("second");
    await settleMicrotasks();
    expect(duplicate.value).toEqual({ value: "second", replayed: false });
    expect(third.value).toEqual({ value: "second", replayed: true });
    expect(thirdWork).not.toHaveBeenCalled();
  });

  it("when the first run fails, a waiting different request with the key runs on its own", async () => {
    const ledger = new IdempotencyLedger<string>();
    const gate = deferred<string>();
    const first = track(ledger.run("a", "k", "f1", () => gate.promise));
    const other = track(ledger.run("a", "k", "f2", async () => "other"));
    await settleMicrotasks();
    expect(other.settled).toBe(false);
    gate.reject(new Error("refused"));
    await settleMicrotasks();
    expect(first.error).toEqual(new Error("refused"));
    expect(other.value).toEqual({ value: "other", replayed: false });
    // The key now belongs to the run that succeeded.
    await expect(ledger.run("a", "k", "f1", async () => "x")).rejects.toMatchObject({
      code: "idempotency_key_reused",
    });
  });
});

describe("canonicalJson", () => {
  it("sorts object keys at every level and keeps array order", () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }, null] })).toBe(
      '{"a":[{"c":3,"d":2},null],"b":1}',
    );
    expect(canonicalJson({ x: [2, 1] })).not.toBe(canonicalJson({ x: [1, 2] }));
  });
});
