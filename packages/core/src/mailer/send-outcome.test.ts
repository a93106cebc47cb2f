// What `mailer.send` says a failed send did (`error.outcome`, `error.idempotencyKey`), for
// transports that say it themselves and for those that do not (a transport of your own).
import { describe, expect, it } from "vitest";
import { AgentMailError } from "../errors.js";
import type { MailTransport } from "../transport.js";
import { createMailer } from "./create-mailer.js";
import { defaultOutcome } from "./send-outcome.js";

const from = "report-bot@agents.example.com";
const mailDomain = "agents.example.com";
const message = { to: "other-agent@agents.example.com", subject: "Hi", text: "Hello" };

function throwing(error: unknown): MailTransport {
  return {
    specificationVersion: "v1",
    name: "throwing",
    async send() {
      throw error;
    },
  };
}

async function caught(promise: Promise<unknown>): Promise<AgentMailError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!AgentMailError.is(error)) throw new Error(`expected an AgentMailError, got ${error}`);
  return error;
}

describe("mailer.send says what a failed send did", () => {
  it("not_sent for a refusal before the transport, with no key to offer", async () => {
    let calls = 0;
    const transport: MailTransport = {
      specificationVersion: "v1",
      name: "counting",
      async send() {
        calls++;
        return { messageId: "<m@test>" };
      },
    };
    const error = await caught(
      createMailer(transport, { from, mailDomain }).send({ ...message, to: "not an address" }),
    );
    expect(error.outcome).toBe("not_sent");
    expect(error.toJSON()).toMatchObject({ outcome: "not_sent" });
    expect(calls).toBe(0);
  });

  it("unknown for a transport's timeout that did not say: retryable only with a key", async () => {
    const timeout = () => new AgentMailError({ code: "timeout", message: "no answer" });
    const keyless = await caught(
      createMailer(throwing(timeout()), { from, mailDomain }).send(message),
    );
    expect(keyless.outcome).toBe("unknown");
    expect(keyless.idempotencyKey).toBeUndefined();
    // Nothing makes a retry safe: it could deliver twice.
    expect(keyless.retryable).toBe(false);

    const keyed = await caught(
      createMailer(throwing(timeout()), { from, mailDomain }).send({
        ...message,
        idempotencyKey: "idem-7",
      }),
    );
    expect(keyed.outcome).toBe("unknown");
    expect(keyed.idempotencyKey).toBe("idem-7");
    expect(keyed.retryable).toBe(true);
    expect(keyed.toJSON()).toMatchObject({
      outcome: "unknown",
      idempotencyKey: "idem-7",
      retryable: true,
    });
  });

  it("unknown for a foreign error from the transport (transport_failed)", async () => {
    const error = await caught(
      createMailer(throwing(new Error("socket hang up")), { from, mailDomain }).send(message),
    );
    expect(error.code).toBe("transport_failed");
    expect(error.outcome).toBe("unknown");
    expect(error.retryable).toBe(false);
  });

  it("keeps the outcome and key a transport gave", async () => {
    const own = new AgentMailError({
      code: "server_error",
      message: "lost",
      status: 503,
      outcome: "unknown",
      idempotencyKey: "idem_transport",
    });
    const error = await caught(createMailer(throwing(own), { from, mailDomain }).send(message));
    expect(error).toBe(own);
    expect(error.outcome).toBe("unknown");
    expect(error.idempotencyKey).toBe("idem_transport");
    expect(error.retryable).toBe(true);
  });

  it("completes a frozen error by a copy that keeps it as the cause", async () => {
    const frozen = Object.freeze(new AgentMailError({ code: "network_error", message: "reset" }));
    const error = await caught(createMailer(throwing(frozen), { from, mailDomain }).send(message));
    expect(error).not.toBe(frozen);
    expect(error.cause).toBe(frozen);
    expect(error.outcome).toBe("unknown");
  });

  it("gives errors of prepare no outcome: nothing is sent there", async () => {
    const error = await caught(
      createMailer(throwing(new Error("unused")), { from, mailDomain }).prepare({
        ...message,
        to: "not an address",
      }),
    );
    expect(error.outcome).toBeUndefined();
  });
});

describe("defaultOutcome", () => {
  it("reads refusals as not_sent and everything that may follow the work as unknown", () => {
    expect(defaultOutcome("timeout", undefined, false)).toBe("not_sent");
    expect(defaultOutcome("rate_limited", 429, true)).toBe("not_sent");
    expect(defaultOutcome("server_error", 503, true)).toBe("not_sent");
    expect(defaultOutcome("server_error", 500, true)).toBe("unknown");
    expect(defaultOutcome("some_gateway_code", 504, true)).toBe("unknown");
    expect(defaultOutcome("invalid_response", 200, true)).toBe("unknown");
    expect(defaultOutcome("idempotency_key_reused", 409, true)).toBe("sent");
  });
});
