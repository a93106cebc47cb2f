// A signature is bound to the sender's address: a From that names more than one mailbox (a list,
// a group, two From headers) has no single sender, so nothing can be `valid` for "the sender".
import { describe, expect, it } from "vitest";
import { parseMime } from "./parse-mime.js";

const raw = (fromLines: string) =>
  new TextEncoder().encode(`${fromLines}To: carol@x.test\r\nSubject: hi\r\n\r\nbody\r\n`);

describe("the sender of a received message", () => {
  it.each([
    ["one mailbox", "From: alice@x.test\r\n", "alice@x.test"],
    ["a display name", "From: Alice <alice@x.test>\r\n", "alice@x.test"],
    [
      "an encoded name with a comma",
      "From: =?utf-8?b?QWxpY2UsIEluYw==?= <alice@x.test>\r\n",
      "alice@x.test",
    ],
    [
      "an encoded name holding address syntax",
      "From: =?utf-8?q?Report=0D=0ABcc:_x@evil.example?= <alice@x.test>\r\n",
      "alice@x.test",
    ],
    ["an encoded word as the address", "From: =?utf-8?q?alice@x.test?=\r\n", ""],
    ["a list of two", "From: mallory@x.test, alice@x.test\r\n", ""],
    ["a group", "From: A: mallory@x.test, alice@x.test;\r\n", ""],
    ["two From headers", "From: mallory@x.test\r\nFrom: alice@x.test\r\n", ""],
    ["no From", "", ""],
  ])("%s", async (_name, fromLines, sender) => {
    const parsed = await parseMime(raw(fromLines));
    expect(parsed.sender).toBe(sender);
  });
});
