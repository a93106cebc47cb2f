// SES answers are read under a cap and a deadline: a real SES client (v1 and v2, the SDK's own
// request handler and retry strategy) sends through sesTransport to a loopback server posing as
// SES that answers too much, too slowly, or never.
import { SESClient } from "@aws-sdk/client-ses";
import { SESv2Client } from "@aws-sdk/client-sesv2";
import { afterEach, describe, expect, it } from "vitest";
import { sendPlainEmail } from "./plain.js";
import { DUMMY_CREDENTIALS, errorOf, preparePlain } from "./testing/fixtures.js";
import { type HostileMode, type HostileSes, startHostileSes } from "./testing/hostile-ses.js";
import { sesTransport } from "./transport.js";

let ses: HostileSes | undefined;
afterEach(async () => {
  await ses?.stop();
  ses = undefined;
});

async function hostile(mode: HostileMode, options: { bytes?: number } = {}) {
  ses = await startHostileSes(mode, options);
  return ses;
}

// No maxAttempts: the SDK's default retry strategy (3 attempts) stays on, to show it does not
// resend after these failures either.
const v1 = (endpoint: string) =>
  new SESClient({ endpoint, region: "us-east-1", credentials: DUMMY_CREDENTIALS });

const message = () =>
  preparePlain({ to: "other-agent@agents.example.com", subject: "Hi", text: "Hello" });

describe("SES answers are read under a cap", () => {
  it("an endless answer fails response_too_large, once, and the connection is dropped", async () => {
    const server = await hostile("endless");
    const error = await errorOf(
      sesTransport({ client: v1(server.endpoint) }).send(await message(), {}),
    );
    expect(error.code).toBe("response_too_large");
    expect(error.message).toContain("more than the 65536 bytes an SES answer can be");
    expect(error.message).toContain("may have been sent");
    expect(error.retryable).toBe(false);
    expect(server.requests()).toBe(1);
    await expect.poll(() => server.droppedAnswers()).toBe(1);
  });

  it("a content-length over the cap is refused without waiting for the body", async () => {
    // The body never comes: a client that waited for it would hang until the deadline.
    const server = await hostile("declared", { bytes: 50 * 1024 * 1024 });
    const transport = sesTransport({ client: v1(server.endpoint), timeoutMs: 600_000 });
    const error = await errorOf(transport.send(await message(), {}));
    expect(error.code).toBe("response_too_large");
    expect(error.message).toContain(`${50 * 1024 * 1024} bytes by its content-length`);
    expect(server.requests()).toBe(1);
  });

  it("applies to an SESv2Client too (REST-JSON protocol)", async () => {
    const server = await hostile("endless");
    const client = new SESv2Client({
      endpoint: server.endpoint,
      region: "us-east-1",
      credentials: DUMMY_CREDENTIALS,
    });
    const error = await errorOf(sesTransport({ client }).send(await message(), {}));
    expect(error.code).toBe("response_too_large");
    expect(error.message).toContain("SES SendEmail");
    expect(server.requests()).toBe(1);
  });

  it("leaves the caller's client as it was: the cap lives on the transport's commands", async () => {
    const server = await hostile("endless");
    const client = v1(server.endpoint);
    const before = client.middlewareStack.identify();
    await errorOf(sesTransport({ client }).send(await message(), {}));
    expect(client.middlewareStack.identify()).toEqual(before);
    expect(before.join()).not.toContain("agentmailCappedResponse");
  });
});

describe("SES answers are read under a deadline", () => {
  it("a trickling answer ends at timeoutMs with timeout, not retried", async () => {
    const server = await hostile("trickle");
    const transport = sesTransport({ client: v1(server.endpoint), timeoutMs: 400 });
    const error = await errorOf(transport.send(await message(), {}));
    expect(error.code).toBe("timeout");
    expect(error.message).toContain("no complete answer within 400 ms");
    expect(error.message).toContain("may have been sent");
    expect(server.requests()).toBe(1);
    await expect.poll(() => server.droppedAnswers()).toBe(1);
  });

  it("an endpoint that never answers ends at timeoutMs too", async () => {
    const server = await hostile("silent");
    const transport = sesTransport({ client: v1(server.endpoint), timeoutMs: 300 });
    const error = await errorOf(transport.send(await message(), {}));
    expect(error.code).toBe("timeout");
    expect(server.requests()).toBe(1);
  });

  it("retries a timeout only with retryAmbiguousFailures, up to maxAttempts", async () => {
    const server = await hostile("silent");
    const transport = sesTransport({
      client: v1(server.endpoint),
      timeoutMs: 200,
      maxAttempts: 2,
      retryAmbiguousFailures: true,
    });
    const error = await errorOf(transport.send(await message(), {}));
    expect(error.code).toBe("timeout");
    expect(error.message).toContain("attempt 2");
    expect(server.requests()).toBe(2);
  });

  it("sendPlainEmail has the same deadline and cap", async () => {
    const trickle = await hostile("trickle");
    const email = {
      from: "bot@agents.example.com",
      to: "ops@agents.example.com",
      subject: "s",
      text: "t",
    };
    const late = await errorOf(sendPlainEmail(v1(trickle.endpoint), { ...email, timeoutMs: 300 }));
    expect(late.code).toBe("timeout");
    await trickle.stop();
    const endless = await hostile("endless");
    const large = await errorOf(sendPlainEmail(v1(endless.endpoint), email));
    expect(large.code).toBe("response_too_large");
  });

  it("rejects a bad timeoutMs by name", () => {
    const client = v1("http://127.0.0.1:9");
    expect(() => sesTransport({ client, timeoutMs: 0 })).toThrow(/timeoutMs/);
    expect(() => sesTransport({ client, timeoutMs: 2 ** 31 })).toThrow(/timeoutMs/);
  });
});
