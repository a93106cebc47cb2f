// The scenario on workerd (no nodejs_compat), Bun and Deno, against the dev server in this
// process: the same scenario module, the same input, the same expected report. The tests of a
// file run one after another, so the runtimes never compete for the 2 cores.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectScenarioPassed, reportOf } from "./expect-report.js";
import { type Platform, startPlatform } from "./platform.js";
import { runBun, runDeno, runWorkerd } from "./runners.js";

let platform: Platform;

beforeAll(async () => {
  platform = await startPlatform();
});
afterAll(async () => {
  await platform?.stop();
});

describe("workerd (Miniflare), no compatibility flags", () => {
  it("runs the scenario with an encrypted body and attachment", async () => {
    const input = platform.inputFor("workerd");
    const report = reportOf(await runWorkerd(input));
    expectScenarioPassed(platform, input, report);
    // No nodejs_compat: the Worker sees neither of Node's globals.
    expect(report.runtime).toEqual({
      userAgent: "Cloudflare-Workers",
      hasProcess: false,
      hasBuffer: false,
    });
  });
});

describe("Bun", () => {
  it("runs the scenario with an encrypted body and attachment", async () => {
    const input = platform.inputFor("bun");
    const report = reportOf(await runBun(input));
    expectScenarioPassed(platform, input, report);
    expect(report.runtime.userAgent).toMatch(/^Bun\//);
    expect(report.runtime.hasBuffer).toBe(true);
  });
});

describe("Deno", () => {
  it("runs the scenario with an encrypted body and attachment", async () => {
    const input = platform.inputFor("deno");
    const report = reportOf(await runDeno(input));
    expectScenarioPassed(platform, input, report);
    expect(report.runtime.userAgent).toMatch(/^Deno\//);
  });
});
