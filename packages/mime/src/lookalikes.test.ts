// Encoded-word look-alikes (issue 13): a value that holds "=?" is text, not an encoded word, and
// must read back as exactly that text in Python's email (policy.default: it decodes "=?...?="
// anywhere, inside quoted strings and words too) and in core's decoder. Before the fix such a
// printable value was written verbatim, and "=?utf-8?b?SW52b2ljZQ0KQmNjOi...?=" came back as
// "Invoice\r\nBcc: evil@...".
import {
  createMailer,
  decodeHeaderWords,
  hasEncodedWordLookalike,
  type PreparedMessage,
  parseAddress,
} from "@assmbl/core";
import { errorOf, MAIL_DOMAIN, prepare as preparePlain } from "@assmbl/testing/mailer";
import { callPythonSdkBatch, type PythonReadMessage, pythonSdk } from "@assmbl/testing/python";
import { describe, expect, it } from "vitest";
import { composeMime } from "./compose.js";

const LOOKALIKES = [
  "=?utf-8?b?SW52b2ljZQ0KQmNjOiBldmlsQGV2aWwuZXhhbXBsZQ==?=",
  "=?utf-8?q?Invoice=0D=0ABcc=3A_evil=40evil=2Eexample?=",
  "=?iso-8859-1?q?caf=E9?= and =?ISO-8859-1?B?Y2Fm6Q==?=",
  "Re: =?utf-8?q?a?= =?utf-8?q?b?=",
  "x=?utf-8?q?mid_word?=y",
  '"=?utf-8?q?quoted?="',
  "=?utf-8*en?q?with_language?=",
  "=?bogus-charset?q?x?=",
  "caf\u00e9 =?utf-8?q?mixed_with_non-ASCII?=",
];

const asMailbox = (name: string, address: string) => [
  `${name} <${address}>`,
  `"${name.replace(/["\\]/g, "\\$&")}" <${address}>`,
];

const unfold = (value: string) => value.replace(/\r\n(?=[ \t])/g, "");

function headerField(raw: Uint8Array, name: string): string {
  const text = new TextDecoder().decode(raw);
  const head = text.slice(0, text.indexOf("\r\n\r\n"));
  const match = new RegExp(`(?:^|\r\n)${name}:((?:[^\r]*)(?:\r\n[ \t][^\r]*)*)`).exec(head);
  return unfold(match?.[1] ?? "").replace(/^[ \t]+/, "");
}

async function lookalikeMessage(value: string, i: number): Promise<PreparedMessage> {
  return createMailer(
    { specificationVersion: "v1", name: "unused", send: async () => ({ messageId: "x" }) },
    { from: `${value} <report-bot@${MAIL_DOMAIN}>`, mailDomain: MAIL_DOMAIN },
  ).prepare({
    to: `${value} <other-agent@${MAIL_DOMAIN}>`,
    subject: value,
    text: "body",
    headers: { "X-Workflow-Name": value },
    correlationId: value,
    idempotencyKey: `${value}-${i}`,
    attachments: [{ filename: `${value}.txt`, content: "a", originalFilename: value }],
  });
}

describe("encoded-word look-alikes are written so that readers get the literal text", () => {
  it("Python's email and core's decoder read every value back exactly, with no defect", async () => {
    const raws = await Promise.all(
      LOOKALIKES.map(async (value, i) => (await composeMime(await lookalikeMessage(value, i))).raw),
    );
    // One Python process reads all of them (a process per value was most of the test's time).
    const read = await callPythonSdkBatch<PythonReadMessage>(
      raws.map((raw) => ({
        op: "read_message",
        args: { raw: Buffer.from(raw).toString("base64") },
      })),
    );
    expect(read).toHaveLength(LOOKALIKES.length);
    LOOKALIKES.forEach((value, i) => {
      const python = read[i];
      const raw = raws[i] as Uint8Array;
      expect(python?.subject).toBe(value);
      expect(python?.headers["X-Workflow-Name"]).toBe(value);
      expect(python?.headers["X-AgentMail-Correlation-Id"]).toBe(value);
      expect(python?.headers["X-AgentMail-Idempotency-Key"]).toBe(`${value}-${i}`);
      // str() of an address header quotes a display name with specials (":", '"'), as Python does.
      // The name given is the mailbox's display name as core parses it ('"x"' is a quoted x).
      const name = parseAddress(`${value} <report-bot@${MAIL_DOMAIN}>`).name ?? "";
      expect(asMailbox(name, `report-bot@${MAIL_DOMAIN}`)).toContain(python?.from);
      expect(python?.attachments[0]?.filename).toBe(`${value}.txt`);
      expect(python?.manifest?.[0]).toMatchObject({
        filename: `${value}.txt`,
        original_filename: value,
      });
      expect(python?.defects).toEqual([]);
      for (const name of ["Subject", "X-Workflow-Name", "X-AgentMail-Correlation-Id"]) {
        // Never on the wire as is, and core's decoder (what openMessage uses) reads it back.
        expect(headerField(raw, name)).not.toBe(value);
        expect(decodeHeaderWords(headerField(raw, name))).toBe(value);
      }
    });
  });

  it("a display name is one encoded word (Python keeps spaces between words of a phrase)", async () => {
    const value = LOOKALIKES[0] as string;
    const { raw } = await composeMime(await lookalikeMessage(value, 0));
    const python = await pythonSdk.readMessage(raw);
    expect(python.from).toBe(`${value} <report-bot@${MAIL_DOMAIN}>`);
    expect(python.to).toBe(`${value} <other-agent@${MAIL_DOMAIN}>`);
    expect(headerField(raw, "From")).not.toContain('"=?');
    expect(decodeHeaderWords(headerField(raw, "From"))).toBe(
      `${value} <report-bot@${MAIL_DOMAIN}>`,
    );
  });

  it("the ASCII name= fallback of Content-Type holds no look-alike either", async () => {
    const { raw } = await composeMime(await lookalikeMessage(LOOKALIKES[0] as string, 0));
    expect(new TextDecoder().decode(raw)).toMatch(/name="=_utf-8\?b\?SW52/);
  });

  it("values without =? are written as before (as is, when printable ASCII)", async () => {
    const prepared = await preparePlain({
      to: `Other Agent <other-agent@${MAIL_DOMAIN}>`,
      subject: "Quarterly report = ready? yes",
      text: "x",
    });
    const { raw } = await composeMime(prepared);
    expect(headerField(raw, "Subject")).toBe("Quarterly report = ready? yes");
    expect(headerField(raw, "To")).toBe(`Other Agent <other-agent@${MAIL_DOMAIN}>`);
    expect(hasEncodedWordLookalike("= ?")).toBe(false);
  });

  it("an address holding =? is refused (it cannot be encoded)", async () => {
    const prepared = await preparePlain({
      to: `other-agent@${MAIL_DOMAIN}`,
      subject: "s",
      text: "x",
    });
    const to = [
      { ...prepared.to[0], address: `=?utf-8?q?x?=@${MAIL_DOMAIN}`, localPart: "=?utf-8?q?x?=" },
    ];
    const error = await errorOf(composeMime({ ...prepared, to } as PreparedMessage));
    expect(error.code).toBe("invalid_address");
  });
});
