// Bcc without leaks, end to end against the dev server with real openpgp.js keys: an encrypted
// message to To, Cc and two Bcc recipients goes out as three copies, over SES (one SendRawEmail
// each) and over /send (one call each). For every delivered raw message the OpenPGP packets of
// each armored part are read by hand: the key ids must be exactly those of that copy's
// recipients (never a wildcard), and no header names another copy's recipient. Each recipient
// reads its own copy with the SDK and its own key. Then what the mailer refuses (an attachment the
// caller encrypted), what an encrypted message's headers carry with and without Bcc, and what a
// failure part-way means on /send.
import {
  AgentMailError,
  createMailer,
  type MailMessage,
  type MailTransport,
  type PartiallySentBody,
  type SendResult,
} from "@assmbl/core";
import {
  type AgentPrivateKey,
  generateKeyPair,
  type KeyPairBundle,
  loadPrivateKey,
  openpgpCrypto,
} from "@assmbl/crypto";
import { type DevServer, startDevServer } from "@assmbl/dev-server";
import { createDirectory, type Directory } from "@assmbl/directory";
import { sesTransport } from "@assmbl/transport-ses";
import { SESClient } from "@aws-sdk/client-ses";
import PostalMime from "postal-mime";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
// The platform's Python SDK (PGPy), modelled by a script at the repository root.
import { fromBase64, pythonSdk } from "../../../scripts/python-sdk.js";
import { type AgentMailClient, createAgentMailClient } from "./client.js";
import { openMessage } from "./open-message.js";
import { sampleBytes, streamOf } from "./testing/fixtures.js";
import {
  armoredMessages,
  encryptionSubkeyIds,
  pkeskKeyIds,
  WILDCARD_KEY_ID,
} from "./testing/pgp-packets.js";
import { findBySubject } from "./testing/platform.js";
import { apiTransport } from "./transport.js";

const MAIL_DOMAIN = "agents.example.com";
const SENDER_ID = "report-bot";
const ROLES = { to: "other-agent", cc: "cc-agent", audit: "audit-agent", legal: "legal-agent" };
type Role = keyof typeof ROLES;
const address = (role: Role) => `${ROLES[role]}@${MAIL_DOMAIN}`;
// Who each copy goes to, primary first: the order the mailer sends them in.
const COPIES: { kind: "primary" | "bcc"; roles: Role[] }[] = [
  { kind: "primary", roles: ["to", "cc"] },
  { kind: "bcc", roles: ["audit"] },
  { kind: "bcc", roles: ["legal"] },
];
const TEXT = "Q3: revenue up 12%. Keep it quiet. \u2713";
const csv = sampleBytes(20_000, 3);
const log = sampleBytes(9_000, 4);

interface Agent {
  keys: KeyPairBundle;
  key: AgentPrivateKey;
  inbox: AgentMailClient;
  /** The key ids of the agent's encryption subkey(s), as a PKESK names them. */
  keyIds: string[];
}

let server: DevServer;
let directory: Directory;
let senderKey: AgentPrivateKey;
let senderToken: string;
const agents = {} as Record<Role, Agent>;

beforeAll(async () => {
  server = await startDevServer({
    mailDomain: MAIL_DOMAIN,
    agents: [{ agentId: SENDER_ID }, ...Object.values(ROLES).map((agentId) => ({ agentId }))],
  });
  directory = createDirectory({ baseUrl: server.url });
  senderToken = server.agents[SENDER_ID]?.token ?? "";
  const register = async (agentId: string): Promise<KeyPairBundle> => {
    const keys = await generateKeyPair({ name: agentId, email: `${agentId}@${MAIL_DOMAIN}` });
    await createDirectory({
      baseUrl: server.url,
      token: server.agents[agentId]?.token ?? "",
    }).register({
      publicKey: keys.directoryPublicKeyPem,
      algorithm: keys.algorithm,
      keyVersion: 1,
      ifMatchVersion: null,
      openpgpPublicKey: keys.publicKeyArmored,
    });
    return keys;
  };
  senderKey = await loadPrivateKey((await register(SENDER_ID)).privateKeyArmored);
  for (const role of Object.keys(ROLES) as Role[]) {
    const keys = await register(ROLES[role]);
    agents[role] = {
      keys,
      key: await loadPrivateKey(keys.privateKeyArmored),
      inbox: createAgentMailClient({
        baseUrl: server.url,
        token: server.agents[ROLES[role]]?.token ?? "",
        mailDomain: MAIL_DOMAIN,
      }),
      keyIds: encryptionSubkeyIds(keys.publicKeyArmored),
    };
    // One encryption subkey per agent, so "the copy's key ids" is a well-defined set.
    expect(agents[role].keyIds).toHaveLength(1);
  }
});
afterAll(async () => {
  await server?.stop();
});
beforeEach(() => {
  server.setFaults({});
  server.requests.clear();
});

function mailerOver(
  transport: "ses" | "api",
  retry?: { limit: number; backoffLimitMs: number },
  wrap: (inner: MailTransport) => MailTransport = (inner) => inner,
) {
  return createMailer(
    wrap(
      transport === "ses"
        ? sesTransport({
            client: new SESClient({
              endpoint: server.url,
              region: "us-east-1",
              credentials: { accessKeyId: "test", secretAccessKey: "test" },
              maxAttempts: 1,
            }),
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
function message(subject: string, idempotencyKey?: string): MailMessage {
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
async function armoredParts(raw: Uint8Array): Promise<string[]> {
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
function headerSection(raw: Uint8Array): string {
  const text = new TextDecoder().decode(raw);
  return text.slice(0, text.indexOf("\r\n\r\n")).replace(/\r\n[ \t]/g, " ");
}

/**
 * Checks one delivered copy: every armored part (the body, and both attachments) is encrypted to
 * exactly this copy's recipients' subkeys and to nobody else, no key id is a wildcard, and
 * neither headers nor any other byte of the message name a recipient of another copy.
 */
async function expectSealedTo(raw: Uint8Array, roles: Role[]): Promise<void> {
  const parts = await armoredParts(raw);
  expect(parts).toHaveLength(3);
  const expected = roles.flatMap((role) => agents[role].keyIds).sort();
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
async function expectEachRecipientReads(subject: string): Promise<void> {
  for (const role of Object.keys(ROLES) as Role[]) {
    const { inbox, key } = agents[role];
    const received = await inbox.fetchMessage(await findBySubject(inbox, subject), {
      decryptWith: key,
      verifyWith: directory,
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

function expectCopies(result: SendResult, key: string | undefined): void {
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

describe("an encrypted message with Bcc, end to end", () => {
  it("over SES: one SendRawEmail per copy, each sealed to its recipients only, each read by them", async () => {
    server.ses.clear();
    const subject = "Bcc via SES";
    const result = await mailerOver("ses").send(message(subject, "idem-bcc-ses"));
    expectCopies(result, "idem-bcc-ses");
    const sent = server.ses.messages();
    expect(sent.map((s) => s.api)).toEqual(["v1-raw", "v1-raw", "v1-raw"]);
    expect(sent.map((s) => s.messageId)).toEqual(result.copies.map((c) => c.messageId));
    for (const [i, { roles }] of COPIES.entries()) {
      const copy = sent[i];
      expect(copy?.destinations).toEqual(roles.map(address));
      expect(copy?.deliveredTo).toEqual(roles.map((role) => ROLES[role]));
      const raw = copy?.raw as Uint8Array;
      await expectSealedTo(raw, roles);
      const parsed = await PostalMime.parse(raw);
      const header = (name: string) => parsed.headers.find((h) => h.key === name)?.value;
      expect(header("x-agentmail-idempotency-key")).toBe(result.copies[i]?.idempotencyKey);
      expect(header("x-agentmail-correlation-id")).toBe(`corr-${subject}`);
      expect(header("x-workflow-name")).toBe("quarterly");
    }
    // A Bcc recipient's key opens its own copy, and not the primary.
    const [primary, auditCopy] = sent;
    const asAudit = { decryptWith: agents.audit.key, mailDomain: MAIL_DOMAIN };
    expect((await openMessage(auditCopy?.raw as Uint8Array, asAudit)).bodyTextDecrypted).toBe(TEXT);
    const refused = await openMessage(primary?.raw as Uint8Array, asAudit);
    expect(refused.bodyTextDecrypted).toBeUndefined();
    expect(refused.bodyError?.code).toBe("decryption_failed");
    await expectEachRecipientReads(subject);
  });

  it("over /send: one call per copy under its own idempotency key, each sealed and read", async () => {
    server.sent.clear();
    const subject = "Bcc via API";
    const result = await mailerOver("api").send(message(subject));
    // No key given: the mailer made one for the logical send, and derived the copies' keys.
    expect(result.idempotencyKey).toMatch(/^idem_[0-9a-f-]{36}$/);
    expectCopies(result, result.idempotencyKey);
    expect(server.requests.count({ method: "POST", path: "/send" })).toBe(3);
    const sent = server.sent.messages();
    expect(sent.map((s) => s.messageId)).toEqual(result.copies.map((c) => c.messageId));
    for (const [i, { roles }] of COPIES.entries()) {
      const copy = sent[i];
      expect(copy?.idempotencyKey).toBe(result.copies[i]?.idempotencyKey);
      expect(copy?.request.bcc).toEqual([]);
      expect(copy?.deliveredTo).toEqual(roles.map((role) => ROLES[role]));
      await expectSealedTo(copy?.raw as Uint8Array, roles);
    }
    await expectEachRecipientReads(subject);
  });

  it("over /send with every first answer dropped, each copy is still delivered exactly once", async () => {
    server.sent.clear();
    const subject = "Bcc via API, answers dropped";
    // Each copy's first /send is committed, and its answer lost: the retry under the copy's own
    // key must be answered from the platform's record, not sent again.
    server.setFaults({ queue: ["drop", "drop", "drop"], paths: /^\/send$/ });
    const result = await mailerOver("api", { limit: 3, backoffLimitMs: 10 }).send(
      message(subject, "idem-bcc-drop"),
    );
    server.setFaults({});
    expectCopies(result, "idem-bcc-drop");
    expect(server.requests.count({ method: "POST", path: "/send" })).toBe(6);
    const sent = server.sent.messages();
    expect(sent.map((s) => s.idempotencyKey)).toEqual(result.copies.map((c) => c.idempotencyKey));
    for (const [i, { roles }] of COPIES.entries())
      await expectSealedTo(sent[i]?.raw as Uint8Array, roles);
    // findBySubject fails unless each inbox holds exactly one message with the subject.
    await expectEachRecipientReads(subject);
  });
});

describe("read by the Python SDK (PGPy)", () => {
  it("every copy decrypts in PGPy for each of its recipients (text as a str), and for no one else", async () => {
    server.ses.clear();
    await mailerOver("ses").send(message("Bcc read by PGPy", "idem-bcc-pgpy"));
    const sent = server.ses.messages();
    expect(sent.map((s) => s.destinations)).toEqual(COPIES.map((c) => c.roles.map(address)));
    // Every recipient's reading of every copy in one Python process: PGPy per (copy, recipient).
    const reads = await Promise.all(
      COPIES.flatMap(({ roles }, i) =>
        roles.map(async (role) => ({
          expected: roles.flatMap((r) => agents[r].keyIds).sort(),
          read: await pythonSdk.readMessage(sent[i]?.raw as Uint8Array, {
            privateKey: agents[role].keys.privateKeyArmored,
          }),
        })),
      ),
    );
    for (const { expected, read } of reads) {
      expect(read.defects).toEqual([]);
      expect(read.bcc).toBeNull();
      expect(read.bodyDecrypted?.error).toBeUndefined();
      expect(read.bodyDecrypted?.pythonType).toBe("str");
      expect(read.bodyDecrypted?.text).toBe(TEXT);
      expect(read.attachments.map((a) => a.decrypted?.error)).toEqual([undefined, undefined]);
      expect(read.attachments.map((a) => fromBase64(a.decrypted?.data))).toEqual([csv, log]);
      for (const decrypted of [read.bodyDecrypted, ...read.attachments.map((a) => a.decrypted)])
        expect(decrypted?.encrypters).toEqual(expected);
    }
    // The legal agent's key opens nothing of the audit agent's copy.
    const foreign = await pythonSdk.readMessage(sent[1]?.raw as Uint8Array, {
      privateKey: agents.legal.keys.privateKeyArmored,
    });
    expect(foreign.bodyDecrypted?.error).toBeDefined();
  });
});

describe("what the mailer refuses, and what it adds, end to end", () => {
  it("refuses an attachment the caller encrypted to everyone, Bcc included, and sends nothing", async () => {
    server.ses.clear();
    // What a caller naturally does: encrypt the file to every recipient's key.
    const everyone = (Object.keys(ROLES) as Role[]).map((role) => ({
      agentId: ROLES[role],
      address: address(role),
      publicKeyArmored: agents[role].keys.publicKeyArmored,
    }));
    const ciphertext = await openpgpCrypto().encryptAttachment(csv, everyone);
    const error = await mailerOver("ses")
      .send({
        ...message("Bcc with a caller-encrypted file"),
        attachments: [{ filename: "q3.csv.asc", content: ciphertext, encrypted: true }],
      })
      .catch((e: unknown) => e);
    expect(AgentMailError.is(error) && error.code).toBe("bcc_with_encrypted_attachment");
    expect((error as Error).message).toContain("encrypt: { attachments: true }");
    expect(server.ses.messages()).toHaveLength(0);
    expect(server.requests.count()).toBe(0);
  });

  it("over SES, an encrypted message's headers are the same with and without Bcc", async () => {
    server.ses.clear();
    const { correlationId: _none, ...unkeyed } = message("Same headers");
    await mailerOver("ses").send(unkeyed);
    await mailerOver("ses").send({ ...unkeyed, bcc: undefined });
    const [primary, , , single] = server.ses.messages().map((m) => headerSection(m.raw));
    const names = (headers = "") =>
      headers.split("\r\n").map((line) => line.slice(0, line.indexOf(":")).toLowerCase());
    expect(names(single)).toEqual(names(primary));
    for (const headers of [primary, single]) {
      expect(headers).toMatch(/^X-AgentMail-Idempotency-Key: idem_[0-9a-f-]{36}\r?$/im);
      expect(headers).toMatch(/^X-AgentMail-Correlation-Id: corr_[0-9a-f-]{36}\r?$/im);
    }
  });

  it("over /send, after partially_sent a whole retry is refused; the rest goes under a new key", async () => {
    server.sent.clear();
    const subject = "Bcc via API, cut off";
    // The audit copy's /send is committed and its answer lost, with no retry left: ambiguous.
    let calls = 0;
    const cutAfterPrimary = (inner: MailTransport): MailTransport => ({
      ...inner,
      send: (prepared, options) => {
        if (++calls === 2) server.setFaults({ queue: ["drop"], paths: /^\/send$/ });
        return inner.send(prepared, options);
      },
    });
    const mailer = mailerOver("api", { limit: 0, backoffLimitMs: 10 }, cutAfterPrimary);
    const error = await mailer.send(message(subject, "idem-bcc-cut")).catch((e: unknown) => e);
    server.setFaults({});
    expect(AgentMailError.is(error) && error.code).toBe("partially_sent");
    const body = (error as AgentMailError).body as PartiallySentBody;
    expect(body.sent.map((copy) => copy.recipients)).toEqual([[address("to"), address("cc")]]);
    expect(body.failed).toEqual({
      kind: "bcc",
      recipients: [address("audit")],
      code: "network_error",
      mayHaveBeenSent: true,
    });
    expect(body.notSent).toEqual([{ kind: "bcc", recipients: [address("legal")] }]);
    expect((error as Error).message).toMatch(/Do not retry the whole send/);
    expect((error as Error).message).toMatch(/may have been delivered/);
    // It was: the platform committed the audit copy.
    expect(server.sent.messages().map((m) => m.deliveredTo)).toEqual([
      [ROLES.to, ROLES.cc],
      [ROLES.audit],
    ]);
    // Retrying the whole send under the same key: new ciphertext, so the primary is refused and
    // nothing else goes.
    const retried = await mailer.send(message(subject, "idem-bcc-cut")).catch((e: unknown) => e);
    expect(AgentMailError.is(retried) && retried.code).toBe("idempotency_key_reused");
    expect(server.sent.messages()).toHaveLength(2);
    // What the error says to do: the not-attempted copy's recipient (the failed copy went), under
    // a new key.
    const rest = await mailer.send({
      ...message(subject, "idem-bcc-cut-rest"),
      to: body.notSent.flatMap((copy) => copy.recipients),
      cc: undefined,
      bcc: undefined,
    });
    expect(rest.copies).toHaveLength(1);
    expect(server.sent.messages().map((m) => m.deliveredTo)).toEqual([
      [ROLES.to, ROLES.cc],
      [ROLES.audit],
      [ROLES.legal],
    ]);
    await expectEachRecipientReads(subject);
  });
});
