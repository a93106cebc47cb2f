import { AgentMailHeaders, ENCRYPTED_BODY } from "@assmbl/core";
import { lf, parseWithPython, useSesClients } from "@assmbl/testing/ses";
import { GetSendQuotaCommand, SendEmailCommand, SendRawEmailCommand } from "@aws-sdk/client-ses";
import { describe, expect, it } from "vitest";
import { headerFields, headerValues } from "../mime/headers.js";
import { useServers } from "../testing/helpers.js";

const serve = useServers();
const clients = useSesClients();
const withAgents = () =>
  serve({
    // First: the clients sign with "sender"'s credentials, the From of these messages.
    agents: [{ agentId: "sender" }, { agentId: "peer" }, { agentId: "hidden" }],
  });

const latin1 = (text: string) => Uint8Array.from(text, (char) => char.charCodeAt(0));

/**
 * A hand-built message with the platform's headers, a custom header, and bytes a re-encoder
 * would change: a bare LF line, trailing spaces, a Latin-1 byte, no final line break.
 */
const HAND_BUILT = latin1(
  [
    'From: "Sender Agent" <sender@agents.localhost>',
    "To: peer@agents.localhost",
    "Cc: Outside Bot <bot@partner.example>",
    "Subject: Encrypted task",
    "Message-ID: <hand-built-1@agents.localhost>",
    "MIME-Version: 1.0",
    `${AgentMailHeaders.encrypted}: ${ENCRYPTED_BODY}`,
    `${AgentMailHeaders.correlationId}: corr-123`,
    "X-Workflow-Name: nightly-report  ",
    "Content-Type: text/plain; charset=utf-8",
    "Content-Transfer-Encoding: 7bit",
    "",
    "-----BEGIN PGP MESSAGE-----",
    "",
    "hQEMA0bare-line-follows\nwcBMA+stand-in-ciphertext",
    "caf\u00e9 =",
    "-----END PGP MESSAGE-----",
  ].join("\r\n"),
);

describe("SESClient SendRawEmail", () => {
  it("keeps the raw message byte for byte, answers its MessageId, and delivers to local agents including a Bcc-only one", async () => {
    const server = await withAgents();
    const { v1 } = clients(server);
    const result = await v1.send(
      new SendRawEmailCommand({
        RawMessage: { Data: HAND_BUILT },
        Destinations: [
          "peer@agents.localhost",
          "bot@partner.example",
          // Bcc: in the destinations only, never in a header.
          "Hidden@Agents.Localhost",
          "nobody@agents.localhost",
        ],
        Source: "sender@agents.localhost",
      }),
    );
    expect(result.MessageId).toMatch(/^[0-9a-f]{16}-[0-9a-f-]{36}-000000$/);
    expect(result.$metadata.httpStatusCode).toBe(200);
    expect(result.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);

    const [sent, ...more] = server.ses.messages();
    expect(more).toEqual([]);
    expect(sent?.messageId).toBe(result.MessageId);
    expect(sent?.api).toBe("v1-raw");
    expect(Buffer.compare(Buffer.from(sent?.raw ?? []), Buffer.from(HAND_BUILT))).toBe(0);
    expect(sent?.destinations).toEqual([
      "peer@agents.localhost",
      "bot@partner.example",
      "Hidden@agents.localhost",
      "nobody@agents.localhost",
    ]);
    expect(sent?.source).toBe("sender@agents.localhost");
    expect(sent?.receivedAt).toBeInstanceOf(Date);
    expect(sent?.deliveredTo).toEqual(["peer", "hidden"]);

    for (const agentId of ["peer", "hidden"]) {
      const [message, ...rest] = server.store.inbox(agentId);
      expect(rest).toEqual([]);
      expect(Buffer.compare(Buffer.from(message?.raw ?? []), Buffer.from(HAND_BUILT))).toBe(0);
      expect(message).toMatchObject({
        agentId,
        sender: "sender@agents.localhost",
        subject: "Encrypted task",
        sesMessageId: result.MessageId,
      });
      const fields = headerFields(message?.raw ?? new Uint8Array());
      expect(headerValues(fields, AgentMailHeaders.encrypted)).toEqual([ENCRYPTED_BODY]);
      expect(headerValues(fields, "x-workflow-name")).toEqual(["nightly-report"]);
    }
    expect(server.store.inbox("sender")).toEqual([]);
    expect(server.requests.entries()).toMatchObject([{ method: "POST", path: "/", status: 200 }]);
  });

  it("without Destinations, sends to the To, Cc and Bcc headers' addresses", async () => {
    const server = await withAgents();
    const { v1 } = clients(server);
    const raw = new TextEncoder().encode(
      'From: sender@agents.localhost\r\nTo: "Peer, the agent" <peer@agents.localhost>\r\n' +
        "Cc: Team: bot@partner.example, other@partner.example;\r\n" +
        "Bcc: hidden@agents.localhost\r\nSubject: =?UTF-8?B?R3LDvMOfZQ==?=\r\n\r\nhello\r\n",
    );
    const result = await v1.send(new SendRawEmailCommand({ RawMessage: { Data: raw } }));
    const [sent] = server.ses.messages();
    expect(sent).toMatchObject({
      messageId: result.MessageId,
      destinations: [
        "peer@agents.localhost",
        "bot@partner.example",
        "other@partner.example",
        "hidden@agents.localhost",
      ],
      deliveredTo: ["peer", "hidden"],
    });
    expect(sent?.source).toBeUndefined();
    expect(server.store.inbox("hidden")[0]?.subject).toBe("Grüße");
  });
});

describe("SESClient SendEmail", () => {
  it("renders MIME that Python's email package reads back: addresses, RFC 2047 subject, both bodies, no Bcc header", async () => {
    const server = await withAgents();
    const { v1 } = clients(server);
    const subject =
      "Grüße aus Köln — the weekly report of every agent on the platform, 📬 included";
    const text = "Hallo Welt ✓\nSecond line, with trailing spaces  \n";
    const html = "<p>Hallo <b>Welt</b> ✓</p>";
    const result = await v1.send(
      new SendEmailCommand({
        Source: '"Räksmörgås Bot" <sender@agents.localhost>',
        Destination: {
          ToAddresses: ["peer@agents.localhost", "Partner Bot <bot@partner.example>"],
          CcAddresses: ["cc@partner.example"],
          BccAddresses: ["hidden@agents.localhost"],
        },
        ReplyToAddresses: ["replies@agents.localhost"],
        Message: {
          Subject: { Data: subject, Charset: "UTF-8" },
          Body: { Text: { Data: text }, Html: { Data: html } },
        },
      }),
    );
    const [sent] = server.ses.messages();
    expect(sent).toMatchObject({
      messageId: result.MessageId,
      api: "v1-send",
      source: '"Räksmörgås Bot" <sender@agents.localhost>',
      destinations: [
        "peer@agents.localhost",
        "bot@partner.example",
        "cc@partner.example",
        "hidden@agents.localhost",
      ],
      deliveredTo: ["peer", "hidden"],
    });
    const raw = sent?.raw ?? new Uint8Array();
    // Headers are ASCII; lines stay within 78 characters, except the Message-ID, as long as
    // SES's own (within RFC 5322's hard limit of 998).
    const rawText = Buffer.from(raw).toString("latin1");
    const lines = rawText.split("\r\n");
    const messageIdLine = /^(Message-ID:.*| <[^>]+>)$/;
    expect(lines.filter((line) => line.length > 78 && !messageIdLine.test(line))).toEqual([]);
    expect(lines.every((line) => line.length <= 998)).toBe(true);
    expect(/^[\x20-\x7e\r\n]*$/.test(rawText.slice(0, rawText.indexOf("\r\n\r\n")))).toBe(true);

    const parsed = await parseWithPython(raw);
    expect(parsed.defects).toEqual([]);
    expect(parsed.from).toEqual([["Räksmörgås Bot", "sender@agents.localhost"]]);
    expect(parsed.to).toEqual([
      ["", "peer@agents.localhost"],
      ["Partner Bot", "bot@partner.example"],
    ]);
    expect(parsed.cc).toEqual([["", "cc@partner.example"]]);
    expect(parsed.replyTo).toEqual([["", "replies@agents.localhost"]]);
    expect(parsed.hasBcc).toBe(false);
    expect(rawText).not.toContain("hidden@agents.localhost");
    expect(parsed.subject).toBe(subject);
    expect(parsed.messageId).toBe(`<${result.MessageId}@email.amazonses.com>`);
    expect(parsed.contentType).toBe("multipart/alternative");
    expect(lf(parsed.text)).toBe(text);
    expect(parsed.html).toBe(html);

    const [delivered] = server.store.inbox("hidden");
    expect(delivered).toMatchObject({ sender: "sender@agents.localhost", subject });
  });

  it("a text-only ASCII message is a single 7bit part", async () => {
    const server = await withAgents();
    const { v1 } = clients(server);
    await v1.send(
      new SendEmailCommand({
        Source: "sender@agents.localhost",
        Destination: { ToAddresses: ["peer@agents.localhost"] },
        Message: { Subject: { Data: "Plain" }, Body: { Text: { Data: "just text" } } },
      }),
    );
    const raw = server.ses.messages()[0]?.raw ?? new Uint8Array();
    const text = Buffer.from(raw).toString();
    expect(text).toContain("Content-Transfer-Encoding: 7bit\r\n");
    expect(text).toContain("Content-Type: text/plain; charset=utf-8\r\n\r\njust text\r\n");
    const parsed = await parseWithPython(raw);
    expect(parsed).toMatchObject({ contentType: "text/plain", subject: "Plain", html: null });
    expect(lf(parsed.text)).toBe("just text\n");
  });
});

describe("SESClient GetSendQuota", () => {
  it("reports the quota and counts every recipient sent in the last 24 hours", async () => {
    const server = await withAgents();
    const { v1 } = clients(server);
    expect(await v1.send(new GetSendQuotaCommand({}))).toMatchObject({
      Max24HourSend: 50_000,
      MaxSendRate: 14,
      SentLast24Hours: 0,
    });
    await v1.send(
      new SendRawEmailCommand({
        RawMessage: { Data: HAND_BUILT },
        Destinations: ["peer@agents.localhost", "hidden@agents.localhost"],
      }),
    );
    await v1.send(new SendRawEmailCommand({ RawMessage: { Data: HAND_BUILT } }));
    expect((await v1.send(new GetSendQuotaCommand({}))).SentLast24Hours).toBe(4);
    expect(server.ses.sentLast24Hours(new Date(Date.now() + 25 * 60 * 60 * 1000))).toBe(0);
    server.ses.clear();
    expect(server.ses.messages()).toEqual([]);
    expect((await v1.send(new GetSendQuotaCommand({}))).SentLast24Hours).toBe(0);
    // Inboxes keep what was delivered.
    expect(server.store.inbox("peer")).toHaveLength(2);
    expect(server.requests.count({ method: "POST", path: "/" })).toBe(5);
  });
});
