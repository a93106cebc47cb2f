import type { MailMessage } from "@assmbl/core";
import type { RefusalAttempt } from "../03-require-encryption.js";
import type { ReceiveFacts } from "../06-receive.js";
import type { SentMessage } from "../facts.js";
import type { Observed, ObservedAttachment } from "./observe.js";
import { type Check, expectEqual, expectThat, type ReportBlock, show } from "./report.js";

/**
 * A sent message, how it went out, and what the recipient's inbox holds for it.
 *
 * @example
 * const delivery: Delivery = { sent, wire: "AgentMail POST /send", observed: await read(subject) };
 */
export interface Delivery {
  sent: SentMessage;
  /** How the dev server received it (`SES v1 SendRawEmail`, `AgentMail POST /send`), if it did. */
  wire: string | undefined;
  /** What the recipient saw, or why it could not be read. */
  observed: Observed | { error: string };
}

/**
 * What each way of sending must look like on the dev server.
 *
 * @example
 * EXPECTED_WIRE.sendPlainEmail; // "SES v1 SendEmail"
 */
export const EXPECTED_WIRE = {
  sesTransport: "SES v1 SendRawEmail",
  sendPlainEmail: "SES v1 SendEmail",
  apiTransport: "AgentMail POST /send",
} as const satisfies Record<SentMessage["via"], string>;

const encoder = new TextEncoder();
const quote = (text: string | undefined) => show(text);

/**
 * The checks of one delivery: the way it went out, then what the recipient saw against what the
 * example sent: encrypted or clear, body, HTML, attachments (names as sent and restored), signature
 * status when the sender signs, correlation, idempotency and custom headers.
 *
 * @example
 * const block = deliveryBlock({ sent, wire, observed }, { signed: true });
 */
export function deliveryBlock(
  delivery: Delivery,
  options: { signed: boolean; extraHeaders?: Record<string, string> },
): ReportBlock {
  const { sent, wire, observed } = delivery;
  const checks: Check[] = [expectEqual("went over", wire, EXPECTED_WIRE[sent.via], wire)];
  const heading = `"${sent.message.subject}": ${sent.via}`;
  if ("error" in observed) {
    checks.push(expectThat("arrived in the recipient's inbox", false, "", observed.error));
    return { heading, checks };
  }
  const encrypt = sent.via === "sendPlainEmail" ? undefined : sent.message.encrypt;
  const encryptBody = encrypt === true || (typeof encrypt === "object" && encrypt.body === true);
  const encryptFiles =
    encrypt === true || (typeof encrypt === "object" && encrypt.attachments === true);

  if (encryptBody) {
    checks.push(
      expectEqual(
        "arrived encrypted",
        observed.encrypted && observed.headers["x-agentmail-encrypted"] === "body",
        true,
        "X-AgentMail-Encrypted: body, armored body",
      ),
      expectEqual("decrypted body", observed.text, sent.message.text, quote(observed.text)),
    );
    if (options.signed) checks.push(expectEqual("signature", observed.verification, "valid"));
  } else {
    // MIME ends a text part with a line break, which readers keep: compare without it.
    const text = observed.text?.trimEnd();
    checks.push(
      expectEqual("arrived in clear", observed.encrypted, false, "not encrypted, as sent"),
      expectEqual("text body", text, sent.message.text?.trimEnd(), quote(text)),
    );
  }
  if (sent.message.html !== undefined) {
    checks.push(
      expectEqual("HTML alternative", observed.html?.trimEnd(), sent.message.html.trimEnd()),
    );
  }
  const attachments = sent.via === "sendPlainEmail" ? [] : (sent.message.attachments ?? []);
  attachments.forEach((attachment, index) => {
    checks.push(
      ...attachmentChecks(attachment, observed.attachments[index], {
        encrypted: encryptFiles,
        signed: options.signed,
      }),
    );
  });

  const headers = observed.headers;
  if (sent.via === "sendPlainEmail") {
    const platformHeaders = Object.keys(headers).filter((name) => name.startsWith("x-agentmail-"));
    checks.push(
      expectEqual(
        "X-AgentMail-* headers",
        platformHeaders.join(", "),
        "",
        "none (SES wrote the MIME)",
      ),
    );
  } else {
    if (sent.message.correlationId !== undefined) {
      checks.push(
        expectEqual(
          "X-AgentMail-Correlation-Id",
          headers["x-agentmail-correlation-id"],
          sent.message.correlationId,
        ),
      );
    }
    if (sent.message.idempotencyKey !== undefined) {
      checks.push(
        expectEqual(
          "X-AgentMail-Idempotency-Key",
          headers["x-agentmail-idempotency-key"],
          sent.message.idempotencyKey,
        ),
      );
    }
    const custom = { ...options.extraHeaders, ...sent.message.headers };
    for (const [name, value] of Object.entries(custom)) {
      checks.push(expectEqual(name, headers[name.toLowerCase()], value));
    }
  }
  return { heading, checks };
}

function attachmentChecks(
  attachment: NonNullable<MailMessage["attachments"]>[number],
  seen: ObservedAttachment | undefined,
  expect: { encrypted: boolean; signed: boolean },
): Check[] {
  const name = attachment.filename;
  if (!seen) return [expectThat(`attachment ${name}`, false, "", "missing")];
  const expectedType = (attachment.contentType ?? "application/octet-stream").split(";")[0];
  const content = "content" in attachment ? attachment.content : undefined;
  const expectedBytes =
    typeof content === "string"
      ? encoder.encode(content)
      : content instanceof Uint8Array
        ? content
        : undefined;
  const sameBytes =
    expectedBytes === undefined ||
    (seen.bytes !== null && Buffer.from(seen.bytes).equals(Buffer.from(expectedBytes)));
  if (!expect.encrypted) {
    return [
      expectEqual(
        `attachment ${name}`,
        seen.filename,
        name,
        `${seen.filename} (${seen.contentType})`,
      ),
    ];
  }
  const checks = [
    expectEqual(`attachment ${name} sent as`, seen.sentAs, `${name}.asc`),
    expectEqual(
      `attachment ${name} restored`,
      `${seen.filename} (${seen.contentType}), ${seen.decrypted ? "decrypted" : `not decrypted: ${seen.error}`}`,
      `${name} (${expectedType}), decrypted`,
    ),
    expectThat(`attachment ${name} bytes`, sameBytes, "same as sent", "differ from what was sent"),
  ];
  if (expect.signed)
    checks.push(expectEqual(`attachment ${name} signature`, seen.verification, "valid"));
  return checks;
}

/**
 * The checks of a send that must have been refused: refused, with the expected code, and
 * nothing delivered to the peer.
 *
 * @example
 * refusalBlock(attempt, "peer_key_revoked", { delivered: 0, freshLookups: 1 });
 */
export function refusalBlock(
  attempt: RefusalAttempt,
  expectedCode: string,
  seen: { delivered: number; freshLookups?: number },
): ReportBlock {
  const checks = [
    expectEqual(
      "refused before sending",
      attempt.refused,
      true,
      "AgentMailError, transport never called",
    ),
    expectEqual("error code", attempt.code, expectedCode, `${attempt.code}`),
    expectEqual("messages delivered to it", seen.delivered, 0),
  ];
  if (seen.freshLookups !== undefined)
    checks.push(freshLookupCheck(seen.freshLookups, "though cached as active"));
  if (attempt.message) checks.push(expectThat("says why", true, show(attempt.message)));
  return { heading: `refused: ${attempt.to}`, checks };
}

/**
 * That the directory was asked during a send (a fresh lookup, not the cache).
 *
 * @example
 * freshLookupCheck(1, "cached since example 2");
 */
export function freshLookupCheck(requests: number, note: string): Check {
  return expectThat(
    "fresh key lookup",
    requests >= 1,
    `${requests} directory request(s), ${note}`,
    `expected a directory request, got ${requests} (served from the cache)`,
  );
}

/**
 * The wire shape of an encrypted body: what a reader keys on (top-level type and encoding, the
 * encrypted flag, an armored body).
 *
 * @example
 * wireShape(seen); // "text/plain; charset=utf-8 | 7bit | X-AgentMail-Encrypted: body | armored"
 */
export function wireShape(seen: Observed): string {
  return [
    seen.headers["content-type"],
    seen.headers["content-transfer-encoding"],
    `X-AgentMail-Encrypted: ${seen.headers["x-agentmail-encrypted"]}`,
    seen.encrypted ? "armored" : "clear",
  ].join(" | ");
}

/**
 * The checks of what the receiving example read, against what example 4 sent.
 *
 * @example
 * receiveBlock(facts, sent4);
 */
export function receiveBlock(facts: ReceiveFacts, sent: SentMessage): ReportBlock {
  const { message } = facts;
  const checks: Check[] = [
    expectEqual("sender verified by the platform", message.senderVerified, true),
    expectEqual("body encrypted", message.encrypted, true),
    expectEqual(
      "decrypted body",
      message.bodyTextDecrypted,
      sent.message.text,
      quote(message.bodyTextDecrypted),
    ),
    expectEqual("signature (verifyWith: directory)", message.verification, "valid"),
  ];
  const attachments = sent.via === "sendPlainEmail" ? [] : (sent.message.attachments ?? []);
  attachments.forEach((attachment, index) => {
    const got = message.attachments[index];
    checks.push(
      expectEqual(
        `attachment ${index}`,
        got
          ? `${got.filename}, ${got.decrypted ? "decrypted" : "not decrypted"}, signature ${got.verification}`
          : undefined,
        `${attachment.filename}, decrypted, signature valid`,
      ),
    );
  });
  return {
    heading: `fetchMessage("${sent.message.subject}") with the recipient's private key`,
    checks,
  };
}
