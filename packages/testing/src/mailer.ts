// The mailer as a test builder: what `createMailer(...).prepare(message)` hands a transport, a
// directory answering from a map of keys, and the generic helpers the transports' and MIME
// reader's tests share.
import {
  AgentMailError,
  type AgentRecord,
  createMailer,
  type KeyDirectory,
  type MailCrypto,
  type MailMessage,
  type MailTransport,
  type PreparedMessage,
} from "@assmbl/core";
import { fakeRecord } from "./fakes.js";

export { errorOf, sampleBytes, streamOf } from "./samples.js";

export const MAIL_DOMAIN = "agents.example.com";

/** A transport that never sends: lets `mailer.prepare` run. */
const unusedTransport: MailTransport = {
  specificationVersion: "v1",
  name: "unused",
  async send() {
    throw new Error("prepare only");
  },
};

/** A KeyDirectory that answers each agent id from `keys` (armored public keys). */
export function mapDirectory(keys: Record<string, string>): KeyDirectory & { lookups: string[] } {
  const lookups: string[] = [];
  return {
    specificationVersion: "v1",
    lookups,
    async lookup(agentId): Promise<AgentRecord> {
      lookups.push(agentId);
      const key = keys[agentId];
      if (key === undefined) {
        throw new AgentMailError({ code: "agent_not_found", message: `no agent ${agentId}` });
      }
      return fakeRecord(agentId, { openpgpPublicKey: key });
    },
  };
}

/** What `createMailer(...).prepare(message)` hands a transport; with crypto, encrypted to `keys`. */
export async function prepare(
  message: MailMessage,
  options: { from?: string; crypto?: MailCrypto; keys?: Record<string, string> } = {},
): Promise<PreparedMessage> {
  return createMailer(unusedTransport, {
    from: options.from ?? `Report Bot <report-bot@${MAIL_DOMAIN}>`,
    mailDomain: MAIL_DOMAIN,
    ...(options.crypto ? { crypto: options.crypto } : {}),
    ...(options.keys ? { directory: mapDirectory(options.keys) } : {}),
  }).prepare(message);
}

/**
 * `bytes` decoded as UTF-8; undefined when absent.
 *
 * @example
 * expect(utf8(message.text)).toBe("hello");
 */
export const utf8 = (bytes: Uint8Array | null | undefined) =>
  bytes ? new TextDecoder().decode(bytes) : undefined;
