// How often one send runs core's header-safety checks (from source, so the module mock sees
// every call inside core): the caller's input once before any I/O (normalize), the prepared
// message once at the end (validatePreparedMessage), and none in a transport's assertPrepared.
import { recordingTransport } from "@assmbl/testing/fakes";
import { beforeEach, describe, expect, it, vi } from "vitest";

const counts = vi.hoisted(() => ({ header: 0, value: 0 }));

vi.mock("./header-safety.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("./header-safety.js")>();
  return {
    ...real,
    assertSafeHeader: (name: string, value: string) => {
      counts.header += 1;
      real.assertSafeHeader(name, value);
    },
    assertSafeHeaderValue: (value: string, what: string) => {
      counts.value += 1;
      real.assertSafeHeaderValue(value, what);
    },
  };
});

const { createMailer } = await import("./mailer/create-mailer.js");
const { assertPrepared } = await import("./prepared-message.js");

// Two caller headers; the prepared message carries four header lines beyond the addressing
// ones (X-AgentMail-Attachments, X-AgentMail-Correlation-Id, X-Workflow-Name, X-Run).
const MESSAGE = {
  to: ["a@agents.example.com", "Bee <b@agents.example.com>"],
  cc: "c@agents.example.com",
  subject: "Q3 numbers",
  text: "hello",
  headers: { "X-Workflow-Name": "nightly", "X-Run": "42" },
  correlationId: "corr-1",
  attachments: [{ filename: "a.txt", content: "x" }],
};

function setup() {
  const out = recordingTransport();
  const mailer = createMailer(out.transport, {
    from: "Report Bot <report-bot@agents.example.com>",
    mailDomain: "agents.example.com",
  });
  return { out, mailer };
}

describe("header safety inside core, per send", () => {
  beforeEach(() => {
    counts.header = 0;
    counts.value = 0;
  });

  it("the caller's two headers before any lookup, the prepared message's four lines at the end", async () => {
    const { mailer } = setup();
    await mailer.send(MESSAGE);
    expect(counts.header).toBe(2 + 4);
  });

  it("a transport's assertPrepared runs none for a prepared message, all four for a copy", async () => {
    const { mailer } = setup();
    const prepared = await mailer.prepare(MESSAGE);
    counts.header = 0;
    counts.value = 0;
    assertPrepared(prepared);
    expect(counts).toEqual({ header: 0, value: 0 });
    assertPrepared({ ...prepared });
    expect(counts.header).toBe(4);
  });
});
