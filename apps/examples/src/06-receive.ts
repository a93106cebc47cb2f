/**
 * Example 6 — the receiving agent.
 *
 * The recipient reads its inbox with its own token, and `fetchMessage` decrypts the body and
 * every encrypted attachment with its private key, restores attachment names (`numbers.csv.asc`
 * → `numbers.csv`) and types, and checks the sender's signature against the sender's key in the
 * directory. Nothing that fails its integrity check is returned as plaintext: a part that cannot
 * be decrypted keeps its ciphertext and carries the error.
 *
 * Run it: `node apps/examples/dist/06-receive.js` (it first sends example 4's message, then reads it).
 */
import { loadPrivateKey } from "@assmbl/crypto";
import { createDirectory } from "@assmbl/directory";
import { createAgentMailClient, type FetchedMessage } from "@assmbl/transport-api";
import { run as sendExample4 } from "./04-api-send.js";
import type { ExampleContext } from "./context.js";
import { ExampleEnv } from "./env.js";
import { findMessage } from "./find-message.js";
import { runIfMain } from "./standalone.js";

/**
 * What example 6 returns: the message as the recipient's SDK read it.
 *
 * @example
 * const { message }: ReceiveFacts = await run(context, { subject });
 */
export interface ReceiveFacts {
  message: FetchedMessage;
}

/**
 * Reads the message with this subject from the recipient's inbox, decrypted and verified.
 *
 * @example
 * const { message } = await run(context, { subject: "Q3 numbers (k3x9a1)" });
 * console.log(message.bodyTextDecrypted, message.verification); // "The Q3 numbers..." "valid"
 * @throws {Error} without the recipient's token or key; {@link AgentMailError} on API failures.
 */
export async function run(
  context: ExampleContext,
  { subject }: { subject: string },
): Promise<ReceiveFacts> {
  const { apiBaseUrl, mailDomain, recipient } = context;
  if (!recipient.token || !recipient.privateKeyArmored) {
    throw new Error(
      `set ${ExampleEnv.recipientToken} and ${ExampleEnv.recipientPrivateKey} to read the recipient's inbox`,
    );
  }

  // The recipient's own client: its token reads its inbox.
  const inbox = createAgentMailClient({ baseUrl: apiBaseUrl, token: recipient.token, mailDomain });
  const item = await findMessage(inbox, subject); // or the id from a webhook delivery

  const message = await inbox.fetchMessage(item.id, {
    // Load the key once per process: it is parsed and unlocked here, then reused.
    decryptWith: await loadPrivateKey(recipient.privateKeyArmored, recipient.passphrase),
    // Whose signature counts: the sender's key as registered in the directory.
    verifyWith: createDirectory({ baseUrl: apiBaseUrl }),
  });
  // message.encrypted / message.bodyTextDecrypted / message.verification ("valid", "invalid",
  // "unsigned", "unverified"); message.attachments[i]: filename, decrypted, bytes, error.
  // A valid signature is not required by fetchMessage: check it when you need one.
  return { message };
}

// Standalone, it needs something to read: it sends example 4's message first.
await runIfMain(import.meta.url, async (context) => {
  const [sent] = (await sendExample4(context)).sent;
  return run(context, { subject: sent?.message.subject ?? "" });
});
