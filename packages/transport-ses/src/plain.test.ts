// sendPlainEmail's checks and error mapping against a stub client (live AWS cannot run here:
// the stub only counts requests and injects failures). The emulator test covers the wire.
import { MessageRejected, SESServiceException } from "@aws-sdk/client-ses";
import { describe, expect, it } from "vitest";
import { sendPlainEmail, sendPlainEmailWith } from "./plain.js";
import { errorOf, fakeRuntime, stubClient } from "./testing/fixtures.js";

const message = {
  from: "Report Bot <report-bot@agents.example.com>",
  to: "ops@example.com",
  subject: "Nightly report",
  text: "All green.",
};

describe("sendPlainEmail", () => {
  it("sends SendEmail with encoded addresses, UTF-8 subject and body", async () => {
    const { client, commands } = stubClient("v1", [{ ok: { MessageId: "plain-1" } }]);
    const result = await sendPlainEmail(client as never, {
      ...message,
      from: "Ödön <report-bot@agents.example.com>",
      bcc: ["audit@example.com"],
      html: "<p>All green.</p>",
      configurationSetName: "agents",
    });
    expect(result).toEqual({ messageId: "plain-1" });
    expect(commands[0]?.name).toBe("SendEmailCommand");
    expect(commands[0]?.input).toEqual({
      Source: "=?UTF-8?B?w5Zkw7Zu?= <report-bot@agents.example.com>",
      Destination: {
        ToAddresses: ["ops@example.com"],
        CcAddresses: [],
        BccAddresses: ["audit@example.com"],
      },
      Message: {
        Subject: { Data: "Nightly report", Charset: "UTF-8" },
        Body: {
          Text: { Data: "All green.", Charset: "UTF-8" },
          Html: { Data: "<p>All green.</p>", Charset: "UTF-8" },
        },
      },
      ConfigurationSetName: "agents",
    });
  });

  it.each([
    ["subject", { subject: "Hi\r\nBcc: victim@example.com" }],
    ["display name", { from: "Bot\r\nBcc: victim@example.com <report-bot@agents.example.com>" }],
    ["recipient", { to: ["ops@example.com\nBcc: victim@example.com"] }],
  ])("CR/LF in the %s fails with header_injection and no request", async (_, change) => {
    const { client, commands } = stubClient("v1");
    const error = await errorOf(sendPlainEmail(client as never, { ...message, ...change }));
    expect(error.code).toBe("header_injection");
    expect(commands).toHaveLength(0);
  });

  it("checks the message before any request", async () => {
    const { client, commands } = stubClient("v1");
    const tooMany = Array.from({ length: 51 }, (_, i) => `r${i}@example.com`);
    expect((await errorOf(sendPlainEmail(client as never, { ...message, to: tooMany }))).code).toBe(
      "too_many_recipients",
    );
    const { text: _, ...noBody } = message;
    expect((await errorOf(sendPlainEmail(client as never, noBody))).code).toBe("invalid_message");
    const unknown = await errorOf(
      sendPlainEmail(client as never, { ...message, bodyText: "x" } as never),
    );
    expect(unknown.message).toContain('"bodyText"');
    const big = "x".repeat(10 * 1024 * 1024 + 1);
    expect((await errorOf(sendPlainEmail(client as never, { ...message, text: big }))).code).toBe(
      "message_too_large",
    );
    expect(commands).toHaveLength(0);
    const v2 = stubClient("v2");
    expect((await errorOf(sendPlainEmail(v2.client as never, message))).code).toBe(
      "invalid_options",
    );
    expect(v2.commands).toHaveLength(0);
  });

  it("retries throttling and maps rejections with the request id", async () => {
    const throttled = new SESServiceException({
      name: "Throttling",
      $fault: "client",
      message: "Maximum sending rate exceeded.",
      $metadata: { requestId: "req-t", httpStatusCode: 400 },
    });
    const retried = stubClient("v1", [{ fail: throttled }, { ok: { MessageId: "ok" } }]);
    const runtime = fakeRuntime();
    expect(await sendPlainEmailWith(retried.client as never, message, runtime)).toEqual({
      messageId: "ok",
    });
    expect(retried.commands).toHaveLength(2);
    expect(runtime.sleeps).toHaveLength(1);

    const rejected = stubClient("v1", [
      {
        fail: new MessageRejected({
          message: "Email address is not verified.",
          $metadata: { requestId: "req-r", httpStatusCode: 400 },
        }),
      },
    ]);
    const error = await errorOf(
      sendPlainEmailWith(rejected.client as never, message, fakeRuntime()),
    );
    expect(error.code).toBe("mail_from_not_verified");
    expect(error.message).toContain("req-r");
    expect(rejected.commands).toHaveLength(1);
  });
});

// The composer's look-alike defences, shared (mailbox-header.ts): SES writes these as headers.
describe("sendPlainEmail and encoded-word look-alikes", () => {
  const EVIL = "=?utf-8?q?Evil=0D=0ABcc:_x@evil.example?=";

  it("writes a display name holding =? as one B encoded word, never quoted", async () => {
    const { client, commands } = stubClient("v1", [{ ok: { MessageId: "plain-2" } }]);
    await sendPlainEmail(client as never, {
      ...message,
      from: `"${EVIL}" <report-bot@agents.example.com>`,
      to: `"a  b" <ops@example.com>`,
    });
    const input = commands[0]?.input as { Source: string; Destination: { ToAddresses: string[] } };
    const word = `=?UTF-8?B?${Buffer.from(EVIL).toString("base64")}?=`;
    expect(input.Source).toBe(`${word} <report-bot@agents.example.com>`);
    // Printable names with repeated spaces are quoted: readers keep spaces only there.
    expect(input.Destination.ToAddresses).toEqual(['"a  b" <ops@example.com>']);
  });

  it.each([
    ["an address holding =?", { to: "=?utf-8?q?x?=@example.com" }, "invalid_address"],
    ["a subject holding =?", { subject: EVIL }, "invalid_header"],
    [
      "a name with =? too long for one word",
      { from: `"${EVIL}${"x".repeat(250)}" <a@example.com>` },
      "invalid_address",
    ],
  ])("refuses %s before any request", async (_, change, code) => {
    const { client, commands } = stubClient("v1");
    const error = await errorOf(sendPlainEmail(client as never, { ...message, ...change }));
    expect(error.code).toBe(code);
    expect(commands).toHaveLength(0);
  });
});
