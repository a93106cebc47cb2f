import { parseInput } from "@assmbl/core";
import { isApiNotFound } from "./api-not-found.js";
import type { AgentMailClient } from "./client.js";
import { type FetchedMessage, FetchOptionsSchema } from "./fetch-message.js";
import { InboxQueryOptionsSchema } from "./inbox.js";

/**
 * `iterMessages` (the Python SDK's `iter_inbox`): every inbox item matching the query, page after
 * page, each read in full with `fetchMessage` (decrypted with `decryptWith`, attachments waited
 * for, and written to `downloadDir` when given). Both arguments are checked before any request.
 * A message listed but deleted before it is fetched (the API's own 404 `not_found`) is skipped: it
 * is no longer in the inbox. A 404 that is not the API's (a proxy's page) ends the iteration. Any other failure ends the iteration with its error.
 *
 * @internal
 * @example
 * const { iterMessages } = messageIteration(calls);
 * for await (const message of iterMessages({ verifiedOnly: true }, { decryptWith: key })) console.log(message.subject);
 */
export function messageIteration(
  calls: Pick<AgentMailClient, "iterInbox" | "fetchMessage">,
): Pick<AgentMailClient, "iterMessages"> {
  return {
    iterMessages(query, fetchOptions) {
      // Checked at the call, not at the first next(): a typo fails where it is made.
      parseInput(InboxQueryOptionsSchema, query, "iterMessages query");
      const signal = parseInput(FetchOptionsSchema, fetchOptions, "iterMessages options")?.signal;
      return (async function* () {
        for await (const item of calls.iterInbox(query, signal ? { signal } : undefined)) {
          let message: FetchedMessage;
          try {
            message = await calls.fetchMessage(item.id, fetchOptions);
          } catch (error) {
            // The API's own 404 only: a proxy's 404 page would otherwise skip every message.
            if (isApiNotFound(error)) continue;
            throw error;
          }
          yield message;
        }
      })();
    },
  };
}
