// Builders shared by this package's tests (not exported by the package): prepared messages as
// createMailer makes them, and deterministic attachment bytes.
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

export const MAIL_DOMAIN = "agents.example.com";
export const FROM = "Report Bot <report-bot@agents.example.com>";

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
function fixedDirectory(openpgpPublicKey: string): KeyDirectory {
  return {
    specificationVersion: "v1",
    async lookup(agentId): Promise<AgentRecord> {
      return {
        agentId,
        publicKey: "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----",
        algorithm: "Ed25519",
        keyFingerprintSha256: "a".repeat(64),
        keyVersion: 1,
        keyStatus: "active",
        openpgpPublicKey,
      };
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

/** The AgentMailError a promise rejects with; fails when it resolves or rejects otherwise. */
export async function errorOf(promise: Promise<unknown>): Promise<AgentMailError> {
  try {
    await promise;
  } catch (error) {
    if (AgentMailError.is(error)) return error;
    throw new Error(`expected an AgentMailError, got ${String(error)}`, { cause: error });
  }
  throw new Error("expected a rejection");
}

/** Deterministic bytes covering every byte value. */
export function sampleBytes(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    out[i] = i < 256 ? i : state >>> 24;
  }
  return out;
}

/** A web stream that yields `bytes` in chunks of `size`. */
export function streamOf(bytes: Uint8Array, size = 1000): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + size));
      offset += size;
    },
  });
}
