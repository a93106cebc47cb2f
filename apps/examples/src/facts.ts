import type { MailMessage, SendResult } from "@assmbl/core";
import type { PlainEmail } from "@assmbl/transport-ses";

/**
 * One message an example sent: what it asked for and what the SDK answered, so the demo can
 * check what the recipient saw against it.
 *
 * @example
 * const sent: SentMessage = { via: "apiTransport", message, result: await mailer.send(message) };
 */
export type SentMessage =
  | { via: "sesTransport" | "apiTransport"; message: MailMessage; result: SendResult }
  | { via: "sendPlainEmail"; message: PlainEmail; result: { messageId: string } };

/**
 * A send the SDK refused before anything went out, and why.
 *
 * @example
 * const refusal: Refusal = { to: "keyless-agent@agents.localhost", code: "peer_missing_openpgp_public_key", message: "..." };
 */
export interface Refusal {
  to: string;
  /** The `AgentMailError` code. */
  code: string;
  message: string;
}

/**
 * What a sending example returns.
 *
 * @example
 * const facts: SendFacts = { sent: [{ via: "sesTransport", message, result }] };
 */
export interface SendFacts {
  sent: SentMessage[];
}
