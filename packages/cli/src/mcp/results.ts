// How a tool answers: a JSON text block (what a model reads best), optional extra blocks
// (attachments as embedded resources), and errors as tool errors carrying the AgentMailError
// code. Every text leaving the server passes `scrub`: the configured secrets and any armored
// private key are cut out, whatever put them there (a peer's echo, a message someone mailed).
import { AgentMailError, redact } from "@assmbl/core";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";

type Content = CallToolResult["content"][number];

const PRIVATE_KEY_BLOCK =
  /-----BEGIN PGP PRIVATE KEY BLOCK-----[\s\S]*?(?:-----END PGP PRIVATE KEY BLOCK-----|$)/g;

/**
 * `text` without any of `secrets` and without armored private keys (each replaced by a marker).
 * Exact matches only, so a message body is otherwise returned as it was sent.
 *
 * @example
 * scrub("token: abc", ["abc"]); // "token: [redacted]"
 */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text.replace(PRIVATE_KEY_BLOCK, "[redacted private key]");
  for (const secret of secrets) out = out.split(secret).join("[redacted]");
  return out;
}

/**
 * A successful tool result: `value` as pretty JSON text, then `extra` blocks, all scrubbed.
 *
 * @example
 * return jsonResult({ deleted: id }, [], context.secrets);
 */
export function jsonResult(
  value: unknown,
  extra: readonly Content[],
  secrets: readonly string[],
): CallToolResult {
  const text: Content = { type: "text", text: JSON.stringify(value, null, 2) };
  return { content: [text, ...extra].map((block) => scrubBlock(block, secrets)) };
}

function scrubBlock(block: Content, secrets: readonly string[]): Content {
  if (block.type === "text") return { ...block, text: scrub(block.text, secrets) };
  if (block.type === "resource" && "text" in block.resource) {
    return { ...block, resource: { ...block.resource, text: scrub(block.resource.text, secrets) } };
  }
  return block;
}

/**
 * A tool error (`isError: true`) saying `error [code]: message`, as the CLI prints it on stderr,
 * redacted with core's `redact` (which also catches encoded echoes of a secret). Anything that is
 * not an AgentMailError is `internal_error`, with its message.
 *
 * @example
 * try { ... } catch (error) { return errorResult(error, context.secrets); }
 */
export function errorResult(error: unknown, secrets: readonly string[]): CallToolResult {
  const { code, message, retryable } = describe(error);
  const text = redact(scrub(`error [${code}]: ${message}`, secrets), [...secrets]);
  const hint = retryable ? " (retryable: try again later)" : "";
  return { isError: true, content: [{ type: "text", text: `${text}${hint}` }] };
}

function describe(error: unknown): { code: string; message: string; retryable: boolean } {
  if (AgentMailError.is(error)) {
    return { code: error.code, message: error.message, retryable: error.retryable };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: "internal_error", message, retryable: false };
}

/**
 * Runs a tool body and turns any failure into {@link errorResult}: a tool never throws, so a bad
 * call never reaches the protocol layer as a crash.
 *
 * @example
 * server.registerTool("x", config, (args) => guarded(context.secrets, () => run(args)));
 */
export async function guarded(
  secrets: readonly string[],
  run: () => Promise<CallToolResult>,
): Promise<CallToolResult> {
  try {
    return await run();
  } catch (error) {
    return errorResult(error, secrets);
  }
}
