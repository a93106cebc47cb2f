// What the Bcc tests share (not shipped: nothing outside tests imports it): a mailer over core's
// fakes, a message with To, Cc and two Bcc recipients, and ways to read what the fakes recorded.
// The fake crypto writes the agent ids it encrypted to into its PKESK packets (fakeRecipientsOf).

import {
  fakeCrypto,
  fakeDirectory,
  fakeRecord,
  readText,
  recordingTransport,
} from "@assmbl/testing/fakes";
import { fakeRecipientsOf } from "@assmbl/testing/message-fixtures";
import { expect } from "vitest";
import { AgentMailError } from "../errors.js";
import { createMailer } from "../mailer/create-mailer.js";
import type { MailMessage } from "../mailer/types.js";
import type { MailTransport, PreparedMessage } from "../transport.js";

export const mailDomain = "agents.example.com";
export const from = "my-agent@agents.example.com";
export const TO = "other-agent@agents.example.com";
export const CC = "cc-agent@agents.example.com";
export const AUDIT = "audit@agents.example.com";
export const LEGAL = "legal@agents.example.com";
export const ARCHIVE = "archive@agents.example.com";
const agents = ["other-agent", "cc-agent", "audit", "legal", "archive"];

/** A mailer over an in-memory directory (every agent above, plus `extra`), crypto and transport. */
export function setup(
  options: {
    crypto?: Parameters<typeof fakeCrypto>[0];
    transport?: MailTransport;
    directory?: ReturnType<typeof fakeDirectory>;
    extra?: string[];
  } = {},
) {
  const dir =
    options.directory ??
    fakeDirectory(
      Object.fromEntries([...agents, ...(options.extra ?? [])].map((id) => [id, fakeRecord(id)])),
    );
  const cry = fakeCrypto(options.crypto);
  const out = recordingTransport();
  const mailer = createMailer(options.transport ?? out.transport, {
    from,
    mailDomain,
    directory: dir.directory,
    crypto: cry.crypto,
    defaultHeaders: { "X-Team": "ops" },
  });
  return { mailer, dir, cry, out };
}

/** A message with To, Cc, two Bcc recipients, an attachment, and every header the copies share. */
export function bccMessage(overrides: Partial<MailMessage> = {}): MailMessage {
  return {
    to: `Other Agent <${TO}>`,
    cc: CC,
    bcc: [`"Audit Bot" <${AUDIT}>`, LEGAL],
    replyTo: "replies@agents.example.com",
    subject: "Quarterly numbers",
    text: "secret plan",
    attachments: [{ filename: "q3.csv", content: "a,b\n1,2\n", contentType: "text/csv" }],
    headers: { "X-Workflow-Name": "quarterly" },
    correlationId: "corr-q3",
    idempotencyKey: "idem-q3",
    marketplaceRequestId: "mkt-q3",
    encrypt: true,
    ...overrides,
  };
}

/** The agent ids the fake crypto encrypted an armored text to (carried in its PKESKs). */
export function encryptedTo(armored: string): string[] {
  return fakeRecipientsOf(armored);
}

/** Everything of a prepared message that reaches the wire as text: addresses, headers, parts. */
export async function wireText(message: PreparedMessage): Promise<string> {
  const parts = await Promise.all(message.attachments.map((a) => readText(a.content)));
  return JSON.stringify({ ...message, attachments: undefined, parts });
}

/** A Bcc copy's key, computed independently of the mailer: `${key}.bcc-` + 16 hex of SHA-256. */
export async function bccKey(key: string, address: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(address.toLowerCase()),
  );
  const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
  return `${key}.bcc-${hex.slice(0, 16)}`;
}

/** The AgentMailError a promise rejects with (failing the test when it resolves). */
export async function caught(promise: Promise<unknown>): Promise<AgentMailError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(AgentMailError.is(error)).toBe(true);
  return error as AgentMailError;
}

/** A transport that answers like the recording one, but throws `failure` on call `failOn`. */
export function failingTransport(failOn: number, failure: unknown) {
  const sent: PreparedMessage[] = [];
  let calls = 0;
  const transport: MailTransport = {
    specificationVersion: "v1",
    name: "flaky",
    async send(message) {
      calls++;
      if (calls === failOn) throw failure;
      sent.push(message);
      return { messageId: `<m${calls}@test>` };
    },
  };
  return { transport, sent, calls: () => calls };
}

/**
 * A stream over `chunks`, counting pulls; `state.cancelled` resolves when a cancel reaches the
 * source (the mailer cancels through the byte-normalising pipe it wraps a stream in, which
 * reaches the source a few ticks later: wait for it rather than poll).
 */
export function countingStream(chunks: Uint8Array[]) {
  let onCancel = () => {};
  const cancelled = new Promise<void>((resolve) => {
    onCancel = resolve;
  });
  const state = { pulled: 0, cancelled };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[state.pulled++];
      if (chunk === undefined) controller.close();
      else controller.enqueue(chunk);
    },
    cancel() {
      onCancel();
    },
  });
  return { stream, state };
}
