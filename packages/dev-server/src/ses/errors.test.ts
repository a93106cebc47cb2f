import { Limits } from "@assmbl/core";
import {
  replaceAuthorization,
  rewriteBody,
  sdkError,
  signedHeaders,
  useSesClients,
} from "@assmbl/testing/ses";
import {
  ListIdentitiesCommand,
  SESServiceException,
  SendEmailCommand,
  SendRawEmailCommand,
} from "@aws-sdk/client-ses";
import {
  BadRequestException,
  MessageRejected,
  SESv2ServiceException,
  SendEmailCommand as SendEmailV2Command,
} from "@aws-sdk/client-sesv2";
import { describe, expect, it } from "vitest";
import type { DevServer } from "../server.js";
import { rawRequest, useServers } from "../testing/helpers.js";
import { SES_ERRORS } from "./errors.js";
import { SES_V2_BODY_LIMIT } from "./routes.js";

const serve = useServers();
// Clients sign with the first seeded agent's credentials: "sender", the From of every message.
const clients = useSesClients();

const message = (headers = "", body = "hello\r\n") =>
  new TextEncoder().encode(
    `From: sender@agents.localhost\r\nTo: peer@agents.localhost\r\nSubject: test\r\n${headers}\r\n${body}`,
  );
/** A message of exactly `size` bytes. */
const messageOfSize = (size: number) => {
  const head = message("", "");
  const bytes = new Uint8Array(size).fill(0x61);
  bytes.set(head);
  return bytes;
};
const addresses = (count: number) =>
  Array.from({ length: count }, (_, i) => `r${i}@partner.example`);

describe("size and recipient limits", () => {
  it("v1: a raw message over 10 MiB is InvalidParameterValue; exactly 10 MiB is accepted", async () => {
    const server = await serve({ agents: [{ agentId: "sender" }, { agentId: "peer" }] });
    const { v1 } = clients(server);
    const error = await sdkError(
      v1.send(
        new SendRawEmailCommand({
          RawMessage: { Data: messageOfSize(Limits.sesV1MessageBytes + 1) },
        }),
      ),
    );
    expect(error).toBeInstanceOf(SESServiceException);
    expect(error.name).toBe("InvalidParameterValue");
    expect(error.message).toBe(
      `Message length is more than ${Limits.sesV1MessageBytes} bytes long: '${Limits.sesV1MessageBytes + 1}'.`,
    );
    expect(error.$fault).toBe("client");
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(server.ses.messages()).toEqual([]);
    expect(server.store.inbox("peer")).toEqual([]);

    await v1.send(
      new SendRawEmailCommand({ RawMessage: { Data: messageOfSize(Limits.sesV1MessageBytes) } }),
    );
    expect(server.ses.messages()[0]?.raw.byteLength).toBe(Limits.sesV1MessageBytes);
    expect(server.requests.entries().map((entry) => [entry.path, entry.status])).toEqual([
      ["/", 400],
      ["/", 200],
    ]);
  });

  it("v2: a raw message over 40 MiB is MessageRejected", async () => {
    const server = await serve({ agents: [{ agentId: "sender" }] });
    const { v2 } = clients(server);
    const error = await sdkError(
      v2.send(
        new SendEmailV2Command({
          Content: { Raw: { Data: messageOfSize(Limits.sesV2MessageBytes + 1) } },
        }),
      ),
    );
    expect(error).toBeInstanceOf(MessageRejected);
    expect(error.name).toBe("MessageRejected");
    expect(error.message).toMatch(/^Message length is more than 41943040 bytes long/);
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(server.ses.messages()).toEqual([]);
    expect(server.requests.count({ method: "POST", path: "/v2/email/outbound-emails" })).toBe(1);
  });

  it("51 destinations are refused on every API; 50 are accepted", async () => {
    const server = await serve({ agents: [{ agentId: "sender" }] });
    const { v1, v2 } = clients(server);
    const raw = message();
    const v1Raw = await sdkError(
      v1.send(new SendRawEmailCommand({ RawMessage: { Data: raw }, Destinations: addresses(51) })),
    );
    expect([v1Raw.name, v1Raw.message]).toEqual([
      "InvalidParameterValue",
      "Recipient count exceeds 50.",
    ]);
    const v1Send = await sdkError(
      v1.send(
        new SendEmailCommand({
          Source: "sender@agents.localhost",
          Destination: { ToAddresses: addresses(20), BccAddresses: addresses(31) },
          Message: { Subject: { Data: "s" }, Body: { Text: { Data: "t" } } },
        }),
      ),
    );
    expect(v1Send.name).toBe("InvalidParameterValue");
    const v2Raw = await sdkError(
      v2.send(
        new SendEmailV2Command({
          Destination: { ToAddresses: addresses(1), CcAddresses: addresses(50) },
          Content: { Raw: { Data: raw } },
        }),
      ),
    );
    expect(v2Raw).toBeInstanceOf(BadRequestException);
    expect(v2Raw.message).toBe("Recipient count exceeds 50.");
    // Counted in the headers too, when there are no destinations.
    const inHeaders = await sdkError(
      v1.send(
        new SendRawEmailCommand({
          RawMessage: { Data: message(`Bcc: ${addresses(50).join(", ")}\r\n`) },
        }),
      ),
    );
    expect(inHeaders.message).toBe("Recipient count exceeds 50.");
    expect(server.ses.messages()).toEqual([]);

    await v1.send(
      new SendRawEmailCommand({ RawMessage: { Data: raw }, Destinations: addresses(50) }),
    );
    await v2.send(
      new SendEmailV2Command({
        Destination: { ToAddresses: addresses(25), BccAddresses: addresses(50).slice(25) },
        Content: { Raw: { Data: raw } },
      }),
    );
    expect(server.ses.messages().map((sent) => sent.destinations.length)).toEqual([50, 50]);
    expect(server.requests.entries().map((entry) => entry.status)).toEqual([
      400, 400, 400, 400, 200, 200,
    ]);
  });
});

describe("malformed requests", () => {
  it("an unknown action is InvalidAction naming what the dev server implements", async () => {
    const server = await serve({ agents: [{ agentId: "sender" }] });
    const error = await sdkError(clients(server).v1.send(new ListIdentitiesCommand({})));
    expect(error).toBeInstanceOf(SESServiceException);
    expect(error.name).toBe("InvalidAction");
    expect(error.message).toMatch(
      /"ListIdentities" is not valid .* SendRawEmail, SendEmail, GetSendQuota/,
    );
    expect(server.requests.entries()).toMatchObject([{ method: "POST", path: "/", status: 400 }]);
  });

  it("malformed base64 is InvalidParameterValue (v1) and BadRequestException (v2)", async () => {
    const server = await serve({ agents: [{ agentId: "sender" }] });
    const { v1, v2 } = clients(server);
    rewriteBody(v1, (body) =>
      body.replace(/RawMessage\.Data=[^&]*/, "RawMessage.Data=%25%25not-base64"),
    );
    rewriteBody(v2, (body) => body.replace(/"Data":"[^"]*"/, '"Data":"bm90 YmFzZTY0"'));
    const v1Error = await sdkError(
      v1.send(new SendRawEmailCommand({ RawMessage: { Data: message() } })),
    );
    expect([v1Error.name, v1Error.message]).toEqual([
      "InvalidParameterValue",
      "RawMessage.Data is not valid base64.",
    ]);
    const v2Error = await sdkError(
      v2.send(new SendEmailV2Command({ Content: { Raw: { Data: message() } } })),
    );
    expect(v2Error).toBeInstanceOf(BadRequestException);
    expect(v2Error.message).toBe("Content.Raw.Data is not valid base64.");
    expect(server.requests.entries().map((entry) => entry.status)).toEqual([400, 400]);
  });

  it("missing required parameters are ValidationError (v1) and BadRequestException (v2)", async () => {
    const server = await serve({ agents: [{ agentId: "sender" }] });
    const { v1, v2 } = clients(server);
    const noData = await sdkError(v1.send(new SendRawEmailCommand({} as never)));
    expect(noData.name).toBe("ValidationError");
    expect(noData.message).toMatch(/Value null at 'rawMessage\.data'/);
    const noSource = await sdkError(
      v1.send(
        new SendEmailCommand({
          Destination: { ToAddresses: ["peer@agents.localhost"] },
          Message: { Subject: { Data: "s" }, Body: { Text: { Data: "t" } } },
        } as never),
      ),
    );
    expect([noSource.name, noSource.message]).toEqual([
      "ValidationError",
      expect.stringMatching(/Value null at 'source'/),
    ]);
    const noContent = await sdkError(v2.send(new SendEmailV2Command({} as never)));
    expect(noContent).toBeInstanceOf(BadRequestException);
    expect(noContent.message).toMatch(/Content/);
  });

  it("v2 Simple content is a BadRequestException saying only Raw is supported", async () => {
    const server = await serve({ agents: [{ agentId: "sender" }] });
    const error = await sdkError(
      clients(server).v2.send(
        new SendEmailV2Command({
          FromEmailAddress: "sender@agents.localhost",
          Destination: { ToAddresses: ["peer@agents.localhost"] },
          Content: { Simple: { Subject: { Data: "s" }, Body: { Text: { Data: "t" } } } },
        }),
      ),
    );
    expect(error).toBeInstanceOf(BadRequestException);
    expect(error.message).toMatch(/supports Content\.Raw only/);
  });

  it("illegal addresses and a message without From or recipients are refused", async () => {
    const server = await serve({ agents: [{ agentId: "sender" }] });
    const { v1 } = clients(server);
    const illegal = await sdkError(
      v1.send(new SendRawEmailCommand({ RawMessage: { Data: message() }, Destinations: ["nope"] })),
    );
    expect([illegal.name, illegal.message]).toEqual([
      "InvalidParameterValue",
      'Illegal address: "nope".',
    ]);
    const noFrom = await sdkError(
      v1.send(
        new SendRawEmailCommand({
          RawMessage: { Data: new TextEncoder().encode("To: peer@agents.localhost\r\n\r\nhi") },
        }),
      ),
    );
    expect(noFrom.message).toBe("Missing required header 'From'.");
    const noRecipients = await sdkError(
      v1.send(
        new SendRawEmailCommand({
          RawMessage: { Data: new TextEncoder().encode("From: a@x.example\r\n\r\nhi") },
        }),
      ),
    );
    expect(noRecipients.message).toMatch(/^Missing recipients/);
    expect(server.ses.messages()).toEqual([]);
  });
});

describe("authentication", () => {
  it("a missing Authorization header is MissingAuthenticationToken (403) on both APIs", async () => {
    const server = await serve({ agents: [{ agentId: "sender" }] });
    const { v1, v2 } = clients(server);
    replaceAuthorization(v1, undefined);
    replaceAuthorization(v2, undefined);
    const v1Error = await sdkError(
      v1.send(new SendRawEmailCommand({ RawMessage: { Data: message() } })),
    );
    expect([v1Error.name, v1Error.message, v1Error.$metadata.httpStatusCode]).toEqual([
      "MissingAuthenticationToken",
      "Request is missing Authentication Token",
      403,
    ]);
    const v2Error = await sdkError(
      v2.send(new SendEmailV2Command({ Content: { Raw: { Data: message() } } })),
    );
    expect(v2Error).toBeInstanceOf(SESv2ServiceException);
    expect([v2Error.name, v2Error.$metadata.httpStatusCode]).toEqual([
      "MissingAuthenticationTokenException",
      403,
    ]);
    expect(v2Error.message).toBe("Request is missing Authentication Token");
    expect(server.ses.messages()).toEqual([]);
    expect(server.requests.entries().map((entry) => [entry.path, entry.status])).toEqual([
      ["/", 403],
      ["/v2/email/outbound-emails", 403],
    ]);
  });

  it("an Authorization header that is not SigV4 is IncompleteSignature, and never echoed", async () => {
    const server = await serve({ agents: [{ agentId: "sender" }] });
    const { v1, v2 } = clients(server);
    replaceAuthorization(v1, "Bearer secret-token-value");
    replaceAuthorization(
      v2,
      "AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/ses/aws4_request",
    );
    const v1Error = await sdkError(
      v1.send(new SendRawEmailCommand({ RawMessage: { Data: message() } })),
    );
    expect(v1Error.name).toBe("IncompleteSignature");
    expect(v1Error.message).toMatch(/AWS4-HMAC-SHA256/);
    expect(v1Error.message).not.toContain("secret-token-value");
    const v2Error = await sdkError(
      v2.send(new SendEmailV2Command({ Content: { Raw: { Data: message() } } })),
    );
    expect(v2Error.name).toBe("IncompleteSignatureException");
    expect(v2Error.message).toBe(
      "Authorization header requires 'SignedHeaders' parameter. Authorization header requires 'Signature' parameter.",
    );
  });
});

describe("the wire formats, without an SDK", () => {
  /** A POST signed by hand with the first agent's issued credentials. */
  const signedPost = (
    server: DevServer,
    path: string,
    body: string,
    contentType: string,
    method = "POST",
  ) =>
    fetch(server.url + path, {
      method,
      headers: signedHeaders(server.url + path, {
        method,
        body,
        credentials: Object.values(server.agents)[0]?.ses ?? {
          accessKeyId: "",
          secretAccessKey: "",
        },
        headers: { "content-type": contentType },
      }),
      ...(method === "GET" ? {} : { body }),
    });
  const form = (server: DevServer, body: string) =>
    signedPost(server, "/", body, "application/x-www-form-urlencoded");

  it("v1 errors are SES's ErrorResponse XML with a request id, also in x-amzn-RequestId", async () => {
    const server = await serve({ agents: [{ agentId: "sender" }] });
    const response = await form(server, "Action=Nope%3C%00&Version=2010-12-01");
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toMatch(/^text\/xml/);
    const requestId = response.headers.get("x-amzn-requestid") ?? "";
    expect(await response.text()).toBe(
      `<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/">\n  <Error>\n    <Type>Sender</Type>\n    <Code>InvalidAction</Code>\n    <Message>The action &quot;Nope&lt;\\u0000&quot; is not valid for this web service: the dev server implements SendRawEmail, SendEmail, GetSendQuota.</Message>\n  </Error>\n  <RequestId>${requestId}</RequestId>\n</ErrorResponse>\n`,
    );
  });

  it.each([
    ["no Action", "MissingAction", "Version=2010-12-01"],
    ["another Version", "NoSuchVersion", "Action=GetSendQuota&Version=2099-01-01"],
    ["an empty body", "MissingAction", ""],
  ])("v1 with %s answers %s", async (_name, code, body) => {
    const server = await serve({ agents: [{ agentId: "sender" }] });
    const response = await form(server, body);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain(`<Code>${code}</Code>`);
  });

  it("v2 errors are JSON {message} with x-amzn-ErrorType; other v2 operations are 404", async () => {
    const server = await serve({ agents: [{ agentId: "sender" }] });
    const post = (path: string, body: string, contentType = "application/json") =>
      signedPost(server, path, body, contentType);
    const malformed = await post("/v2/email/outbound-emails", "{nope");
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get("x-amzn-errortype")).toBe("BadRequestException");
    expect(await malformed.json()).toEqual({
      message: "The request body is malformed JSON (at character 1).",
    });
    // The API's nesting limit: validation walks the parsed body recursively.
    const deep = await post("/v2/email/outbound-emails", `${"[".repeat(5000)}${"]".repeat(5000)}`);
    expect(deep.status).toBe(400);
    expect(deep.headers.get("x-amzn-errortype")).toBe("BadRequestException");
    expect(await deep.json()).toEqual({
      message: "The request body nests arrays and objects more than 64 levels deep.",
    });
    const notJson = await post("/v2/email/outbound-emails", "a=b", "text/plain");
    expect(notJson.headers.get("x-amzn-errortype")).toBe("BadRequestException");
    const unknown = await post("/v2/email/identities", "{}");
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("x-amzn-errortype")).toBe("UnknownOperationException");
    expect(Object.keys(await unknown.json())).toEqual(["message"]);
    const get = await signedPost(
      server,
      "/v2/email/outbound-emails",
      "",
      "application/json",
      "GET",
    );
    expect(get.status).toBe(404);
  });

  it("a POST / that is not a form is not SES: the AgentMail API's JSON 404", async () => {
    const server = await serve({ agents: [{ agentId: "sender" }] });
    const response = await fetch(`${server.url}/`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: "not_found" });
  });

  it("a declared body over the endpoint's limit is refused before it is sent, in SES's format", async () => {
    const server = await serve({ agents: [{ agentId: "sender" }] });
    // A known access key: the size is refused before the body (and so the signature) is read.
    const sigV4 = `AWS4-HMAC-SHA256 Credential=${server.agents.sender?.ses.accessKeyId}/20250101/us-east-1/ses/aws4_request, SignedHeaders=host;x-amz-date, Signature=${"0".repeat(64)}`;
    const send = (path: string, contentType: string) =>
      // Only the headers go out; the server answers without waiting for the body.
      rawRequest(
        server.url,
        `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: ${contentType}\r\n` +
          `Authorization: ${sigV4}\r\nContent-Length: ${SES_V2_BODY_LIMIT + 1}\r\n\r\n`,
      );
    const v1 = await send("/", "application/x-www-form-urlencoded");
    expect(v1.status).toBe(413);
    expect(v1.body).toContain("<Code>RequestEntityTooLarge</Code>");
    expect(v1.body).toMatch(
      /<Message>The request body is larger than the limit of \d+ bytes\.<\/Message>/,
    );
    const v2 = await send("/v2/email/outbound-emails", "application/json");
    expect(v2.status).toBe(413);
    expect(v2.headers["x-amzn-errortype"]).toBe("RequestEntityTooLargeException");
    expect(JSON.parse(v2.body)).toEqual({
      message: `The request body is larger than the limit of ${SES_V2_BODY_LIMIT} bytes.`,
    });
  });

  it("every error kind has a code and a 4xx status on both APIs, except the internal failure", () => {
    for (const [kind, dialects] of Object.entries(SES_ERRORS)) {
      for (const [code, status] of Object.values(dialects)) {
        expect(code, kind).toMatch(/^[A-Z][A-Za-z]+$/);
        if (kind === "internalFailure") expect(status).toBe(500);
        else expect(status, kind).toBeGreaterThanOrEqual(400);
      }
    }
  });
});
