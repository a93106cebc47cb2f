/**
 * Example 1 — plain email through Amazon SES.
 *
 * Two ways to send a clear-text message, both through your SES account:
 *
 * - `createMailer` + `sesTransport`: the SDK writes the MIME and calls SES `SendRawEmail`, so the
 *   platform's headers (`X-AgentMail-Correlation-Id`, ...) travel with the message.
 * - `sendPlainEmail`: SES `SendEmail`, for IAM policies that allow `ses:SendEmail` only. SES writes
 *   the MIME itself, so no `X-AgentMail-*` header can travel this way.
 *
 * Run it: `node apps/examples/dist/01-plain-ses.js` (a local dev server, or real services when
 * AGENTMAIL_API_BASE_URL, MAIL_DOMAIN, AWS_REGION, ... are set; see the README).
 */
import { createMailer, type MailMessage } from "@assmbl/core";
import { type PlainEmail, sendPlainEmail, sesTransport } from "@assmbl/transport-ses";
import type { ExampleContext } from "./context.js";
import type { SendFacts } from "./facts.js";
import { runIfMain } from "./standalone.js";

/**
 * Sends one plain message with `sesTransport` and one with `sendPlainEmail`.
 *
 * @example
 * const { sent } = await run(context); // two messages, both "ses"
 * @throws {AgentMailError} SES failures (`message_rejected`, `mail_from_not_verified`, ...).
 */
export async function run(context: ExampleContext): Promise<SendFacts> {
  const { ses, sender, recipient, mailDomain, runId } = context;

  // 1. The SDK's SES transport. `ses` is an SESClient from @aws-sdk/client-ses:
  //    new SESClient({ region: process.env.AWS_REGION, maxAttempts: 1 }).
  const mailer = createMailer(sesTransport({ client: ses }), {
    from: sender.address, // a verified SES identity
    mailDomain,
  });
  const message: MailMessage = {
    to: recipient.address,
    subject: `Status update (${runId})`,
    text: "All systems green.",
    correlationId: `status-${runId}`, // travels as X-AgentMail-Correlation-Id
  };
  const result = await mailer.send(message); // result.transport === "ses"

  // 2. sendPlainEmail: SES SendEmail, no SDK headers, same error codes as the transport.
  const plain: PlainEmail = {
    from: sender.address,
    to: recipient.address,
    subject: `Hello via SendEmail (${runId})`,
    text: "Sent with ses:SendEmail only.",
  };
  const { messageId } = await sendPlainEmail(ses, plain);

  return {
    sent: [
      { via: "sesTransport", message, result },
      { via: "sendPlainEmail", message: plain, result: { messageId } },
    ],
  };
}

await runIfMain(import.meta.url, run);
