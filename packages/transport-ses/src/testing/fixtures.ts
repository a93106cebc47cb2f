// Builders shared by this package's tests (not exported by the package); the mailer builders
// and generic helpers are @assmbl/testing's, shared with the other packages' tests.
import type { AgentRecord, KeyDirectory } from "@assmbl/core";
import { fakeRecord } from "@assmbl/testing/fakes";
import { MAIL_DOMAIN } from "@assmbl/testing/mailer";
import { SESClient } from "@aws-sdk/client-ses";
import { SESv2Client } from "@aws-sdk/client-sesv2";

export { fakeRuntime } from "@assmbl/testing/fakes";
// `preparePlain`: what `createMailer(...).prepare(message)` hands a transport, without crypto.
export { MAIL_DOMAIN, prepare as preparePlain } from "@assmbl/testing/mailer";
export { errorOf, sampleBytes, streamOf } from "@assmbl/testing/samples";

/** The sender `preparePlain` uses (testing's `prepare` default). */
export const FROM = `Report Bot <report-bot@${MAIL_DOMAIN}>`;

/** A KeyDirectory that answers every agent id with one armored key. */
export function fixedDirectory(openpgpPublicKey: string): KeyDirectory {
  return {
    specificationVersion: "v1",
    async lookup(agentId): Promise<AgentRecord> {
      return fakeRecord(agentId, { openpgpPublicKey });
    },
  };
}

// Dummy credentials: nothing here talks to AWS; clients point at loopback emulators or stubs.
export const DUMMY_CREDENTIALS = { accessKeyId: "test", secretAccessKey: "test" };

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
