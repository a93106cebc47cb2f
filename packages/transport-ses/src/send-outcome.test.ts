// Issue 13 over SES: SES has no idempotency key, so a SendRawEmail whose answer was lost after
// SES accepted it must come back as `outcome: "unknown"`, not retryable, and must not be sent
// again blindly: neither by this transport's retries nor by the AWS SDK client's own retry
// strategy (left at its default here). Against the dev server's SES endpoint, whose fault
// injection commits the message and then cuts the connection.
import { AgentMailError, createMailer } from "@assmbl/core";
import type { DevServer } from "@assmbl/dev-server";
import { startTestPlatform, type TestPlatform } from "@assmbl/testing/platform";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FROM, MAIL_DOMAIN } from "./testing/fixtures.js";
import { sesTransport } from "./transport.js";

let platform: TestPlatform;
let server: DevServer;

beforeAll(async () => {
  platform = await startTestPlatform({
    mailDomain: MAIL_DOMAIN,
    agents: ["report-bot", "other-agent"],
  });
  server = platform.server;
});
afterAll(async () => {
  await platform?.close();
});
beforeEach(() => {
  server.setFaults({});
  server.ses.clear();
});

// The SDK's default retry strategy (3 attempts, which retries a reset connection) stays on, to
// show that it does not resend either. Signed with the sender's SES credentials.
function mailer(options: { retryAmbiguousFailures?: boolean } = {}) {
  const client = platform.sesClient("report-bot", { sdkRetries: true });
  return createMailer(sesTransport({ client, ...options }), {
    from: FROM,
    mailDomain: MAIL_DOMAIN,
  });
}

const message = { to: `other-agent@${MAIL_DOMAIN}`, subject: "Task 13", text: "Hello" };

async function failureOf(promise: Promise<unknown>): Promise<AgentMailError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!AgentMailError.is(error)) throw new Error(`expected an AgentMailError, got ${error}`);
  return error;
}

describe("an SES send whose answer was lost after SES accepted it", () => {
  it("is outcome unknown, not retryable, and SES got it exactly once", async () => {
    server.setFaults({ queue: ["drop"], paths: /^\/$/ });
    const error = await failureOf(mailer().send(message));
    expect(server.ses.messages()).toHaveLength(1);
    expect(error.outcome).toBe("unknown");
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/may have been sent/);
    expect(error.message).not.toMatch(/nothing was sent/);
    expect(error.toJSON()).toMatchObject({ outcome: "unknown", retryable: false });
  });

  it("with retryAmbiguousFailures, a throttled retry still reports unknown, not 'nothing was sent'", async () => {
    // Each of this transport's attempts is up to 3 of the client's: 6 refusals after the drop.
    const refusals = Array.from({ length: 6 }, () => "rate_limit" as const);
    server.setFaults({ queue: ["drop", ...refusals], paths: /^\/$/, retryAfterSeconds: 0 });
    const error = await failureOf(mailer({ retryAmbiguousFailures: true }).send(message));
    expect(server.ses.messages()).toHaveLength(1);
    expect(error.outcome).toBe("unknown");
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/attempt 1 of 3 failed after the request left/);
    expect(error.message).not.toMatch(/nothing was sent/);
  });

  it("a send refused for rate on every attempt is not_sent", async () => {
    const refusals = Array.from({ length: 9 }, () => "rate_limit" as const);
    server.setFaults({ queue: refusals, paths: /^\/$/, retryAfterSeconds: 0 });
    const error = await failureOf(mailer().send(message));
    expect(error.code).toBe("throttled");
    expect(error.outcome).toBe("not_sent");
    expect(server.ses.messages()).toHaveLength(0);
  });
});
