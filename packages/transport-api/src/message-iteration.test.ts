// iterMessages against the dev server: every page, each message fetched and decrypted, its
// attachments written to downloadDir; options checked at the call; a message deleted between the
// listing and its fetch skipped.
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { FetchedMessage } from "./client.js";
import { errorOf, sampleBytes } from "./testing/fixtures.js";
import { type Platform, RECEIVER, startPlatform } from "./testing/platform.js";

const files = [sampleBytes(5_000, 31), sampleBytes(6_000, 32), sampleBytes(7_000, 33)];

let platform: Platform;
let dir: string;

beforeAll(async () => {
  platform = await startPlatform({ attachmentProcessingMs: 0 });
  const mailer = platform.mailer();
  for (const [i, content] of files.entries()) {
    await mailer.send({
      to: RECEIVER,
      subject: `iter ${i}`,
      text: `body ${i}`,
      attachments: [{ filename: `file-${i}.bin`, content }],
      encrypt: { body: true, attachments: true },
    });
  }
}, 60_000);
afterAll(async () => {
  await platform?.stop();
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "agentmail-iter-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function all(iterator: AsyncIterable<FetchedMessage>): Promise<FetchedMessage[]> {
  const out: FetchedMessage[] = [];
  for await (const message of iterator) out.push(message);
  return out;
}

describe("iterMessages", () => {
  it("walks every page, decrypting each message and writing its attachments to downloadDir", async () => {
    platform.server.requests.clear();
    const messages = await all(
      platform.inbox.iterMessages(
        { q: "iter", limit: 1, includeArchived: true },
        { decryptWith: platform.receiverKey, downloadDir: dir },
      ),
    );
    expect(messages.map((m) => [m.subject, m.bodyTextDecrypted])).toEqual([
      ["iter 0", "body 0"],
      ["iter 1", "body 1"],
      ["iter 2", "body 2"],
    ]);
    // One page per message (limit 1), plus the empty-cursor end.
    expect(platform.server.requests.count({ method: "GET", path: /^\/inbox/ })).toBe(3);
    for (const [i, message] of messages.entries()) {
      expect(message.attachments).toMatchObject([
        { path: join(dir, `file-${i}.bin`), bytes: null, decrypted: true },
      ]);
      expect(new Uint8Array(await readFile(join(dir, `file-${i}.bin`)))).toEqual(files[i]);
    }
    expect((await readdir(dir)).sort()).toEqual(["file-0.bin", "file-1.bin", "file-2.bin"]);
  });

  it("without downloadDir the attachments are in memory", async () => {
    const messages = await all(
      platform.inbox.iterMessages({ q: "iter 1" }, { decryptWith: platform.receiverKey }),
    );
    expect(messages).toHaveLength(1);
    expect(messages[0]?.attachments[0]).toMatchObject({ decrypted: true, bytes: files[1] });
  });

  it("refuses unknown options and query keys by name at the call, before any request", () => {
    platform.server.requests.clear();
    expect(() =>
      platform.inbox.iterMessages({}, { decryptWth: platform.receiverKey } as never),
    ).toThrow(
      expect.objectContaining({
        code: "invalid_options",
        message: expect.stringContaining("decryptWth"),
      }),
    );
    expect(() => platform.inbox.iterMessages({ pageSize: 5 } as never)).toThrow(
      expect.objectContaining({
        code: "invalid_options",
        message: expect.stringContaining("pageSize"),
      }),
    );
    expect(platform.server.requests.count()).toBe(0);
  });

  it("a fetch failure other than not_found ends the iteration with its error", async () => {
    const seen: string[] = [];
    const error = await errorOf(
      (async () => {
        const options = { downloadDir: join(dir, "missing", "x") };
        for await (const message of platform.inbox.iterMessages({ q: "iter" }, options)) {
          seen.push(message.subject);
        }
      })(),
    );
    expect(error).toMatchObject({
      code: "invalid_options",
      message: expect.stringContaining("downloadDir"),
    });
    expect(seen).toEqual([]);
  });

  it("skips a message deleted between the listing and its fetch", async () => {
    const mailer = platform.mailer();
    for (const n of [0, 1, 2]) await mailer.send({ to: RECEIVER, subject: `gone ${n}`, text: "x" });
    const seen: string[] = [];
    for await (const message of platform.inbox.iterMessages({ q: "gone", limit: 10 })) {
      seen.push(message.subject);
      // The page of three is listed already: the second goes before its fetch.
      if (seen.length === 1) {
        const page = await platform.inbox.listInbox({ q: "gone 1" });
        await platform.inbox.deleteMessage(page.items[0]?.id ?? "");
      }
    }
    expect(seen).toEqual(["gone 0", "gone 2"]);
  });
});
