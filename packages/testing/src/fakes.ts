// In-memory stand-ins for the mailer's peers: a directory, an OpenPGP implementation that only
// wraps text in armor (no cryptography), a transport that records what it was given, and a clock
// that moves only when the code under test sleeps.
// Type-only imports of @assmbl/core: core's own tests load this file, and core's tsconfig maps
// @assmbl/core to its source, so no build of core is needed to test or typecheck core.
import type {
  AgentRecord,
  AttachmentBytes,
  EncryptionRecipient,
  KeyDirectory,
  KeyLookupOptions,
  MailCrypto,
  MailTransport,
  PreparedMessage,
  Runtime,
  TransportSendOptions,
} from "@assmbl/core";
import { fakeEncryptedMessage } from "./message-fixtures.js";

export function fakeRecord(agentId: string, overrides: Partial<AgentRecord> = {}): AgentRecord {
  return {
    agentId,
    publicKey: "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----",
    algorithm: "Ed25519",
    keyFingerprintSha256: "a".repeat(64),
    keyVersion: 1,
    keyStatus: "active",
    openpgpPublicKey: `-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nkey-of-${agentId}\n-----END PGP PUBLIC KEY BLOCK-----`,
    ...overrides,
  };
}

export function fakeDirectory(records: Record<string, AgentRecord | Error>) {
  const calls: { agentId: string; options: KeyLookupOptions | undefined }[] = [];
  const directory: KeyDirectory = {
    specificationVersion: "v1",
    async lookup(agentId, options) {
      calls.push({ agentId, options });
      const found = records[agentId];
      if (found instanceof Error) throw found;
      if (!found) throw new Error(`no such agent ${agentId}`);
      return found;
    },
  };
  return { directory, calls };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

// A well-formed message shape (one PKESK per recipient, then one SEIPD, no armor headers), so
// the mailer's ciphertext check passes; the payload sits in clear inside (fakePayloadOf reads
// it) and each recipient's agent id in its PKESK (bcc-kit's encryptedTo reads them).
export function fakeArmor(payload: string, recipients: readonly EncryptionRecipient[]): string {
  return fakeEncryptedMessage(payload, { to: recipients.map((r) => r.agentId) });
}

export function fakeCrypto(overrides: Partial<MailCrypto> = {}) {
  const calls = { check: 0, text: 0, attachment: 0, recipients: [] as EncryptionRecipient[][] };
  const crypto: MailCrypto = {
    specificationVersion: "v1",
    async checkRecipientKey(armored) {
      calls.check++;
      return { fingerprint: `fp-${armored.length}` };
    },
    async encryptText(text, recipients) {
      calls.text++;
      calls.recipients.push([...recipients]);
      return fakeArmor(text, recipients);
    },
    async encryptAttachment(content, recipients) {
      calls.attachment++;
      const bytes = await readAll(content);
      return encoder.encode(fakeArmor(decoder.decode(bytes), recipients));
    },
    ...overrides,
  };
  return { crypto, calls };
}

export function recordingTransport(result: { messageId?: string; correlationId?: string } = {}) {
  const sent: { message: PreparedMessage; options: TransportSendOptions }[] = [];
  const transport: MailTransport = {
    specificationVersion: "v1",
    name: "recording",
    async send(message, options) {
      sent.push({ message, options });
      return {
        messageId: result.messageId ?? `<m${sent.length}@test>`,
        ...(result.correlationId ? { correlationId: result.correlationId } : {}),
      };
    },
  };
  return { transport, sent };
}

export async function readAll(content: AttachmentBytes): Promise<Uint8Array> {
  if (content instanceof Uint8Array) return content;
  return new Uint8Array(await new Response(content).arrayBuffer());
}

export async function readText(content: AttachmentBytes | undefined): Promise<string> {
  if (!content) throw new Error("no content");
  return decoder.decode(await readAll(content));
}

/**
 * A {@link Runtime} whose clock moves only when the code under test sleeps (or the test moves
 * `time` itself, e.g. to say an attempt took 300 ms); records every sleep. `start` is an
 * epoch-like instant by default; the time budgets it serves are measured from the first `now()`.
 *
 * @example
 * const runtime = fakeRuntime(seededRandom(42));
 * await createSesTransport({ client }, runtime).send(message, {});
 * expect(runtime.sleeps).toEqual([50, 100]);
 */
export function fakeRuntime(
  random: () => number = () => 0.5,
  start = 1_700_000_000_000,
): Runtime & { sleeps: number[]; time: number } {
  const state = {
    time: start,
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
