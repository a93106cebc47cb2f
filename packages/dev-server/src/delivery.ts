import type { Mailbox } from "@assmbl/core";
import type { DeliverOptions } from "./inbox.js";
import type { DevStore } from "./store.js";

/**
 * Delivers a copy of `raw` to every local recipient: an address on the store's mail domain whose
 * local part is a known agent, each agent once (Bcc recipients included: they are in the
 * envelope). Other addresses are left alone. Both the SES endpoint and `POST /send` deliver
 * through here, so a message reaches the same inboxes whichever way it was sent.
 *
 * @example
 * deliverToLocalAgents(store, [parseAddress("other-agent@agents.localhost")], raw, { sender });
 * // ["other-agent"]
 * @returns The ids of the agents that received a copy, in recipient order.
 */
export function deliverToLocalAgents(
  store: DevStore,
  recipients: readonly Mailbox[],
  raw: Uint8Array,
  options: DeliverOptions,
): string[] {
  const deliveredTo: string[] = [];
  for (const entry of recipients) {
    if (entry.domain.toLowerCase() !== store.mailDomain) continue;
    const agent = store.agent(entry.localPart);
    if (!agent || deliveredTo.includes(agent.agentId)) continue;
    store.deliver(agent.agentId, raw, options);
    deliveredTo.push(agent.agentId);
  }
  return deliveredTo;
}
