// Starts an AgentMail MCP server as a user's MCP client does (a child process on stdio, with its
// configuration in the environment) and connects the MCP SDK's own Client to it. Every tool
// result and every byte the server writes to stderr are kept, for tests to scan for secrets.
import { fileURLToPath } from "node:url";
import { sourceHooksPath } from "@assmbl/testing/source-hooks";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";

const here = (file: string) => fileURLToPath(new URL(`./${file}`, import.meta.url));

/** A connected client, what it saw, and how to stop the server. */
export interface McpSession {
  client: Client;
  /** Calls a tool; the result is also kept in `seen`. */
  call(name: string, args: Record<string, unknown>): Promise<CallToolResult>;
  /** Every tool result so far, and the tool list, as JSON text. */
  seen: string[];
  /** What the server wrote to stderr so far. */
  stderr(): string;
  close(): Promise<void>;
}

/**
 * Spawns `mcp-process.ts` (the `agentmail mcp` entry, from source) with exactly `env` (plus PATH
 * and HOME) and connects a Client over stdio.
 *
 * @example
 * const session = await startMcpSession({ AGENTMAIL_API_BASE_URL: url, ... });
 * const { tools } = await session.client.listTools();
 */
export async function startMcpSession(env: Record<string, string>): Promise<McpSession> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [
      "--experimental-transform-types",
      "--no-warnings",
      "--import",
      sourceHooksPath,
      here("mcp-process.ts"),
    ],
    env,
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  const client = new Client({ name: "agentmail-mcp-test", version: "0.0.0" });
  await client.connect(transport);
  const seen: string[] = [];
  return {
    client,
    seen,
    async call(name, args) {
      const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
      seen.push(JSON.stringify(result));
      return result;
    },
    stderr: () => stderr,
    close: () => client.close(),
  };
}

/**
 * The first text block of a tool result, parsed as JSON (the tools answer JSON text).
 *
 * @example
 * const { message_id } = json(await session.call("send_message", args));
 */
export function json(result: CallToolResult): Record<string, unknown> {
  const block = result.content[0];
  if (block?.type !== "text") throw new Error(`no text block in ${JSON.stringify(result)}`);
  if (result.isError) throw new Error(`the tool failed: ${block.text}`);
  return JSON.parse(block.text) as Record<string, unknown>;
}

/**
 * The first text block of a tool result.
 *
 * @example
 * expect(text(result)).toContain("agent_not_found");
 */
export function text(result: CallToolResult): string {
  const block = result.content[0];
  return block?.type === "text" ? block.text : "";
}
