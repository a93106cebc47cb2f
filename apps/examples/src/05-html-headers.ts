/**
 * Example 5 — HTML and text, with custom routing headers.
 *
 * A `multipart/alternative` message through SES raw, carrying your own routing headers
 * (`X-Workflow-Name`, ...) next to the platform's correlation and idempotency headers. Custom
 * headers cannot override `From`, `Subject`, `Content-*` or any `X-AgentMail-*` header, and a
 * value with CR, LF or another control character is refused (`header_injection`) before anything
 * is sent. HTML is never encrypted: `encrypt: true` with `html` fails with `html_not_encryptable`,
 * so send only what may travel in clear this way.
 *
 * Run it: `node apps/examples/dist/05-html-headers.js`.
 */
import { createMailer, type MailMessage } from "@assmbl/core";
import { sesTransport } from "@assmbl/transport-ses";
import type { ExampleContext } from "./context.js";
import type { SendFacts } from "./facts.js";
import { runIfMain } from "./standalone.js";

/**
 * Sends one HTML + text message with custom headers through `sesTransport`.
 *
 * @example
 * const { sent } = await run(context);
 * @throws {AgentMailError} `header_injection`, `reserved_header`, SES failures.
 */
export async function run(context: ExampleContext): Promise<SendFacts> {
  const { ses, sender, recipient, mailDomain, runId } = context;

  const mailer = createMailer(sesTransport({ client: ses }), {
    from: `Report Bot <${sender.address}>`,
    mailDomain,
    // Sent with every message of this mailer; a message's own headers win.
    defaultHeaders: { "X-Workflow-Name": "quarterly-close" },
  });

  const message: MailMessage = {
    to: recipient.address,
    subject: `Dashboard ready (${runId})`,
    text: "The Q3 dashboard is ready: https://dash.example.com/q3",
    html: '<p>The <a href="https://dash.example.com/q3">Q3 dashboard</a> is ready.</p>',
    headers: { "X-Workflow-Step": "publish", "X-Route-Queue": "finance-review" },
    correlationId: `quarterly-close-${runId}`,
    idempotencyKey: `dashboard-${runId}`,
  };
  const result = await mailer.send(message);

  return { sent: [{ via: "sesTransport", message, result }] };
}

await runIfMain(import.meta.url, run);
