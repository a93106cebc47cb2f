// verifyWebhookSignature must run where Node's APIs do not exist (Cloudflare Workers without
// nodejs_compat, Deno, browsers): WebCrypto and Uint8Array only. Expected signatures are computed
// with node:crypto, independently of the code under test, before any global is taken away.
import { createHmac } from "node:crypto";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { verifyWebhookSignature } from "./webhook.js";

const secret = "whsec_portable";
const body = '{"event":"message.received","message_id":"m-2"}';
const now = Date.parse("2026-03-01T12:00:00Z");
const timestamp = String(now / 1000);
const hex = createHmac("sha256", secret).update(`${timestamp}.`).update(body).digest("hex");

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("verifyWebhookSignature without Node APIs", () => {
  it("imports nothing but @assmbl/core and zod (no node: module, statically or dynamically)", async () => {
    const source = await readFile(fileURLToPath(new URL("./webhook.ts", import.meta.url)), "utf8");
    const specifiers = [
      ...source.matchAll(/\bfrom\s*["']([^"']+)["']/g),
      ...source.matchAll(/\bimport\s*\(\s*["']([^"']+)["']/g),
      ...source.matchAll(/\brequire\s*\(\s*["']([^"']+)["']/g),
    ].map((match) => match[1]);
    expect(specifiers.sort()).toEqual(["@assmbl/core", "zod"]);
  });

  it("verifies and refuses with the Buffer global gone", async () => {
    const bytes = new TextEncoder().encode(body);
    vi.stubGlobal("Buffer", undefined);
    await expect(
      verifyWebhookSignature({ secret, timestamp, rawBody: bytes, signature: `v1=${hex}`, now }),
    ).resolves.toBeUndefined();
    await expect(
      verifyWebhookSignature({ secret, timestamp, rawBody: body, signature: `v1=${hex}`, now }),
    ).resolves.toBeUndefined();
    await expect(
      verifyWebhookSignature({
        secret,
        timestamp,
        rawBody: `${body} `,
        signature: `v1=${hex}`,
        now,
      }),
    ).rejects.toMatchObject({ code: "invalid_webhook_signature" });
  });

  it("reads a byte view at an offset in a larger buffer (as express.raw() hands over)", async () => {
    const bytes = new TextEncoder().encode(`GARBAGE${body}TRAILING`);
    const view = bytes.subarray(7, 7 + body.length);
    await expect(
      verifyWebhookSignature({ secret, timestamp, rawBody: view, signature: `v1=${hex}`, now }),
    ).resolves.toBeUndefined();
  });

  it("refuses a MAC that differs only in its first or only in its last byte", async () => {
    const flip = (at: number) => {
      const byte = Number.parseInt(hex.slice(at, at + 2), 16) ^ 0x01;
      return `v1=${hex.slice(0, at)}${byte.toString(16).padStart(2, "0")}${hex.slice(at + 2)}`;
    };
    for (const signature of [flip(0), flip(62)]) {
      expect(signature).not.toBe(`v1=${hex}`);
      await expect(
        verifyWebhookSignature({ secret, timestamp, rawBody: body, signature, now }),
      ).rejects.toMatchObject({ code: "invalid_webhook_signature" });
    }
  });

  it("every failure, input validation included, is a rejection rather than a synchronous throw", async () => {
    let pending: Promise<void> | undefined;
    expect(() => {
      pending = verifyWebhookSignature({ secret: "", timestamp, rawBody: body, signature: "" });
    }).not.toThrow();
    await expect(pending).rejects.toMatchObject({ code: "invalid_options" });
  });
});
