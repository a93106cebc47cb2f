// A lone surrogate has no UTF-8 encoding: TextEncoder would send U+FFFD in its place, and PGPy
// refuses to encode such text. normalizeMessage refuses it in the subject, text and html.
import { describe, expect, it } from "vitest";
import { parseAddress } from "./address.js";
import { createMailer } from "./mailer/create-mailer.js";
import { normalizeMessage } from "./mailer/normalize.js";

const context = { from: parseAddress("me@agents.example.com"), defaultHeaders: {} };
const message = (fields: Record<string, string>) => ({
  to: "peer@agents.example.com",
  subject: "hello",
  text: "body",
  ...fields,
});
const errorOf = (call: () => unknown) => {
  try {
    call();
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error("no error");
};

describe("normalizeMessage refuses text that is not well-formed UTF-16", () => {
  it.each([
    ["subject", "a\uD800b", "U+D800 at index 1"],
    ["text", "ends with a high surrogate \uD83D", "U+D83D at index 27"],
    ["html", "<p>\uDC00</p>", "U+DC00 at index 3"],
  ])(
    "%s with a lone surrogate → invalid_message naming the field, not the text",
    (field, value, where) => {
      const error = errorOf(() => normalizeMessage(message({ [field]: value }), context));
      expect(error.code).toBe("invalid_message");
      expect(error.message).toBe(
        `message.${field} has a lone surrogate (${where}), which has no UTF-8 encoding; pass well-formed text`,
      );
    },
  );

  it("pairs, a leading U+FEFF and every other character are fine", () => {
    const text = "\uFEFFGrüße 👋 \uD83D\uDE00 done";
    const normalized = normalizeMessage(
      message({ subject: "😀 report", text, html: `<p>${text}</p>` }),
      context,
    );
    expect(normalized.text).toBe(text);
    expect(normalizeMessage(message({ text: "plain" }), context).html).toBeUndefined();
  });
});

describe("every public string input with a lone surrogate is an input error before any I/O", () => {
  // A transport that counts calls: the send must fail before it is reached.
  const sent: unknown[] = [];
  const transport = {
    specificationVersion: "v1" as const,
    name: "counting",
    async send(prepared: unknown) {
      sent.push(prepared);
      return { messageId: "m" };
    },
  };
  const mailer = createMailer(transport, {
    from: "me@agents.example.com",
    mailDomain: "agents.example.com",
  });
  const LONE = "x\uDC00y";
  const cases: [string, Record<string, unknown>, string][] = [
    ["to (display name)", { to: `${LONE} <peer@agents.example.com>` }, "message.to"],
    ["cc", { cc: [`${LONE} <cc@agents.example.com>`] }, "message.cc[0]"],
    ["a custom header value", { headers: { "X-Workflow": LONE } }, "message.headers.X-Workflow"],
    ["a custom header name", { headers: { [LONE]: "v" } }, "a key of message.headers"],
    ["correlationId", { correlationId: LONE }, "message.correlationId"],
    ["idempotencyKey", { idempotencyKey: LONE }, "message.idempotencyKey"],
    ["marketplaceRequestId", { marketplaceRequestId: LONE }, "message.marketplaceRequestId"],
    ["an attachment filename", { attachments: [{ filename: LONE, content: "a" }] }, "filename"],
    [
      "an attachment originalFilename",
      { attachments: [{ filename: "a.txt", content: "a", originalFilename: LONE }] },
      "originalFilename",
    ],
    [
      "a text attachment's content",
      { attachments: [{ filename: "a.txt", content: LONE }] },
      "content",
    ],
  ];

  it.each(cases)("%s → invalid_message naming the field", async (_, fields, where) => {
    const error = await mailer.send(message(fields as Record<string, string>)).catch((e) => e);
    expect(error).toMatchObject({ code: "invalid_message" });
    expect(error.message).toContain(where);
    expect(error.message).toContain("lone surrogate (U+DC00 at index 1)");
    expect(error.message).not.toContain(LONE);
    expect(sent).toHaveLength(0);
  });

  it("createMailer options (from, default headers) → invalid_options", () => {
    for (const options of [
      { from: `${LONE} <me@agents.example.com>`, mailDomain: "agents.example.com" },
      {
        from: "me@agents.example.com",
        mailDomain: "agents.example.com",
        defaultHeaders: { "X-A": LONE },
      },
    ]) {
      const error = errorOf(() => createMailer(transport, options));
      expect(error.code).toBe("invalid_options");
      expect(error.message).toContain("lone surrogate");
    }
  });
});
