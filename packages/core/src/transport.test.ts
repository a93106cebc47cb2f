import { describe, expect, it } from "vitest";
import { parseAddress } from "./address.js";
import { AgentMailError } from "./errors.js";
import { AgentMailHeaders } from "./headers.js";
import { decodeManifest } from "./manifest.js";
import { mimeHeaders, type PreparedMessage, withManifestRows } from "./transport.js";

function prepared(overrides: Partial<PreparedMessage> = {}): PreparedMessage {
  return {
    specificationVersion: "v1",
    from: parseAddress("a@agents.example.com"),
    to: [parseAddress("b@agents.example.com")],
    cc: [],
    bcc: [],
    replyTo: [],
    subject: "s",
    text: "t",
    headers: {},
    attachments: [],
    encrypted: { body: false },
    ...overrides,
  };
}

describe("mimeHeaders", () => {
  it("puts the X-AgentMail headers first, in a fixed order, then the caller's", () => {
    const headers = mimeHeaders(
      prepared({
        headers: {
          "X-Workflow-Name": "w",
          [AgentMailHeaders.attachments]: "[]",
          [AgentMailHeaders.encrypted]: "body",
        },
        correlationId: "c",
        idempotencyKey: "i",
        marketplaceRequestId: "m",
      }),
    );
    expect(Object.entries(headers)).toEqual([
      [AgentMailHeaders.encrypted, "body"],
      [AgentMailHeaders.attachments, "[]"],
      [AgentMailHeaders.correlationId, "c"],
      [AgentMailHeaders.idempotencyKey, "i"],
      [AgentMailHeaders.marketplaceRequestId, "m"],
      ["X-Workflow-Name", "w"],
    ]);
  });

  it("omits what is not set", () => {
    expect(mimeHeaders(prepared({ headers: { "X-A": "1" } }))).toEqual({ "X-A": "1" });
  });
});

describe("withManifestRows", () => {
  const row = { index: 0, filename: "a.txt", content_type: "text/plain", encrypted: false };

  it("replaces the rows and re-encodes the header, leaving the input untouched", () => {
    const before = prepared({ attachments: [{ manifest: row, content: new Uint8Array([1]) }] });
    const after = withManifestRows(before, [{ ...row, size: 1, object_key: "uploads/a/1" }]);
    expect(decodeManifest(after.headers[AgentMailHeaders.attachments] ?? "")).toEqual([
      { ...row, size: 1, object_key: "uploads/a/1" },
    ]);
    expect(after.attachments[0]?.content).toEqual(new Uint8Array([1]));
    expect(before.attachments[0]?.manifest).toBe(row);
    expect(before.headers[AgentMailHeaders.attachments]).toBeUndefined();
  });

  it("rejects a row count that does not match and invalid rows", () => {
    const message = prepared({ attachments: [{ manifest: row }] });
    expect(() => withManifestRows(message, [])).toThrow(
      expect.objectContaining({ code: "invalid_manifest" }),
    );
    const error = (() => {
      try {
        withManifestRows(message, [{ ...row, encrypted: true }]);
      } catch (e) {
        return e;
      }
    })();
    expect(AgentMailError.is(error, "invalid_manifest")).toBe(true);
  });

  it("leaves a message without attachments alone", () => {
    const message = prepared();
    expect(withManifestRows(message, [])).toBe(message);
  });
});
