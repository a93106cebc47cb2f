// list_inbox, delete_message and lookup_agent: thin tools over the API client and the directory.
import { AgentMailError, type AgentRecord, normalizeAgentId } from "@assmbl/core";
import { inspectPublicKey } from "@assmbl/crypto";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import type { McpContext } from "./context.js";
import { jsonResult } from "./results.js";

/**
 * list_inbox's input.
 *
 * @example
 * ListInboxInput.parse({ limit: 20, verified_only: true });
 */
export const ListInboxInput = z.strictObject({
  limit: z
    .int()
    .min(1)
    .max(100)
    .optional()
    .describe("Messages per page, 1-100 (default: the platform's)"),
  cursor: z.string().min(1).max(1024).optional().describe("next_cursor of the previous page"),
  verified_only: z.boolean().optional().describe("Only mail whose sender the platform verified"),
  q: z.string().min(1).max(256).optional().describe("Search text (sender, subject)"),
});

/** The tool's description, as the model reads it. */
export const LIST_INBOX_DESCRIPTION =
  "List this agent's inbox, oldest first: id, sender, whether the platform verified the sender, " +
  "subject, time, read state. Bodies are not included: call read_message with an id. Pass " +
  "next_cursor as cursor for the next page (null on the last page).";

/**
 * One page of the configured agent's inbox.
 *
 * @example
 * const result = await listInbox(context, { limit: 10 });
 * @throws {AgentMailError} the API's codes.
 */
export async function listInbox(
  context: McpContext,
  args: z.infer<typeof ListInboxInput>,
): Promise<CallToolResult> {
  const page = await context.client.listInbox({
    ...(args.limit !== undefined ? { limit: args.limit } : {}),
    ...(args.cursor !== undefined ? { cursor: args.cursor } : {}),
    ...(args.verified_only !== undefined ? { verifiedOnly: args.verified_only } : {}),
    ...(args.q !== undefined ? { q: args.q } : {}),
  });
  const items = page.items.map((item) => ({
    id: item.id,
    from: item.sender,
    sender_verified: item.senderVerified,
    subject: item.subject,
    received_at: item.receivedAt.toISOString(),
    is_read: item.isRead,
    labels: item.labels,
  }));
  return jsonResult({ items, next_cursor: page.nextCursor }, [], context.secrets);
}

/**
 * delete_message's input.
 *
 * @example
 * DeleteMessageInput.parse({ id: "msg_123" });
 */
export const DeleteMessageInput = z.strictObject({
  id: z.string().min(1).max(512).describe("The message id, as list_inbox returns it"),
});

/** The tool's description, as the model reads it. */
export const DELETE_MESSAGE_DESCRIPTION =
  "Delete one message from this agent's inbox, for good. Deleting a message that is already gone counts as done.";

/**
 * Deletes message `args.id`.
 *
 * @example
 * await deleteMessage(context, { id });
 * @throws {AgentMailError} `not_found`, the API's codes.
 */
export async function deleteMessage(
  context: McpContext,
  args: z.infer<typeof DeleteMessageInput>,
): Promise<CallToolResult> {
  await context.client.deleteMessage(args.id);
  return jsonResult({ deleted: args.id }, [], context.secrets);
}

/**
 * lookup_agent's input.
 *
 * @example
 * LookupAgentInput.parse({ agent_id: "other-agent" });
 */
export const LookupAgentInput = z.strictObject({
  agent_id: z
    .string()
    .min(1)
    .max(64)
    .describe("The agent id: the local part of its address (other-agent)"),
});

/** The tool's description, as the model reads it. */
export const LOOKUP_AGENT_DESCRIPTION =
  "Look an agent up in the AgentMail directory (fresh, not cached): its address, key status and " +
  "version, and its OpenPGP key's fingerprint and algorithm, whether mail to it can be encrypted, " +
  "and whether agents on the Python SDK can use the key.";

/**
 * The directory's record of `args.agent_id`, with a report on its OpenPGP key.
 *
 * @example
 * const result = await lookupAgent(context, { agent_id: "other-agent" });
 * @throws {AgentMailError} `agent_not_found`, `invalid_agent_id`, `directory_unavailable`.
 */
export async function lookupAgent(
  context: McpContext,
  args: z.infer<typeof LookupAgentInput>,
): Promise<CallToolResult> {
  let record: AgentRecord;
  try {
    record = await context.directory.lookup(args.agent_id, { refresh: true });
  } catch (error) {
    // The directory client answers a keyless or revoked agent with these: still an answer here.
    if (
      AgentMailError.is(error, "peer_missing_openpgp_public_key") ||
      AgentMailError.is(error, "peer_key_revoked")
    ) {
      return jsonResult(
        {
          agent_id: normalizeAgentId(args.agent_id),
          address: `${normalizeAgentId(args.agent_id)}@${context.mailDomain}`,
          key_status: error.code === "peer_key_revoked" ? "revoked" : "active",
          openpgp: null,
          encrypted_mail_possible: false,
          why: error.message,
        },
        [],
        context.secrets,
      );
    }
    throw error;
  }
  const armored = record.openpgpPublicKey;
  const report = armored ? await inspectPublicKey(armored) : undefined;
  return jsonResult(
    {
      agent_id: record.agentId,
      address: `${record.agentId}@${context.mailDomain}`,
      key_status: record.keyStatus,
      key_version: record.keyVersion,
      directory_key: {
        algorithm: record.algorithm,
        fingerprint_sha256: record.keyFingerprintSha256,
      },
      openpgp: report
        ? {
            fingerprint: report.fingerprint,
            algorithm: report.algorithm,
            user_ids: report.userIds,
            can_encrypt: report.canEncrypt,
            revoked: report.revoked,
            expires_at: report.expiresAt?.toISOString() ?? null,
            weak: report.weak ? report.weakReasons : false,
            python_sdk_compatible: report.pgpy.compatible,
            ...(report.pgpy.problems.length > 0
              ? { python_sdk_problems: report.pgpy.problems }
              : {}),
          }
        : null,
      encrypted_mail_possible: report?.canEncrypt === true && !report.revoked,
    },
    [],
    context.secrets,
  );
}
