import { type HeaderField, headerValues } from "../mime/headers.js";
import { strictMailboxes } from "../mime/strict-mailboxes.js";
import type { SesCaller } from "./auth.js";
import { quote, SesError } from "./errors.js";

/** The headers SES checks against the caller's verified identities, besides Source. */
const IDENTITY_HEADERS = ["from", "sender", "return-path"] as const;
/** Headers a reader shows one of: a second one would let readers pick different senders. */
const SINGLE_HEADERS = ["from", "sender"] as const;

/**
 * Refuses a send whose sender identities are not the signing agent's own address, as SES
 * refuses identities the account has not verified: `Source` / `FromEmailAddress` when given, and
 * every mailbox of the raw message's `From`, `Sender` and `Return-Path` headers (SES names all
 * four in its documentation of this error). An agent may send only as
 * `<agent_id>@<mail_domain>`; a display name is fine. An empty `Return-Path: <>` (null sender)
 * names nobody.
 *
 * `fields` must be read as recipients read them (`headerFields`: Python's line ends and header
 * block), and each identity must be written plainly (`strictMailboxes`): a group, a comment, text
 * after an angle address, `<` in a quoted string, unbalanced quotes or angles, an encoded word in
 * the address, or a second `From` or `Sender` header is refused, because readers disagree about
 * which mailbox such a header names and the delivered copy is marked `SenderVerified`.
 *
 * @example
 * checkSenderIdentities(headerFields(raw), "my-agent@agents.localhost", caller, "agents.localhost");
 * @throws {SesError} `messageRejected` "Email address is not verified. The following identities
 * failed the check in region US-EAST-1: ...", or "Illegal From header: ..." for one not written
 * plainly.
 */
export function checkSenderIdentities(
  fields: readonly HeaderField[],
  source: string | undefined,
  caller: SesCaller,
  mailDomain: string,
): void {
  const own = `${caller.agent.agentId}@${mailDomain}`.toLowerCase();
  for (const name of SINGLE_HEADERS) {
    const count = headerValues(fields, name).length;
    if (count > 1) {
      throw new SesError(
        "messageRejected",
        `Illegal ${display(name)} header: the message has ${count}; give one.`,
      );
    }
  }
  const failed: string[] = [];
  const check = (value: string, what: string) => {
    const read = strictMailboxes(value);
    if (!read.ok) {
      throw new SesError(
        "messageRejected",
        `Illegal ${what}: ${read.problem} in ${quote(value)}; write each sender as "Name <address>" or "address".`,
      );
    }
    if (read.addresses.some((address) => address.toLowerCase() !== own)) {
      if (!failed.includes(value)) failed.push(value);
    }
  };
  if (source !== undefined) check(source.trim(), "Source");
  for (const name of IDENTITY_HEADERS) {
    for (const value of headerValues(fields, name)) {
      if (name === "return-path" && /^\s*<\s*>\s*$/.test(value)) continue;
      check(value, `${display(name)} header`);
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

function display(name: string): string {
  return name.replace(
    /(^|-)([a-z])/g,
    (_match, dash: string, letter: string) => dash + letter.toUpperCase(),
  );
}
