import { AgentMailError, type PreparedMessage, type TransportResult } from "@assmbl/core";

const NOT_METERED =
  "direct SES sends carry X-AgentMail-Marketplace-Request-Id but are not metered (platform-documented): no reservation or settlement was made, and any usage was not reported";

/**
 * What a send through SES does to billing: nothing, which the result says for a message that
 * carries a marketplace request id or usage (others have nothing to say). Usage is refused
 * unless the caller opted in: it has nowhere to go, and a seller's billing report silently
 * dropped would leave the buyer's reservation unsettled.
 *
 * @example
 * const billing = unmetered(checked, false); // { linked: false, reason: "ses_not_metered", ... } or undefined
 * @throws {AgentMailError} `usage_not_metered` for a message with usage, unless `allowUsage`.
 */
export function unmetered(
  message: PreparedMessage,
  allowUsage: boolean,
): TransportResult["billing"] | undefined {
  if (message.usage !== undefined && !allowUsage) {
    throw new AgentMailError({
      code: "usage_not_metered",
      message:
        "the message carries usage (a billing report), but sends through SES are not metered: it would be lost. Send it through the AgentMail API (apiTransport), or create the SES transport with allowUnmeteredUsage: true to send it without the report; nothing was sent",
    });
  }
  if (message.usage === undefined && message.marketplaceRequestId === undefined) return undefined;
  return { linked: false, reason: "ses_not_metered", detail: NOT_METERED };
}
