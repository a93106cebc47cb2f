import { normalizeAgentId, parseInput } from "@assmbl/core";
import { z } from "zod";

// Message ids go into a URL path, where "." and ".." would
// be resolved as dot-segments (addressing another route), and control characters belong in no id
// (nor in the error messages that name it). routePath percent-encodes everything else.
const MessageIdSchema = z
  .string()
  .min(1, "expected a message id")
  .refine((value) => value !== "." && value !== "..", "expected a message id, not . or ..")
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
  .refine((value) => !/[\u0000-\u001f\u007f]/.test(value), "expected no control characters");

// Zero-based, as the platform counts; the cap only keeps the path short (no real message has
// a million attachments).
const AttachmentIndexSchema = z.int().nonnegative().max(999_999);

/**
 * A message id checked before it goes into a URL path.
 *
 * @internal
 * @example
 * const id = messageIdOf(input, "getInboundAttachmentStatus");
 * @throws {AgentMailError} `invalid_options` (`.`, `..`, empty, control characters).
 */
export function messageIdOf(value: unknown, what: string): string {
  return parseInput(MessageIdSchema, value, `${what} messageId`);
}

/**
 * An attachment index (zero-based) checked before it goes into a URL path.
 *
 * @internal
 * @example
 * const index = attachmentIndexOf(0, "getInboundAttachmentStatus");
 * @throws {AgentMailError} `invalid_options`.
 */
export function attachmentIndexOf(value: unknown, what: string): number {
  return parseInput(AttachmentIndexSchema, value, `${what} index`);
}

/**
 * A peer agent id, normalised (lower-cased) and checked before it goes into a URL path.
 *
 * @internal
 * @example
 * peerAgentIdOf("Report-Bot"); // "report-bot"
 * @throws {AgentMailError} `invalid_agent_id` (including `.` and `..`).
 */
export function peerAgentIdOf(value: unknown): string {
  return normalizeAgentId(value as string);
}
