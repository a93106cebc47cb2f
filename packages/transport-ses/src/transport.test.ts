// sesTransport against stub clients. Live AWS cannot run here, so a stub `send` is used only to
// count requests and to inject failures (throttling, rejections, network errors); the bytes it
// receives are checked with Python's parser. Real SES emulation is in ses-local.test.ts.
import { AgentMailError, createMailer, Limits, type PreparedMessage } from "@assmbl/core";
import { header, parseWithPython } from "@assmbl/testing/python";
import {
  AccountSendingPausedException,
  ConfigurationSetDoesNotExistException,
  ConfigurationSetSendingPausedException,
  MailFromDomainNotVerifiedException,
  MessageRejected,
  SESServiceException,
} from "@aws-sdk/client-ses";
import { describe, expect, it } from "vitest";
import {
  errorOf,
  FROM,
  fakeRuntime,
  MAIL_DOMAIN,
  preparePlain,
  sampleBytes,
  stubClient,
} from "./testing/fixtures.js";
import { createSesTransport, sesTransport } from "./transport.js";

const meta = (requestId: string, httpStatusCode = 400) => ({ requestId, httpStatusCode });

function throttling(message = "Maximum sending rate exceeded.") {
  return new SESServiceException({
    name: "Throttling",
    $fault: "client",
    message,
    $metadata: meta("req-throttle"),
  });
}

async function simple(extra: Partial<Parameters<typeof preparePlain>[0]> = {}) {
  return preparePlain({
    to: "other-agent@agents.example.com",
    subject: "Hi",
    text: "Hello",
    ...extra,
  });
}

describe("sesTransport: what it sends", () => {
  it("sends SendRawEmail with every recipient in Destinations and Bcc in no header", async () => {
    const { client, commands } = stubClient("v1", [{ ok: { MessageId: "0100-abc" } }]);
    const transport = sesTransport({
      client,
      configurationSetName: "agents",
      sourceArn: "arn:aws:ses:us-east-1:123456789012:identity/agents.example.com",
    });
    const prepared = await simple({
      to: ["a@agents.example.com", "Bee <b@agents.example.com>"],
      cc: "c@agents.example.com",
      bcc: ["hidden@agents.example.com", "A@agents.example.com"],
    });
    const result = await transport.send(prepared, {});
    expect(result).toEqual({ messageId: "0100-abc" });
    expect(commands).toHaveLength(1);
    const [{ input, name }] = commands as [(typeof commands)[number]];
    expect(name).toBe("SendRawEmailCommand");
    // Each address once (a@ is both To and Bcc), Bcc last.
    expect(input.Destinations).toEqual([
      "a@agents.example.com",
      "b@agents.example.com",
      "c@agents.example.com",
      "hidden@agents.example.com",
    ]);
    expect(input.ConfigurationSetName).toBe("agents");
    expect(input.SourceArn).toBe("arn:aws:ses:us-east-1:123456789012:identity/agents.example.com");
    const raw = (input.RawMessage as { Data: Uint8Array }).Data;
    const parsed = await parseWithPython(raw);
    expect(parsed.allHeaderNames).not.toContain("bcc");
    expect(new TextDecoder().decode(raw)).not.toContain("hidden@");
    expect(header(parsed, "To")).toBe("a@agents.example.com, Bee <b@agents.example.com>");
    expect(header(parsed, "Cc")).toBe("c@agents.example.com");
  });

  it("sends SESv2 SendEmail with raw content and a Destination", async () => {
    const { client, commands } = stubClient("v2", [{ ok: { MessageId: "v2-id" } }]);
    const prepared = await simple({ bcc: "hidden@agents.example.com" });
    expect(await sesTransport({ client }).send(prepared, {})).toEqual({ messageId: "v2-id" });
    const [{ input, name }] = commands as [(typeof commands)[number]];
    expect(name).toBe("SendEmailCommand");
    expect(input.Destination).toEqual({
      ToAddresses: ["other-agent@agents.example.com"],
      CcAddresses: [],
      BccAddresses: ["hidden@agents.example.com"],
    });
    const raw = (input.Content as { Raw: { Data: Uint8Array } }).Raw.Data;
    expect((await parseWithPython(raw)).allHeaderNames).not.toContain("bcc");
  });

  it("works as createMailer's transport, and the result carries SES's MessageId", async () => {
    const { client } = stubClient("v1", [{ ok: { MessageId: "ses-42" } }]);
    const mailer = createMailer(sesTransport({ client }), { from: FROM, mailDomain: MAIL_DOMAIN });
    const result = await mailer.send({
      to: "other-agent@agents.example.com",
      subject: "Hi",
      text: "Hello",
      correlationId: "corr-1",
    });
    expect(result).toMatchObject({
      messageId: "ses-42",
      transport: "ses",
      correlationId: "corr-1",
    });
  });
});

describe("sesTransport: checks before any request", () => {
  it.each([
    ["subject", (m: PreparedMessage) => ({ ...m, subject: "hi\r\nBcc: victim@example.com" })],
    [
      "custom header value",
      (m: PreparedMessage) => ({ ...m, headers: { "X-Workflow-Name": "a\r\nBcc: v@x.example" } }),
    ],
    [
      "filename",
      (m: PreparedMessage) => ({
        ...m,
        attachments: [
          {
            manifest: {
              index: 0,
              filename: "a\r\n.txt",
              content_type: "text/plain",
              encrypted: false,
            },
            content: Uint8Array.of(1),
          },
        ],
      }),
    ],
    [
      "display name",
      (m: PreparedMessage) => ({ ...m, from: { ...m.from, name: "Bot\nBcc: v@x.example" } }),
    ],
  ])("CR/LF in the %s fails with header_injection and no request", async (_, mutate) => {
    const { client, commands } = stubClient("v1");
    const error = await errorOf(sesTransport({ client }).send(mutate(await simple()), {}));
    expect(error.code).toBe("header_injection");
    expect(commands).toHaveLength(0);
  });

  it("fails an oversized message with message_too_large, naming the limit and the size", async () => {
    const { client, commands } = stubClient("v1");
    // 8 MiB of bytes is about 10.8 MiB once base64-encoded.
    const prepared = await simple({
      attachments: [{ filename: "big.bin", content: sampleBytes(8 * 1024 * 1024) }],
    });
    const error = await errorOf(sesTransport({ client }).send(prepared, {}));
    expect(error.code).toBe("message_too_large");
    expect(error.message).toContain(`at most ${Limits.sesV1MessageBytes} bytes`);
    expect(error.message).toMatch(/the message is \d{8} bytes/);
    expect(commands).toHaveLength(0);
    // The same message fits SES v2's 40 MiB.
    const v2 = stubClient("v2");
    await sesTransport({ client: v2.client }).send(prepared, {});
    expect(v2.commands).toHaveLength(1);
  });

  it("fails more than 50 recipients with too_many_recipients", async () => {
    const { client, commands } = stubClient("v1");
    const to = Array.from({ length: 40 }, (_, i) => `to-${i}@agents.example.com`);
    const bcc = Array.from({ length: 11 }, (_, i) => `bcc-${i}@agents.example.com`);
    const error = await errorOf(sesTransport({ client }).send(await simple({ to, bcc }), {}));
    expect(error.code).toBe("too_many_recipients");
    expect(error.message).toContain("51 recipients");
    expect(commands).toHaveLength(0);
    // Exactly 50 is fine.
    await sesTransport({ client }).send(await simple({ to, bcc: bcc.slice(1) }), {});
    expect(commands).toHaveLength(1);
  });

  it("rejects unknown options by name and a client that is not SES", () => {
    const { client } = stubClient("v1");
    expect(() => sesTransport({ client, maxSendrate: 1 } as never)).toThrow(/"maxSendrate"/);
    expect(() => sesTransport({ client, maxAttempts: 0 })).toThrow(/maxAttempts/);
    expect(() =>
      sesTransport({ client: { send: async () => ({}), config: { serviceId: "S3" } } as never }),
    ).toThrow(/SESClient/);
  });
});

describe("sesTransport: throttling, errors and network failures", () => {
  it("retries throttling with full-jitter backoff, then succeeds", async () => {
    const { client, commands } = stubClient("v1", [
      { fail: throttling() },
      { fail: throttling() },
      { ok: { MessageId: "after-retries" } },
    ]);
    const runtime = fakeRuntime(() => 0.5);
    const result = await createSesTransport({ client }, runtime).send(await simple(), {});
    expect(result.messageId).toBe("after-retries");
    expect(commands).toHaveLength(3);
    // Half of min(5000, 200 * 2^retry): 100 ms, then 200 ms.
    expect(runtime.sleeps).toEqual([100, 200]);
  });

  it.each([
    ["ThrottlingException (v2 name)", { name: "ThrottlingException", $metadata: meta("r", 400) }],
    ["TooManyRequestsException", { name: "TooManyRequestsException", $metadata: meta("r", 429) }],
    ["HTTP 429", { name: "SomethingElse", $metadata: meta("r", 429) }],
  ])("treats %s as throttling", async (_, fail) => {
    const { client, commands } = stubClient("v2", [{ fail }, { ok: { MessageId: "ok" } }]);
    await createSesTransport({ client }, fakeRuntime()).send(await simple(), {});
    expect(commands).toHaveLength(2);
  });

  it("gives up after maxAttempts with throttled, naming the request id", async () => {
    const { client, commands } = stubClient("v1", [{ fail: throttling() }]);
    const error = await errorOf(
      createSesTransport({ client, maxAttempts: 4 }, fakeRuntime()).send(await simple(), {}),
    );
    expect(commands).toHaveLength(4);
    expect(error.code).toBe("throttled");
    expect(error.retryable).toBe(true);
    expect(error.message).toContain("4 attempts");
    expect(error.message).toContain("req-throttle");
    expect(error.body).toMatchObject({ requestId: "req-throttle", sesError: "Throttling" });
  });

  it.each([
    [
      new MessageRejected({ message: "Illegal address", $metadata: meta("req-1") }),
      "message_rejected",
    ],
    [
      new MessageRejected({
        message:
          "Email address is not verified. The following identities failed the check in region US-EAST-1: report-bot@agents.example.com",
        $metadata: meta("req-2"),
      }),
      "mail_from_not_verified",
    ],
    [
      new MailFromDomainNotVerifiedException({ message: "not verified", $metadata: meta("req-3") }),
      "mail_from_not_verified",
    ],
    [
      new AccountSendingPausedException({ message: "paused", $metadata: meta("req-4") }),
      "sending_paused",
    ],
    [
      new ConfigurationSetSendingPausedException({
        message: "paused",
        ConfigurationSetName: "agents",
        $metadata: meta("req-5"),
      }),
      "sending_paused",
    ],
    [
      new ConfigurationSetDoesNotExistException({
        message: "no such set",
        ConfigurationSetName: "agents",
        $metadata: meta("req-6"),
      }),
      "ses_error",
    ],
    [throttling("Daily message quota exceeded."), "ses_error"],
  ])("maps %s to its code, once, with the request id", async (fail, code) => {
    const { client, commands } = stubClient("v1", [{ fail }]);
    const error = await errorOf(
      createSesTransport({ client }, fakeRuntime()).send(await simple(), {}),
    );
    expect(error.code).toBe(code);
    expect(error.retryable).toBe(false);
    expect(commands).toHaveLength(1);
    const requestId = (fail.$metadata as { requestId: string }).requestId;
    expect(error.message).toContain(`request id ${requestId}`);
    expect(error.body).toMatchObject({ requestId, sesError: fail.name });
  });

  it("does not retry a network failure after the request may have left, and says so", async () => {
    const reset = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    const { client, commands } = stubClient("v1", [{ fail: reset }]);
    const error = await errorOf(
      createSesTransport({ client }, fakeRuntime()).send(await simple(), {}),
    );
    expect(commands).toHaveLength(1);
    expect(error.code).toBe("transport_failed");
    expect(error.retryable).toBe(false);
    expect(error.message).toContain("may have been sent");
    // Asked to, it retries such failures too.
    const again = stubClient("v1", [{ fail: reset }, { ok: { MessageId: "second" } }]);
    const transport = createSesTransport(
      { client: again.client, retryAmbiguousFailures: true },
      fakeRuntime(),
    );
    expect((await transport.send(await simple(), {})).messageId).toBe("second");
  });

  it("retries a connection that was refused (nothing was sent), then reports network_error", async () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), {
      code: "ECONNREFUSED",
    });
    const { client, commands } = stubClient("v1", [{ fail: refused }]);
    const error = await errorOf(
      createSesTransport({ client }, fakeRuntime()).send(await simple(), {}),
    );
    expect(commands).toHaveLength(3);
    expect(error.code).toBe("network_error");
    expect(error.message).toContain("nothing was sent");
  });

  it("paces sends to maxSendRate with a token bucket", async () => {
    const { client, commands } = stubClient("v1");
    const runtime = fakeRuntime();
    const transport = createSesTransport({ client, maxSendRate: 2 }, runtime);
    const prepared = await simple();
    for (let i = 0; i < 5; i++) await transport.send(prepared, {});
    expect(commands).toHaveLength(5);
    // A burst of two, then one every 500 ms.
    expect(runtime.sleeps).toEqual([500, 500, 500]);
  });

  it("stops when aborted, before any request", async () => {
    const { client, commands } = stubClient("v1");
    const controller = new AbortController();
    controller.abort();
    const error = await errorOf(
      sesTransport({ client }).send(await simple(), { signal: controller.signal }),
    );
    expect(AgentMailError.is(error, "aborted")).toBe(true);
    expect(commands).toHaveLength(0);
  });
});
