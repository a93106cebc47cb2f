// Expected signatures are computed here with node:crypto, independently of the code under test.
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { verifyWebhookSignature } from "./webhook.js";

const secret = "whsec_k3y-\u00e9t\u00e9";
const body = '{"event":"message.received","message_id":"m-1","subject":"Caf\u00e9"}';
const now = Date.parse("2026-03-01T12:00:00Z");
const timestamp = String(now / 1000);

function sign(key: string, ts: string, raw: string | Uint8Array): string {
  return `v1=${createHmac("sha256", Buffer.from(key, "utf8")).update(`${ts}.`).update(raw).digest("hex")}`;
}

async function failure(run: () => Promise<void>): Promise<{ code: string; message: string }> {
  try {
    await run();
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error("expected verifyWebhookSignature to reject");
}

async function failureCode(run: () => Promise<void>): Promise<string> {
  return (await failure(run)).code;
}

describe("verifyWebhookSignature", () => {
  it("accepts the platform's signature over the raw body, as text or bytes", async () => {
    const signature = sign(secret, timestamp, body);
    await expect(
      verifyWebhookSignature({ secret, timestamp, rawBody: body, signature, now }),
    ).resolves.toBeUndefined();
    await expect(
      verifyWebhookSignature({
        secret,
        timestamp: Number(timestamp),
        rawBody: Buffer.from(body, "utf8"),
        signature: signature.toUpperCase().replace("V1=", "v1="),
        now: new Date(now),
      }),
    ).resolves.toBeUndefined();
  });

  it("refuses a tampered body", async () => {
    const signature = sign(secret, timestamp, body);
    const error = await failure(() =>
      verifyWebhookSignature({
        secret,
        timestamp,
        rawBody: body.replace("m-1", "m-2"),
        signature,
        now,
      }),
    );
    expect(error.code).toBe("invalid_webhook_signature");
    // A body that is the same JSON re-serialised is not the raw body.
    const reformatted = JSON.stringify(JSON.parse(body), null, 1);
    expect(
      await failureCode(() =>
        verifyWebhookSignature({ secret, timestamp, rawBody: reformatted, signature, now }),
      ),
    ).toBe("invalid_webhook_signature");
  });

  it("refuses a signature made with another secret, without naming either secret", async () => {
    const signature = sign("whsec_other", timestamp, body);
    const error = await failure(() =>
      verifyWebhookSignature({ secret, timestamp, rawBody: body, signature, now }),
    );
    expect(error.code).toBe("invalid_webhook_signature");
    expect(error.message).not.toContain(secret);
    expect(error.message).not.toContain(signature.slice(3));
  });

  it("refuses a signature over another timestamp", async () => {
    const signature = sign(secret, String(Number(timestamp) - 1), body);
    expect(
      await failureCode(() =>
        verifyWebhookSignature({ secret, timestamp, rawBody: body, signature, now }),
      ),
    ).toBe("invalid_webhook_signature");
  });

  it("refuses a timestamp further than maxSkewSeconds from now, either way", async () => {
    for (const skew of [301, -301]) {
      const ts = String(Number(timestamp) + skew);
      const error = await failure(() =>
        verifyWebhookSignature({
          secret,
          timestamp: ts,
          rawBody: body,
          signature: sign(secret, ts, body),
          now,
        }),
      );
      expect(error.code).toBe("webhook_timestamp_out_of_range");
      expect(error.message).toMatch(/301 s from now; at most 300 s/);
    }
    const edge = String(Number(timestamp) - 300);
    await expect(
      verifyWebhookSignature({
        secret,
        timestamp: edge,
        rawBody: body,
        signature: sign(secret, edge, body),
        now,
      }),
    ).resolves.toBeUndefined();
    const old = String(Number(timestamp) - 3_600);
    await expect(
      verifyWebhookSignature({
        secret,
        timestamp: old,
        rawBody: body,
        signature: sign(secret, old, body),
        maxSkewSeconds: 7_200,
        now,
      }),
    ).resolves.toBeUndefined();
  });

  it("checks the signature before the clock: a forged old request learns nothing about skew", async () => {
    const ts = String(Number(timestamp) - 10_000);
    expect(
      await failureCode(() =>
        verifyWebhookSignature({
          secret,
          timestamp: ts,
          rawBody: body,
          signature: sign("x", ts, body),
          now,
        }),
      ),
    ).toBe("invalid_webhook_signature");
  });

  it("a signed timestamp that is not Unix seconds is out of range", async () => {
    const ts = "2026-03-01T12:00:00Z";
    expect(
      await failureCode(() =>
        verifyWebhookSignature({
          secret,
          timestamp: ts,
          rawBody: body,
          signature: sign(secret, ts, body),
          now,
        }),
      ),
    ).toBe("webhook_timestamp_out_of_range");
  });

  it("missing or malformed headers are invalid signatures", async () => {
    const signature = sign(secret, timestamp, body);
    for (const input of [
      { timestamp, signature: null },
      { timestamp, signature: undefined },
      { timestamp: null, signature },
      { timestamp, signature: signature.slice(3) },
      { timestamp, signature: `v2=${signature.slice(3)}` },
      { timestamp, signature: `${signature}00` },
    ]) {
      expect(
        await failureCode(() => verifyWebhookSignature({ secret, rawBody: body, now, ...input })),
      ).toBe("invalid_webhook_signature");
    }
  });

  it("rejects unknown options by name, and a parsed body", async () => {
    const signature = sign(secret, timestamp, body);
    const unknown = await failure(() =>
      verifyWebhookSignature({
        secret,
        timestamp,
        rawBody: body,
        signature,
        now,
        tolerance: 5,
      } as never),
    );
    expect(unknown.code).toBe("invalid_options");
    expect(unknown.message).toMatch(/unknown option "tolerance"/);
    const parsed = await failure(() =>
      verifyWebhookSignature({
        secret,
        timestamp,
        rawBody: JSON.parse(body),
        signature,
        now,
      } as never),
    );
    expect(parsed.code).toBe("invalid_options");
    expect(parsed.message).toMatch(/rawBody.*raw body/);
  });
});
