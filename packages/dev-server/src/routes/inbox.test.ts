import { InboxPageSchema, Routes } from "@assmbl/core";
import { describe, expect, it } from "vitest";
import type { DevServer } from "../server.js";
import { expectProblem, useServers } from "../testing/helpers.js";
import { call, MY_TOKEN, OTHER_TOKEN, PLATFORM_AGENTS } from "../testing/platform.js";

const serve = useServers();

async function page(server: DevServer, query: string, token = MY_TOKEN) {
  const response = await call(server, `${Routes.listInbox.path}${query}`, token);
  expect(response.status).toBe(200);
  return InboxPageSchema.parse(await response.json());
}

/** Every subject, following next_cursor from the first page. */
async function allSubjects(server: DevServer, query: string): Promise<string[]> {
  const subjects: string[] = [];
  let cursor: string | null = null;
  do {
    const separator = query === "" ? "?" : "&";
    const suffix: string =
      cursor === null ? "" : `${separator}cursor=${encodeURIComponent(cursor)}`;
    const result = await page(server, `${query}${suffix}`);
    subjects.push(...result.items.map((item) => item.Subject));
    cursor = result.next_cursor;
  } while (cursor !== null);
  return subjects;
}

function deliver(server: DevServer, subject: string, from = "other-agent@agents.localhost") {
  return server.store.deliver("my-agent", `From: ${from}\r\nSubject: ${subject}\r\n\r\nbody\r\n`);
}

describe(`${Routes.listInbox.method} ${Routes.listInbox.path}`, () => {
  it("lists the caller's messages oldest first, with every field, and nobody else's", async () => {
    const server = await serve({ agents: PLATFORM_AGENTS });
    const first = deliver(server, "one");
    deliver(server, "two", "Stranger <stranger@elsewhere.example>");
    server.store.deliver("other-agent", "Subject: not yours\r\n\r\n");
    const result = await page(server, "");
    expect(result.next_cursor).toBeNull();
    expect(result.items).toEqual([
      {
        MessageID: first.id,
        Sender: "other-agent@agents.localhost",
        SenderVerified: true,
        Subject: "one",
        ReceivedAt: first.receivedAt.toISOString(),
        Labels: [],
        IsRead: false,
        IsArchived: false,
      },
      expect.objectContaining({
        Sender: "stranger@elsewhere.example",
        SenderVerified: false,
        Subject: "two",
      }),
    ]);
    expect((await page(server, "", OTHER_TOKEN)).items.map((item) => item.Subject)).toEqual([
      "not yours",
    ]);
  });

  it("pages with limit and next_cursor (default 20, at most 100)", async () => {
    const server = await serve({ agents: PLATFORM_AGENTS });
    const subjects = Array.from({ length: 45 }, (_, i) => `m${i}`);
    for (const subject of subjects) deliver(server, subject);
    const first = await page(server, "");
    expect(first.items).toHaveLength(20);
    expect(first.next_cursor).toEqual(expect.any(String));
    expect(await allSubjects(server, "?limit=7")).toEqual(subjects);
    expect(await allSubjects(server, "?limit=100")).toEqual(subjects);
    const exact = await page(server, "?limit=45");
    expect(exact.items).toHaveLength(45);
    expect(exact.next_cursor).toBeNull();
  });

  it("stays correct when messages are deleted between pages", async () => {
    const server = await serve({ agents: PLATFORM_AGENTS });
    const messages = Array.from({ length: 6 }, (_, i) => deliver(server, `m${i}`));
    const first = await page(server, "?limit=2");
    expect(first.items.map((item) => item.Subject)).toEqual(["m0", "m1"]);
    // Delete the last message of the page and the first of the next one.
    server.store.deleteMessage(messages[1]?.id ?? "");
    const deleted = await call(server, `/messages/${messages[2]?.id}`, MY_TOKEN, "DELETE");
    expect(deleted.status).toBe(204);
    const second = await page(server, `?limit=2&cursor=${first.next_cursor}`);
    expect(second.items.map((item) => item.Subject)).toEqual(["m3", "m4"]);
    const third = await page(server, `?limit=2&cursor=${second.next_cursor}`);
    expect(third.items.map((item) => item.Subject)).toEqual(["m5"]);
    expect(third.next_cursor).toBeNull();
  });

  it("filters by verified_only, q, label, is_read and include_archived, across pages", async () => {
    const server = await serve({ agents: PLATFORM_AGENTS });
    const { store } = server;
    const invoice = deliver(server, "Invoice March");
    const spam = deliver(server, "cheap pills", "spammer@elsewhere.example");
    const archived = deliver(server, "old invoice");
    const read = deliver(server, "Status report", "Third-Agent@agents.localhost");
    store.updateMessage(invoice.id, { labels: ["billing", "q1"] });
    store.updateMessage(archived.id, { labels: ["billing"], isArchived: true });
    store.updateMessage(read.id, { isRead: true });
    void spam;

    expect(await allSubjects(server, "")).toEqual([
      "Invoice March",
      "cheap pills",
      "Status report",
    ]);
    expect(await allSubjects(server, "?limit=1&include_archived=true")).toEqual([
      "Invoice March",
      "cheap pills",
      "old invoice",
      "Status report",
    ]);
    expect(await allSubjects(server, "?include_archived=false")).toEqual([
      "Invoice March",
      "cheap pills",
      "Status report",
    ]);
    expect(await allSubjects(server, "?limit=1&verified_only=true")).toEqual([
      "Invoice March",
      "Status report",
    ]);
    expect(await allSubjects(server, "?verified_only=false")).toHaveLength(3);
    expect(await allSubjects(server, "?limit=1&q=INVOICE")).toEqual(["Invoice March"]);
    expect(await allSubjects(server, "?q=invoice&include_archived=true")).toEqual([
      "Invoice March",
      "old invoice",
    ]);
    expect(await allSubjects(server, "?q=THIRD-agent")).toEqual(["Status report"]);
    expect(await allSubjects(server, "?q=elsewhere.example")).toEqual(["cheap pills"]);
    expect(await allSubjects(server, "?label=billing")).toEqual(["Invoice March"]);
    expect(await allSubjects(server, "?label=billing&include_archived=true")).toEqual([
      "Invoice March",
      "old invoice",
    ]);
    expect(await allSubjects(server, "?label=q2")).toEqual([]);
    expect(await allSubjects(server, "?is_read=true")).toEqual(["Status report"]);
    expect(await allSubjects(server, "?limit=1&is_read=false")).toEqual([
      "Invoice March",
      "cheap pills",
    ]);
    const labelled = await page(server, "?label=q1");
    expect(labelled.items[0]?.Labels).toEqual(["billing", "q1"]);
  });

  it("counts SES-endpoint and store deliveries as verified only when the sender is a known agent on the mail domain", async () => {
    const server = await serve({ agents: PLATFORM_AGENTS });
    deliver(server, "known", "my-agent@agents.localhost");
    deliver(server, "unknown local", "nobody@agents.localhost");
    deliver(server, "other domain", "other-agent@agents.example.com");
    server.store.deliver("my-agent", "From: spoof@x.example\r\nSubject: forced\r\n\r\n", {
      senderVerified: true,
    });
    const items = (await page(server, "")).items;
    expect(items.map((item) => [item.Subject, item.SenderVerified])).toEqual([
      ["known", true],
      ["unknown local", false],
      ["other domain", false],
      ["forced", true],
    ]);
  });

  it.each([
    ["?foo=1", '"foo"'],
    ["?limit=0", "limit"],
    ["?limit=101", "limit"],
    ["?limit=abc", "limit"],
    ["?q=", "q"],
    ["?is_read=yes", "is_read"],
    ["?cursor=not-a-cursor", "cursor"],
    [`?cursor=${Buffer.from('{"after":-1}').toString("base64url")}`, "cursor"],
    [`?cursor=${Buffer.from('{"after":1,"x":2}').toString("base64url")}`, "cursor"],
    ...["null", "[]", '[{"after":1}]', "7", '"x"', "{}", '{"after":1e400}', '{"after":1e20}'].map(
      (json) => [`?cursor=${Buffer.from(json).toString("base64url")}`, "cursor"],
    ),
    ["?limit=1&limit=2", "limit"],
  ])("refuses %s with 400 invalid_request naming %s", async (query, name) => {
    const server = await serve({ agents: PLATFORM_AGENTS });
    const response = await call(server, `${Routes.listInbox.path}${query}`, MY_TOKEN);
    expect(await expectProblem(response, 400, "invalid_request")).toContain(name);
  });

  it("needs a known token", async () => {
    const server = await serve({ agents: PLATFORM_AGENTS });
    await expectProblem(
      await call(server, Routes.listInbox.path, "unknown-token"),
      401,
      "unauthorized",
    );
  });
});
