// Issue 13 over SES: SES has no idempotency key, so a SendRawEmail whose answer was lost after
// SES accepted it must come back as `outcome: "unknown"`, not retryable, and must not be sent
// again blindly: neither by this transport's retries nor by the AWS SDK client's own retry
// strategy (left at its default here). Against the dev server's SES endpoint, whose fault
// injection commits the message and then cuts the connection.
import { AgentMailError, createMailer } from "@assmbl/core";
import { SESClient } from "@aws-sdk/client-ses";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
// By source path: dev-server depends on this package (for composeMime).
import { type DevServer, startDevServer } from "../../dev-server/src/index.js";
import { DUMMY_CREDENTIALS, FROM, MAIL_DOMAIN } from "./testing/fixtures.js";
import { sesTransport } from "./transport.js";

let server: DevServer;

beforeAll(async () => {
  server = await startDevServer({
    port: 0,
    mailDomain: MAIL_DOMAIN,
    agents: [{ agentId: "report-bot" }, { agentId: "other-agent" }],
  });
});
afterAll(async () => {
  await server?.stop();
});
beforeEach(() => {
  server.setFaults({});
  server.ses.clear();
});

/** The sender's SES credentials when the dev server issues them, else dummy ones. */
function credentials() {
  const agent = server.agents["report-bot"] as { ses?: typeof DUMMY_CREDENTIALS } | undefined;
  return agent?.ses ?? DUMMY_CREDENTIALS;
}

// No maxAttempts: the SDK's default retry strategy (3 attempts, which retries a reset
// connection) stays on, to show that it does not resend either.
function mailer(options: { retryAmbiguousFailures?: boolean } = {}) {
  const client = new SESClient({
    endpoint: server.url,
    region: "us-east-1",
    credentials: credentials(),
  });
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
