import { describe, expect, it } from "vitest";
import { addressList, decodeEncodedWords, headerFields, headerValues } from "./headers.js";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("headerFields", () => {
  it("unfolds, stops at the first empty line (CRLF, LF or bare CR) or at a line that is not a field", () => {
    const fields = headerFields(
      bytes(
        "Subject: a long\r\n\tsubject\r\nTo: a@x.example\r\nnot a field\r\nCc: b@x.example\r\n\r\n",
      ),
    );
    expect(fields).toEqual([
      { name: "Subject", value: "a long\tsubject" },
      { name: "To", value: "a@x.example" },
    ]);
    expect(headerFields(bytes("To: a@x.example\r\rCc: b@x.example\r\n"))).toHaveLength(1);
    expect(headerFields(bytes("To: a@x.example\nCc: b@x.example\n\nbody"))).toHaveLength(2);
    expect(headerFields(bytes("To: only headers"))).toEqual([
      { name: "To", value: "only headers" },
    ]);
    expect(headerFields(new Uint8Array())).toEqual([]);
  });

  it("headerValues is case-insensitive and keeps order", () => {
    const fields = headerFields(bytes("to: a@x.example\r\nTO: b@x.example\r\n\r\n"));
    expect(headerValues(fields, "To")).toEqual(["a@x.example", "b@x.example"]);
  });
});

describe("addressList", () => {
  it.each([
    ["a@x.example", ["a@x.example"]],
    [
      '"Doe, Jane" <jane@x.example>, bob@y.example (Bob, the builder)',
      ["jane@x.example", "bob@y.example"],
    ],
    [
      "Team: a@x.example, B <b@x.example>;, c@x.example",
      ["a@x.example", "b@x.example", "c@x.example"],
    ],
    ["undisclosed-recipients:;", []],
    ['"quoted \\" <not@this.example>" <real@x.example>', ["real@x.example"]],
    ["<@relay.example:user@x.example>", ["user@x.example"]],
    ["=?UTF-8?B?w6k=?= <e@x.example>", ["e@x.example"]],
    [" , ,", []],
    ["broken <unclosed@x.example", ["unclosed@x.example"]],
  ])("%s", (value, expected) => {
    expect(addressList(value)).toEqual(expected);
  });
});

describe("decodeEncodedWords", () => {
  it.each([
    ["=?UTF-8?B?R3LDvMOfZQ==?= =?UTF-8?Q?_aus_K=C3=B6ln?=", "Grüße aus Köln"],
    ["plain text", "plain text"],
    ["=?iso-8859-1?q?caf=E9?= ok", "café ok"],
    ["=?utf-8*en?Q?hi?=", "hi"],
    ["=?x-unknown?B?aGk=?= stays", "=?x-unknown?B?aGk=?= stays"],
    ["=?UTF-8?B?not base64!?=", "=?UTF-8?B?not base64!?="],
    ["a =?UTF-8?B?w6k=?= b", "a é b"],
  ])("%s", (value, expected) => {
    expect(decodeEncodedWords(value)).toBe(expected);
  });
});
