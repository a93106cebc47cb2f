import { describe, expect, it } from "vitest";
import { cancelLateBody, untilAborted } from "./until-aborted.js";

describe("untilAborted", () => {
  it("returns the work's value when it settles first", async () => {
    expect(await untilAborted(Promise.resolve(7), new AbortController().signal)).toBe(7);
    expect(await untilAborted(Promise.resolve(8), undefined)).toBe(8);
  });

  it("rejects with the signal's reason at once when the signal aborts first, and hands over the abandoned work", async () => {
    const controller = new AbortController();
    let abandoned: Promise<number> | undefined;
    const never = new Promise<number>(() => {});
    const raced = untilAborted(never, controller.signal, (work) => {
      abandoned = work;
    });
    controller.abort(new Error("deadline"));
    await expect(raced).rejects.toThrow("deadline");
    expect(abandoned).toBe(never);
  });

  it("an already aborted signal rejects without waiting", async () => {
    const signal = AbortSignal.abort(new Error("gone"));
    await expect(untilAborted(new Promise(() => {}), signal)).rejects.toThrow("gone");
  });

  it("cancelLateBody cancels the body of an answer that came too late", async () => {
    let cancelled = false;
    const body = new ReadableStream({
      cancel: () => {
        cancelled = true;
      },
    });
    cancelLateBody(Promise.resolve(new Response(body)));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(cancelled).toBe(true);
  });
});
