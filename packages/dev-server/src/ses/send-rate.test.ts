import { sdkError, sesErrorShape, signedHeaders } from "@assmbl/testing/ses";
import { GetSendQuotaCommand, SESClient, SendRawEmailCommand } from "@aws-sdk/client-ses";
import { GetAccountCommand, SESv2Client, SendEmailCommand } from "@aws-sdk/client-sesv2";
import { afterEach, describe, expect, it } from "vitest";
import type { DevDeliveryReport } from "../delivery.js";
import type { DevServerOptions } from "../options.js";
import type { DevServer } from "../server.js";
import { useServers } from "../testing/helpers.js";

const serve = useServers();
const START = Date.UTC(2030, 0, 1);

const made: Array<{ destroy(): void }> = [];
afterEach(() => {
  for (const client of made.splice(0)) client.destroy();
});

/** One attempt per call: the SDKs retry throttling on their own, which would hide the answer. */
function clients(server: DevServer, agentId: string) {
  const ses = server.agents[agentId]?.ses;
  if (!ses) throw new Error(`no agent ${agentId}`);
  const config = {
    endpoint: server.url,
    region: "us-east-1",
    credentials: { ...ses },
    maxAttempts: 1,
  };
  const pair = { v1: new SESClient(config), v2: new SESv2Client(config) };
  made.push(pair.v1, pair.v2);
  return pair;
}

async function world(options: DevServerOptions = {}) {
  const clock = { ms: START };
  const reports: DevDeliveryReport[] = [];
  const server = await serve({
    agents: [{ agentId: "alpha" }, { agentId: "beta" }, { agentId: "peer" }],
    now: () => clock.ms,
    onDelivery: (report) => reports.push(report),
    ...options,
  });
  return { server, clock, reports, alpha: clients(server, "alpha"), beta: clients(server, "beta") };
}

const raw = (from: string, n: number) =>
  new TextEncoder().encode(
    `From: ${from}@agents.localhost\r\nTo: peer@agents.localhost\r\nSubject: ses ${n}\r\n\r\nhi\r\n`,
  );
const v1Send = (from: string, n: number) =>
  new SendRawEmailCommand({ RawMessage: { Data: raw(from, n) } });
const v2Send = (from: string, n: number) =>
  new SendEmailCommand({ Content: { Raw: { Data: raw(from, n) } } });
const subjects = (server: DevServer) => server.store.inbox("peer").map((m) => m.subject);

describe("sesMaxSendRate", () => {
  it("answers Throttling (v1) and TooManyRequestsException (v2) past N sends in a second, all agents together, and nothing is delivered", async () => {
    const { server, clock, alpha, beta } = await world({ sesMaxSendRate: 3 });
    await alpha.v1.send(v1Send("alpha", 1));
    await beta.v2.send(v2Send("beta", 2));
    clock.ms += 999;
    await alpha.v2.send(v2Send("alpha", 3));

    const v1 = await sdkError(beta.v1.send(v1Send("beta", 4)));
    expect(v1.name).toBe("Throttling");
    expect(v1.message).toBe("Maximum sending rate exceeded.");
    expect(v1.$metadata.httpStatusCode).toBe(400);
    const v2 = await sdkError(alpha.v2.send(v2Send("alpha", 5)));
    expect(v2.name).toBe("TooManyRequestsException");
    expect(v2.message).toBe("Maximum sending rate exceeded.");
    expect(v2.$metadata.httpStatusCode).toBe(429);

    expect(subjects(server)).toEqual(["ses 1", "ses 2", "ses 3"]);
    expect(server.ses.messages()).toHaveLength(3);
    expect(server.ses.sendRate.throttledCount()).toBe(2);

    // Sliding: at START + 1000 the two sends at START have left the window, the one at
    // START + 999 has not.
    clock.ms = START + 1000;
    await beta.v1.send(v1Send("beta", 6));
    await alpha.v2.send(v2Send("alpha", 7));
    expect((await sdkError(alpha.v1.send(v1Send("alpha", 8)))).name).toBe("Throttling");
    clock.ms = START + 1999;
    await alpha.v1.send(v1Send("alpha", 9));
    expect(subjects(server)).toEqual(["ses 1", "ses 2", "ses 3", "ses 6", "ses 7", "ses 9"]);
    expect(server.ses.sendRate.throttledCount()).toBe(3);
  });

  it("answers in SES's wire formats: v1 XML, v2 JSON with x-amzn-ErrorType", async () => {
    const { server, alpha } = await world({ sesMaxSendRate: 1 });
    await alpha.v1.send(v1Send("alpha", 1));
    const credentials = server.agents.alpha?.ses ?? { accessKeyId: "", secretAccessKey: "" };

    const form = new URLSearchParams({
      Action: "SendRawEmail",
      Version: "2010-12-01",
      "RawMessage.Data": Buffer.from(raw("alpha", 2)).toString("base64"),
    }).toString();
    const v1 = await fetch(`${server.url}/`, {
      method: "POST",
      headers: signedHeaders(`${server.url}/`, {
        body: form,
        credentials,
        headers: { "content-type": "application/x-www-form-urlencoded" },
      }),
      body: form,
    });
    const xml = await v1.text();
    expect(v1.status).toBe(400);
    expect(sesErrorShape(v1, xml)).toBe(true);
    expect(xml).toContain(
      "<Type>Sender</Type>\n    <Code>Throttling</Code>\n    <Message>Maximum sending rate exceeded.</Message>",
    );

    const url = `${server.url}/v2/email/outbound-emails`;
    const json = JSON.stringify({
      Content: { Raw: { Data: Buffer.from(raw("alpha", 3)).toString("base64") } },
    });
    const v2 = await fetch(url, {
      method: "POST",
      headers: signedHeaders(url, {
        body: json,
        credentials,
        headers: { "content-type": "application/json" },
      }),
      body: json,
    });
    const text = await v2.text();
    expect(v2.status).toBe(429);
    expect(v2.headers.get("x-amzn-errortype")).toBe("TooManyRequestsException");
    expect(JSON.parse(text)).toEqual({ message: "Maximum sending rate exceeded." });
    expect(subjects(server)).toEqual(["ses 1"]);
  });

  it("GetSendQuota (v1) and GetAccount (v2) report N as MaxSendRate; 14 when not enforced", async () => {
    const { alpha } = await world({ sesMaxSendRate: 20 });
    await alpha.v1.send(v1Send("alpha", 1));
    expect(await alpha.v1.send(new GetSendQuotaCommand({}))).toMatchObject({
      Max24HourSend: 50_000,
      MaxSendRate: 20,
      SentLast24Hours: 1,
    });
    const account = await alpha.v2.send(new GetAccountCommand({}));
    expect(account).toMatchObject({
      SendQuota: { Max24HourSend: 50_000, MaxSendRate: 20, SentLast24Hours: 1 },
      SendingEnabled: true,
      ProductionAccessEnabled: true,
      EnforcementStatus: "HEALTHY",
    });
    // Quota calls are not sends: they never use up the rate.
    for (let i = 0; i < 25; i++) await alpha.v1.send(new GetSendQuotaCommand({}));

    const { alpha: plain } = await world();
    expect((await plain.v1.send(new GetSendQuotaCommand({}))).MaxSendRate).toBe(14);
    expect((await plain.v2.send(new GetAccountCommand({}))).SendQuota?.MaxSendRate).toBe(14);
  });

  it("counts accepted SES calls only: refused sends and /send do not use the rate", async () => {
    const { server, alpha } = await world({ sesMaxSendRate: 1 });
    // Refused before acceptance (a sender that is not the caller): not counted.
    const rejected = await sdkError(alpha.v1.send(v1Send("beta", 1)));
    expect(rejected.name).toBe("MessageRejected");
    const send = await fetch(`${server.url}/send`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${server.agents.alpha?.token}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ to: "peer@agents.localhost", subject: "api 2", body: "hi" }),
    });
    expect(send.status).toBe(200);
    await alpha.v2.send(v2Send("alpha", 3));
    expect((await sdkError(alpha.v2.send(v2Send("alpha", 4)))).name).toBe(
      "TooManyRequestsException",
    );
    expect(subjects(server)).toEqual(["api 2", "ses 3"]);
  });

  it.each([0, 1.5, 100_001, "3"])("sesMaxSendRate %j is invalid_options", async (value) => {
    const error = await serve({ sesMaxSendRate: value as number }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({
      code: "invalid_options",
      message: expect.stringContaining("sesMaxSendRate"),
    });
  });
});
