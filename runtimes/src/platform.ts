import { createHmac, randomUUID } from "node:crypto";
import type { DevServer } from "@assmbl/dev-server";
import { startTestPlatform } from "@assmbl/testing/platform";
import type { AgentInput, ScenarioInput, WebhookInput } from "./scenario/types.js";

const SENDER = "runtime-sender";
const RECIPIENT = "runtime-recipient";

/**
 * The dev server on loopback with two agents whose keys are registered in its directory.
 *
 * @example
 * const platform = await startPlatform();
 * try { await runBun(platform.inputFor("bun")); } finally { await platform.stop(); }
 */
export interface Platform {
  server: DevServer;
  /** The scenario input for one run: a fresh run id and a freshly signed webhook. */
  inputFor(runtime: string): ScenarioInput;
  stop(): Promise<void>;
}

/** The body and attachment every runtime sends: non-ASCII, so UTF-8 round trips are checked. */
export const SENT_TEXT = "Quarterly numbers: revenue up 12 % — “grün”, 数字 ✓";
export const ATTACHMENT_TEXT = "quarter,revenue\nQ3,1204330\n";

/**
 * Starts the dev server in-process (127.0.0.1, a free port) and registers the agents' keys
 * (generated with @assmbl/crypto, ECC) through the directory API, as real agents do: the shared
 * platform fixture of @assmbl/testing.
 *
 * @example
 * const { server, inputFor } = await startPlatform();
 */
export async function startPlatform(): Promise<Platform> {
  const platform = await startTestPlatform({
    agents: [SENDER, RECIPIENT].map((agentId) => ({ agentId, keys: "register" as const })),
  });
  const { server } = platform;
  const input = (agentId: string): AgentInput => {
    const { token, keys } = platform.agent(agentId);
    if (!keys) throw new Error(`the platform generated no keys for ${agentId}`);
    return {
      agentId,
      token,
      privateKeyArmored: keys.privateKeyArmored,
      publicKeyArmored: keys.publicKeyArmored,
    };
  };
  const sender = input(SENDER);
  const recipient = input(RECIPIENT);
  return {
    server,
    inputFor: (runtime) => ({
      baseUrl: server.url,
      mailDomain: server.mailDomain,
      runId: `${runtime}-${randomUUID()}`,
      sender,
      recipient,
      text: SENT_TEXT,
      attachmentText: ATTACHMENT_TEXT,
      webhook: signedWebhook(runtime),
    }),
    stop: () => platform.close(),
  };
}

/**
 * A webhook delivery signed here with node:crypto's HMAC (spec §8), an implementation independent
 * of the WebCrypto one the scenario verifies with.
 */
function signedWebhook(runtime: string): WebhookInput {
  const secret = `whsec_${randomUUID()}`;
  const timestamp = String(Math.floor(Date.now() / 1000));
  const body = JSON.stringify({ event: "message.received", runtime, note: "ü ✓" });
  const hex = createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
  return { secret, timestamp, body, signature: `v1=${hex}` };
}
