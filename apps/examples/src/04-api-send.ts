/**
 * Example 4 — one-step `/send` through the AgentMail API.
 *
 * `apiTransport` uploads each attachment to platform storage (presigned POST), then calls
 * `POST /send` once. Here the body and the attachment are encrypted to the recipient's key and
 * signed; the attachment travels as `numbers.csv.asc` and the receiver gets `numbers.csv` back.
 * The correlation id ties the messages of one workflow together; the idempotency key makes the
 * transport's retries safe: a `/send` whose answer was lost is retried with the same key and the
 * platform answers from its record instead of sending twice. A retry of your own is different
 * (see the end of `run`).
 *
 * Run it: `node apps/examples/dist/04-api-send.js`.
 */
import { AgentMailError, createMailer, type MailMessage } from "@assmbl/core";
import { openpgpCrypto } from "@assmbl/crypto";
import { apiTransport } from "@assmbl/transport-api";
import type { ExampleContext } from "./context.js";
import type { SendFacts } from "./facts.js";
import { runIfMain } from "./standalone.js";

/**
 * What example 4 returns.
 *
 * @example
 * const { ownRetry }: ApiSendFacts = await run(context); // "idempotency_key_reused"
 */
export interface ApiSendFacts extends SendFacts {
  /** How a second `mailer.send` of the same message and key ended: `idempotency_key_reused`. */
  ownRetry: string;
}

/**
 * Sends one encrypted, signed message with an encrypted attachment through `/send`, then sends
 * it again with the same idempotency key, as a caller retrying after a crash would.
 *
 * @example
 * const { sent } = await run(context); // sent[0].result.transport === "agentmail-api"
 * @throws {AgentMailError} key failures, API failures after retries.
 */
export async function run(context: ExampleContext): Promise<ApiSendFacts> {
  const { apiBaseUrl, sender, recipient, mailDomain, directory, runId } = context;

  // The token (AGENTMAIL_TOKEN) decides who sends: /send writes From as that agent.
  const transport = apiTransport({ baseUrl: apiBaseUrl, token: sender.token });
  const mailer = createMailer(transport, {
    from: sender.address,
    mailDomain,
    directory,
    crypto: openpgpCrypto({ signingKey: sender.signingKey }),
  });

  const message: MailMessage = {
    to: recipient.address,
    subject: `Q3 numbers (${runId})`,
    text: "The Q3 numbers are attached. Revenue is up 12%.",
    attachments: [
      {
        filename: "numbers.csv",
        content: "quarter,revenue\nQ3,1204330\n",
        contentType: "text/csv",
      },
    ],
    encrypt: true, // body and attachments
    correlationId: `quarterly-close-${runId}`, // X-AgentMail-Correlation-Id
    // Stable for this logical send (derive it from your job id): X-AgentMail-Idempotency-Key.
    idempotencyKey: `q3-numbers-${runId}`,
  };
  const result = await mailer.send(message);
  // result.messageId, result.correlationId and result.idempotencyKey: the platform's answer.

  // Your own retry of the same logical send (after a crash, or an error marked `retryable`)
  // encrypts and uploads again, so it is a different request under the same key: the platform
  // refuses it (409) rather than send twice. That answer means the first attempt went through.
  let ownRetry = "sent again";
  try {
    await mailer.send(message);
  } catch (error) {
    if (!AgentMailError.is(error, "idempotency_key_reused")) throw error;
    ownRetry = error.code; // already sent: nothing more to do
  }

  return { sent: [{ via: "apiTransport", message, result }], ownRetry };
}

await runIfMain(import.meta.url, run);
