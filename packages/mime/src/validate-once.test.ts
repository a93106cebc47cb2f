// How often a send runs header safety on the composer's side. The composer calls core's
// assertPrepared once and none of core's header checks itself: a message createMailer prepared is
// trusted (frozen, marked), one built by hand is validated by core there, once.
import { beforeEach, describe, expect, it, vi } from "vitest";

const counts = vi.hoisted(() => ({ header: 0, value: 0, marked: 0, unmarked: 0 }));

vi.mock("@assmbl/core", async (importOriginal) => {
  const core = await importOriginal<typeof import("@assmbl/core")>();
  return {
    ...core,
    assertSafeHeader: (name: string, value: string) => {
      counts.header += 1;
      core.assertSafeHeader(name, value);
    },
    assertSafeHeaderValue: (value: string, what: string) => {
      counts.value += 1;
      core.assertSafeHeaderValue(value, what);
    },
    assertPrepared: (message: unknown) => {
      if (core.isValidatedPrepared(message)) counts.marked += 1;
      else counts.unmarked += 1;
      return core.assertPrepared(message);
    },
  };
});

const { AgentMailError } = await import("@assmbl/core");
const { composeMime } = await import("./compose.js");
const { prepare: preparePlain } = await import("@assmbl/testing/mailer");

const MESSAGE = {
  to: ["a@agents.example.com", "Bee <b@agents.example.com>"],
  cc: "c@agents.example.com",
  subject: "Q3 numbers",
  text: "hello",
  headers: { "X-Workflow-Name": "nightly", "X-Run": "42" },
  correlationId: "corr-1",
  attachments: [{ filename: "a.txt", content: "x" }],
};

describe("header safety on the composer's side", () => {
  beforeEach(() => {
    Object.assign(counts, { header: 0, value: 0, marked: 0, unmarked: 0 });
  });

  it("a message createMailer prepared: one O(1) assertPrepared, no header check of the composer's", async () => {
    const prepared = await preparePlain(MESSAGE);
    expect(Object.isFrozen(prepared) && Object.isFrozen(prepared.headers)).toBe(true);
    await composeMime(prepared);
    expect(counts).toEqual({ header: 0, value: 0, marked: 1, unmarked: 0 });
  });

  it("a copy (built by hand): validated by core once, still no header check of the composer's", async () => {
    const prepared = await preparePlain(MESSAGE);
    await composeMime({ ...prepared });
    expect(counts).toEqual({ header: 0, value: 0, marked: 0, unmarked: 1 });
  });

  it("a copy with an injected header is refused before anything is rendered", async () => {
    const prepared = await preparePlain(MESSAGE);
    const error = await composeMime({
      ...prepared,
      headers: { ...prepared.headers, "X-Run": "1\r\nBcc: victim@agents.example.com" },
    }).catch((caught: unknown) => caught);
    expect(AgentMailError.is(error) && error.code).toBe("header_injection");
  });
});
