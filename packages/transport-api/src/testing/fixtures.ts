// Builders shared by this package's tests (not exported by the package).
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
import { fakeRecord } from "../../../core/src/testing/fakes.js";
import type { Runtime } from "../retry.js";

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

/** A clock that only moves when the code under test sleeps; records every sleep. */
export function fakeRuntime(random = () => 0.5): Runtime & { sleeps: number[]; time: number } {
  const state = {
    time: 1_700_000_000_000,
    sleeps: [] as number[],
    now: () => state.time,
    random,
    async sleep(ms: number) {
      state.sleeps.push(ms);
      state.time += ms;
    },
  };
  return state;
}

// Generic helpers are shared with transport-ses's tests rather than copied.
export { errorOf, sampleBytes, streamOf } from "../../../transport-ses/src/testing/fixtures.js";

export const utf8 = (bytes: Uint8Array | null | undefined) =>
  bytes ? new TextDecoder().decode(bytes) : undefined;
