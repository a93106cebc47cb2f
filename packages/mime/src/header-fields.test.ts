// headerFields reads a message's header block as Python's `email` (policy.default) does, checked
// against python3 itself on the line-end and header-block tricks a sender can play.
import { parseWithPython } from "@assmbl/testing/python";
import { describe, expect, it } from "vitest";
import { headerFields } from "./header-fields.js";

const bytes = (text: string) => new TextEncoder().encode(text);

/** Python's root fields, names as written, values unfolded and trimmed (encoded words kept). */
async function pythonFields(raw: Uint8Array) {
  const parsed = await parseWithPython(raw);
  return parsed.rawHeaders.map(([name, value]) => ({
    name,
    value: value.replace(/\r\n|\r|\n/g, "").trim(),
  }));
}

describe("headerFields", () => {
  it.each([
    ["CRLF, folded", "Subject: hi\r\n there\r\nTo: a@x.example\r\n\r\nbody"],
    ["LF only", "To: a@x.example\nCc: b@x.example\n\nbody"],
    ["a bare CR ends a line", "Subject: a\rX-AgentMail-Encrypted: body\r\n\r\nx"],
    ["a bare CR as the empty line", "To: a@x.example\r\rCc: b@x.example\r\n"],
    [
      "a line that is no field starts the body",
      "To: a@x.example\r\nnot a header\r\nCc: b@x.example\r\n\r\n",
    ],
    ["a fold before any field", " folded\r\nTo: a@x.example\r\n\r\n"],
    [
      "a line starting with a colon, and its fold",
      "To: a@x.example\r\n: odd\r\n more\r\nCc: b@x.example\r\n\r\n",
    ],
    [
      "a Unix From line in the middle",
      "To: a@x.example\r\nFrom x@y Mon\r\n fold\r\nCc: b@x.example\r\n\r\n",
    ],
    ["a last Unix From line", "To: a@x.example\r\nFrom x@y Mon\r\n\r\nbody"],
    ["no empty line: all header", "To: only headers"],
    ["encoded words are kept", "Subject: =?utf-8?q?caf=C3=A9?=\r\n\r\n"],
  ])("%s: as Python reads it", async (_name, text) => {
    const raw = bytes(text);
    expect(headerFields(raw)).toEqual(await pythonFields(raw));
  });

  it("reads nothing from an empty message", () => {
    expect(headerFields(new Uint8Array())).toEqual([]);
  });
});
