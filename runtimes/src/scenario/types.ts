// The scenario's input and report: plain JSON, since they cross a process (Bun, Deno) or an
// HTTP request (workerd) between the Node test and the runtime.

/**
 * One agent of the dev server, as the scenario needs it.
 *
 * @example
 * const agent: AgentInput = { agentId: "my-agent", token, privateKeyArmored, publicKeyArmored };
 */
export interface AgentInput {
  agentId: string;
  /** The agent's API token (from the dev server). */
  token: string;
  privateKeyArmored: string;
  publicKeyArmored: string;
}

/**
 * A webhook delivery signed by the test: `signature` is `v1=<hex HMAC-SHA256>` of
 * `<timestamp>.<body>` under `secret`.
 *
 * @example
 * const webhook: WebhookInput = { secret, timestamp: "1790000000", signature: "v1=…", body: "{}" };
 */
export interface WebhookInput {
  secret: string;
  timestamp: string;
  signature: string;
  body: string;
}

/**
 * Everything the scenario needs, handed in by the Node test.
 *
 * @example
 * const input: ScenarioInput = { baseUrl: server.url, mailDomain, runId: "bun-1", sender, recipient, text, attachmentText, webhook };
 */
export interface ScenarioInput {
  /** The dev server's loopback URL. */
  baseUrl: string;
  mailDomain: string;
  /** Unique per run: the subject and idempotency key are derived from it. */
  runId: string;
  sender: AgentInput;
  recipient: AgentInput;
  /** The body sent, encrypted and signed. */
  text: string;
  /** The text of the one (encrypted) attachment. */
  attachmentText: string;
  webhook: WebhookInput;
}

/**
 * What a received message looked like to the scenario (fetchMessage or openMessage).
 *
 * @example
 * const reading: MessageReading = report.fetched;
 */
export interface MessageReading {
  encrypted: boolean;
  bodyTextDecrypted: string | null;
  verification: string | null;
  bodyError: string | null;
  attachments: {
    filename: string;
    decrypted: boolean;
    verification: string | null;
    text: string | null;
    error: string | null;
  }[];
}

/**
 * The scenario's answer, one field per step.
 *
 * @example
 * const { webhook }: ScenarioReport = report; // webhook.asText === "ok"
 */
export interface ScenarioReport {
  runtime: { userAgent: string; hasProcess: boolean; hasBuffer: boolean };
  crypto: { armored: boolean; text: string; verification: string };
  send: {
    transport: string;
    messageId: string;
    encryptedBody: boolean;
    encryptedAttachments: boolean;
  };
  fetched: MessageReading;
  opened: MessageReading;
  /** `ok` or the `AgentMailError` code of each verification. */
  webhook: {
    asText: string;
    asBytes: string;
    tamperedBody: string;
    wrongSecret: string;
    missingSignature: string;
  };
}

/**
 * What an entry prints or answers: the report, or the error that stopped the scenario.
 *
 * @example
 * const outcome: ScenarioOutcome = JSON.parse(stdout);
 */
export type ScenarioOutcome =
  | { ok: true; report: ScenarioReport }
  | { ok: false; error: { name: string; code: string | null; message: string; stack: string } };
