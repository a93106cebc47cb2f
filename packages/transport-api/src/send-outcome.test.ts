// Issue 13: a send whose first attempt was committed and its answer lost, and whose retries then
// got a plain 503, must not read as "nothing was done". Against the real dev server and its
// fault injection: the error says `outcome: "unknown"` and carries the idempotency key, and a
// caller who retries as the README says (`idempotencyKey: error.idempotencyKey`) makes no
// duplicate, counted in the recipient's inbox. A send refused before anything was written, or
// refused by every attempt, says `not_sent`.
import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import {
  AgentMailError,
  createMailer,
  type Mailer,
  type MailMessage,
  type SendResult,
} from "@assmbl/core";
import type { DevServer } from "@assmbl/dev-server";
import { startTestPlatform, type TestPlatform } from "@assmbl/testing/platform";
import { importReadmeSnippet } from "@assmbl/testing/readme";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type AgentMailClient, createAgentMailClient } from "./client.js";
import { apiTransport } from "./transport.js";

const MAIL_DOMAIN = "agents.example.com";
const SENDER = `report-bot@${MAIL_DOMAIN}`;
const RECEIVER = `other-agent@${MAIL_DOMAIN}`;
// Three retries, as by default, with no wait worth the name.
const RETRY = { limit: 3, backoffLimitMs: 2 };

let server: DevServer;
let inbox: AgentMailClient;
type SendSafely = (mailer: Mailer, message: MailMessage) => Promise<SendResult>;
let sendSafely: SendSafely;

/** The root README's "Retrying a send safely" snippet, as a user would paste it. */
async function loadReadmePattern(): Promise<SendSafely> {
  const snippet = await importReadmeSnippet(
    fileURLToPath(new URL("../../../README.md", import.meta.url)),
    {
      section: "## Retrying a send safely",
      // Resolved from this package, which installs @assmbl/core (its built dist).
      from: fileURLToPath(new URL("..", import.meta.url)),
    },
  );
  return snippet.sendSafely as SendSafely;
}

let platform: TestPlatform;

beforeAll(async () => {
  platform = await startTestPlatform({
    mailDomain: MAIL_DOMAIN,
    agents: ["report-bot", "other-agent"],
  });
  server = platform.server;
  inbox = createAgentMailClient({
    baseUrl: server.url,
    token: platform.agent("other-agent").token,
  });
  sendSafely = await loadReadmePattern();
});
afterAll(async () => {
  await platform?.close();
});
beforeEach(() => {
  server.setFaults({});
});

function mailerFor(baseUrl: string) {
  const token = server.agents["report-bot"]?.token ?? "";
  return createMailer(apiTransport({ baseUrl, token, retry: RETRY }), {
    from: SENDER,
    mailDomain: MAIL_DOMAIN,
  });
}

async function subjectsInInbox(): Promise<string[]> {
  const subjects: string[] = [];
  for await (const item of inbox.iterInbox()) subjects.push(item.subject);
  return subjects;
}

async function failureOf(promise: Promise<unknown>): Promise<AgentMailError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!AgentMailError.is(error)) throw new Error(`expected an AgentMailError, got ${error}`);
  return error;
}

describe("a send committed on a lost answer, then refused with 503 (issue 13)", () => {
  it("says outcome unknown with the key, and 28 retries by the README pattern make no duplicate", async () => {
    const mailer = mailerFor(server.url);
    // Records what each first attempt threw, and what the README's pattern then sent.
    const errors: AgentMailError[] = [];
    const retriedWith: (string | undefined)[] = [];
    const observed: Mailer = {
      ...mailer,
      send: async (message, options) => {
        if (errors.length > retriedWith.length) retriedWith.push(message.idempotencyKey);
        try {
          return await mailer.send(message, options);
        } catch (error) {
          errors.push(error as AgentMailError);
          throw error;
        }
      },
    };
    const sends = 28;
    const before = (await subjectsInInbox()).length;
    for (let i = 0; i < sends; i++) {
      // The first /send is committed and its connection cut; the three retries get 503. The
      // queue is then empty: the caller's retry goes through.
      server.setFaults({ queue: ["drop", "fail", "fail", "fail"], paths: /^\/send$/ });
      const result = await sendSafely(observed, {
        to: RECEIVER,
        subject: `task ${i}`,
        text: `result ${i}`,
      });
      expect(result.idempotencyKey).toBe(errors[i]?.idempotencyKey);
    }
    expect(errors).toHaveLength(sends);
    for (const error of errors) {
      expect(AgentMailError.is(error)).toBe(true);
      expect(error.outcome).toBe("unknown");
      expect(error.idempotencyKey).toMatch(/^idem_[0-9a-f-]{36}$/);
      expect(error.retryable).toBe(true);
      expect(error.message).not.toMatch(/nothing was (sent|done)/i);
      expect(error.message).toMatch(/may have been sent/);
      expect(error.message).toContain(error.idempotencyKey);
      expect(error.toJSON()).toMatchObject({
        outcome: "unknown",
        idempotencyKey: error.idempotencyKey,
        retryable: true,
      });
    }
    expect(retriedWith).toEqual(errors.map((error) => error.idempotencyKey));
    expect(new Set(retriedWith).size).toBe(sends);
    const subjects = (await subjectsInInbox()).slice(before);
    expect(subjects).toHaveLength(sends);
    expect(new Set(subjects).size).toBe(sends);
  });

  it("keeps the worst outcome when the lost answer is followed by a 429 and a success is never had", async () => {
    const mailer = mailerFor(server.url);
    server.setFaults({
      queue: ["fail", "drop", "rate_limit", "fail"],
      paths: /^\/send$/,
      retryAfterSeconds: 0,
    });
    const error = await failureOf(mailer.send({ to: RECEIVER, subject: "mixed", text: "x" }));
    expect(error.outcome).toBe("unknown");
    expect(error.message).toMatch(/attempt 2 of 4 failed after its request was sent/);
  });
});

describe("a send that provably did nothing says not_sent", () => {
  it("a connection refused before a byte was written", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await failureOf(
      mailerFor(`http://127.0.0.1:${port}`).send({ to: RECEIVER, subject: "refused", text: "x" }),
    );
    expect(error.code).toBe("network_error");
    expect(error.outcome).toBe("not_sent");
    expect(error.idempotencyKey).toMatch(/^idem_/);
    expect(error.retryable).toBe(true);
  });

  it("503 on every attempt: not_sent, and nothing reached the inbox", async () => {
    const before = (await subjectsInInbox()).length;
    server.setFaults({ queue: ["fail", "fail", "fail", "fail"], paths: /^\/send$/ });
    const error = await failureOf(
      mailerFor(server.url).send({ to: RECEIVER, subject: "all 503", text: "x" }),
    );
    expect(error.code).toBe("server_error");
    expect(error.outcome).toBe("not_sent");
    expect(error.retryable).toBe(true);
    expect(await subjectsInInbox()).toHaveLength(before);
  });

  it("a message refused by validation, before the transport", async () => {
    const error = await failureOf(
      mailerFor(server.url).send({ to: "not an address", subject: "nobody", text: "x" }),
    );
    expect(error.code).toBe("invalid_address");
    expect(error.outcome).toBe("not_sent");
    expect(error.toJSON()).toMatchObject({ outcome: "not_sent" });
  });
});

describe("a retry under a key whose request changed", () => {
  it("is refused as idempotency_key_reused with outcome sent, and sends nothing", async () => {
    const mailer = mailerFor(server.url);
    const key = `idem-reused-${Date.now()}`;
    await mailer.send({ to: RECEIVER, subject: "first", text: "a", idempotencyKey: key });
    const before = (await subjectsInInbox()).length;
    const error = await failureOf(
      mailer.send({ to: RECEIVER, subject: "first", text: "changed", idempotencyKey: key }),
    );
    expect(error.code).toBe("idempotency_key_reused");
    expect(error.outcome).toBe("sent");
    expect(error.retryable).toBe(false);
    expect(error.idempotencyKey).toBe(key);
    expect(await subjectsInInbox()).toHaveLength(before);
  });
});
