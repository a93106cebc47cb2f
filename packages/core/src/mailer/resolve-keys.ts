import { agentIdFor, type Mailbox } from "../address.js";
import { AgentMailError } from "../errors.js";
import type { KeyDirectory } from "../key-directory.js";
import { Limits } from "../limits.js";
import type { EncryptionRecipient, MailCrypto } from "../mail-crypto.js";
import type { AgentRecord } from "../schemas/directory.js";
import { cryptoCall } from "./crypto-call.js";
import type { NormalizedMessage } from "./normalize.js";
import { settleLimited } from "./settle-limited.js";
import type { RecipientReport } from "./types.js";

/**
 * How many recipient keys are looked up (and checked) at a time: a message with 50 Bcc
 * recipients does not open 50 directory requests at once.
 */
export const LOOKUP_CONCURRENCY = 8;

/** The recipients' checked keys, and a report line per recipient. */
export interface ResolvedKeys {
  recipients: EncryptionRecipient[];
  reports: RecipientReport[];
}

/**
 * Step 2 of the pipeline: finds every recipient's agent id, looks its key up (fresh when asked),
 * and has the crypto implementation check the key against policy, {@link LOOKUP_CONCURRENCY} at a
 * time. Any doubt fails the send, once every lookup has settled.
 *
 * @example
 * const { recipients } = await resolveRecipientKeys(normalized, { directory, crypto, mailDomain });
 * @throws {AgentMailError} `peer_agent_id_required`, `peer_missing_openpgp_public_key` (409),
 * `peer_key_revoked`, `key_too_large`, `invalid_directory_response`, the directory's and the
 * crypto implementation's codes.
 */
export async function resolveRecipientKeys(
  message: NormalizedMessage,
  deps: {
    directory: KeyDirectory;
    crypto: MailCrypto;
    mailDomain: string;
    signal?: AbortSignal | undefined;
  },
): Promise<ResolvedKeys> {
  const targets = distinctRecipients(message).map((target) => ({
    ...target,
    agentId: agentIdFor(target.mailbox, {
      mailDomain: deps.mailDomain,
      peerAgentId: peerAgentIdOf(message, target.mailbox),
    }),
  }));
  const agentIds = [...new Set(targets.map((target) => target.agentId))];
  // A few lookups at a time, not one per recipient at once; every one settles before the send
  // fails, so no rejection is left unhandled, and the failure reported is that of the first
  // recipient (To, Cc, Bcc order) whose key could not be had.
  const settled = await settleLimited(agentIds, LOOKUP_CONCURRENCY, (agentId) =>
    checkedKey(agentId, message.encrypt.freshKeys, deps),
  );
  const keys = new Map<string, { key: string; fingerprint: string }>();
  for (const [index, outcome] of settled.entries()) {
    if (outcome.status === "rejected") throw outcome.reason;
    keys.set(agentIds[index] as string, outcome.value);
  }
  const recipients: EncryptionRecipient[] = [];
  const reports: RecipientReport[] = [];
  for (const target of targets) {
    const { key, fingerprint } = keys.get(target.agentId) as { key: string; fingerprint: string };
    recipients.push({
      agentId: target.agentId,
      address: target.mailbox.address,
      publicKeyArmored: key,
    });
    reports.push({
      address: target.mailbox.address,
      kind: target.kind,
      agentId: target.agentId,
      keyFingerprint: fingerprint,
    });
  }
  return { recipients, reports };
}

/** Recipients in to, cc, bcc order, each address once (the first list that names it wins). */
function distinctRecipients(message: NormalizedMessage) {
  const byAddress = new Map<string, { mailbox: Mailbox; kind: RecipientReport["kind"] }>();
  for (const [kind, list] of [
    ["to", message.to],
    ["cc", message.cc],
    ["bcc", message.bcc],
  ] as const) {
    for (const mailbox of list) {
      const key = mailbox.address.toLowerCase();
      if (!byAddress.has(key)) byAddress.set(key, { mailbox, kind });
    }
  }
  return [...byAddress.values()];
}

function peerAgentIdOf(message: NormalizedMessage, mailbox: Mailbox): string | undefined {
  const given = message.peerAgentId;
  if (given === undefined || typeof given === "string") return given;
  return given.get(mailbox.address.toLowerCase());
}

async function checkedKey(
  agentId: string,
  refresh: boolean,
  deps: { directory: KeyDirectory; crypto: MailCrypto; signal?: AbortSignal | undefined },
): Promise<{ key: string; fingerprint: string }> {
  const record = await lookup(deps.directory, agentId, refresh, deps.signal);
  if (record.agentId.toLowerCase() !== agentId) {
    throw new AgentMailError({
      code: "invalid_directory_response",
      message: `the directory answered a lookup of ${agentId} with the record of ${record.agentId}; nothing was sent`,
    });
  }
  if (record.keyStatus === "revoked") {
    throw new AgentMailError({
      code: "peer_key_revoked",
      message: `agent ${agentId} has revoked its key; nothing was sent`,
    });
  }
  const key = record.openpgpPublicKey;
  if (!key) {
    throw new AgentMailError({
      code: "peer_missing_openpgp_public_key",
      message: `agent ${agentId} has no OpenPGP public key in the directory, so nothing can be encrypted to it; nothing was sent`,
    });
  }
  if (key.length > Limits.armoredKeyBytes) {
    throw new AgentMailError({
      code: "key_too_large",
      message: `agent ${agentId}'s armored key exceeds ${Limits.armoredKeyBytes} bytes`,
    });
  }
  const { fingerprint } = await cryptoCall(`checking agent ${agentId}'s key`, () =>
    deps.crypto.checkRecipientKey(key, deps.signal ? { signal: deps.signal } : {}),
  );
  return { key, fingerprint };
}

async function lookup(
  directory: KeyDirectory,
  agentId: string,
  refresh: boolean,
  signal: AbortSignal | undefined,
): Promise<AgentRecord> {
  try {
    return await directory.lookup(agentId, { refresh, ...(signal ? { signal } : {}) });
  } catch (cause) {
    if (AgentMailError.is(cause)) throw cause;
    throw new AgentMailError({
      code: "directory_unavailable",
      message: `looking up agent ${agentId} failed; nothing was sent`,
      cause,
    });
  }
}
