// A message made by hand (not by this SDK) whose names, as sent, are paths: plain, RFC 2047
// encoded words inside the quoted parameter (which Python's email and our reader decode), RFC
// 2231, and the manifest's filename. openMessage never returns a name as sent that holds "/" or
// "\", nor a control character in a subject, header or name.
import { describe, expect, it } from "vitest";
import { openMessage } from "./open-message.js";
import { safeFileName, sentFileName } from "./safe-file-name.js";

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

function handMade(parts: { disposition: string; type?: string }[]): Uint8Array {
  const lines = [
    "From: =?utf-8?q?Evil=0D=0ABcc=3A_x=40evil=2Eexample?= <evil@agents.example.com>",
    "To: other-agent@agents.example.com",
    "Subject: =?utf-8?b?SW52b2ljZQ0KQmNjOiBldmlsQGV2aWwuZXhhbXBsZQ==?=",
    "X-Note: =?utf-8?q?line=E2=80=A8break=C2=85next=00nul?=",
    'X-AgentMail-Attachments: [{"index":0,"filename":"../../.ssh/authorized_keys","content_type":"text/plain","encrypted":false}]',
    "Message-ID: <hand@agents.example.com>",
    "MIME-Version: 1.0",
    'Content-Type: multipart/mixed; boundary="b"',
    "",
    "--b",
    "Content-Type: text/plain; charset=utf-8",
    "",
    "hello",
  ];
  for (const part of parts) {
    lines.push("--b", `Content-Type: ${part.type ?? "text/plain"}`, part.disposition, "", "x");
  }
  lines.push("--b--", "");
  return new TextEncoder().encode(lines.join("\r\n"));
}

describe("names as sent are never paths, whatever the sender wrote", () => {
  const cases: [string, string, string][] = [
    [
      "plain ../",
      'Content-Disposition: attachment; filename="../../.ssh/authorized_keys"',
      "authorized_keys",
    ],
    ["plain ..\\", 'Content-Disposition: attachment; filename="..\\\\..\\\\boot.ini"', "boot.ini"],
    ["absolute", 'Content-Disposition: attachment; filename="/etc/passwd"', "passwd"],
    [
      "an encoded word in the quoted filename",
      'Content-Disposition: attachment; filename="=?utf-8?q?..=2F..=2F.ssh=2Fauthorized=5Fkeys?="',
      "authorized_keys",
    ],
    [
      "RFC 2231",
      "Content-Disposition: attachment; filename*=utf-8''..%2F..%2F.ssh%2Fauthorized_keys",
      "authorized_keys",
    ],
    ["only dots", 'Content-Disposition: attachment; filename="../.."', "attachment-0"],
  ];

  it.each(cases)("%s", async (_, disposition, expected) => {
    const message = await openMessage(handMade([{ disposition }]));
    expect(message.attachments[0]?.filename).toBe(expected);
    expect(message.attachments[0]?.decrypted).toBe(false);
  });

  it("the manifest's filename, when the part has none, is cut the same way", async () => {
    const message = await openMessage(
      handMade([{ disposition: "Content-Disposition: attachment" }]),
    );
    expect(message.attachments[0]?.filename).toBe("authorized_keys");
  });

  it("no subject, header or name holds a control character, U+2028 or U+2029", async () => {
    const message = await openMessage(
      handMade([
        { disposition: 'Content-Disposition: attachment; filename="=?utf-8?q?a=0Db=E2=80=A8c?="' },
      ]),
    );
    expect(message.subject).toBe("Invoice\ufffd\ufffdBcc: evil@evil.example");
    for (const value of [
      message.subject,
      ...Object.values(message.headers),
      ...message.attachments.map((a) => a.filename),
    ]) {
      expect(value).not.toMatch(CONTROL);
    }
  });

  it("sentFileName keeps the last path segment", () => {
    expect(sentFileName("a/b\\c.txt", 0)).toBe("c.txt");
    expect(sentFileName("report.pdf", 0)).toBe("report.pdf");
    expect(sentFileName(" . ", 3)).toBe("attachment-3");
  });
});

describe("names are safe to write on Windows too", () => {
  it.each([
    ["C:evil.txt", "C_evil.txt"],
    ["a:b", "a_b"],
    ["nul.txt", "_nul.txt"],
    ["CON", "_CON"],
    ["com1 .log", "_com1 .log"],
    ["..\u2215..\u2215etc", ".._.._etc"],
    ["a\uff0fb\u29f8c\u2044d\uff3ce", "a_b_c_d_e"],
    ["x\uff1ay\ufe55z.txt", "x_y_z.txt"],
    ["what?.txt", "what?.txt"],
    ["report.pdf", "report.pdf"],
  ])("sentFileName(%j) is %j", (name, expected) => {
    expect(sentFileName(name, 0)).toBe(expected);
  });

  it.each(["a\u2215b", "a\uff0fb", "a\u29f8b", "x\uff1ay.txt", "C:evil.txt", "nul.txt"])(
    "safeFileName refuses %j",
    (name) => {
      expect(safeFileName(name)).toBeUndefined();
    },
  );
});
