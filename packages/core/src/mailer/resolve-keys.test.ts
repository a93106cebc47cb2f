// Recipient keys are looked up a few at a time (a message with 50 Bcc recipients does not open
// 50 directory requests at once), and every lookup settles before the send fails.

import { fakeRecord } from "@assmbl/testing/fakes";
import { describe, expect, it } from "vitest";
import { AgentMailError } from "../errors.js";
import type { KeyDirectory } from "../key-directory.js";
import { bccMessage, caught, setup } from "../testing/bcc-kit.js";
import { LOOKUP_CONCURRENCY } from "./resolve-keys.js";
import { settleLimited } from "./settle-limited.js";

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));
const bccs = (count: number) =>
  Array.from({ length: count }, (_, i) => `bcc-${i}@agents.example.com`);

/** A directory that answers after a tick, counting lookups in flight; `fail` ids reject. */
function slowDirectory(fail: Record<string, number> = {}) {
  const state = { inFlight: 0, most: 0, started: [] as string[], settled: 0 };
  const directory: KeyDirectory = {
    specificationVersion: "v1",
    async lookup(agentId) {
      state.started.push(agentId);
      state.most = Math.max(state.most, ++state.inFlight);
      try {
        // Each lookup takes its own number of ticks: `fail` ids after theirs, others after one.
        for (let i = 0; i < (fail[agentId] ?? 1); i++) await tick();
        if (agentId in fail)
          throw new AgentMailError({ code: "agent_not_found", message: `no ${agentId}` });
        return fakeRecord(agentId);
      } finally {
        state.inFlight--;
        state.settled++;
      }
    },
  };
  return { directory, state, calls: [] };
}

describe("recipient key lookups", () => {
  it("run at most 8 at a time, each agent once", async () => {
    const slow = slowDirectory();
    const { mailer, out } = setup({ directory: slow });
    await mailer.send(bccMessage({ bcc: [...bccs(30), "BCC-0@agents.example.com"] }));
    expect(slow.state.started).toHaveLength(32);
    expect(new Set(slow.state.started).size).toBe(32);
    expect(slow.state.most).toBe(8);
    expect(LOOKUP_CONCURRENCY).toBe(8);
    expect(out.sent).toHaveLength(31);
  });

  it("settle every one before the send fails, and report the first recipient's failure", async () => {
    // bcc-3 fails first (after 1 tick), bcc-1 later (after 5): the error is bcc-1's, the first
    // failing recipient in To, Cc, Bcc order, and no lookup is left running when it is thrown.
    const slow = slowDirectory({ "bcc-1": 5, "bcc-3": 1 });
    const { mailer, out } = setup({ directory: slow });
    const error = await caught(mailer.send(bccMessage({ bcc: bccs(12) })));
    expect(error.code).toBe("agent_not_found");
    expect(error.message).toBe("no bcc-1");
    expect(slow.state.started).toHaveLength(14);
    expect(slow.state.settled).toBe(14);
    expect(slow.state.inFlight).toBe(0);
    expect(out.sent).toHaveLength(0);
  });
});

describe("settleLimited", () => {
  it("keeps the order of the items, settles failures, and never runs more than asked", async () => {
    let inFlight = 0;
    let most = 0;
    const outcomes = await settleLimited([5, 1, 4, 2, 3], 2, async (n) => {
      most = Math.max(most, ++inFlight);
      for (let i = 0; i < n; i++) await tick();
      inFlight--;
      if (n === 4) throw new Error("four");
      return n * 10;
    });
    expect(most).toBe(2);
    expect(outcomes.map((o) => (o.status === "fulfilled" ? o.value : String(o.reason)))).toEqual([
      50,
      10,
      "Error: four",
      20,
      30,
    ]);
  });

  it("settles a task that throws synchronously, and an empty list at once", async () => {
    const outcomes = await settleLimited([1], 8, () => {
      throw new Error("sync");
    });
    expect(outcomes[0]?.status).toBe("rejected");
    expect(await settleLimited([], 8, async () => 1)).toEqual([]);
  });
});
