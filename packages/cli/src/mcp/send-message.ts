// send_message: encryption is on whenever every recipient has an OpenPGP key in the directory;
// with require_encryption the send fails closed instead (fresh lookups, nothing sent without a
// usable key). A plain send says so in its result, naming the recipients without a key.
import {
  AgentMailError,
  type AgentRecord,
  agentIdFor,
  type EncryptionRequest,
  parseAddress,
  type SendResult,
} from "@assmbl/core";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import type { McpContext } from "./context.js";
import { AttachmentInputSchema, refuseSecrets, toAttachments } from "./outgoing-attachments.js";
import { jsonResult } from "./results.js";

/**
 * send_message's input.
 *
 * @example
 * SendMessageInput.parse({ to: "other-agent", subject: "Hi", text: "Hello" });
 */
export const SendMessageInput = z.strictObject({
  to: z
    .union([z.string().min(1).max(998), z.array(z.string().min(1).max(998)).min(1).max(50)])
    .describe(
      "The recipient: an agent id (other-agent), an address (other-agent@agents.example.com), or a list of them. Agents on the platform's mail domain must be in its directory",
    ),
  subject: z
    .string()
    .min(1)
    .max(998)
    .describe("The subject line (sent in clear, even when the body is encrypted)"),
  text: z.string().describe("The plain-text body"),
  attachments: z
    .array(AttachmentInputSchema)
    .max(20)
    .optional()
    .describe(
      "Files to attach: paths under the server's AGENTMAIL_MCP_FILES_DIR, or {filename, content_base64} (at most 7 MiB decoded each)",
    ),
  require_encryption: z
    .boolean()
    .optional()
    .describe(
      "true: send only if every recipient has a usable OpenPGP key (looked up fresh); otherwise fail and send nothing. Default false: encrypt when every recipient has a key, else send in clear and say so",
    ),
  correlation_id: z
    .string()
    .min(1)
    .max(256)
    .optional()
    .describe("Ties the messages of one workflow together (X-AgentMail-Correlation-Id)"),
});

/** What send_message is called with. */
export type SendMessageArgs = z.infer<typeof SendMessageInput>;

/** The tool's description, as the model reads it. */
export const SEND_MESSAGE_DESCRIPTION =
  "Send an email to other agents. The body and attachments are end-to-end encrypted with OpenPGP " +
  "(and signed, when this server has a private key) whenever every recipient has a key in the " +
  "AgentMail directory; if one has none, the message goes unencrypted and the result says so in " +
  "`warning`; a recipient whose key was revoked or changed is refused, never sent in clear. Set " +
  "require_encryption to refuse rather than send anything in clear. The subject is never " +
  "encrypted. Attachments: paths under the server's AGENTMAIL_MCP_FILES_DIR, or inline base64 " +
  "(at most 7 MiB decoded each). Nothing holding a configured secret or a private key is sent " +
  "(`secret_in_message`). Returns the message id and what was encrypted.";

interface Recipient {
  address: string;
  record: AgentRecord | undefined;
  /** Why the recipient has no key to encrypt to. */
  noKey: string | undefined;
}

/**
 * Sends as the configured agent through the AgentMail API.
 *
 * @example
 * const result = await sendMessage(context, { to: "other-agent", subject: "Hi", text: "Hello" });
 * @throws {AgentMailError} the mailer's and directory's codes (`agent_not_found` for an unknown
 * agent on the mail domain, `peer_missing_openpgp_public_key` under require_encryption, ...).
 */
export async function sendMessage(
  context: McpContext,
  args: SendMessageArgs,
): Promise<CallToolResult> {
  const addresses = (Array.isArray(args.to) ? args.to : [args.to]).map((to) =>
    to.includes("@") ? to : `${to}@${context.mailDomain}`,
  );
  const required = args.require_encryption === true;
  // Everything that would leave is read and checked before any lookup or send.
  const markers = { secretMarkers: await context.secretMarkers() };
  const encoder = new TextEncoder();
  refuseSecrets(encoder.encode(args.subject), "the subject", markers);
  refuseSecrets(encoder.encode(args.text), "the text", markers);
  const attachments = args.attachments
    ? await toAttachments(args.attachments, { filesDir: context.filesDir, ...markers })
    : undefined;
  // Under require_encryption the mailer does its own fresh lookups and fails closed; otherwise
  // the keys decide, so look them up first (an unknown agent fails here, before anything is sent).
  const recipients = required ? [] : await lookUp(context, addresses);
  const withoutKey = recipients.filter((r) => r.noKey !== undefined);
  if (withoutKey.length > 0 && withoutKey.length < recipients.length) {
    throw new AgentMailError({
      code: "peer_missing_openpgp_public_key",
      message: `${list(withoutKey)} ${withoutKey.length === 1 ? "has" : "have"} no OpenPGP key, the other recipients do: one message cannot be encrypted for some recipients only. Send to them separately. Nothing was sent`,
    });
  }
  const encrypt: EncryptionRequest | false =
    required || withoutKey.length === 0
      ? { body: true, attachments: true, ...(required ? { freshKeys: true } : {}) }
      : false;
  const mailer = await context.mailer();
  const result = await mailer.send({
    to: addresses,
    subject: args.subject,
    text: args.text,
    ...(attachments ? { attachments } : {}),
    ...(args.correlation_id ? { correlationId: args.correlation_id } : {}),
    encrypt,
  });
  return jsonResult(summary(result, withoutKey, encrypt !== false), [], context.secrets);
}

async function lookUp(context: McpContext, addresses: string[]): Promise<Recipient[]> {
  return Promise.all(
    addresses.map(async (given) => {
      const address = parseAddress(given).address;
      let agentId: string;
      try {
        agentId = agentIdFor(address, { mailDomain: context.mailDomain });
      } catch (error) {
        // Off the platform's domain: no directory entry to find, so no key to encrypt to.
        if (AgentMailError.is(error, "peer_agent_id_required")) {
          return { address, record: undefined, noKey: "not on the platform's mail domain" };
        }
        throw error;
      }
      try {
        // Fresh, never from a cache: a key revoked a minute ago must not look merely "missing".
        const record = await context.directory.lookup(agentId, { refresh: true });
        return { address, record, noKey: undefined };
      } catch (error) {
        // Only "no key was ever registered" may fall back to clear text. A revoked key, a key
        // that changed under a pin, an unknown agent or a directory that is down stop the send:
        // falling back there would let anyone holding a token downgrade mail to clear text.
        if (AgentMailError.is(error, "peer_missing_openpgp_public_key")) {
          return { address, record: undefined, noKey: "no OpenPGP key registered" };
        }
        if (AgentMailError.is(error, "peer_key_revoked")) {
          throw new AgentMailError({
            code: "peer_key_revoked",
            message: `${address}'s OpenPGP key is revoked: refusing to send in clear. Nothing was sent`,
          });
        }
        throw error;
      }
    }),
  );
}

function summary(result: SendResult, withoutKey: Recipient[], encrypted: boolean) {
  // What the platform said per recipient (`delivered`, `outbound`, ...), when it says.
  const delivery = result.copies.flatMap((copy) => copy.delivery ?? []);
  return {
    sent: true,
    message_id: result.messageId,
    correlation_id: result.correlationId ?? null,
    encrypted: result.encrypted,
    recipients: result.recipients.map((r) => ({
      address: r.address,
      kind: r.kind,
      encrypted_to_key: r.keyFingerprint ?? null,
    })),
    attachments: result.attachments.map((a) => ({ filename: a.filename, encrypted: a.encrypted })),
    ...(delivery.length > 0 ? { delivery } : {}),
    ...(encrypted
      ? {}
      : {
          warning: `sent UNENCRYPTED: ${withoutKey.map((r) => `${r.address} (${r.noKey})`).join(", ")}. Use require_encryption to refuse instead.`,
        }),
  };
}

function list(recipients: Recipient[]): string {
  return recipients.map((r) => r.address).join(", ");
}
