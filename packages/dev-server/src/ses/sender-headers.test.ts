// The SES endpoint judges the sender by the headers recipients will see: Python's `email` parser
// (the Python SDK) and openMessage read lines and the header block one way, and a lenient
// address-list reader can be shown bob where it checks alice. The endpoint reads headers as Python
// does and requires each sender header to be written plainly; every message it accepts, Python
// reads as from the signer.
import { SendRawEmailCommand } from "@aws-sdk/client-ses";
import { describe, expect, it } from "vitest";
import { headerFields, headerValues } from "../mime/headers.js";
import { strictMailboxes } from "../mime/strict-mailboxes.js";
import { useServers } from "../testing/helpers.js";
import { parseWithPython, sdkError, useSesClients } from "../testing/ses.js";

const serve = useServers();
const clients = useSesClients();
const AGENTS = [{ agentId: "alice" }, { agentId: "bob" }, { agentId: "carol" }];
const ALICE = "alice@agents.localhost";
const BOB = "bob@agents.localhost";
const CAROL = "carol@agents.localhost";
const bytes = (text: string) => new TextEncoder().encode(text);
const to = `To: ${CAROL}\r\n`;

// [name, raw message, Source]: each one alice signs.
const REFUSED: ReadonlyArray<readonly [string, string, string?]> = [
  ["bare CR", `Subject: hello\rFrom: Bob <${BOB}>\r\n${to}\r\nI am bob`, ALICE],
  ["quoted angle after", `From: <${BOB}> "<${ALICE}>"\r\n${to}\r\nI am bob`],
  ["quoted angle after a bare address", `From: ${BOB} "<${ALICE}>"\r\n${to}\r\nI am bob`],
  ["quoted angle before", `From: "<${ALICE}>" ${BOB}\r\n${to}\r\nI am bob`],
  ["comment", `From: ${BOB} (<${ALICE}>)\r\n${to}\r\nI am bob`],
  ["comment after alice", `From: ${ALICE} (Alice)\r\n${to}\r\nhi`],
  ["group", `From: ${BOB}:${ALICE};\r\n${to}\r\nI am bob`],
  ["empty group", `From: undisclosed:;\r\n${to}\r\nhi`, ALICE],
  ["text after an angle address", `From: <${ALICE}> ${BOB}\r\n${to}\r\nI am bob`],
  ["unclosed angle", `From: ${BOB} <${ALICE}\r\n${to}\r\nI am bob`],
  ["unclosed quote", `From: "Alice <${ALICE}>\r\n${to}\r\nhi`],
  ["two From headers", `From: ${ALICE}\r\nfrom: Alice <${ALICE}>\r\n${to}\r\nhi`],
  ["two Sender headers", `From: ${ALICE}\r\nSender: ${ALICE}\r\nSender: ${ALICE}\r\n${to}\r\nhi`],
  ["encoded word as the address", `From: <=?UTF-8?Q?alice?=@agents.localhost>\r\n${to}\r\nhi`],
  ["quoted local part", `From: "alice"@agents.localhost\r\n${to}\r\nhi`],
  ["source route", `From: <@relay.example:${ALICE}>\r\n${to}\r\nhi`],
  ["empty From", `From: \r\n${to}\r\nhi`, ALICE],
  ["empty list entry", `From: ${ALICE},,${ALICE}\r\n${to}\r\nhi`],
  ["Sender with a quoted angle", `From: ${ALICE}\r\nSender: <${BOB}> "<${ALICE}>"\r\n${to}\r\nhi`],
  ["Return-Path group", `From: ${ALICE}\r\nReturn-Path: x:<${BOB}>;\r\n${to}\r\nhi`],
];

const ACCEPTED: ReadonlyArray<readonly [string, string, string?]> = [
  ["bare address", `From: ${ALICE}\r\n${to}\r\nhi`],
  ["display name", `From: Alice <${ALICE}>\r\n${to}\r\nhi`],
  ["quoted display name with a comma", `From: "Doe, Alice" <${ALICE}>\r\n${to}\r\nhi`],
  ["escaped quotes", `From: "Alice \\"A\\"" <${ALICE}>\r\n${to}\r\nhi`],
  ["dotted name", `From: J. Alice <${ALICE}>\r\n${to}\r\nhi`],
  ["encoded-word name", `From: =?UTF-8?B?QWxpY2U=?= <${ALICE}>\r\n${to}\r\nhi`],
  [
    "encoded-word name holding : and ,",
    `From: =?utf-8?q?Report:_x@evil.example,_y?= <${ALICE}>\r\n${to}\r\nhi`,
  ],
  ["folded", `From: Alice\r\n <${ALICE}>\r\n${to}\r\nhi`],
  ["LF line ends", `From: Alice <${ALICE}>\nTo: ${CAROL}\n\nhi`],
  [
    "two mailboxes, Sender, Return-Path",
    `From: ${ALICE}, A <ALICE@Agents.Localhost>\r\nSender: ${ALICE}\r\nReturn-Path: <${ALICE}>\r\n${to}\r\nhi`,
  ],
  // Python ends the header block at a line that is not a header: the Sender below is body text
  // to every reader, so it names nobody.
  [
    "a Sender after the header block ends",
    `From: ${ALICE}\r\n${to}not a header\r\nSender: ${BOB}\r\n\r\nhi`,
  ],
  ["a bare CR in the body", `From: ${ALICE}\r\n${to}\r\nhi\rFrom: ${BOB}\r\n`],
  [
    "a Unix From line first",
    `From ${BOB} Mon Jan 1 00:00:00 2024\r\nFrom: ${ALICE}\r\n${to}\r\nhi`,
  ],
];

describe("sender headers over the SES endpoint", () => {
  it.each(REFUSED)("%s: MessageRejected, nothing kept", async (_name, raw, source) => {
    const server = await serve({ agents: AGENTS });
    const error = await sdkError(
      clients(server, "alice").v1.send(
        new SendRawEmailCommand({
          ...(source === undefined ? {} : { Source: source }),
          RawMessage: { Data: bytes(raw ?? "") },
        }),
      ),
    );
    expect([error.name, error.$metadata.httpStatusCode]).toEqual(["MessageRejected", 400]);
    expect(server.ses.messages()).toEqual([]);
    expect(server.store.inbox("carol")).toEqual([]);
  });

  it("every accepted message is from alice to Python, and to the inbox, verified", async () => {
    const server = await serve({ agents: AGENTS });
    const { v1 } = clients(server, "alice");
    for (const [name, raw, source] of ACCEPTED) {
      await v1.send(
        new SendRawEmailCommand({
          ...(source === undefined ? {} : { Source: source }),
          RawMessage: { Data: bytes(raw) },
        }),
      );
      const parsed = await parseWithPython(bytes(raw));
      expect({ name, from: parsed.from.map(([, address]) => address.toLowerCase()) }).toEqual({
        name,
        from: parsed.from.map(() => ALICE),
      });
      expect(parsed.from.length, name).toBeGreaterThan(0);
      const sender = parsed.headers.Sender;
      if (sender !== undefined) expect(sender.toLowerCase()).toContain(ALICE);
    }
    const inbox = server.store.inbox("carol");
    expect(inbox.map((message) => [message.sender.toLowerCase(), message.senderVerified])).toEqual(
      ACCEPTED.map(() => [ALICE, true]),
    );
  });
});

describe("headerFields reads the header block as Python does", () => {
  it.each([
    ["a bare CR ends a line", `Subject: a\rFrom: ${BOB}\r\n\r\n`, [BOB]],
    [
      "a line that is not a field ends the block",
      `Subject: a\r\nno colon\r\nFrom: ${BOB}\r\n\r\n`,
      [],
    ],
    [
      "a field name with a space ends the block",
      `Subject: a\r\nX Y: z\r\nFrom: ${BOB}\r\n\r\n`,
      [],
    ],
    ["a Unix From line is skipped", `From ${ALICE}\r\nFrom: ${BOB}\r\n\r\n`, [BOB]],
    ["a fold after a dropped line is dropped", `: x\r\n ${ALICE}\r\nFrom: ${BOB}\r\n\r\n`, [BOB]],
  ])("%s", async (_name, raw, from) => {
    expect(headerValues(headerFields(bytes(raw)), "from")).toEqual(from);
    const python = await parseWithPython(bytes(raw));
    expect(python.from.map(([, address]) => address)).toEqual(from);
  });
});

describe("strictMailboxes", () => {
  it.each([
    [`Alice <${ALICE}>, "Doe, A." <${ALICE}>`, [ALICE, ALICE]],
    [` ${ALICE} `, [ALICE]],
    [`=?UTF-8?Q?Al=C3=AFce?= <${ALICE}>`, [ALICE]],
    [`=?UTF-8?Q?a:b,c?= <${ALICE}>`, [ALICE]],
  ])("reads %j", (value, addresses) => {
    expect(strictMailboxes(value)).toEqual({ ok: true, addresses });
  });

  it.each([
    [`<${BOB}> "<${ALICE}>"`, "text follows an angle address"],
    [`"<${ALICE}>" <${BOB}>`, "a quoted string holds < or >"],
    [`${BOB}:${ALICE};`, "it is a group or holds a source route"],
    [`${BOB} <${ALICE}`, "an angle address is not closed"],
    [`"Alice <${ALICE}>`, "a quoted string holds < or >"],
    [`"Alice ${ALICE}`, "a quoted string is not closed"],
    [`Alice > ${ALICE}`, "a > has no <"],
    [`${BOB} (x)`, "it holds a comment"],
    [`${BOB} ${ALICE}`, "a bare address holds white space or a quote"],
    [`alice@x <${ALICE}>`, "the display name holds an unquoted @"],
    [`<=?UTF-8?Q?a?=@agents.localhost>`, "the address holds an encoded word"],
    [`< ${ALICE}>`, "an angle address holds more than an address"],
    ["", "a list entry is empty"],
    // Not followed by white space: not one token to Python, so read character by character.
    [`=?UTF-8?Q?a:b?=<${ALICE}>`, "it is a group or holds a source route"],
  ])("refuses %j: %s", (value, problem) => {
    expect(strictMailboxes(value)).toEqual({ ok: false, problem });
  });
});
