// Issue 13 over SES: SES has no idempotency key, so a SendRawEmail whose answer was lost after
// SES accepted it must come back as `outcome: "unknown"`, not retryable, and must not be sent
// again blindly: neither by this transport's retries nor by the AWS SDK client's own retry
// strategy (left at its default here). Against the dev server's SES endpoint, whose fault
// injection commits the message and then cuts the connection.
import { AgentMailError, createMailer } from "@assmbl/core";
import type { DevServer } from "@assmbl/dev-server";
import { startTestPlatform, type TestPlatform } from "@assmbl/testing/platform";
import type { SESClient } from "@aws-sdk/client-ses";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FROM, fakeRuntime, MAIL_DOMAIN } from "./testing/fixtures.js";
import { createSesTransport } from "./transport.js";

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
  server.requests.clear();
});

/** The standard strategy's part that says how long to wait; the rest of it decides whether. */
interface BackoffHolder {
  retryBackoffStrategy?: {
    computeNextBackoffDelay(attempt: number): number;
    setDelayBase(delayMs: number): void;
  };
}

/**
 * Takes the waits out of the client's own retry strategy, which stays the SDK's default
 * (standard) one and still decides what it retries: its throttling backoff (full jitter from
 * 1 s, doubling) cost 1.5 s per transport attempt on average, and how long it waits is not what
 * these tests are about.
 */
async function withoutSdkBackoff(client: SESClient): Promise<SESClient> {
  const strategy = (await client.config.retryStrategy()) as BackoffHolder;
  // Loud if the SDK moves it: a silent miss would only make these tests slow again.
  if (strategy.retryBackoffStrategy === undefined) {
    throw new Error("the AWS SDK's retry strategy has no retryBackoffStrategy any more");
  }
  strategy.retryBackoffStrategy = { computeNextBackoffDelay: () => 0, setDelayBase: () => {} };
  return client;
}

// The SDK's default retry strategy (3 attempts, which retries a reset connection) stays on, to
// show that it does not resend either. Signed with the sender's SES credentials. The transport's
// own backoff sleeps on a fake clock (its waits are retry-engine tests).
async function mailer(options: { retryAmbiguousFailures?: boolean } = {}) {
  const client = await withoutSdkBackoff(platform.sesClient("report-bot", { sdkRetries: true }));
  const runtime = fakeRuntime();
  const transport = createSesTransport({ client, ...options }, runtime);
  return { runtime, mailer: createMailer(transport, { from: FROM, mailDomain: MAIL_DOMAIN }) };
}
const sesPosts = () => server.requests.count({ method: "POST", path: "/" });

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
    const error = await failureOf((await mailer()).mailer.send(message));
    expect(server.ses.messages()).toHaveLength(1);
    expect(sesPosts()).toBe(1);
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
    const { mailer: retrying } = await mailer({ retryAmbiguousFailures: true });
    const error = await failureOf(retrying.send(message));
    expect(server.ses.messages()).toHaveLength(1);
    // The drop, then each of the two retries the client's own strategy repeated on throttling.
    expect(sesPosts()).toBe(7);
    expect(error.outcome).toBe("unknown");
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/attempt 1 of 3 failed after the request left/);
    expect(error.message).not.toMatch(/nothing was sent/);
  });

  it("a send refused for rate on every attempt is not_sent", async () => {
    const refusals = Array.from({ length: 9 }, () => "rate_limit" as const);
    server.setFaults({ queue: refusals, paths: /^\/$/, retryAfterSeconds: 0 });
    const { mailer: throttled, runtime } = await mailer();
    const error = await failureOf(throttled.send(message));
    expect(error.code).toBe("throttled");
    expect(error.outcome).toBe("not_sent");
    expect(server.ses.messages()).toHaveLength(0);
    // Every refusal was asked for: 3 transport attempts (2 backoffs) of 3 client attempts each.
    expect(sesPosts()).toBe(9);
    expect(runtime.sleeps).toHaveLength(2);
  });
});
