import { AgentMailError } from "../errors.js";
import type { Mailer } from "./create-mailer.js";
import type { MailMessage, SendOptions, SendResult } from "./types.js";

type Send = (message: MailMessage, options?: SendOptions) => Promise<SendResult>;

/**
 * The buyer's and the seller's marketplace sends, on top of a mailer's `send`: the request gets a
 * `marketplaceRequestId` (`mkt_<uuid>` when the caller gave none) and no `usage`; the response
 * must echo one and may report `usage`. Everything else (validation, encryption, Bcc copies,
 * outcomes) is `send`'s.
 *
 * @example
 * const { sendMarketplaceRequest } = marketplaceSends(mailer.send);
 * const { marketplaceRequestId } = await sendMarketplaceRequest({ to: seller, subject: "Job", text: "..." });
 */
export function marketplaceSends(
  send: Send,
): Pick<Mailer, "sendMarketplaceRequest" | "sendMarketplaceResponse"> {
  return {
    async sendMarketplaceRequest(message, options) {
      const given = snapshot(message);
      if (given && given.usage !== undefined) {
        throw refused(
          "sendMarketplaceRequest: usage is what the seller reports, on its response (sendMarketplaceResponse); a request carries none",
        );
      }
      // Only a missing id is generated: a malformed one (null, a number) fails in send.
      const marketplaceRequestId =
        given?.marketplaceRequestId === undefined
          ? `mkt_${globalThis.crypto.randomUUID()}`
          : given.marketplaceRequestId;
      const input = given ? { ...given, marketplaceRequestId } : message;
      const result = await send(input as MailMessage, options);
      return { ...result, marketplaceRequestId };
    },
    async sendMarketplaceResponse(message, options) {
      const given = snapshot(message);
      if (given && given.marketplaceRequestId === undefined) {
        throw refused(
          "sendMarketplaceResponse: marketplaceRequestId is required: echo the id of the buyer's request (its X-AgentMail-Marketplace-Request-Id header), so that the platform settles against its reservation",
        );
      }
      // Checked as a header token by send; a non-string never gets this far.
      const result = await send((given ?? message) as MailMessage, options);
      return { ...result, marketplaceRequestId: given?.marketplaceRequestId as string };
    },
  };
}

// One read of the caller's fields (a getter or a Proxy answers once): the copy is what is
// checked here and what send validates. Anything but a plain object goes to send as given, to
// fail there as any malformed message does.
function snapshot(message: unknown): Partial<MailMessage> | undefined {
  if (typeof message !== "object" || message === null || Array.isArray(message)) return undefined;
  return { ...(message as Partial<MailMessage>) };
}

function refused(message: string): AgentMailError {
  return new AgentMailError({ code: "invalid_message", message, outcome: "not_sent" });
}
