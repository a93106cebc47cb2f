// A lone surrogate has no UTF-8 encoding: TextEncoder would send U+FFFD in its place, and PGPy
// refuses to encode such text. normalizeMessage refuses it in the subject, text and html.
import { describe, expect, it } from "vitest";
import { parseAddress } from "./address.js";
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
