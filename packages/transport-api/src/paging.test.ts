import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { createAgentMailClient } from "./index.js";
import { eachItem, MAX_EMPTY_PAGES_IN_A_ROW, MAX_PAGES_PER_ITERATION } from "./paging.js";

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

  it("stops when the server hands back the caller's own starting cursor", async () => {
    const asked: (string | undefined)[] = [];
    const error = await (async () => {
      for await (const _item of eachItem(
        "start",
        async (cursor) => {
          asked.push(cursor);
          return { items: [cursor], nextCursor: "start" };
        },
        "iterTest",
      )) {
        // one item a page
      }
    })().catch((caught: { code?: string }) => caught);
    expect(error).toMatchObject({ code: "invalid_response" });
    expect(asked).toEqual(["start"]);
  });

  it("iterBillingUsage ends after ten empty pages in a row that each name a fresh next page", async () => {
    const urls: string[] = [];
    const server = createServer((request, response) => {
      urls.push(request.url ?? "");
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ items: [], next_cursor: `c${urls.length}` }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const client = createAgentMailClient({ baseUrl: `http://127.0.0.1:${port}`, token: "t" });
      const error = await (async () => {
        for await (const _row of client.iterBillingUsage()) {
          // no rows
        }
      })().catch((caught: { code?: string; message?: string }) => caught);
      expect(error).toMatchObject({ code: "invalid_response" });
      expect((error as Error).message).toContain("empty pages in a row");
      expect(urls).toHaveLength(MAX_EMPTY_PAGES_IN_A_ROW);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("an empty page between full ones does not count toward the limit", async () => {
    let page = 0;
    const items: number[] = [];
    for await (const item of eachItem(
      undefined,
      async () => {
        page += 1;
        // Nine empty pages, one full one, nine empty, ... for 40 pages: never ten in a row.
        return {
          items: page % 10 === 0 ? [page] : [],
          nextCursor: page < 40 ? `c${page}` : null,
        };
      },
      "iterTest",
    )) {
      items.push(item);
    }
    expect(items).toEqual([10, 20, 30, 40]);
  });

  it(`remembers at most ${MAX_PAGES_PER_ITERATION} cursors, then stops with invalid_response`, async () => {
    let pages = 0;
    const error = await (async () => {
      for await (const _item of eachItem(
        undefined,
        async () => {
          pages += 1;
          return { items: [pages], nextCursor: `c${pages}` };
        },
        "iterTest",
      )) {
        // one item a page
      }
    })().catch((caught: { code?: string; message?: string }) => caught);
    expect(error).toMatchObject({ code: "invalid_response" });
    expect((error as Error).message).toContain(`more than ${MAX_PAGES_PER_ITERATION} pages`);
    expect(pages).toBe(MAX_PAGES_PER_ITERATION + 1);
  });
});
