// Builders shared by this package's tests (not exported by the package).
import {
  type AgentRecord,
  createMailer,
  type KeyDirectory,
  type MailCrypto,
  type MailMessage,
  type MailTransport,
  type PreparedMessage,
} from "@assmbl/core";
import { fakeRecord } from "@assmbl/testing/fakes";
import { SESClient } from "@aws-sdk/client-ses";
import { SESv2Client } from "@aws-sdk/client-sesv2";
import type { Runtime } from "../retry.js";

export const MAIL_DOMAIN = "agents.example.com";
export const FROM = "Report Bot <report-bot@agents.example.com>";

// Dummy credentials: nothing here talks to AWS; clients point at loopback emulators or stubs.
export const DUMMY_CREDENTIALS = { accessKeyId: "test", secretAccessKey: "test" };

/** A transport that never sends: used so `mailer.prepare` can run. */
const unusedTransport: MailTransport = {
  specificationVersion: "v1",
  name: "unused",
  async send() {
    throw new Error("prepare only");
  },
};

/** What `createMailer(...).prepare(message)` hands a transport, without crypto. */
export async function preparePlain(message: MailMessage): Promise<PreparedMessage> {
  return createMailer(unusedTransport, { from: FROM, mailDomain: MAIL_DOMAIN }).prepare(message);
}

/** A KeyDirectory that answers every agent id with one armored key. */
export function fixedDirectory(openpgpPublicKey: string): KeyDirectory {
  return {
    specificationVersion: "v1",
    async lookup(agentId): Promise<AgentRecord> {
      return fakeRecord(agentId, { openpgpPublicKey });
    },
  };
}

/** `prepare` with real OpenPGP encryption to `publicKey`. */
export async function prepareEncrypted(
  message: MailMessage,
  crypto: MailCrypto,
  publicKey: string,
): Promise<PreparedMessage> {
  return createMailer(unusedTransport, {
    from: FROM,
    mailDomain: MAIL_DOMAIN,
    crypto,
    directory: fixedDirectory(publicKey),
  }).prepare(message);
}

/** One scripted answer of a stub `send`: a value to resolve with, or an error to throw. */
export type Outcome = { ok: Record<string, unknown> } | { fail: unknown };

/**
 * A real SES client whose `send` is replaced by a stub that records every command and answers
 * from `outcomes` in order (the last one repeats). Live AWS cannot run here, so this stub is the
 * only way to count requests and inject failures such as throttling; everything else in these
 * tests runs against real peers (Python, gpg, aws-ses-v2-local).
 */
export function stubClient(
  api: "v1" | "v2",
  outcomes: Outcome[] = [{ ok: { MessageId: "ses-1" } }],
) {
  const options = { region: "us-east-1", credentials: DUMMY_CREDENTIALS };
  const client = api === "v1" ? new SESClient(options) : new SESv2Client(options);
  const commands: { input: Record<string, unknown>; name: string }[] = [];
  (client as { send: unknown }).send = async (command: { input: Record<string, unknown> }) => {
    commands.push({ input: command.input, name: command.constructor.name });
    const outcome = outcomes[Math.min(commands.length - 1, outcomes.length - 1)] as Outcome;
    if ("fail" in outcome) throw outcome.fail;
    return outcome.ok;
  };
  return { client, commands };
}

/** A clock that only moves when the code under test sleeps; records every sleep. */
export function fakeRuntime(random = () => 0.5): Runtime & { sleeps: number[]; time: number } {
  const state = {
    time: 0,
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

// Shared with transport-api's tests.
export { errorOf, sampleBytes, streamOf } from "@assmbl/testing/samples";
