import { sesErrorShape, signedHeaders } from "@assmbl/testing/ses";
import { expect, it } from "vitest";
import { mulberry32, useServers } from "../testing/helpers.js";

const serve = useServers();

it("a few hundred near-miss SES requests never get a 5xx, every error is in SES's format, and only 200s are kept", async () => {
  // Requests are signed with peer's issued credentials (a few with a wrong secret or none).
  const server = await serve({ agents: [{ agentId: "peer" }, { agentId: "other" }] });
  const random = mulberry32(20_251_124);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const int = (max: number) => Math.floor(random() * max);
  const text = (
    length: number,
    alphabet = "abcXYZ019._-@<>\"',;:()=?% \u00e9\u0000\r\n\t\u212a/",
  ) => Array.from({ length }, () => pick([...alphabet])).join("");

  const address = () =>
    pick([
      "peer@agents.localhost",
      "peer@agents.localhost",
      "bot@partner.example",
      "peer@agents.localhost",
      "Other@AGENTS.localhost",
      "nobody@agents.localhost",
      "bot@partner.example",
      '"Doe, Jane" <jane@partner.example>',
      "=?UTF-8?B?w6k=?= <e@partner.example>",
      "",
      "@",
      "a@b",
      "<>",
      text(1 + int(20)),
    ]);
  const headerLine = () =>
    pick([
      () => `To: ${Array.from({ length: int(4) }, address).join(", ")}`,
      () => `Cc: ${pick(["Team: ", ""])}${Array.from({ length: int(3) }, address).join(",")};`,
      () => `Bcc: ${address()}`,
      () => `From: ${address()}`,
      () => `Subject: ${pick(["=?UTF-8?B?R3LDvA==?=", "=?bogus?Q?x=ZZ?=", text(int(30))])}`,
      () => `X-AgentMail-Encrypted: body`,
      () => `${text(1 + int(10))}: ${text(int(20))}`,
      () => ` folded continuation ${text(int(10))}`,
      () => text(int(40)),
    ])();
  const rawMessage = (): Uint8Array =>
    pick([
      () =>
        new TextEncoder().encode(
          `${Array.from({ length: int(8) }, headerLine).join(pick(["\r\n", "\n"]))}\r\n\r\n${text(int(80))}`,
        ),
      () => Uint8Array.from({ length: int(300) }, () => int(256)),
      // From the signing agent ("peer"): these pass the sender check.
      () =>
        new TextEncoder().encode(
          "From: peer@agents.localhost\r\nTo: peer@agents.localhost\r\n\r\nok",
        ),
      () =>
        new TextEncoder().encode(
          "From: peer@agents.localhost\r\nTo: peer@agents.localhost\r\n\r\nok",
        ),
      () =>
        new TextEncoder().encode(
          "From: peer@agents.localhost\r\nTo: peer@agents.localhost\r\n\r\nok",
        ),
      () =>
        new TextEncoder().encode(
          "From: Peer <PEER@agents.localhost>\r\nTo: other@agents.localhost\r\n\r\nok",
        ),
      () =>
        new TextEncoder().encode(
          "From: peer@agents.localhost\r\nTo: other@agents.localhost\r\n\r\nok",
        ),
      () => new TextEncoder().encode("From: a@x.example\r\nTo: peer@agents.localhost\r\n\r\nok"),
      () => new Uint8Array(0),
    ])();
  const base64 = () =>
    pick([
      () => Buffer.from(rawMessage()).toString("base64"),
      () => Buffer.from(rawMessage()).toString("base64"),
      () => Buffer.from(rawMessage()).toString("base64"),
      () => Buffer.from(rawMessage()).toString("base64").replace(/=+$/, ""),
      () => Buffer.from(rawMessage()).toString("base64url"),
      () => text(int(40), "ABCabc012+/= \r\n%*"),
      () => "",
    ])();

  const v1Body = (): string => {
    const params = new URLSearchParams();
    if (random() < 0.25) {
      // A valid send (From the signing agent), to local and remote recipients, with a message
      // of random headers (a random From among them is refused: not the signer's identity).
      params.set("Action", "SendRawEmail");
      params.set("Version", "2010-12-01");
      const message = new TextEncoder().encode(
        `From: peer@agents.localhost\r\n${Array.from({ length: int(6) }, headerLine).join("\r\n")}\r\n\r\n${text(int(80))}`,
      );
      params.set("RawMessage.Data", Buffer.from(message).toString("base64"));
      const pool = ["peer@agents.localhost", "OTHER@agents.localhost", "bot@partner.example"];
      for (let i = 1; i <= 1 + int(3); i++) params.set(`Destinations.member.${i}`, pick(pool));
      return params.toString();
    }
    const action = pick([
      ...Array<string>(5).fill("SendRawEmail"),
      "SendEmail",
      "SendEmail",
      "GetSendQuota",
      "ListIdentities",
      "",
      text(8),
    ]);
    if (random() < 0.95) params.set("Action", action);
    if (random() < 0.9)
      params.set("Version", pick([...Array<string>(6).fill("2010-12-01"), "2019-09-27", ""]));
    if (random() < 0.85) params.set("RawMessage.Data", base64());
    const members = (prefix: string, count: number) => {
      for (let i = 1; i <= count; i++) {
        params.set(`${prefix}.member.${pick([i, i, i, i, 0, -1, 999_999_999, "x"])}`, address());
      }
    };
    if (random() < 0.5) members("Destinations", pick([0, 1, 3, 50, 51, 60]));
    if (random() < 0.5) params.set("Source", pick(["peer@agents.localhost", address()]));
    if (action === "SendEmail" || random() < 0.2) {
      members("Destination.ToAddresses", int(4));
      members("Destination.CcAddresses", int(3));
      members("Destination.BccAddresses", pick([0, 1, 55]));
      members("ReplyToAddresses", int(2));
      if (random() < 0.9) params.set("Message.Subject.Data", text(int(100)));
      if (random() < 0.7) params.set("Message.Body.Text.Data", text(int(300)));
      if (random() < 0.5) params.set("Message.Body.Html.Data", `<p>${text(int(100))}</p>`);
    }
    let body = params.toString();
    if (random() < 0.1) body = body.slice(0, int(body.length));
    if (random() < 0.05) body = `${body}&%ZZ&&=&${text(10)}`;
    return body;
  };
  const v2Body = (): string => {
    const list = () => Array.from({ length: pick([0, 1, 2, 51]) }, address);
    const value = pick([
      () => ({
        FromEmailAddress: pick([address(), "Peer <peer@agents.localhost>", undefined, 7]),
        Destination: pick([
          undefined,
          { ToAddresses: list(), CcAddresses: list(), BccAddresses: list() },
          { ToAddresses: "peer@agents.localhost" },
          null,
        ]),
        Content: pick([
          { Raw: { Data: base64() } },
          { Raw: { Data: base64() } },
          { Raw: { Data: 42 } },
          { Raw: {} },
          { Simple: { Subject: { Data: "s" }, Body: { Text: { Data: "t" } } } },
          { Template: { TemplateName: "t" } },
          {},
          null,
          "raw",
        ]),
        // An unknown field: refused by the strict v2 schema, so only sometimes.
        ...(random() < 0.3 ? { [text(4)]: text(4) } : {}),
      }),
      () => pick([null, [], "text", 1, true]),
      () => ({
        Content: { Raw: { Data: base64() } },
        nested: JSON.parse(`${"[".repeat(2000)}${"]".repeat(2000)}`),
      }),
    ])();
    const json = JSON.stringify(value) ?? "";
    return random() < 0.1 ? json.slice(0, int(json.length)) : json;
  };

  const total = 300;
  const failures: string[] = [];
  let accepted = 0;
  let sent = 0;
  const worker = async () => {
    while (sent < total) {
      sent += 1;
      const v1 = random() < 0.6;
      const authorization = pick([
        ...Array<string>(8).fill("signed"),
        "wrong secret",
        "Bearer x",
        "AWS4-HMAC-SHA256",
        undefined,
      ]);
      const headers: Record<string, string> = {
        "content-type": v1
          ? pick([
              "application/x-www-form-urlencoded",
              "application/x-www-form-urlencoded; charset=utf-8",
            ])
          : pick([
              "application/json",
              "application/json",
              "text/plain",
              "application/x-amz-json-1.0",
            ]),
      };
      const path = v1
        ? "/"
        : pick(["/v2/email/outbound-emails", "/v2/email/outbound-emails", "/v2/email/account"]);
      const method = v1 || random() < 0.9 ? "POST" : pick(["GET", "PUT", "DELETE"]);
      const body =
        method === "GET"
          ? undefined
          : random() < 0.05
            ? Uint8Array.from({ length: int(100) }, () => int(256))
            : v1
              ? v1Body()
              : v2Body();
      const credentials = {
        accessKeyId: server.agents.peer?.ses.accessKeyId ?? "",
        secretAccessKey:
          authorization === "wrong secret"
            ? "w".repeat(40)
            : (server.agents.peer?.ses.secretAccessKey ?? ""),
      };
      const requestHeaders =
        authorization === "signed" || authorization === "wrong secret"
          ? signedHeaders(server.url + path, { method, body: body ?? "", credentials, headers })
          : { ...headers, ...(authorization ? { authorization } : {}) };
      const response = await fetch(server.url + path, {
        method,
        headers: requestHeaders,
        ...(body === undefined ? {} : { body }),
      });
      const raw = await response.text();
      const label = `${method} ${path} -> ${response.status}`;
      if (response.status >= 500) failures.push(`${label}: ${raw.slice(0, 300)}`);
      else if (response.status >= 400) {
        if (sesErrorShape(response, raw) !== true) failures.push(`${label}: ${raw.slice(0, 300)}`);
      } else if (/<MessageId>|"MessageId"/.test(raw)) accepted += 1;
      if (raw.includes("Signature=") || raw.includes(credentials.secretAccessKey))
        failures.push(`${label}: echoed the Authorization header or the secret`);
    }
  };
  await Promise.all(Array.from({ length: 6 }, worker));

  expect(failures).toEqual([]);
  // Every kind of answer was reached, and exactly the accepted sends were kept.
  const statuses = new Set(server.requests.entries().map((entry) => entry.status));
  for (const status of [200, 400, 403, 404]) expect(statuses).toContain(status);
  expect(accepted).toBeGreaterThan(20);
  expect(server.ses.messages()).toHaveLength(accepted);
  expect(server.requests.count()).toBe(total);
  let delivered = 0;
  for (const message of server.ses.messages()) {
    expect(message.destinations.length).toBeGreaterThan(0);
    expect(message.destinations.length).toBeLessThanOrEqual(50);
    delivered += message.deliveredTo.length;
    // Only the signing agent's own address got through the sender check.
    if (message.source !== undefined)
      expect(message.source.toLowerCase()).toContain("peer@agents.localhost");
  }
  for (const id of ["peer", "other"]) {
    for (const message of server.store.inbox(id)) {
      expect(message.sender.toLowerCase()).toBe("peer@agents.localhost");
      expect(message.senderVerified).toBe(true);
    }
  }
  expect(server.store.inbox("peer").length + server.store.inbox("other").length).toBe(delivered);
  expect(delivered).toBeGreaterThan(0);
});
