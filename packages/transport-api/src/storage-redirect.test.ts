// The storage POST refuses a redirect under both redirect modes: "error" (Node, Bun, Deno: fetch
// refuses it) and "manual" (Cloudflare Workers, which reject "error": the answer is checked
// here). Against a loopback storage answering 302; the mode is forced through uploadContent's
// `redirect` parameter, and the fetch given to the client records which mode each POST used.
import { AgentMailError } from "@assmbl/core";
import { afterEach, describe, expect, it } from "vitest";
import { createApiHttp } from "./http.js";
import { RetryOptionsSchema } from "./options.js";
import { type StorageRedirect, storageRedirectMode } from "./storage-post.js";
import { errorOf, fakeRuntime, sampleBytes, streamOf } from "./testing/fixtures.js";
import {
  type ScriptedAnswer,
  type ScriptedServer,
  scriptedServer,
} from "./testing/scripted-server.js";
import { uploadContent } from "./upload.js";

const PRESIGNED: ScriptedAnswer = {
  status: 200,
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ object_key: "uploads/k", upload: { url: "/storage", fields: {} } }),
};

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

/** An upload against `storage`'s answer, with retries allowed (so a retry would show). */
async function upload(
  storage: ScriptedAnswer,
  redirect: StorageRedirect | undefined,
  content: Uint8Array | ReadableStream<Uint8Array> = sampleBytes(1000),
) {
  server = await scriptedServer([PRESIGNED, storage]);
  const modes: (RequestRedirect | undefined)[] = [];
  const runtime = fakeRuntime();
  const http = createApiHttp(
    {
      baseUrl: server.url,
      token: "am_t",
      retry: RetryOptionsSchema.parse({ limit: 3 }),
      timeoutMs: 5_000,
      fetch: (input, init) => {
        if (String(input).endsWith("/storage")) modes.push(init?.redirect);
        return globalThis.fetch(input, init);
      },
    },
    runtime,
  );
  const file = { index: 0, filename: "a.bin", contentType: "application/octet-stream", content };
  const result =
    redirect === undefined ? uploadContent(http, file) : uploadContent(http, file, redirect);
  return { result, modes, runtime, urls: () => server?.requests.map((r) => r.url) };
}

describe("the storage POST's redirect mode", () => {
  it("is 'error' on Node (fetch refuses redirects itself, and keeps no copy of the body)", async () => {
    expect(storageRedirectMode()).toBe("error");
    const { result, modes } = await upload({ status: 204 }, undefined);
    await expect(result).resolves.toEqual({ objectKey: "uploads/k", size: 1000 });
    expect(modes).toEqual(["error"]);
  });

  it("is 'manual' where the Request constructor rejects 'error', as workerd's does", () => {
    class WorkerdRequest extends Request {
      constructor(input: RequestInfo | URL, init?: RequestInit) {
        if (init?.redirect === "error") {
          throw new TypeError(
            'Invalid redirect value, must be one of "follow" or "manual" ("error" won\'t be implemented since it does not make sense at the edge; use "manual" and check the response status code).',
          );
        }
        super(input, init);
      }
    }
    expect(storageRedirectMode(WorkerdRequest)).toBe("manual");
    // A stand-in's answer is not remembered for the runtime's own Request.
    expect(storageRedirectMode()).toBe("error");
  });

  it("'manual': a browser's opaqueredirect answer (status 0) is refused as a redirect", async () => {
    server = await scriptedServer([PRESIGNED]);
    // What a browser's fetch gives back for a redirect under "manual": the 3xx is hidden.
    const opaque = new Response(null);
    Object.defineProperties(opaque, {
      type: { value: "opaqueredirect" },
      status: { value: 0 },
      ok: { value: false },
    });
    const http = createApiHttp(
      {
        baseUrl: server.url,
        token: "am_t",
        retry: RetryOptionsSchema.parse({ limit: 3 }),
        timeoutMs: 5_000,
        fetch: async (input, init) =>
          String(input).endsWith("/storage") ? opaque : globalThis.fetch(input, init),
      },
      fakeRuntime(),
    );
    const file = {
      index: 0,
      filename: "a.bin",
      contentType: "text/plain",
      content: sampleBytes(10),
    };
    const error = await errorOf(uploadContent(http, file, "manual"));
    expect(error).toMatchObject({ code: "invalid_response", retryable: false });
    expect(error.message).toContain("storage answered with a redirect");
  });

  it("'manual' still uploads when storage answers 2xx", async () => {
    const { result, modes } = await upload({ status: 204 }, "manual");
    await expect(result).resolves.toEqual({ objectKey: "uploads/k", size: 1000 });
    expect(modes).toEqual(["manual"]);
  });
});

describe.each(["error", "manual"] as const)("redirect mode %s: a redirect from storage", (mode) => {
  it("is invalid_response, neither followed nor retried", async () => {
    const { result, modes, runtime, urls } = await upload(
      { status: 302, headers: { location: "/elsewhere" } },
      mode,
    );
    const error = await errorOf(result);
    expect(AgentMailError.is(error)).toBe(true);
    expect(error).toMatchObject({ code: "invalid_response", retryable: false });
    expect(error.message).toContain(
      "upload of attachment 0 (a.bin): storage answered with a redirect",
    );
    expect(urls()).toEqual(["/attachments/uploads", "/storage"]);
    expect(modes).toEqual([mode]);
    expect(runtime.sleeps).toEqual([]);
  });

  it("a 302 without a Location is refused alike", async () => {
    const { result, urls } = await upload({ status: 302 }, mode);
    const error = await errorOf(result);
    expect(error).toMatchObject({ code: "invalid_response", retryable: false });
    expect(error.message).toContain("storage answered with a redirect");
    expect(urls()).toEqual(["/attachments/uploads", "/storage"]);
  });

  it("a streamed file: invalid_response too (not upload_failed: nothing to retry)", async () => {
    const { result, urls } = await upload(
      { status: 307, headers: { location: "/elsewhere" } },
      mode,
      streamOf(sampleBytes(200_000), 64 * 1024),
    );
    const error = await errorOf(result);
    expect(error).toMatchObject({ code: "invalid_response", retryable: false });
    expect(error.message).toContain("storage answered with a redirect");
    expect(urls()).toEqual(["/attachments/uploads", "/storage"]);
  });
});
