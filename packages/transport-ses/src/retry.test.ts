import { describe, expect, it } from "vitest";
import { realRuntime } from "./retry.js";

// The token bucket's own tests moved with it to core (src/rate-limiter.test.ts).
describe("realRuntime.sleep", () => {
  it("waits, and stops with aborted when the signal fires", async () => {
    await realRuntime.sleep(1);
    const controller = new AbortController();
    const sleeping = realRuntime.sleep(60_000, controller.signal);
    controller.abort();
    await expect(sleeping).rejects.toMatchObject({ code: "aborted" });
  });
});
