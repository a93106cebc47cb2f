// A streamed attachment larger than SES can take is read only until the message can no longer
// fit, then cancelled: a 1 GiB stream through createMailer + sesTransport costs what the limit
// allows, pulls at most one chunk past it, and no request is made.
import { createMailer, Limits, type PreparedAttachment } from "@assmbl/core";
import { lazyRandomStream, meteredStream, rssMeter } from "@assmbl/testing/large-stream";
import { SESClient } from "@aws-sdk/client-ses";
import { SESv2Client } from "@aws-sdk/client-sesv2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DUMMY_CREDENTIALS,
  errorOf,
  FROM,
  MAIL_DOMAIN,
  preparePlain,
  stubClient,
} from "./testing/fixtures.js";
import { type HostileSes, startHostileSes } from "./testing/hostile-ses.js";
import { sesTransport } from "./transport.js";

const MiB = 1024 * 1024;
const CHUNK = 64 * 1024;

// Any request at all would be a failure: the server only counts them.
let server: HostileSes;
beforeAll(async () => {
  server = await startHostileSes("silent");
});
afterAll(async () => {
  await server?.stop();
});

const clients = {
  v1: () =>
    new SESClient({
      endpoint: server.endpoint,
      region: "us-east-1",
      credentials: DUMMY_CREDENTIALS,
    }),
  v2: () =>
    new SESv2Client({
      endpoint: server.endpoint,
      region: "us-east-1",
      credentials: DUMMY_CREDENTIALS,
    }),
};

describe.each([
  ["v1", Limits.sesV1MessageBytes],
  ["v2", Limits.sesV2MessageBytes],
] as const)("SES %s and a 1 GiB stream", (api, limit) => {
  it("cancels it at the limit, fails message_too_large, with flat memory and no request", async () => {
    const mailer = createMailer(sesTransport({ client: clients[api](), timeoutMs: 1_000 }), {
      from: FROM,
      mailDomain: MAIL_DOMAIN,
    });
    const meter = rssMeter();
    const source = meteredStream(1024 * MiB, meter);
    const error = await errorOf(
      mailer.send({
        to: "other-agent@agents.example.com",
        subject: "too big",
        text: "attached",
        attachments: [{ filename: "huge.bin", content: source.stream }],
      }),
    );
    meter.sample();

    expect(error.code).toBe("message_too_large");
    expect(error.message).toContain(`SES ${api} accepts at most ${limit} bytes`);
    expect(error.message).toContain("huge.bin");
    expect(source.cancelled()).toBe(true);
    // Base64 makes 4 of every 3 bytes: past 3/4 of the limit no message can fit. What was
    // pulled: that budget and the one chunk that crossed it.
    const budget = Math.floor((limit * 3) / 4);
    expect(source.produced()).toBeGreaterThan(budget);
    expect(source.produced()).toBeLessThanOrEqual(budget + CHUNK);
    expect(source.produced()).toBeLessThanOrEqual(limit + CHUNK);
    expect(meter.peakGrowth()).toBeLessThan(64 * MiB);
    expect(server.requests()).toBe(0);
  });
});

describe("a stream within 3/4 of the limit", () => {
  it("is read whole and then measured exactly: sent when it fits, refused when it does not", async () => {
    const { client, commands } = stubClient("v1");
    const prepared = await preparePlain({
      to: "other-agent@agents.example.com",
      subject: "s",
      text: "t",
      attachments: [{ filename: "a.bin", content: new Uint8Array(1) }],
    });
    const manifest = prepared.attachments[0]?.manifest as PreparedAttachment["manifest"];
    const send = (bytes: number) =>
      sesTransport({ client }).send(
        {
          ...prepared,
          attachments: [{ manifest: manifest, content: lazyRandomStream(bytes).stream }],
        },
        {},
      );
    // 7 MiB is about 9.6 MiB as base64 lines: it fits SES v1's 10 MiB.
    await send(7 * MiB);
    expect(commands).toHaveLength(1);
    // 7.4 MiB is under the 7.5 MiB read budget but about 10.1 MiB once encoded.
    const error = await errorOf(send(Math.round(7.4 * MiB)));
    expect(error.code).toBe("message_too_large");
    expect(error.message).toMatch(/the message is \d{8} bytes after encoding/);
    expect(commands).toHaveLength(1);
  });
});

describe("streams on a send that fails", () => {
  /** A stream that records whether it was cancelled; `stall` never delivers a chunk. */
  const tracked = (chunks: Uint8Array[], stall = false) => {
    const state = { cancelled: false };
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (stall) return new Promise<void>(() => {});
        const next = chunks.shift();
        if (next) controller.enqueue(next);
        else controller.close();
      },
      cancel() {
        state.cancelled = true;
      },
    });
    return { stream, state };
  };

  it("every stream after the one that failed is cancelled, not left open", async () => {
    const { client, commands } = stubClient("v1");
    const prepared = await preparePlain({
      to: "other-agent@agents.example.com",
      subject: "s",
      text: "t",
      attachments: [
        { filename: "a.bin", content: new Uint8Array(1) },
        { filename: "b.bin", content: new Uint8Array(1) },
      ],
    });
    const failing = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error(new Error("disk gone"));
      },
    });
    const second = tracked([new Uint8Array(10)]);
    const [a, b] = prepared.attachments as [PreparedAttachment, PreparedAttachment];
    const error = await errorOf(
      sesTransport({ client }).send(
        {
          ...prepared,
          attachments: [
            { manifest: a.manifest, content: failing },
            { manifest: b.manifest, content: second.stream },
          ],
        },
        {},
      ),
    );
    expect(error.code).toBe("invalid_attachment");
    expect(second.state.cancelled).toBe(true);
    expect(commands).toHaveLength(0);
  });

  it("an abort ends the wait on a stalled stream, and cancels it", async () => {
    const { client, commands } = stubClient("v1");
    const prepared = await preparePlain({
      to: "other-agent@agents.example.com",
      subject: "s",
      text: "t",
      attachments: [{ filename: "a.bin", content: new Uint8Array(1) }],
    });
    const stalled = tracked([], true);
    const controller = new AbortController();
    const [a] = prepared.attachments as [PreparedAttachment];
    const sending = sesTransport({ client }).send(
      { ...prepared, attachments: [{ manifest: a.manifest, content: stalled.stream }] },
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort(new Error("stop")), 20);
    const error = await errorOf(sending);
    expect(error.code).toBe("aborted");
    expect(stalled.state.cancelled).toBe(true);
    expect(commands).toHaveLength(0);
  });
});
