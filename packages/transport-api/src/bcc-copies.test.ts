// Bcc without leaks, end to end against the dev server with real openpgp.js keys: an encrypted
// message to To, Cc and two Bcc recipients goes out as three copies, over SES (one SendRawEmail
// each) and over /send (one call each). For every delivered raw message the OpenPGP packets of
// each armored part are read by hand: the key ids must be exactly those of that copy's
// recipients (never a wildcard), and no header names another copy's recipient. Each recipient
// reads its own copy with the SDK and its own key, and the Python SDK (PGPy) reads every copy for
// each of its recipients and for no one else. What the mailer refuses, and what it adds, is in
// bcc-refusals.test.ts; the platform and the checks are in testing/bcc-platform.ts.

import { openMessage } from "@assmbl/mime";
// The platform's Python SDK (PGPy), modelled by a script at the repository root.
import { fromBase64, pythonSdk } from "@assmbl/testing/python";
import PostalMime from "postal-mime";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  address,
  type BccPlatform,
  COPIES,
  csv,
  expectCopies,
  expectEachRecipientReads,
  expectSealedTo,
  log,
  MAIL_DOMAIN,
  mailerOver,
  message,
  ROLES,
  startBccPlatform,
  TEXT,
} from "./testing/bcc-platform.js";

let platform: BccPlatform;

beforeAll(async () => {
  platform = await startBccPlatform();
});
afterAll(async () => {
  await platform?.stop();
});
beforeEach(() => {
  platform.server.setFaults({});
  platform.server.requests.clear();
});

describe("an encrypted message with Bcc, end to end", () => {
  it("over SES: one SendRawEmail per copy, each sealed to its recipients only, each read by them", async () => {
    platform.server.ses.clear();
    const subject = "Bcc via SES";
    const result = await mailerOver(platform, "ses").send(message(subject, "idem-bcc-ses"));
    expectCopies(result, "idem-bcc-ses");
    const sent = platform.server.ses.messages();
    expect(sent.map((s) => s.api)).toEqual(["v1-raw", "v1-raw", "v1-raw"]);
    expect(sent.map((s) => s.messageId)).toEqual(result.copies.map((c) => c.messageId));
    for (const [i, { roles }] of COPIES.entries()) {
      const copy = sent[i];
      expect(copy?.destinations).toEqual(roles.map(address));
      expect(copy?.deliveredTo).toEqual(roles.map((role) => ROLES[role]));
      const raw = copy?.raw as Uint8Array;
      await expectSealedTo(platform, raw, roles);
      const parsed = await PostalMime.parse(raw);
      const header = (name: string) => parsed.headers.find((h) => h.key === name)?.value;
      expect(header("x-agentmail-idempotency-key")).toBe(result.copies[i]?.idempotencyKey);
      expect(header("x-agentmail-correlation-id")).toBe(`corr-${subject}`);
      expect(header("x-workflow-name")).toBe("quarterly");
    }
    // A Bcc recipient's key opens its own copy, and not the primary.
    const [primary, auditCopy] = sent;
    const asAudit = { decryptWith: platform.agents.audit.key, mailDomain: MAIL_DOMAIN };
    expect((await openMessage(auditCopy?.raw as Uint8Array, asAudit)).bodyTextDecrypted).toBe(TEXT);
    const refused = await openMessage(primary?.raw as Uint8Array, asAudit);
    expect(refused.bodyTextDecrypted).toBeUndefined();
    expect(refused.bodyError?.code).toBe("decryption_failed");
    await expectEachRecipientReads(platform, subject);
  });

  it("over /send: one call per copy under its own idempotency key, each sealed and read", async () => {
    platform.server.sent.clear();
    const subject = "Bcc via API";
    const result = await mailerOver(platform, "api").send(message(subject));
    // No key given: the mailer made one for the logical send, and derived the copies' keys.
    expect(result.idempotencyKey).toMatch(/^idem_[0-9a-f-]{36}$/);
    expectCopies(result, result.idempotencyKey);
    expect(platform.server.requests.count({ method: "POST", path: "/send" })).toBe(3);
    const sent = platform.server.sent.messages();
    expect(sent.map((s) => s.messageId)).toEqual(result.copies.map((c) => c.messageId));
    for (const [i, { roles }] of COPIES.entries()) {
      const copy = sent[i];
      expect(copy?.idempotencyKey).toBe(result.copies[i]?.idempotencyKey);
      expect(copy?.request.bcc).toEqual([]);
      expect(copy?.deliveredTo).toEqual(roles.map((role) => ROLES[role]));
      await expectSealedTo(platform, copy?.raw as Uint8Array, roles);
    }
    await expectEachRecipientReads(platform, subject);
  });

  it("over /send with every first answer dropped, each copy is still delivered exactly once", async () => {
    platform.server.sent.clear();
    const subject = "Bcc via API, answers dropped";
    // Each copy's first /send is committed, and its answer lost: the retry under the copy's own
    // key must be answered from the platform's record, not sent again.
    platform.server.setFaults({ queue: ["drop", "drop", "drop"], paths: /^\/send$/ });
    const result = await mailerOver(platform, "api", { limit: 3, backoffLimitMs: 10 }).send(
      message(subject, "idem-bcc-drop"),
    );
    platform.server.setFaults({});
    expectCopies(result, "idem-bcc-drop");
    expect(platform.server.requests.count({ method: "POST", path: "/send" })).toBe(6);
    const sent = platform.server.sent.messages();
    expect(sent.map((s) => s.idempotencyKey)).toEqual(result.copies.map((c) => c.idempotencyKey));
    for (const [i, { roles }] of COPIES.entries())
      await expectSealedTo(platform, sent[i]?.raw as Uint8Array, roles);
    // findBySubject fails unless each inbox holds exactly one message with the subject.
    await expectEachRecipientReads(platform, subject);
  });
});

describe("read by the Python SDK (PGPy)", () => {
  it("every copy decrypts in PGPy for each of its recipients (text as a str), and for no one else", async () => {
    platform.server.ses.clear();
    await mailerOver(platform, "ses").send(message("Bcc read by PGPy", "idem-bcc-pgpy"));
    const sent = platform.server.ses.messages();
    expect(sent.map((s) => s.destinations)).toEqual(COPIES.map((c) => c.roles.map(address)));
    // Every recipient's reading of every copy in one Python process: PGPy per (copy, recipient).
    const reads = await Promise.all(
      COPIES.flatMap(({ roles }, i) =>
        roles.map(async (role) => ({
          expected: roles.flatMap((r) => platform.agents[r].keyIds).sort(),
          read: await pythonSdk.readMessage(sent[i]?.raw as Uint8Array, {
            privateKey: platform.agents[role].keys.privateKeyArmored,
          }),
        })),
      ),
    );
    for (const { expected, read } of reads) {
      expect(read.defects).toEqual([]);
      expect(read.bcc).toBeNull();
      expect(read.bodyDecrypted?.error).toBeUndefined();
      expect(read.bodyDecrypted?.pythonType).toBe("str");
      expect(read.bodyDecrypted?.text).toBe(TEXT);
      expect(read.attachments.map((a) => a.decrypted?.error)).toEqual([undefined, undefined]);
      expect(read.attachments.map((a) => fromBase64(a.decrypted?.data))).toEqual([csv, log]);
      for (const decrypted of [read.bodyDecrypted, ...read.attachments.map((a) => a.decrypted)])
        expect(decrypted?.encrypters).toEqual(expected);
    }
    // The legal agent's key opens nothing of the audit agent's copy.
    const foreign = await pythonSdk.readMessage(sent[1]?.raw as Uint8Array, {
      privateKey: platform.agents.legal.keys.privateKeyArmored,
    });
    expect(foreign.bodyDecrypted?.error).toBeDefined();
  });
});
