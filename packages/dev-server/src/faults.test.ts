import { describe, expect, it } from "vitest";
import { FaultInjector } from "./faults.js";

const actions = (injector: FaultInjector, count: number, path = "/send") =>
  Array.from({ length: count }, () => injector.decide(path, true)?.action ?? "none");

describe("FaultInjector", () => {
  it("consumes the queue first, in order, then applies the rates", () => {
    const injector = new FaultInjector({ queue: ["drop", "fail", "rate_limit"], failRate: 1 });
    expect(actions(injector, 2)).toEqual(["drop", "fail"]);
    expect(injector.current().queue).toEqual(["rate_limit"]);
    expect(actions(injector, 3)).toEqual(["rate_limit", "fail", "fail"]);
  });

  it("replays the same decisions for the same seed, and draws about the configured share", () => {
    const faults = { failRate: 0.2, rateLimitRate: 0.1, dropResponseRate: 0.1, seed: 7 };
    const first = actions(new FaultInjector(faults), 2000);
    expect(actions(new FaultInjector(faults), 2000)).toEqual(first);
    expect(actions(new FaultInjector({ ...faults, seed: 8 }), 2000)).not.toEqual(first);
    const share = (kind: string) => first.filter((action) => action === kind).length / first.length;
    expect(share("fail")).toBeGreaterThan(0.15);
    expect(share("fail")).toBeLessThan(0.25);
    // Drawn after fail: 0.8 × 0.1 of all requests.
    expect(share("rate_limit")).toBeGreaterThan(0.05);
    expect(share("rate_limit")).toBeLessThan(0.11);
    expect(share("drop")).toBeGreaterThan(0.04);
    expect(share("drop")).toBeLessThan(0.1);
  });

  it("faults API paths by default, or exactly the paths a RegExp selects (a global one too)", () => {
    const byDefault = new FaultInjector({ failRate: 1 });
    expect(byDefault.decide("/", false)).toBeUndefined();
    expect(byDefault.decide("/send", true)).toEqual({
      latencyMs: 0,
      action: "fail",
      retryAfterSeconds: 1,
    });
    const selected = new FaultInjector({
      failRate: 1,
      paths: /^\/inbox$/g,
      latencyMs: 5,
      retryAfterSeconds: 3,
    });
    expect(selected.decide("/send", true)).toBeUndefined();
    expect(selected.decide("/inbox", true)).toEqual({
      latencyMs: 5,
      action: "fail",
      retryAfterSeconds: 3,
    });
    expect(selected.decide("/inbox", true)?.action).toBe("fail");
    expect(selected.decide("/", false)).toBeUndefined();
  });

  it("set replaces everything, {} clears", () => {
    const injector = new FaultInjector({ queue: ["fail"], failRate: 1 });
    injector.set({});
    expect(actions(injector, 3)).toEqual(["none", "none", "none"]);
    expect(injector.current()).toEqual({ queue: [] });
  });

  it.each([
    [{ failRate: 1.5 }, "failRate"],
    [{ dropResponseRate: -0.1 }, "dropResponseRate"],
    [{ rateLimitRate: Number.NaN }, "rateLimitRate"],
    [{ latencyMs: -1 }, "latencyMs"],
    [{ retryAfterSeconds: 1.5 }, "retryAfterSeconds"],
    [{ queue: ["explode"] }, "queue.0"],
    [{ paths: "/send" }, "paths"],
    [{ seed: 0.5 }, "seed"],
    [{ failrate: 0.5 }, '"failrate"'],
  ])("refuses %j with invalid_options naming %s", (faults, name) => {
    expect(() => new FaultInjector(faults as never)).toThrow(
      expect.objectContaining({ code: "invalid_options", message: expect.stringContaining(name) }),
    );
  });
});
