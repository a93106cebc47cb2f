import { AgentMailError, distinctAddresses, Limits, type Mailbox } from "@assmbl/core";

/** The envelope recipients of one SES send: bare addresses, each once. */
export interface Envelope {
  to: string[];
  cc: string[];
  bcc: string[];
}

/**
 * The envelope of a message: To, Cc and Bcc as bare addresses, each address once (first list
 * wins), checked against SES's recipient limit. Both send paths (raw and `SendEmail`) use it.
 *
 * @example
 * const { to, cc, bcc } = envelope(prepared); // prepared.bcc lands in bcc, never in a header
 * @throws {AgentMailError} `no_recipients`, `too_many_recipients`.
 */
export function envelope(lists: {
  to?: readonly Mailbox[] | undefined;
  cc?: readonly Mailbox[] | undefined;
  bcc?: readonly Mailbox[] | undefined;
}): Envelope {
  const [to = [], cc = [], bcc = []] = distinctAddresses([lists.to, lists.cc, lists.bcc]);
  const result = { to, cc, bcc };
  const count = to.length + cc.length + bcc.length;
  if (count === 0) {
    throw new AgentMailError({ code: "no_recipients", message: "the message has no recipient" });
  }
  if (count > Limits.recipientsPerMessage) {
    throw new AgentMailError({
      code: "too_many_recipients",
      message: `the message has ${count} recipients (to, cc and bcc); SES accepts at most ${Limits.recipientsPerMessage} per message; nothing was sent`,
    });
  }
  return result;
}
