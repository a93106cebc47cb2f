// What the mailer refuses, and what it adds, when a message has Bcc recipients, end to end
// against the dev server with real openpgp.js keys: an attachment the caller encrypted (to
// everyone, Bcc included) is refused before anything is sent; an encrypted message's headers are
// the same with and without Bcc; and on /send, a failure part-way is reported as partially_sent,
// a retry of the whole send is refused, and the copies not sent go under a new key. How the
// copies are sealed and read is in bcc-copies.test.ts; the platform and the checks are in
// testing/bcc-platform.ts.
import { AgentMailError, type MailTransport, type PartiallySentBody } from "@assmbl/core";
import { openpgpCrypto } from "@assmbl/crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  address,
  type BccPlatform,
  csv,
  expectEachRecipientReads,
  headerSection,
  mailerOver,
  message,
  ROLES,
  type Role,
  startBccPlatform,
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

describe("what the mailer refuses, and what it adds, end to end", () => {
  it("refuses an attachment the caller encrypted to everyone, Bcc included, and sends nothing", async () => {
    platform.server.ses.clear();
    // What a caller naturally does: encrypt the file to every recipient's key.
    const everyone = (Object.keys(ROLES) as Role[]).map((role) => ({
      agentId: ROLES[role],
      address: address(role),
      publicKeyArmored: platform.agents[role].keys.publicKeyArmored,
    }));
    const ciphertext = await openpgpCrypto().encryptAttachment(csv, everyone);
    const error = await mailerOver(platform, "ses")
      .send({
        ...message("Bcc with a caller-encrypted file"),
        attachments: [{ filename: "q3.csv.asc", content: ciphertext, encrypted: true }],
      })
      .catch((e: unknown) => e);
    expect(AgentMailError.is(error) && error.code).toBe("bcc_with_encrypted_attachment");
    expect((error as Error).message).toContain("encrypt: { attachments: true }");
    expect(platform.server.ses.messages()).toHaveLength(0);
    expect(platform.server.requests.count()).toBe(0);
  });

  it("over SES, an encrypted message's headers are the same with and without Bcc", async () => {
    platform.server.ses.clear();
    const { correlationId: _none, ...unkeyed } = message("Same headers");
    await mailerOver(platform, "ses").send(unkeyed);
    await mailerOver(platform, "ses").send({ ...unkeyed, bcc: undefined });
    const [primary, , , single] = platform.server.ses.messages().map((m) => headerSection(m.raw));
    const names = (headers = "") =>
      headers.split("\r\n").map((line) => line.slice(0, line.indexOf(":")).toLowerCase());
    expect(names(single)).toEqual(names(primary));
    for (const headers of [primary, single]) {
      expect(headers).toMatch(/^X-AgentMail-Idempotency-Key: idem_[0-9a-f-]{36}\r?$/im);
      expect(headers).toMatch(/^X-AgentMail-Correlation-Id: corr_[0-9a-f-]{36}\r?$/im);
    }
  });

  it("over /send, after partially_sent a whole retry is refused; the rest goes under a new key", async () => {
    const { server } = platform;
    server.sent.clear();
    const subject = "Bcc via API, cut off";
    // The audit copy's /send is committed and its answer lost, with no retry left: ambiguous.
    let calls = 0;
    const cutAfterPrimary = (inner: MailTransport): MailTransport => ({
      ...inner,
      send: (prepared, options) => {
        if (++calls === 2) server.setFaults({ queue: ["drop"], paths: /^\/send$/ });
        return inner.send(prepared, options);
      },
    });
    const mailer = mailerOver(platform, "api", { limit: 0, backoffLimitMs: 10 }, cutAfterPrimary);
    const error = await mailer.send(message(subject, "idem-bcc-cut")).catch((e: unknown) => e);
    server.setFaults({});
    expect(AgentMailError.is(error) && error.code).toBe("partially_sent");
    const body = (error as AgentMailError).body as PartiallySentBody;
    expect(body.sent.map((copy) => copy.recipients)).toEqual([[address("to"), address("cc")]]);
    expect(body.failed).toEqual({
      kind: "bcc",
      recipients: [address("audit")],
      code: "network_error",
      outcome: "unknown",
      mayHaveBeenSent: true,
      idempotencyKey: expect.stringMatching(/^idem-bcc-cut\.bcc-[0-9a-f]{16}$/),
    });
    expect((error as AgentMailError).outcome).toBe("sent");
    expect(body.notSent).toEqual([{ kind: "bcc", recipients: [address("legal")] }]);
    expect((error as Error).message).toMatch(/Do not retry the whole send/);
    expect((error as Error).message).toMatch(/may have been delivered/);
    // It was: the platform committed the audit copy.
    expect(server.sent.messages().map((m) => m.deliveredTo)).toEqual([
      [ROLES.to, ROLES.cc],
      [ROLES.audit],
    ]);
    // Retrying the whole send under the same key: new ciphertext, so the primary is refused and
    // nothing else goes.
    const retried = await mailer.send(message(subject, "idem-bcc-cut")).catch((e: unknown) => e);
    expect(AgentMailError.is(retried) && retried.code).toBe("idempotency_key_reused");
    expect((retried as AgentMailError).outcome).toBe("sent");
    expect(server.sent.messages()).toHaveLength(2);
    // What the error says to do: the not-attempted copy's recipient (the failed copy went), under
    // a new key.
    const rest = await mailer.send({
      ...message(subject, "idem-bcc-cut-rest"),
      to: body.notSent.flatMap((copy) => copy.recipients),
      cc: undefined,
      bcc: undefined,
    });
    expect(rest.copies).toHaveLength(1);
    expect(server.sent.messages().map((m) => m.deliveredTo)).toEqual([
      [ROLES.to, ROLES.cc],
      [ROLES.audit],
      [ROLES.legal],
    ]);
    await expectEachRecipientReads(platform, subject);
  });
});
