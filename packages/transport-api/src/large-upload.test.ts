// A large streamed attachment goes through createMailer + apiTransport with flat memory, to a
// loopback storage that hashes and discards it; and the storage POST never follows a redirect
// (following one is what made fetch keep a copy of the whole body).
import { createMailer, decodeManifest } from "@assmbl/core";
import { lazyRandomStream, meteredStream, rssMeter } from "@assmbl/testing/large-stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { multipartBody } from "./multipart.js";
import {
  type DiscardingPlatform,
  startDiscardingPlatform,
} from "./testing/discarding-platform.mjs";
import { errorOf, sampleBytes, streamOf } from "./testing/fixtures.js";
import { scriptedServer } from "./testing/scripted-server.js";
import { apiTransport } from "./transport.js";

const MiB = 1024 * 1024;
const from = "bench@agents.example.com";
const to = "sink@agents.example.com";

let platform: DiscardingPlatform;
beforeAll(async () => {
  platform = await startDiscardingPlatform();
});
afterAll(async () => {
  await platform?.stop();
});

describe("a large streamed attachment", () => {
  it("uploads 256 MiB with peak RSS growth under 64 MiB, every byte received", async () => {
    const mailer = createMailer(apiTransport({ baseUrl: platform.url, token: "t0ken" }), {
      from,
      mailDomain: "agents.example.com",
    });
    // Warm up first (undici, JIT), so the baseline holds what any send loads once.
    await mailer.send({
      to,
      subject: "warm-up",
      text: "x",
      attachments: [{ filename: "w.bin", content: streamOf(sampleBytes(MiB), 64 * 1024) }],
    });
    const meter = rssMeter();
    const source = meteredStream(256 * MiB, meter);
    await mailer.send({
      to,
      subject: "big",
      text: "attached",
      attachments: [{ filename: "big.bin", content: source.stream }],
    });
    meter.sample();

    expect(meter.peakGrowth()).toBeLessThan(64 * MiB);
    expect(source.produced()).toBe(256 * MiB);
    const request = platform.sends.at(-1) as {
      attachments: { object_key: string }[];
      headers: Record<string, string>;
    };
    const objectKey = request.attachments[0]?.object_key ?? "";
    expect(platform.stored.get(objectKey)).toEqual({
      bytes: 256 * MiB,
      sha256: source.sha256(),
    });
    // The manifest carries the streamed file's real size, learnt as it went out.
    const [row] = decodeManifest(request.headers["X-AgentMail-Attachments"] ?? "");
    expect(row?.size).toBe(256 * MiB);
  });
});

describe("multipartBody", () => {
  it("pulls one chunk from the file stream per chunk read from the form: no read-ahead", async () => {
    const source = lazyRandomStream(10 * 64 * 1024);
    const form = multipartBody(
      { key: "k" },
      {
        name: "file",
        filename: "a.bin",
        contentType: "application/octet-stream",
        content: source.stream,
      },
    );
    const reader = form.body.getReader();
    await reader.read(); // the fields and the file's part headers
    expect(source.produced()).toBe(0);
    for (let i = 1; i <= 3; i++) {
      await reader.read();
      expect(source.produced()).toBe(i * 64 * 1024);
    }
    await reader.cancel("done");
    expect(source.cancelled()).toBe(true);
  });
});

describe("the storage POST", () => {
  it("refuses a redirect instead of following it, once, as invalid_response", async () => {
    const server = await scriptedServer([
      {
        status: 200,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ object_key: "uploads/k", upload: { url: "/storage", fields: {} } }),
      },
      { status: 307, headers: { location: "/elsewhere" } },
    ]);
    try {
      const mailer = createMailer(apiTransport({ baseUrl: server.url, token: "t0ken" }), {
        from,
        mailDomain: "agents.example.com",
      });
      const error = await errorOf(
        mailer.send({
          to,
          subject: "s",
          text: "t",
          attachments: [{ filename: "a.bin", content: sampleBytes(1000) }],
        }),
      );
      expect(error.code).toBe("invalid_response");
      expect(error.message).toContain("storage answered with a redirect");
      // Neither followed (/elsewhere) nor retried, and /send never called.
      expect(server.requests.map((r) => r.url)).toEqual(["/attachments/uploads", "/storage"]);
    } finally {
      await server.stop();
    }
  });
});
