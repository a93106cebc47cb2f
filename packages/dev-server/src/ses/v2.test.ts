import { AgentMailHeaders, ENCRYPTED_BODY } from "@assmbl/core";
import { lf, parseWithPython, signedHeaders, useSesClients } from "@assmbl/testing/ses";
import { SendEmailCommand } from "@aws-sdk/client-sesv2";
import { describe, expect, it } from "vitest";
import { headerFields, headerValues } from "../mime/headers.js";
import { useServers } from "../testing/helpers.js";

const serve = useServers();
const clients = useSesClients();

const RAW = Buffer.from(
  "From: Sender Agent <sender@agents.localhost>\r\n" +
    "To: peer@agents.localhost\r\n" +
    "Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= from v2\r\n" +
    "Message-ID: <v2-hand-built@agents.localhost>\r\n" +
    "MIME-Version: 1.0\r\n" +
    `${AgentMailHeaders.encrypted}: ${ENCRYPTED_BODY}\r\n` +
    "X-Workflow-Name: nightly-report\r\n" +
    "Content-Type: text/plain; charset=utf-8\r\n" +
    "Content-Transfer-Encoding: 8bit\r\n" +
    "\r\n" +
    "-----BEGIN PGP MESSAGE-----\r\n\r\nwcBMA+stand-in ✓\n-----END PGP MESSAGE-----\r\n",
);

describe("SESv2Client SendEmail with Content.Raw", () => {
  it("keeps the raw bytes, answers the captured MessageId, and delivers to To and Bcc-only agents", async () => {
    const server = await serve({
      agents: [{ agentId: "sender" }, { agentId: "peer" }, { agentId: "hidden" }],
    });
    const { v2 } = clients(server);
    const result = await v2.send(
      new SendEmailCommand({
        FromEmailAddress: "sender@agents.localhost",
        Destination: {
          ToAddresses: ["peer@agents.localhost"],
          BccAddresses: ["hidden@agents.localhost", "archive@partner.example"],
        },
        Content: { Raw: { Data: RAW } },
      }),
    );
    expect(result.$metadata.httpStatusCode).toBe(200);
    const [sent] = server.ses.messages();
    expect(sent).toMatchObject({
      messageId: result.MessageId,
      api: "v2-raw",
      source: "sender@agents.localhost",
      destinations: ["peer@agents.localhost", "hidden@agents.localhost", "archive@partner.example"],
      deliveredTo: ["peer", "hidden"],
    });
    expect(Buffer.compare(Buffer.from(sent?.raw ?? []), RAW)).toBe(0);
    for (const agentId of ["peer", "hidden"]) {
      const [message] = server.store.inbox(agentId);
      expect(Buffer.compare(Buffer.from(message?.raw ?? []), RAW)).toBe(0);
      expect(message).toMatchObject({
        sender: "sender@agents.localhost",
        subject: "Grüße from v2",
      });
    }
    // An independent parser sees the same message, custom headers included.
    const parsed = await parseWithPython(sent?.raw ?? new Uint8Array());
    expect(parsed).toMatchObject({
      from: [["Sender Agent", "sender@agents.localhost"]],
      to: [["", "peer@agents.localhost"]],
      hasBcc: false,
      subject: "Grüße from v2",
      messageId: "<v2-hand-built@agents.localhost>",
    });
    expect(parsed.headers[AgentMailHeaders.encrypted]).toBe(ENCRYPTED_BODY);
    expect(parsed.headers["X-Workflow-Name"]).toBe("nightly-report");
    expect(lf(parsed.text)).toContain("wcBMA+stand-in ✓\n");
    expect(server.requests.entries()).toMatchObject([
      { method: "POST", path: "/v2/email/outbound-emails", status: 200 },
    ]);
  });

  it("without Destination, sends to the headers' recipients; without FromEmailAddress, From is the sender", async () => {
    const server = await serve({ agents: [{ agentId: "sender" }, { agentId: "peer" }] });
    const { v2 } = clients(server);
    const result = await v2.send(new SendEmailCommand({ Content: { Raw: { Data: RAW } } }));
    const [sent] = server.ses.messages();
    expect(sent).toMatchObject({
      messageId: result.MessageId,
      destinations: ["peer@agents.localhost"],
      deliveredTo: ["peer"],
    });
    expect(sent?.source).toBeUndefined();
    expect(server.store.inbox("peer")[0]?.sender).toBe("sender@agents.localhost");
    const fields = headerFields(server.store.inbox("peer")[0]?.raw ?? new Uint8Array());
    expect(headerValues(fields, "x-workflow-name")).toEqual(["nightly-report"]);
  });
});

describe("the v2 SendEmail request is read strictly", () => {
  const content = { Raw: { Data: RAW.toString("base64") } };
  it.each([
    ["an ill-typed field", { ConfigurationSetName: {} }, "ConfigurationSetName"],
    ["an unknown field", { FromEmailAdress: "sender@agents.localhost" }, "FromEmailAdress"],
    ["an unknown nested field", { Destination: { ToAddress: ["x@y.example"] } }, "ToAddress"],
    [
      "an identity ARN (sending authorization)",
      { FromEmailAddressIdentityArn: "arn:aws:ses:us-east-1:1:identity/other.example" },
      "FromEmailAddressIdentityArn",
    ],
  ])("%s is 400 BadRequestException naming it, nothing sent", async (_name, extra, named) => {
    const server = await serve({ agents: [{ agentId: "sender" }, { agentId: "peer" }] });
    const url = `${server.url}/v2/email/outbound-emails`;
    const body = JSON.stringify({ Content: content, ...extra });
    const credentials = server.agents.sender?.ses ?? { accessKeyId: "", secretAccessKey: "" };
    const response = await fetch(url, {
      method: "POST",
      headers: signedHeaders(url, {
        body,
        credentials,
        headers: { "content-type": "application/json" },
      }),
      body,
    });
    expect([response.status, response.headers.get("x-amzn-errortype")]).toEqual([
      400,
      "BadRequestException",
    ]);
    expect(await response.text()).toContain(named);
    expect(server.ses.messages()).toEqual([]);
  });

  it("accepts the API's other well-typed fields", async () => {
    const server = await serve({ agents: [{ agentId: "sender" }, { agentId: "peer" }] });
    const { v2 } = clients(server);
    await v2.send(
      new SendEmailCommand({
        Content: { Raw: { Data: RAW } },
        ConfigurationSetName: "default",
        EmailTags: [{ Name: "kind", Value: "test" }],
        ReplyToAddresses: ["sender@agents.localhost"],
        ListManagementOptions: { ContactListName: "list" },
      }),
    );
    expect(server.ses.messages()).toHaveLength(1);
  });
});
