import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { createAgentMailClient } from "./index.js";
import { eachItem } from "./paging.js";

describe("cursor paging", () => {
  it("walks every page until there is no next cursor", async () => {
    const pages: Record<string, { items: number[]; nextCursor: string | null }> = {
      first: { items: [1, 2], nextCursor: "b" },
      b: { items: [3], nextCursor: "c" },
      c: { items: [], nextCursor: null },
    };
    const seen: number[] = [];
    for await (const item of eachItem(
      undefined,
      async (cursor) => pages[cursor ?? "first"] ?? { items: [], nextCursor: null },
      "test",
    )) {
      seen.push(item);
    }
    expect(seen).toEqual([1, 2, 3]);
  });

  it("stops with invalid_response when the server hands back a cursor it gave before (a loop)", async () => {
    const cycle: Record<string, string> = { start: "x", x: "y", y: "x" };
    const items: string[] = [];
    const error = await (async () => {
      for await (const item of eachItem(
        undefined,
        async (cursor) => ({
          items: [cursor ?? "start"],
          nextCursor: cycle[cursor ?? "start"] ?? null,
        }),
        "iterTest",
      )) {
        items.push(item);
      }
    })().catch((caught: { code?: string; message?: string }) => caught);
    expect(error).toMatchObject({ code: "invalid_response" });
    expect(items).toEqual(["start", "x", "y"]);
  });

  it("iterInbox against a server that always answers the same cursor ends instead of looping", async () => {
    let requests = 0;
    const server = createServer((_request, response) => {
      requests += 1;
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ items: [], next_cursor: "again" }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const client = createAgentMailClient({ baseUrl: `http://127.0.0.1:${port}`, token: "t" });
      const error = await (async () => {
        for await (const _item of client.iterInbox()) {
          // no items
        }
      })().catch((caught: { code?: string }) => caught);
      expect(error).toMatchObject({ code: "invalid_response" });
      expect(requests).toBe(2);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
