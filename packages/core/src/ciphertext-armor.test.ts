// The armor around a MailCrypto's ciphertext goes out in clear: every character of it must be
// the BEGIN/END lines, the CRC-24 line or canonical base64 of the checked packets. Each text
// below passed the earlier check (armor headers of any value, atob's forgiving base64) and
// carried readable text out of a send flagged as encrypted.

import {
  armorMessage,
  fakeEncryptedMessage,
  join,
  pkesk,
  seipd,
  textInArmorBody,
} from "@assmbl/testing/message-fixtures";
import { describe, expect, it } from "vitest";
import { armoredMessageProblem, guardCiphertext } from "./ciphertext-guard.js";
import type { AgentMailError } from "./errors.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const SECRET = "TopSecretLaunchCode4242";
const good = () => armorMessage(join(pkesk(), seipd("x")));
const withHeader = (header: string) =>
  good().replace("-----BEGIN PGP MESSAGE-----\n", `-----BEGIN PGP MESSAGE-----\n${header}\n`);

// A message whose base64 ends in `=` or `==` (its length is not a multiple of 3).
function padded(pad: 1 | 2): string {
  for (let size = 0; size < 3; size++) {
    const text = armorMessage(join(pkesk(), seipd("x".repeat(size))), { crc: false });
    const last = text.split("\n").at(-3) as string;
    if (last.endsWith("=".repeat(pad)) && !last.endsWith("=".repeat(pad + 1))) return text;
  }
  throw new Error("unreachable");
}
const lastDataLine = (text: string) => text.split("\n").at(-3) as string;
const replaceLastDataLine = (text: string, line: string) =>
  text.replace(`\n${lastDataLine(text)}\n`, `\n${line}\n`);
// The base64 letter `delta` places after `letter`.
const shifted = (letter: string, delta: number) => {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  return alphabet.charAt(alphabet.indexOf(letter) + delta);
};
const bumpBeforePadding = (text: string, pad: number) => {
  const line = lastDataLine(text);
  const at = line.length - pad - 1;
  return replaceLastDataLine(
    text,
    line.slice(0, at) + shifted(line.charAt(at), 1) + line.slice(at + 1),
  );
};

const HIDDEN: Record<string, string> = {
  "a Comment armor header": withHeader(`Comment: ${SECRET}`),
  "a Version armor header": withHeader("Version: OpenPGP.js v4.10.10"),
  "an armor header with a CR inside (Comment: x CR secret)": withHeader(`Comment: x\r${SECRET}`),
  "an empty armor header": withHeader("Comment:"),
  "readable words in the body, the SEIPD length stretched over them (atob skips spaces)":
    textInArmorBody(pkesk(), join(Uint8Array.of(1), new Uint8Array(40)), `the ${SECRET} is here`),
  "a body line with a tab": textInArmorBody(
    pkesk(),
    join(Uint8Array.of(1), new Uint8Array(40)),
    `the\t${SECRET}`,
  ),
  // The first two 64-character lines made one of 80 and one of 48.
  "a body line of 80 base64 characters": armorMessage(
    join(pkesk(), seipd("y".repeat(120))),
  ).replace(/\n\n([A-Za-z0-9+/]{64})\n([A-Za-z0-9+/]{16})/, "\n\n$1$2\n"),
  "padding in the middle of the body": good().replace(
    /\n([A-Za-z0-9+/]{60})([A-Za-z0-9+/]{4})\n/,
    (_m, a: string, b: string) => `\n${a}${b.slice(0, 2)}==\n${b.slice(2)}\n`,
  ),
  "non-canonical bits before == padding": bumpBeforePadding(padded(2), 2),
  "non-canonical bits before = padding": bumpBeforePadding(padded(1), 1),
  "unpadded base64 (a partial last group)": replaceLastDataLine(
    padded(2),
    lastDataLine(padded(2)).replace(/=+$/, ""),
  ),
  "a CR inside a body line": good().replace(/\n([A-Za-z0-9+/]{10})/, "\n$1\r"),
  "spaces after the BEGIN line": good().replace("-----\n\n", "-----  \n\n"),
  "a CRC line with a space": good().replace(/\n=([A-Za-z0-9+/]{4})\n/, "\n= $1\n"),
};

describe("no text hides in the armor", () => {
  it("the shapes built here pass with the hidden text taken out", () => {
    expect(armoredMessageProblem(good())).toBeUndefined();
    expect(armoredMessageProblem(padded(1))).toBeUndefined();
    expect(armoredMessageProblem(padded(2))).toBeUndefined();
    expect(armoredMessageProblem(good().replaceAll("\n", "\r\n"))).toBeUndefined();
    // A 76-character line, the longest RFC 4880 allows.
    const long = armorMessage(join(pkesk(), seipd("z".repeat(200))), { crc: false });
    const body = long.split("\n").slice(2, -2).join("");
    const rewrapped = `-----BEGIN PGP MESSAGE-----\n\n${(body.match(/.{1,76}/g) ?? []).join("\n")}\n-----END PGP MESSAGE-----\n`;
    expect(armoredMessageProblem(rewrapped)).toBeUndefined();
  });

  for (const [name, text] of Object.entries(HIDDEN)) {
    it(`refuses ${name}, bytes and stream, never quoting it`, async () => {
      const problem = armoredMessageProblem(text);
      expect(problem).toEqual(expect.any(String));
      expect(problem).not.toContain(SECRET);
      expect(() => guardCiphertext(encoder.encode(text), "a.bin")).toThrowError(
        expect.objectContaining({ code: "encryption_failed" }),
      );
      const stream = guardCiphertext(
        new Blob([text]).stream(),
        "a.bin",
      ) as ReadableStream<Uint8Array>;
      const error = await new Response(stream).text().then(
        () => undefined,
        (e: AgentMailError) => e,
      );
      expect(error?.code).toBe("encryption_failed");
    });
  }

  it("names an armor header as such, without its value", () => {
    expect(armoredMessageProblem(HIDDEN["a Comment armor header"] as string)).toBe(
      "armor headers are not allowed in ciphertext: they are sent in clear",
    );
  });

  it("refuses whitespace-only lines after the END line in a stream (bits in spaces and tabs)", async () => {
    const text = `${fakeEncryptedMessage("x")} \t \n\t\t \n`;
    const stream = guardCiphertext(
      new Blob([text]).stream(),
      "a.bin",
    ) as ReadableStream<Uint8Array>;
    const reader = stream.getReader();
    let out = "";
    const error = await (async () => {
      for (;;) {
        const next = await reader.read();
        if (next.done) return undefined;
        out += decoder.decode(next.value);
      }
    })().catch((e: AgentMailError) => e);
    expect(error?.code).toBe("encryption_failed");
    expect(out).not.toMatch(/\t/);
  });
});
