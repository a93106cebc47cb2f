// SES authentication and sender authorization: the endpoint verifies SigV4 with the credentials
// it issued, and an agent's credentials send only as that agent's address.

import {
  replaceAuthorization,
  sdkError,
  signedHeaders,
  tamperAfterSigning,
  useSesClients,
} from "@assmbl/testing/ses";
import { SendEmailCommand, SendRawEmailCommand } from "@aws-sdk/client-ses";
import { SendEmailCommand as SendEmailV2Command } from "@aws-sdk/client-sesv2";
import { describe, expect, it } from "vitest";
import { useServers } from "../testing/helpers.js";

const serve = useServers();
const clients = useSesClients();
const AGENTS = [{ agentId: "alice" }, { agentId: "bob" }];
const raw = (from: string, extra = "") =>
  new TextEncoder().encode(
    `From: ${from}\r\nTo: bob@agents.localhost\r\n${extra}Subject: hi\r\n\r\nhello\r\n`,
  );

describe("SigV4 verification", () => {
  it("accepts a request signed with the issued credentials, in any region", async () => {
    const server = await serve({ agents: AGENTS });
    for (const region of ["us-east-1", "eu-west-1"]) {
      const client = new (await import("@aws-sdk/client-ses")).SESClient({
        endpoint: server.url,
        region,
        credentials: server.agents.alice?.ses ?? { accessKeyId: "", secretAccessKey: "" },
      });
      await client.send(
        new SendRawEmailCommand({ RawMessage: { Data: raw("alice@agents.localhost") } }),
      );
      client.destroy();
    }
    expect(server.store.inbox("bob")).toHaveLength(2);
    expect(server.store.inbox("bob").every((message) => message.senderVerified)).toBe(true);
  });

  it.each([
    ["v1", "an unknown access key", "InvalidClientTokenId", 403],
    ["v2", "an unknown access key", "UnrecognizedClientException", 403],
    ["v1", "a wrong secret", "SignatureDoesNotMatch", 403],
    ["v2", "a wrong secret", "InvalidSignatureException", 403],
  ] as const)("%s: %s is %s", async (api, kind, name, status) => {
    const server = await serve({ agents: AGENTS });
    const { SESClient } = await import("@aws-sdk/client-ses");
    const { SESv2Client } = await import("@aws-sdk/client-sesv2");
    const alice = server.agents.alice?.ses ?? { accessKeyId: "", secretAccessKey: "" };
    const credentials =
      kind === "a wrong secret"
        ? { ...alice, secretAccessKey: "x".repeat(40) }
        : { accessKeyId: "AKIADEVUNKNOWN000000", secretAccessKey: alice.secretAccessKey };
    const config = { endpoint: server.url, region: "us-east-1", credentials, maxAttempts: 1 };
    const data = raw("alice@agents.localhost");
    const error =
      api === "v1"
        ? await sdkError(
            new SESClient(config).send(new SendRawEmailCommand({ RawMessage: { Data: data } })),
          )
        : await sdkError(
            new SESv2Client(config).send(
              new SendEmailV2Command({ Content: { Raw: { Data: data } } }),
            ),
          );
    expect([error.name, error.$metadata.httpStatusCode]).toEqual([name, status]);
    expect(error.message).not.toContain(alice.secretAccessKey);
    expect(server.ses.messages()).toEqual([]);
    expect(server.store.inbox("bob")).toEqual([]);
  });

  it("a body changed after signing is SignatureDoesNotMatch, nothing kept", async () => {
    const server = await serve({ agents: AGENTS });
    const { v1 } = clients(server, "alice");
    tamperAfterSigning(v1, (body) =>
      body.replace("Action=SendRawEmail", "Action=SendRawEmail&Source=alice%40agents.localhost"),
    );
    const error = await sdkError(
      v1.send(new SendRawEmailCommand({ RawMessage: { Data: raw("alice@agents.localhost") } })),
    );
    expect(error.name).toBe("SignatureDoesNotMatch");
    expect(server.ses.messages()).toEqual([]);
  });

  it("an Authorization header of another agent's key with this agent's signature fails", async () => {
    const server = await serve({ agents: AGENTS });
    const { v1 } = clients(server, "alice");
    replaceAuthorization(
      v1,
      `AWS4-HMAC-SHA256 Credential=${server.agents.bob?.ses.accessKeyId}/20260101/us-east-1/ses/aws4_request, SignedHeaders=host;x-amz-date, Signature=${"a".repeat(64)}`,
    );
    const error = await sdkError(
      v1.send(new SendRawEmailCommand({ RawMessage: { Data: raw("bob@agents.localhost") } })),
    );
    expect(error.name).toBe("SignatureDoesNotMatch");
    expect(server.ses.messages()).toEqual([]);
  });

  it.each([
    ["16 minutes ago", -16, 403],
    ["16 minutes ahead", 16, 403],
    ["14 minutes ago", -14, 200],
  ])("an x-amz-date %s (%i min) answers %i", async (_name, minutes, status) => {
    const server = await serve({ agents: AGENTS });
    const body = new URLSearchParams({
      Action: "SendRawEmail",
      Version: "2010-12-01",
      "RawMessage.Data": Buffer.from(raw("alice@agents.localhost")).toString("base64"),
    }).toString();
    const response = await fetch(`${server.url}/`, {
      method: "POST",
      headers: signedHeaders(`${server.url}/`, {
        body,
        credentials: server.agents.alice?.ses ?? { accessKeyId: "", secretAccessKey: "" },
        headers: { "content-type": "application/x-www-form-urlencoded" },
        date: new Date(Date.now() + minutes * 60_000),
      }),
      body,
    });
    const text = await response.text();
    expect(response.status).toBe(status);
    if (status !== 200) {
      expect(text).toContain("<Code>SignatureDoesNotMatch</Code>");
      expect(text).toMatch(/Signature expired: \d{8}T\d{6}Z is now (earlier|later) than/);
    }
    expect(server.ses.messages()).toHaveLength(status === 200 ? 1 : 0);
  });

  it("refuses a session token and a service other than ses", async () => {
    const server = await serve({ agents: AGENTS });
    const alice = server.agents.alice?.ses ?? { accessKeyId: "", secretAccessKey: "" };
    const body = "Action=GetSendQuota&Version=2010-12-01";
    const post = (init: { service?: string; headers?: Record<string, string> }) =>
      fetch(`${server.url}/`, {
        method: "POST",
        headers: signedHeaders(`${server.url}/`, {
          body,
          credentials: alice,
          headers: { "content-type": "application/x-www-form-urlencoded", ...init.headers },
          ...(init.service ? { service: init.service } : {}),
        }),
        body,
      });
    expect((await post({})).status).toBe(200);
    expect((await post({ service: "email" })).status).toBe(200);
    const s3 = await post({ service: "s3" });
    expect([s3.status, await s3.text()]).toEqual([403, expect.stringContaining("correct service")]);
    const token = await post({ headers: { "x-amz-security-token": "session" } });
    expect([token.status, await token.text()]).toEqual([
      403,
      expect.stringContaining("InvalidClientTokenId"),
    ]);
  });
});

describe("sender identities", () => {
  const rejected =
    /^Email address is not verified\. The following identities failed the check in region US-EAST-1: /;

  it.each([
    ["From bob", raw("bob@agents.localhost"), undefined, "bob@agents.localhost"],
    [
      "From alice and bob",
      raw("alice@agents.localhost, bob@agents.localhost"),
      undefined,
      "bob@agents.localhost",
    ],
    ["Source bob", raw("alice@agents.localhost"), "bob@agents.localhost", "bob@agents.localhost"],
    [
      "Sender bob",
      raw("alice@agents.localhost", "Sender: bob@agents.localhost\r\n"),
      undefined,
      "bob@agents.localhost",
    ],
    [
      "Return-Path bob",
      raw("alice@agents.localhost", "Return-Path: <bob@agents.localhost>\r\n"),
      undefined,
      "bob@agents.localhost",
    ],
    [
      "From outside the domain",
      raw("alice@elsewhere.example"),
      undefined,
      "alice@elsewhere.example",
    ],
  ])("v1 with %s is MessageRejected, nothing kept", async (_name, data, source, identity) => {
    const server = await serve({ agents: AGENTS });
    const error = await sdkError(
      clients(server, "alice").v1.send(
        new SendRawEmailCommand({
          RawMessage: { Data: data },
          ...(source ? { Source: source } : {}),
        }),
      ),
    );
    expect([error.name, error.$metadata.httpStatusCode]).toEqual(["MessageRejected", 400]);
    expect(error.message).toMatch(rejected);
    expect(error.message).toContain(identity);
    expect(server.ses.messages()).toEqual([]);
    expect(server.store.inbox("bob")).toEqual([]);
  });

  it("v1 SendEmail and v2 refuse a foreign Source / FromEmailAddress", async () => {
    const server = await serve({ agents: AGENTS });
    const { v1, v2 } = clients(server, "alice");
    const simple = await sdkError(
      v1.send(
        new SendEmailCommand({
          Source: "Bob <bob@agents.localhost>",
          Destination: { ToAddresses: ["bob@agents.localhost"] },
          Message: { Subject: { Data: "s" }, Body: { Text: { Data: "t" } } },
        }),
      ),
    );
    expect(simple.name).toBe("MessageRejected");
    for (const [from, data] of [
      ["bob@agents.localhost", raw("alice@agents.localhost")],
      [undefined, raw("bob@agents.localhost")],
    ] as const) {
      const error = await sdkError(
        v2.send(
          new SendEmailV2Command({
            ...(from ? { FromEmailAddress: from } : {}),
            Content: { Raw: { Data: data } },
          }),
        ),
      );
      expect([error.name, error.$metadata.httpStatusCode, error.message]).toEqual([
        "MessageRejected",
        400,
        expect.stringMatching(rejected),
      ]);
    }
    expect(server.ses.messages()).toEqual([]);
  });

  it("accepts the agent's own address with a display name, in any case; delivered as verified", async () => {
    const server = await serve({ agents: AGENTS });
    const { v1, v2 } = clients(server, "alice");
    await v1.send(
      new SendRawEmailCommand({
        RawMessage: { Data: raw('"Alice A." <ALICE@Agents.Localhost>', "Return-Path: <>\r\n") },
        Source: "Alice <alice@agents.localhost>",
      }),
    );
    await v2.send(
      new SendEmailV2Command({
        FromEmailAddress: "alice@agents.localhost",
        Content: {
          Raw: { Data: raw("alice@agents.localhost", "Sender: alice@agents.localhost\r\n") },
        },
      }),
    );
    // Stored as the agent's canonical address, whatever case the header was written in.
    const inbox = server.store.inbox("bob");
    expect(inbox.map((message) => [message.sender, message.senderVerified])).toEqual([
      ["alice@agents.localhost", true],
      ["alice@agents.localhost", true],
    ]);
  });

  it("never logs or answers the secret", async () => {
    const server = await serve({ agents: AGENTS });
    const secret = server.agents.alice?.ses.secretAccessKey ?? "";
    const error = await sdkError(
      clients(server, "alice").v1.send(
        new SendRawEmailCommand({ RawMessage: { Data: raw("bob@agents.localhost") } }),
      ),
    );
    expect(JSON.stringify(error)).not.toContain(secret);
    expect(JSON.stringify(server.requests.entries())).not.toContain(secret);
  });
});
