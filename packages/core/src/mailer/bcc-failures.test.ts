// What a failure leaves behind in a send that goes out as copies: nothing, when it happens
// before the first copy is sent; `partially_sent` after, which says what went, whether the failed
// copy may have gone all the same, what was not attempted, and what to do (never retry the whole
// send; send to the rest only, under a new idempotency key).

import { fakeCrypto, fakeDirectory, fakeRecord, recordingTransport } from "@assmbl/testing/fakes";
import { describe, expect, it } from "vitest";
import { AgentMailError } from "../errors.js";
import {
  ARCHIVE,
  AUDIT,
  bccKey,
  bccMessage,
  CC,
  caught,
  failingTransport,
  from,
  LEGAL,
  mailDomain,
  setup,
  TO,
} from "../testing/bcc-kit.js";
import type { MailTransport } from "../transport.js";
import { createMailer } from "./create-mailer.js";
import type { PartiallySentBody } from "./types.js";

describe("before the first copy is sent", () => {
  it("sends nothing when any copy's encryption fails", async () => {
    const { mailer, out } = setup({
      crypto: {
        encryptText: async (text, recipients) => {
          if (recipients.some((r) => r.agentId === "legal"))
            throw new AgentMailError({ code: "encryption_failed", message: "no" });
          return fakeCrypto().crypto.encryptText(text, recipients);
        },
      },
    });
    expect((await caught(mailer.send(bccMessage()))).code).toBe("encryption_failed");
    expect(out.sent).toHaveLength(0);
  });

  it("sends nothing when a Bcc recipient's key cannot be had", async () => {
    const dir = fakeDirectory({
      "other-agent": fakeRecord("other-agent"),
      "cc-agent": fakeRecord("cc-agent"),
      audit: fakeRecord("audit"),
      legal: fakeRecord("legal", { openpgpPublicKey: null }),
    });
    const out = recordingTransport();
    const mailer = createMailer(out.transport, {
      from,
      mailDomain,
      directory: dir.directory,
      crypto: fakeCrypto().crypto,
    });
    expect((await caught(mailer.send(bccMessage()))).code).toBe("peer_missing_openpgp_public_key");
    expect(out.sent).toHaveLength(0);
  });

  it("rethrows the primary copy's error unchanged and sends no Bcc copy", async () => {
    const failure = new AgentMailError({ code: "rate_limited", message: "slow down" });
    const flaky = failingTransport(1, failure);
    const { mailer } = setup({ transport: flaky.transport });
    const error = await mailer.send(bccMessage()).catch((e: unknown) => e);
    expect(error).toBe(failure);
    // Completed with what the send did: the transport's refusal sent nothing.
    expect(failure.outcome).toBe("not_sent");
    expect(failure.idempotencyKey).toBe("idem-q3");
    expect(flaky.calls()).toBe(1);
  });
});

describe("partially_sent", () => {
  const threeBcc = { bcc: [`"Audit Bot" <${AUDIT}>`, LEGAL, ARCHIVE] };

  it("says what went, what failed, what was not tried, and what to do", async () => {
    const failure = new AgentMailError({ code: "rate_limited", message: "slow down" });
    const flaky = failingTransport(3, failure);
    const { mailer } = setup({ transport: flaky.transport });
    const error = await caught(mailer.send(bccMessage(threeBcc)));
    expect(error.code).toBe("partially_sent");
    expect(error.retryable).toBe(false);
    // The send went out in part: never to be retried whole, whatever the failed copy did.
    expect(error.outcome).toBe("sent");
    expect(error.idempotencyKey).toBe("idem-q3");
    expect(error.toJSON()).toMatchObject({ outcome: "sent", idempotencyKey: "idem-q3" });
    expect(error.cause).toBe(failure);
    expect(error.body).toEqual<PartiallySentBody>({
      sent: [
        {
          kind: "primary",
          recipients: [TO, CC],
          messageId: "<m1@test>",
          idempotencyKey: "idem-q3",
        },
        {
          kind: "bcc",
          recipients: [AUDIT],
          messageId: "<m2@test>",
          idempotencyKey: await bccKey("idem-q3", AUDIT),
        },
      ],
      failed: {
        kind: "bcc",
        recipients: [LEGAL],
        code: "rate_limited",
        outcome: "not_sent",
        mayHaveBeenSent: false,
        idempotencyKey: await bccKey("idem-q3", LEGAL),
      },
      notSent: [{ kind: "bcc", recipients: [ARCHIVE] }],
    });
    expect(error.message).toContain("2 of 4 copies");
    expect(error.message).toContain(`primary copy to ${TO}, ${CC}`);
    expect(error.message).toContain(`bcc copy to ${AUDIT}`);
    expect(error.message).toContain(`bcc copy to ${LEGAL} failed with rate_limited;`);
    expect(error.message).not.toMatch(/may have been delivered/);
    expect(error.message).toContain(`not attempted: bcc copy to ${ARCHIVE}`);
    expect(flaky.calls()).toBe(3);
  });

  it("says never to retry the whole send, on either transport, and to use a new key", async () => {
    const flaky = failingTransport(2, new AgentMailError({ code: "rate_limited", message: "x" }));
    const { mailer } = setup({ transport: flaky.transport });
    const { message } = await caught(mailer.send(bccMessage()));
    expect(message).toMatch(/Do not retry the whole send/);
    expect(message).toMatch(
      /over \/send the same idempotency key is refused \(idempotency_key_reused\)/,
    );
    expect(message).toMatch(/over SES the sent copies would be delivered again/);
    expect(message).toMatch(
      /Send again only to the recipients of the failed and not-attempted copies \(error\.body\.failed, error\.body\.notSent\), under a new idempotency key/,
    );
    expect(message).not.toMatch(/deduplicated/);
  });

  for (const code of ["transport_failed", "timeout", "network_error"] as const) {
    it(`marks a copy that failed with ${code} as one that may have been delivered`, async () => {
      const flaky = failingTransport(2, new AgentMailError({ code, message: "lost" }));
      const { mailer } = setup({ transport: flaky.transport });
      const error = await caught(mailer.send(bccMessage()));
      expect((error.body as PartiallySentBody).failed).toEqual({
        kind: "bcc",
        recipients: [AUDIT],
        code,
        outcome: "unknown",
        mayHaveBeenSent: true,
        idempotencyKey: await bccKey("idem-q3", AUDIT),
      });
      expect(error.outcome).toBe("sent");
      expect(error.message).toContain(
        `bcc copy to ${AUDIT} failed with ${code} after the transport was called, so it may have been delivered (error.body.failed.outcome: unknown)`,
      );
      expect(error.message).toMatch(
        /may already have arrived, so sending it again may deliver it twice/,
      );
    });
  }

  it("wraps a foreign error of a later copy as transport_failed, which may have gone", async () => {
    const flaky = failingTransport(2, new Error("socket hang up"));
    const { mailer } = setup({ transport: flaky.transport });
    const error = await caught(mailer.send(bccMessage()));
    expect(error.code).toBe("partially_sent");
    expect(error.body).toMatchObject({
      failed: { kind: "bcc", recipients: [AUDIT], code: "transport_failed", mayHaveBeenSent: true },
      notSent: [{ kind: "bcc", recipients: [LEGAL] }],
    });
    expect((error.cause as AgentMailError).code).toBe("transport_failed");
  });

  it("treats an abort noticed between copies as partially_sent, the next copy not sent", async () => {
    const controller = new AbortController();
    const out = recordingTransport();
    const aborting: MailTransport = {
      ...out.transport,
      async send(message, options) {
        const result = await out.transport.send(message, options);
        controller.abort(new Error("user cancelled"));
        return result;
      },
    };
    const { mailer } = setup({ transport: aborting });
    const error = await caught(mailer.send(bccMessage(), { signal: controller.signal }));
    expect(error.code).toBe("partially_sent");
    expect(out.sent).toHaveLength(1);
    expect(error.body).toMatchObject({
      sent: [{ kind: "primary" }],
      failed: {
        kind: "bcc",
        recipients: [AUDIT],
        code: "aborted",
        outcome: "not_sent",
        mayHaveBeenSent: false,
      },
      notSent: [{ kind: "bcc", recipients: [LEGAL] }],
    });
    expect(error.message).toContain(
      `bcc copy to ${AUDIT} was aborted before it was handed to the transport, so it was not sent`,
    );
  });

  it("treats an abort while the transport had the copy as one that may have been delivered", async () => {
    const controller = new AbortController();
    let calls = 0;
    const aborted: MailTransport = {
      specificationVersion: "v1",
      name: "aborting",
      async send() {
        if (++calls === 1) return { messageId: "<m1@test>" };
        controller.abort(new Error("user cancelled"));
        throw new AgentMailError({ code: "aborted", message: "the request was aborted" });
      },
    };
    const { mailer } = setup({ transport: aborted });
    const error = await caught(mailer.send(bccMessage(), { signal: controller.signal }));
    expect(error.body).toMatchObject({
      failed: {
        kind: "bcc",
        recipients: [AUDIT],
        code: "aborted",
        outcome: "unknown",
        mayHaveBeenSent: true,
      },
    });
    expect(error.message).toContain(
      `bcc copy to ${AUDIT} was aborted while the transport had it, so it may have been delivered`,
    );
  });
});
