import { parseAddress } from "@assmbl/core";
import { addressList, type HeaderField, headerValues } from "../mime/headers.js";
import type { SesCaller } from "./auth.js";
import { SesError } from "./errors.js";

/** The headers SES checks against the caller's verified identities, besides Source. */
const IDENTITY_HEADERS = ["from", "sender", "return-path"] as const;

/**
 * Refuses a send whose sender identities are not the signing agent's own address, as SES
 * refuses identities the account has not verified: `Source` / `FromEmailAddress` when given, and
 * every mailbox of the raw message's `From`, `Sender` and `Return-Path` headers (SES names all
 * four in its documentation of this error). An agent may send only as
 * `<agent_id>@<mail_domain>`; a display name is fine. An empty `Return-Path: <>` (null sender)
 * names nobody.
 *
 * @example
 * checkSenderIdentities(headerFields(raw), "my-agent@agents.localhost", caller, "agents.localhost");
 * @throws {SesError} `messageRejected` "Email address is not verified. The following identities
 * failed the check in region US-EAST-1: ...".
 */
export function checkSenderIdentities(
  fields: readonly HeaderField[],
  source: string | undefined,
  caller: SesCaller,
  mailDomain: string,
): void {
  const own = `${caller.agent.agentId}@${mailDomain}`.toLowerCase();
  const failed: string[] = [];
  const check = (value: string) => {
    let address: string | undefined;
    try {
      address = parseAddress(value).address;
    } catch {
      address = undefined;
    }
    if (address?.toLowerCase() !== own && !failed.includes(value)) failed.push(value);
  };
  if (source !== undefined) check(source.trim());
  for (const name of IDENTITY_HEADERS) {
    for (const value of headerValues(fields, name)) {
      if (name === "return-path" && /^\s*<\s*>\s*$/.test(value)) continue;
      const items = addressList(value);
      // A header that names no mailbox at all cannot be checked, so it fails.
      if (items.length === 0) check(value.trim());
      for (const item of items) check(item.trim());
    }
  }
  if (failed.length > 0) {
    const shown = failed
      .slice(0, 5)
      .map((value) => (value.length > 100 ? `${value.slice(0, 100)}...` : value));
    throw new SesError(
      "messageRejected",
      `Email address is not verified. The following identities failed the check in region ${caller.region.toUpperCase()}: ${shown.join(", ")}${failed.length > 5 ? ", ..." : ""}`,
    );
  }
}
