import { randomBytes } from "node:crypto";
import {
  AgentMailHeaders,
  decodeManifest,
  isArmoredMessage,
  Limits,
  SendRequestSchema,
} from "@assmbl/core";
import { composeMime } from "@assmbl/mime";
import { describe, expect, it } from "vitest";
import { headerFields, headerValues } from "../mime/headers.js";
import { ObjectStore } from "../storage/object-store.js";
import { estimatedMimeBytes, isArmoredBytes } from "./by-reference.js";
import { prepareSend } from "./prepare.js";
import { referenceMime } from "./reference-mime.js";

const encode = (text: string) => new TextEncoder().encode(text);

/** A /send request of `sizes` random attachments of my-agent's, prepared against a fresh store. */
function prepared(
  sizes: readonly number[],
  extra: Record<string, unknown>,
  inlineMessageBytes: number,
) {
  const objects = new ObjectStore();
  const refs = sizes.map((size, i) => {
    const key = `uploads/my-agent/${i}-f ${"é".repeat(i % 5)}${i}.bin`;
    objects.put({
      key,
      agentId: "my-agent",
      contentType: "application/octet-stream",
      bytes: randomBytes(size),
    });
    return {
      object_key: key,
      filename: key.slice(key.lastIndexOf("/") + 1),
      content_type: "application/octet-stream",
    };
  });
  const request = SendRequestSchema.parse({
    to: "other-agent@agents.localhost",
    subject: "files",
    body: "see attached",
    attachments: refs,
    ...extra,
  });
  const sender = {
    agentId: "my-agent",
    mailDomain: "agents.localhost",
    objects,
    inlineMessageBytes,
  };
  return { request, ...prepareSend(request, sender, "corr_1") };
}

describe("estimatedMimeBytes", () => {
  // Slack: 8 KiB, and for text that is not 7-bit the worst case of its encoding.
  it.each([
    [[0], {}, 0],
    [[1, 2, 3], {}, 0],
    [[100_000], { html: "<p>see</p>\n".repeat(500), cc: ["a@x.example", "b@x.example"] }, 0],
    [
      [1_000_000, 333_333],
      { body: "é".repeat(100_000), headers: { "X-Workflow": "w".repeat(500) } },
      600_000,
    ],
  ])("is at least the composed size and at most 8 KiB more (%j)", async (sizes, extra, slack) => {
    const {
      request,
      prepared: message,
      referenced,
    } = prepared(sizes, extra, Limits.sesV2MessageBytes);
    expect(referenced.size).toBe(0);
    const { raw } = await composeMime(message);
    const estimate = estimatedMimeBytes(request, sizes);
    expect(estimate).toBeGreaterThanOrEqual(raw.byteLength);
    expect(estimate - raw.byteLength).toBeLessThan(8 * 1024 + slack);
  });

  it("puts a message just over the threshold by reference, and one at it inline", () => {
    const sizes = [30_000];
    const { request } = prepared(sizes, {}, Limits.sesV2MessageBytes);
    const estimate = estimatedMimeBytes(request, sizes);
    expect(prepared(sizes, {}, estimate).referenced.size).toBe(0);
    expect([...prepared(sizes, {}, estimate - 1).referenced.keys()]).toEqual([0]);
  });
});

describe("isArmoredBytes", () => {
  const header = "-----BEGIN PGP MESSAGE-----";
  const footer = "-----END PGP MESSAGE-----";
  const one = `${header}\n\nwcBMA0\n=abcd\n${footer}`;
  it.each([
    one,
    `${one}\n`,
    ` \r\n\t${one}\r\n\r\n`,
    `\ufeff${one}`,
    "",
    "   ",
    header,
    `${header}${footer}`,
    `x${one}`,
    `${one}x`,
    `${one}\n${one}`,
    `${header}\n${header}\n${footer}`,
    `${header}\n${footer}\n${footer}`,
    `${header.toLowerCase()}\n${footer}`,
  ])("agrees with core's isArmoredMessage on the decoded text (%j)", (text) => {
    expect(isArmoredBytes(encode(text))).toBe(isArmoredMessage(text));
  });

  it("reads a view without looking outside it", () => {
    const bytes = encode(`garbage${one}garbage`);
    expect(isArmoredBytes(bytes.subarray(7, 7 + one.length))).toBe(true);
  });
});

describe("referenceMime", () => {
  it("empties every attachment part and writes the rows as sent, in lines within RFC 5322's limit", async () => {
    const sizes = Array.from({ length: 40 }, (_, i) => 1000 + i);
    const { prepared: message, referenced } = prepared(sizes, {}, 0);
    expect(referenced.size).toBe(40);
    const rows = message.attachments.map((attachment) => attachment.manifest);
    const raw = referenceMime((await composeMime(message)).raw, rows);
    const text = new TextDecoder().decode(raw);
    for (const line of text.split("\r\n")) expect(line.length).toBeLessThanOrEqual(998);
    const manifest = headerValues(headerFields(raw), AgentMailHeaders.attachments);
    expect(manifest).toHaveLength(1);
    expect(decodeManifest(manifest[0] ?? "")).toEqual(rows);
    expect(rows.map((row) => row.size)).toEqual(sizes);
    // Headers, a blank line, nothing: 40 times.
    expect(
      text.match(
        /Content-Transfer-Encoding: base64\r\nContent-Disposition: [\s\S]*?\r\n\r\n\r\n--/g,
      ),
    ).toHaveLength(40);
    expect(text).not.toMatch(/LS0tLS1CRUdJTi/); // the placeholder's base64
  });

  it("refuses a message that is not the body and one part per row", async () => {
    const { prepared: message } = prepared([10, 20], {}, 0);
    const { raw } = await composeMime(message);
    const rows = message.attachments.map((attachment) => attachment.manifest);
    expect(() => referenceMime(raw, rows.slice(0, 1))).toThrow(/parts/);
    expect(() => referenceMime(encode("Subject: x\r\n\r\nbody"), rows)).toThrow(/multipart/);
  });
});
