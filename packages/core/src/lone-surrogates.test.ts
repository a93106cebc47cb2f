// A lone surrogate (U+D800-U+DFFF without its pair) has no UTF-8 encoding: every function that
// turns text into header bytes refuses it with its own code, instead of writing U+FFFD, "\ud800"
// or failing later inside an encoder.
import { describe, expect, it } from "vitest";
import { formatAddress, parseAddress } from "./address.js";
import { AgentMailError } from "./errors.js";
import { assertSafeHeader } from "./header-safety.js";
import { normalizeMessage } from "./mailer/normalize.js";
import { encodeManifest } from "./manifest.js";

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (AgentMailError.is(error)) return error.code;
    throw error;
  }
  return undefined;
}

const from = parseAddress("bot@agents.example.com");
const normalize = (message: Record<string, unknown>) => () =>
  normalizeMessage(
    { to: "peer@agents.example.com", subject: "s", text: "t", ...message },
    {
      from,
      defaultHeaders: {},
    },
  );

describe("lone surrogates are refused where text becomes a header", () => {
  it.each(["\ud800", "a\udc00b", "\udbff"])("%j", (lone) => {
    expect(codeOf(() => parseAddress(`Bot${lone} <bot@agents.example.com>`))).toBe(
      "invalid_address",
    );
    expect(codeOf(() => formatAddress({ ...from, name: `Bot${lone}` }))).toBe("invalid_address");
    expect(codeOf(() => assertSafeHeader("X-Note", `a${lone}`))).toBe("invalid_header");
    expect(
      codeOf(() =>
        encodeManifest([
          { index: 0, filename: `a${lone}.txt`, content_type: "text/plain", encrypted: false },
        ]),
      ),
    ).toBe("invalid_manifest");
    // The mailer's input validation (parseInput) already refuses any lone surrogate in a message.
    expect(codeOf(normalize({ attachments: [{ filename: `a${lone}.txt`, content: "x" }] }))).toBe(
      "invalid_message",
    );
    expect(codeOf(normalize({ correlationId: `c${lone}` }))).toBe("invalid_message");
  });

  it("well-formed astral characters pass", () => {
    expect(parseAddress("Bot \u{1F600} <bot@agents.example.com>").name).toBe("Bot \u{1F600}");
    expect(codeOf(() => assertSafeHeader("X-Note", "\u{1F600}"))).toBeUndefined();
  });
});

describe("attachment media types (normalizeMessage)", () => {
  it.each([
    ['text/plain; charset="=?utf-8?q?EVIL=0D=0A?="', "contentType"],
    ["text/plain; x-name==?utf-8?q?a?=", "contentType"],
    ['text/plain; name="evil.exe"', "contentType"],
    ["text/plain; NAME*=utf-8''evil.exe", "contentType"],
    ["text/plain; filename*0=evil; filename*1=.exe", "contentType"],
  ])("refuses %s with invalid_attachment naming %s", (contentType, field) => {
    let error: unknown;
    try {
      normalize({ attachments: [{ filename: "a.txt", content: "x", contentType }] })();
    } catch (caught) {
      error = caught;
    }
    expect(AgentMailError.is(error) && error.code).toBe("invalid_attachment");
    expect((error as Error).message).toContain(field);
  });

  it("refuses =? in originalContentType too, and takes ordinary parameters", () => {
    expect(
      codeOf(
        normalize({
          attachments: [
            { filename: "a.txt", content: "x", originalContentType: "text/plain; a==?b?q?c?=" },
          ],
        }),
      ),
    ).toBe("invalid_attachment");
    expect(
      codeOf(
        normalize({
          attachments: [
            {
              filename: "a.txt",
              content: "x",
              contentType: "text/plain; charset=utf-8; format=flowed",
            },
          ],
        }),
      ),
    ).toBeUndefined();
  });
});
