import type { Mailbox } from "@assmbl/core";
import type { DevStore } from "../store.js";

/**
 * The agents a message to these mailboxes reaches on this server (each once, in recipient
 * order): what rate caps and the marketplace look at before anything is delivered. The same rule
 * as the delivery's: an address on the mail domain whose local part is a known agent.
 *
 * @example
 * localAgentIds(store, [parseAddress("Seller@agents.localhost")]); // ["seller"]
 */
export function localAgentIds(store: DevStore, mailboxes: readonly Mailbox[]): string[] {
  const ids = new Set<string>();
  for (const mailbox of mailboxes) {
    if (mailbox.domain.toLowerCase() !== store.mailDomain) continue;
    const agent = store.agent(mailbox.localPart);
    if (agent) ids.add(agent.agentId);
  }
  return [...ids];
}
