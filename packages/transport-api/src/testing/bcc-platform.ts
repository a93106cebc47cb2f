// What the end-to-end Bcc tests share: a dev server with a sender and four agents (To, Cc and two
// Bcc recipients) that registered real openpgp.js keys, a mailer over SES or /send, a message with
// To, Cc, two Bcc and two attachments, and checks that read each delivered copy's OpenPGP packets
// and headers by hand. Used only by tests.
import {
  createMailer,
  type Mailer,
  type MailMessage,
  type MailTransport,
  type SendResult,
} from "@assmbl/core";
import {
  type AgentPrivateKey,
  type KeyPairBundle,
  loadPrivateKey,
  openpgpCrypto,
} from "@assmbl/crypto";
import type { DevServer } from "@assmbl/dev-server";
import { createDirectory, type Directory } from "@assmbl/directory";
import {
  armoredMessages,
  encryptionSubkeyIds,
  pkeskKeyIds,
  WILDCARD_KEY_ID,
} from "@assmbl/testing/openpgp-packets";
import { startTestPlatform } from "@assmbl/testing/platform";
import { sesTransport } from "@assmbl/transport-ses";
import PostalMime from "postal-mime";
import { expect } from "vitest";
import { type AgentMailClient, createAgentMailClient } from "../client.js";
import { apiTransport } from "../transport.js";
import { sampleBytes, streamOf } from "./fixtures.js";
import { devSesClient, findBySubject, MAIL_DOMAIN, SENDER_ID } from "./platform.js";

export { MAIL_DOMAIN };

/** The four recipients' agent ids, by the role each plays in {@link message}. */
export const ROLES = {
  to: "other-agent",
  cc: "cc-agent",
  audit: "audit-agent",
  legal: "legal-agent",
};
/** A recipient's role: To, Cc, or one of the two Bcc recipients. */
export type Role = keyof typeof ROLES;

/** The address of the agent playing `role`. */
export const address = (role: Role) => `${ROLES[role]}@${MAIL_DOMAIN}`;

/** Who each copy goes to, primary first: the order the mailer sends them in. */
export const COPIES: { kind: "primary" | "bcc"; roles: Role[] }[] = [
  { kind: "primary", roles: ["to", "cc"] },
  { kind: "bcc", roles: ["audit"] },
  { kind: "bcc", roles: ["legal"] },
];
/** The text body of {@link message}. */
export const TEXT = "Q3: revenue up 12%. Keep it quiet. \u2713";
/** The bytes of {@link message}'s `q3.csv` attachment. */
export const csv = sampleBytes(20_000, 3);
/** The bytes of {@link message}'s streamed `run.log` attachment. */
export const log = sampleBytes(9_000, 4);

/** A recipient agent, with its registered keys and its own client. */
export interface BccAgent {
  keys: KeyPairBundle;
  /** The agent's unlocked key: what `decryptWith` takes. */
  key: AgentPrivateKey;
  /** The agent's client. */
  inbox: AgentMailClient;
  /** The key ids of the agent's encryption subkey(s), as a PKESK names them. */
  keyIds: string[];
}

/** What {@link startBccPlatform} returns: the server, the sender, and the four recipients. */
export interface BccPlatform {
  server: DevServer;
  /** An unauthenticated directory client (lookups only). */
  directory: Directory;
  /** The sender's unlocked key: what the mailer signs with. */
  senderKey: AgentPrivateKey;
  senderToken: string;
  agents: Record<Role, BccAgent>;
  stop(): Promise<void>;
}

/**
 * Starts the dev server with the sender and the four agents of {@link ROLES}, registers each one's
 * keys over HTTP (`POST /directory/register`, the shared platform fixture), and returns what the tests need. Each agent has exactly
 * one encryption subkey, so "the copy's key ids" is a well-defined set.
 *
 * @example
 * const platform = await startBccPlatform();
 */
export async function startBccPlatform(): Promise<BccPlatform> {
  const platform = await startTestPlatform({
    mailDomain: MAIL_DOMAIN,
    agents: [SENDER_ID, ...Object.values(ROLES)].map((agentId) => ({
      agentId,
      keys: "register" as const,
    })),
  });
  const { server } = platform;
  try {
    const keysOf = (agentId: string) => platform.agent(agentId).keys as KeyPairBundle;
    const senderKey = await loadPrivateKey(keysOf(SENDER_ID).privateKeyArmored);
    const agents = {} as Record<Role, BccAgent>;
    for (const role of Object.keys(ROLES) as Role[]) {
      const keys = keysOf(ROLES[role]);
      agents[role] = {
        keys,
        key: await loadPrivateKey(keys.privateKeyArmored),
        inbox: createAgentMailClient({
          baseUrl: server.url,
          token: platform.agent(ROLES[role]).token,
          mailDomain: MAIL_DOMAIN,
        }),
        keyIds: encryptionSubkeyIds(keys.publicKeyArmored),
      };
      // One encryption subkey per agent, so "the copy's key ids" is a well-defined set.
      expect(agents[role].keyIds).toHaveLength(1);
    }
    return {
      server,
      directory: createDirectory({ baseUrl: server.url }),
      senderKey,
      senderToken: platform.agent(SENDER_ID).token,
      agents,
      stop: () => platform.close(),
    };
  } catch (error) {
    await platform.close();
    throw error;
  }
}

/**
 * A mailer sending as the sender over SES (a dev SES client) or /send (apiTransport with
 * `retry`), signing and encrypting; `wrap` may stand between the mailer and the transport.
 *
 * @example
 * const result = await mailerOver(platform, "api", { limit: 3, backoffLimitMs: 10 }).send(msg);
 */
export function mailerOver(
  platform: BccPlatform,
  transport: "ses" | "api",
  retry?: { limit: number; backoffLimitMs: number },
  wrap: (inner: MailTransport) => MailTransport = (inner) => inner,
): Mailer {
  const { server, senderToken, directory, senderKey } = platform;
  return createMailer(
    wrap(
      transport === "ses"
        ? sesTransport({
            client: devSesClient(server),
          })
        : apiTransport({ baseUrl: server.url, token: senderToken, ...(retry ? { retry } : {}) }),
    ),
    {
      from: `Report Bot <${SENDER_ID}@${MAIL_DOMAIN}>`,
      mailDomain: MAIL_DOMAIN,
      directory,
      crypto: openpgpCrypto({ signingKey: senderKey }),
    },
  );
}

/** To, Cc, two Bcc; an encrypted body, a bytes attachment and a streamed one. */
export function message(subject: string, idempotencyKey?: string): MailMessage {
  return {
    to: `Other Agent <${address("to")}>`,
    cc: address("cc"),
    bcc: [`"Audit Agent" <${address("audit")}>`, address("legal")],
    subject,
    text: TEXT,
    attachments: [
      { filename: "q3.csv", content: csv, contentType: "text/csv" },
      { filename: "run.log", content: streamOf(log, 1_000) },
    ],
    encrypt: true,
    correlationId: `corr-${subject}`,
    headers: { "X-Workflow-Name": "quarterly" },
    ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
  };
}

/** The armored parts of a raw message: the text body and every attachment, decoded. */
export async function armoredParts(raw: Uint8Array): Promise<string[]> {
  const parsed = await PostalMime.parse(raw);
  const decoder = new TextDecoder();
  const parts = [
    parsed.text ?? "",
    ...parsed.attachments.map((a) =>
      typeof a.content === "string" ? a.content : decoder.decode(a.content),
    ),
  ];
  return parts.flatMap(armoredMessages);
}

/** The header section of a raw message, unfolded. */
export function headerSection(raw: Uint8Array): string {
  const text = new TextDecoder().decode(raw);
  return text.slice(0, text.indexOf("\r\n\r\n")).replace(/\r\n[ \t]/g, " ");
}

/**
 * Checks one delivered copy: every armored part (the body, and both attachments) is encrypted to
 * exactly this copy's recipients' subkeys and to nobody else, no key id is a wildcard, and
 * neither headers nor any other byte of the message name a recipient of another copy.
 */
export async function expectSealedTo(
  platform: BccPlatform,
  raw: Uint8Array,
  roles: Role[],
): Promise<void> {
  const parts = await armoredParts(raw);
  expect(parts).toHaveLength(3);
  const expected = roles.flatMap((role) => platform.agents[role].keyIds).sort();
  for (const part of parts) {
    const ids = pkeskKeyIds(part);
    expect(ids).not.toContain(WILDCARD_KEY_ID);
    expect([...ids].sort()).toEqual(expected);
  }
  const headers = headerSection(raw).toLowerCase();
  expect(headers).not.toMatch(/^bcc:/m);
  const whole = new TextDecoder().decode(raw).toLowerCase();
  for (const other of (Object.keys(ROLES) as Role[]).filter((role) => !roles.includes(role))) {
    expect(headers).not.toContain(address(other));
    expect(whole).not.toContain(address(other));
  }
  for (const own of roles) expect(headers).toContain(address(own));
}

/** Each recipient finds exactly one message with `subject` and reads it with its own key. */
export async function expectEachRecipientReads(
  platform: BccPlatform,
  subject: string,
): Promise<void> {
  for (const role of Object.keys(ROLES) as Role[]) {
    const { inbox, key } = platform.agents[role];
    const received = await inbox.fetchMessage(await findBySubject(inbox, subject), {
      decryptWith: key,
      verifyWith: platform.directory,
    });
    expect(received.bodyError).toBeUndefined();
    expect(received.bodyTextDecrypted).toBe(TEXT);
    expect(received.verification).toBe("valid");
    expect(
      received.attachments.map((a) => [a.filename, a.decrypted, a.bytes, a.verification]),
    ).toEqual([
      ["q3.csv", true, csv, "valid"],
      ["run.log", true, log, "valid"],
    ]);
  }
}

/**
 * Checks a send's copies: primary then the two Bcc copies, to the recipients of {@link COPIES},
 * each under its own idempotency key; given `key`, the primary's is `key` and each Bcc copy's is
 * derived from it.
 */
export function expectCopies(result: SendResult, key: string | undefined): void {
  expect(result.copies.map((c) => [c.kind, c.recipients])).toEqual(
    COPIES.map(({ kind, roles }) => [kind, roles.map(address)]),
  );
  const keys = result.copies.map((c) => c.idempotencyKey);
  expect(new Set(keys).size).toBe(3);
  if (key !== undefined) {
    expect(keys[0]).toBe(key);
    for (const derived of keys.slice(1)) expect(derived).toMatch(/^.+\.bcc-[0-9a-f]{16}$/);
  }
}
