// The fail-closed matrix: every reason an encrypted send must not happen, through the real stack
// (createMailer + openpgpCrypto + createDirectory against a dev server on loopback, with
// apiTransport and sesTransport). Each row asserts the error code, 0 calls of any transport
// method, 0 calls of the SES client, no /send or upload request at the platform, nothing in the
// SES or /send outboxes and nothing in the recipient's inbox.
//
// Keys the dev server would refuse to register (a v6 key, a block of two keys, a sign-only key...)
// are served by a loopback directory of our own (@assmbl/testing/hostile-server), as a directory under
// an attacker's control would serve them; every key names `<agent_id>@<mail_domain>`.
import { AgentMailError, createMailer, type MailCrypto, type MailTransport } from "@assmbl/core";
import { generateKeyPair, type KeyPairBundle, openpgpCrypto } from "@assmbl/crypto";
import type { DevServer } from "@assmbl/dev-server";
import { createDirectory } from "@assmbl/directory";
import { createGpgHome, type GpgHome } from "@assmbl/testing/gpg";
import { armoredLiteral, oneBlockOfKeys, refusedKeys } from "@assmbl/testing/hostile-keys";
import { type HostileServer, startHostileServer } from "@assmbl/testing/hostile-server";
import { armorMessage, join, packet, textInArmorBody } from "@assmbl/testing/message-fixtures";
import { readArmor, readPackets } from "@assmbl/testing/openpgp-packets";
import { startTestPlatform, type TestPlatform } from "@assmbl/testing/platform";
import { apiTransport } from "@assmbl/transport-api";
import { sesTransport } from "@assmbl/transport-ses";
import type { SESClient } from "@aws-sdk/client-ses";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

const DOMAIN = "agents.example.com";
const FROM = `fc-sender@${DOMAIN}`;
const SECRET = "launch codes: 0000 (plaintext that must never leave)";
// Plaintext made of base64 letters and spaces: what could pass a forgiving base64 decoder.
const WORDS = "launch codes 0000 plaintext that must never leave";
const encoder = new TextEncoder();
const decoder = new TextDecoder();

let platform: TestPlatform;
let server: DevServer;
let hostile: HostileServer;
let gpg: GpgHome;
let peer: KeyPairBundle;
let other: KeyPairBundle;
// Armored keys the hostile directory serves, by agent id.
const served: Record<string, string> = {};

beforeAll(async () => {
  gpg = await createGpgHome();
  const [peerKeys, otherKeys, revokedDir, noKey, refused] = await Promise.all([
    generateKeyPair({ name: "Peer", email: `fc-peer@${DOMAIN}` }),
    generateKeyPair({ name: "Other", email: `fc-other@${DOMAIN}` }),
    generateKeyPair({ name: "Revoked", email: `fc-revoked@${DOMAIN}` }),
    generateKeyPair({ name: "No key", email: `fc-nokey@${DOMAIN}` }),
    refusedKeys((agentId) => ({ name: agentId, email: `${agentId}@${DOMAIN}` })),
  ]);
  peer = peerKeys;
  other = otherKeys;
  served["fc-pgp-revoked"] = refused.revoked;
  served["fc-expired"] = refused.expired;
  served["fc-subkey-expired"] = refused.subkeyExpired;
  served["fc-v6"] = refused.v6;
  // gpg makes what openpgp.js will not: a key with no encryption subkey, and RSA-1024.
  const signOnly = await gpg.generateKey(
    `fc-sign-only <fc-sign-only@${DOMAIN}>`,
    "ed25519",
    "sign",
  );
  served["fc-sign-only"] = await gpg.exportPublic(signOnly);
  const weak = await gpg.generateKey(`fc-weak <fc-weak@${DOMAIN}>`, "rsa1024", "sign");
  await gpg.addSubkey(weak, "rsa1024", "encr");
  served["fc-weak"] = await gpg.exportPublic(weak);
  served["fc-two-keys"] = await oneBlockOfKeys([peer.publicKeyArmored, other.publicKeyArmored]);
  served["fc-two-blocks"] = peer.publicKeyArmored + other.publicKeyArmored;
  served["fc-peer"] = peer.publicKeyArmored;

  platform = await startTestPlatform({
    mailDomain: DOMAIN,
    agents: [
      "fc-sender",
      // Registered with a directory key but no OpenPGP key.
      { agentId: "fc-nokey", keys: noKey, openpgp: false },
      { agentId: "fc-peer", keys: peer },
      { agentId: "fc-revoked", keys: revokedDir },
    ],
  });
  server = platform.server;
  server.store.revoke("fc-revoked");
  hostile = await startHostileServer();
  hostile.serve((request) => {
    const agentId = decodeURIComponent(request.url?.split("/").pop() ?? "");
    const armored = served[agentId];
    if (!armored)
      return { kind: "json", status: 404, body: { error: "agent_not_found", message: "no" } };
    return {
      kind: "json",
      body: {
        agent_id: agentId,
        public_key: peer.directoryPublicKeyPem,
        algorithm: peer.algorithm,
        key_fingerprint_sha256: peer.keyFingerprintSha256,
        key_version: 1,
        key_status: "active",
        openpgp_public_key: armored,
      },
    };
  });
}, 120_000);

afterAll(async () => {
  await platform?.close();
  await hostile?.stop();
  await gpg?.cleanup();
});

beforeEach(() => {
  server.ses.clear();
  server.sent.clear();
  server.setFaults({});
});

/** Counts every method call on a transport (and on the SES client under it). */
function counted(kind: "api" | "ses") {
  const calls: string[] = [];
  let client: SESClient | undefined;
  let base: MailTransport;
  if (kind === "api") {
    base = apiTransport({ baseUrl: server.url, token: server.agents["fc-sender"]?.token ?? "" });
  } else {
    client = platform.sesClient("fc-sender");
    const send = client.send.bind(client);
    client.send = ((...args: Parameters<typeof send>) => {
      calls.push("SESClient.send");
      return send(...args);
    }) as typeof client.send;
    base = sesTransport({ client });
  }
  const transport = new Proxy(base, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        calls.push(`transport.${String(property)}`);
        return value.apply(target, args);
      };
    },
  });
  return { transport, calls };
}

type Shape = "body" | "attachment" | "streamed attachment";
function messageOf(shape: Shape, to: string, freshKeys = false) {
  const base = { to: `${to}@${DOMAIN}`, subject: "fail closed" };
  const fresh = freshKeys ? { freshKeys } : {};
  if (shape === "body") return { ...base, text: SECRET, encrypt: { body: true, ...fresh } };
  const content = shape === "attachment" ? encoder.encode(SECRET) : new Blob([SECRET]).stream();
  return {
    ...base,
    text: "see the attachment",
    attachments: [{ filename: "plan.txt", content }],
    encrypt: { body: true, attachments: true, ...fresh },
  };
}

async function expectRefused(
  send: (transport: MailTransport) => Promise<unknown>,
  kind: "api" | "ses",
  code: string,
  to: string,
): Promise<AgentMailError> {
  const before = server.requests.count({ path: /^\/(send|attachments\/)/ });
  const inboxBefore = server.agents[to] ? server.store.inbox(to).length : 0;
  const { transport, calls } = counted(kind);
  const error = await send(transport).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(AgentMailError.is(error) ? error.code : error).toBe(code);
  expect(calls).toEqual([]);
  expect(server.requests.count({ path: /^\/(send|attachments\/)/ })).toBe(before);
  expect(server.ses.messages()).toHaveLength(0);
  expect(server.sent.messages()).toHaveLength(0);
  if (server.agents[to]) expect(server.store.inbox(to)).toHaveLength(inboxBefore);
  return error as AgentMailError;
}

// The control: the same wiring with nothing wrong does send, and every counter sees it, so a
// 0 above means nothing was called, not that nothing was counted.
describe("control", () => {
  for (const kind of ["api", "ses"] as const) {
    it(`a good encrypted send is counted (${kind})`, async () => {
      const { transport, calls } = counted(kind);
      const directory = createDirectory({ baseUrl: server.url, retry: { limit: 0 } });
      await createMailer(transport, {
        from: FROM,
        mailDomain: DOMAIN,
        directory,
        crypto: openpgpCrypto(),
      }).send(messageOf("streamed attachment", "fc-peer"));
      expect(calls).toEqual(
        kind === "api" ? ["transport.send"] : ["transport.send", "SESClient.send"],
      );
      const outbox = kind === "api" ? server.sent.messages() : server.ses.messages();
      expect(outbox).toHaveLength(1);
      expect(server.store.inbox("fc-peer").length).toBeGreaterThan(0);
    });
  }
});

const KEY_ROWS: [string, string, "dev" | "hostile", string][] = [
  ["an agent the directory does not know", "fc-nobody", "dev", "agent_not_found"],
  ["no OpenPGP key registered", "fc-nokey", "dev", "peer_missing_openpgp_public_key"],
  ["revoked in the directory", "fc-revoked", "dev", "peer_key_revoked"],
  ["a revoked OpenPGP key", "fc-pgp-revoked", "hostile", "peer_key_revoked"],
  ["an expired OpenPGP key", "fc-expired", "hostile", "peer_key_expired"],
  ["an expired encryption subkey", "fc-subkey-expired", "hostile", "peer_key_unusable"],
  ["a sign-only key (no encryption subkey)", "fc-sign-only", "hostile", "peer_key_unusable"],
  ["a weak key (RSA-1024)", "fc-weak", "hostile", "peer_key_weak"],
  ["a v6 key without allowV6Keys", "fc-v6", "hostile", "peer_key_unusable"],
  ["one armored block holding two keys", "fc-two-keys", "hostile", "invalid_public_key"],
  ["two armored blocks in one record", "fc-two-blocks", "hostile", "invalid_public_key"],
];

describe("the recipient's key: nothing reaches a transport", () => {
  for (const [name, agentId, where, code] of KEY_ROWS) {
    for (const kind of ["api", "ses"] as const) {
      for (const shape of ["body", "streamed attachment"] as const) {
        it(`${name} (${kind}, ${shape}): ${code}`, async () => {
          const directory = createDirectory({
            baseUrl: where === "dev" ? server.url : hostile.url,
            retry: { limit: 0 },
          });
          await expectRefused(
            (transport) =>
              createMailer(transport, {
                from: FROM,
                mailDomain: DOMAIN,
                directory,
                crypto: openpgpCrypto(),
              }).send(messageOf(shape, agentId)),
            kind,
            code,
            agentId,
          );
        });
      }
    }
  }

  for (const kind of ["api", "ses"] as const) {
    it(`the directory down (503) during freshKeys, a stale key cached (${kind}): directory_unavailable`, async () => {
      const directory = createDirectory({ baseUrl: server.url, retry: { limit: 0 } });
      expect((await directory.lookup("fc-peer")).openpgpPublicKey).toBe(peer.publicKeyArmored);
      server.setFaults({ failRate: 1, paths: /^\/public\/agents\// });
      await expectRefused(
        (transport) =>
          createMailer(transport, {
            from: FROM,
            mailDomain: DOMAIN,
            directory,
            crypto: openpgpCrypto(),
          }).send(messageOf("body", "fc-peer", true)),
        kind,
        "directory_unavailable",
        "fc-peer",
      );
    });
  }
});

// A MailCrypto that encrypts for real, then breaks its own output.
function breaking(
  mangle: (armored: string) => string | Promise<string>,
  base = openpgpCrypto(),
): MailCrypto {
  return {
    specificationVersion: "v1",
    checkRecipientKey: (key, options) => base.checkRecipientKey(key, options),
    encryptText: async (text, recipients, options) =>
      mangle(await base.encryptText(text, recipients, options)),
    async encryptAttachment(content, recipients, options) {
      const out = await base.encryptAttachment(content, recipients, options);
      const text = decoder.decode(
        new Uint8Array(await new Response(out as BodyInit).arrayBuffer()),
      );
      const broken = encoder.encode(await mangle(text));
      if (content instanceof Uint8Array) return broken;
      // Streamed in small chunks, as a real stream would come.
      return new Blob([broken]).stream().pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            for (let at = 0; at < chunk.length; at += 100)
              controller.enqueue(chunk.subarray(at, at + 100));
          },
        }),
      );
    },
  };
}

function packetsOf(armored: string) {
  const armor = readArmor(armored);
  if (!armor.ok) throw new Error(armor.problem);
  const packets = readPackets(armor.value.bytes);
  if (!packets.ok) throw new Error(packets.problem);
  return { bytes: armor.value.bytes, packets: packets.value };
}
const rewrite = (armored: string, edit: (p: { tag: number; body: Uint8Array }[]) => Uint8Array[]) =>
  armorMessage(join(...edit(packetsOf(armored).packets)));
const BEGIN_LINE = "-----BEGIN PGP MESSAGE-----\n";
const literal = () => packet(11, join(Uint8Array.of(0x62, 0, 0, 0, 0, 0), encoder.encode(SECRET)));

const OUTPUT_ROWS: [string, (armored: string) => string | Promise<string>][] = [
  [
    "plaintext between armor lines",
    () => `-----BEGIN PGP MESSAGE-----\n\n${SECRET}\n-----END PGP MESSAGE-----\n`,
  ],
  ["an armored literal data packet", () => armoredLiteral(SECRET)],
  [
    "SED (tag 9) in place of the SEIPD",
    (armored) =>
      rewrite(armored, (ps) =>
        ps.map((p) => (p.tag === 18 ? packet(9, p.body.subarray(1)) : packet(p.tag, p.body))),
      ),
  ],
  [
    "two SEIPDs",
    (armored) =>
      rewrite(armored, (ps) =>
        [...ps, ...ps.filter((p) => p.tag === 18)].map((p) => packet(p.tag, p.body)),
      ),
  ],
  [
    "a literal packet after the SEIPD",
    (armored) => rewrite(armored, (ps) => [...ps.map((p) => packet(p.tag, p.body)), literal()]),
  ],
  ["a truncated SEIPD", (armored) => armorMessage(packetsOf(armored).bytes.subarray(0, -20))],
  [
    "a PGP SIGNATURE label",
    (armored) => armorMessage(packetsOf(armored).bytes, { label: "SIGNATURE" }),
  ],
  // Text in the armor goes out in clear however well-formed the packets are.
  [
    "an armor header carrying text (Comment: ...)",
    (armored) => armored.replace(BEGIN_LINE, `${BEGIN_LINE}Comment: ${SECRET}\n`),
  ],
  [
    "an armor header hiding text behind a CR",
    (armored) => armored.replace(BEGIN_LINE, `${BEGIN_LINE}Comment: x\r${SECRET}\n`),
  ],
  [
    "readable words in the armored body, the SEIPD length stretched over them",
    (armored) => {
      const { packets } = packetsOf(armored);
      const keys = packets.filter((p) => p.tag === 1).map((p) => packet(1, p.body));
      const data = packets.find((p) => p.tag === 18)?.body ?? new Uint8Array(0);
      return textInArmorBody(join(...keys), data, WORDS);
    },
  ],
  [
    "a wildcard key id in place of the recipient's",
    (armored) =>
      rewrite(armored, (ps) =>
        ps.map((p) =>
          p.tag === 1
            ? packet(1, join(p.body.subarray(0, 1), new Uint8Array(8), p.body.subarray(9)))
            : packet(p.tag, p.body),
        ),
      ),
  ],
];

describe("broken crypto output: nothing reaches a transport", () => {
  const mailer = (transport: MailTransport, crypto: MailCrypto, to = "fc-peer") =>
    createMailer(transport, {
      from: FROM,
      mailDomain: DOMAIN,
      directory: createDirectory({
        baseUrl: to === "fc-peer" ? server.url : hostile.url,
        retry: { limit: 0 },
      }),
      crypto,
    });

  for (const [name, mangle] of OUTPUT_ROWS) {
    for (const kind of ["api", "ses"] as const) {
      for (const shape of ["body", "attachment", "streamed attachment"] as const) {
        it(`${name} (${kind}, ${shape}): encryption_failed`, async () => {
          const crypto =
            shape === "body"
              ? breaking(mangle)
              : { ...breaking(mangle), encryptText: openpgpCrypto().encryptText };
          await expectRefused(
            (transport) => mailer(transport, crypto).send(messageOf(shape, "fc-peer")),
            kind,
            "encryption_failed",
            "fc-peer",
          );
        });
      }
    }
  }

  for (const kind of ["api", "ses"] as const) {
    it(`a message encrypted to another agent's key (${kind}): encryption_failed`, async () => {
      const crypto = breaking(
        async () =>
          await openpgpCrypto().encryptText(SECRET, [
            {
              agentId: "fc-other",
              address: `fc-other@${DOMAIN}`,
              publicKeyArmored: other.publicKeyArmored,
            },
          ]),
      );
      const error = await expectRefused(
        (transport) => mailer(transport, crypto).send(messageOf("body", "fc-peer")),
        kind,
        "encryption_failed",
        "fc-peer",
      );
      expect(error.message).toMatch(/no session key packet names a key of recipient fc-peer/);
    });

    it(`a v6 message (PKESK v6, SEIPD v2) from a crypto that did not opt in (${kind}): encryption_failed`, async () => {
      const v6Capable = openpgpCrypto({ allowV6Keys: true });
      const { allowV6Keys: _hidden, ...quiet } = v6Capable;
      await expectRefused(
        (transport) => mailer(transport, quiet, "fc-v6").send(messageOf("body", "fc-v6")),
        kind,
        "encryption_failed",
        "fc-v6",
      );
    });

    it(`a crypto that throws a TypeError (${kind}): encryption_failed with the cause`, async () => {
      const crypto: MailCrypto = {
        ...openpgpCrypto(),
        encryptText: async () => {
          throw new TypeError("the encryptor broke");
        },
      };
      const error = await expectRefused(
        (transport) => mailer(transport, crypto).send(messageOf("body", "fc-peer")),
        kind,
        "encryption_failed",
        "fc-peer",
      );
      expect(error.cause).toMatchObject({ name: "TypeError" });
    });

    it(`an attachment stream that stops yielding, the send's signal fired (${kind}): aborted`, async () => {
      const base = openpgpCrypto();
      const controller = new AbortController();
      const crypto: MailCrypto = {
        ...base,
        async encryptAttachment(content, recipients, options) {
          const out = await base.encryptAttachment(content, recipients, options);
          const text = decoder.decode(
            new Uint8Array(await new Response(out as BodyInit).arrayBuffer()),
          );
          let sent = false;
          return new ReadableStream<Uint8Array>({
            pull(stream) {
              if (sent) {
                // Stalls for good: only the signal can end the send.
                controller.abort(new Error("the caller gave up"));
                return new Promise<void>(() => undefined);
              }
              sent = true;
              stream.enqueue(encoder.encode(text.slice(0, Math.floor(text.length / 2))));
            },
          });
        },
      };
      await expectRefused(
        (transport) =>
          mailer(transport, crypto).send(messageOf("streamed attachment", "fc-peer"), {
            signal: controller.signal,
          }),
        kind,
        "aborted",
        "fc-peer",
      );
    });

    for (const [where, cut] of [
      ["inside its first session key packet", (text: string) => text.indexOf("\n\n") + 12],
      ["halfway through its ciphertext", (text: string) => Math.floor(text.length / 2)],
    ] as const) {
      it(`an attachment stream that errors ${where} (${kind}): encryption_failed`, async () => {
        const base = openpgpCrypto();
        const crypto: MailCrypto = {
          ...base,
          async encryptAttachment(content, recipients, options) {
            const out = await base.encryptAttachment(content, recipients, options);
            const text = decoder.decode(
              new Uint8Array(await new Response(out as BodyInit).arrayBuffer()),
            );
            let sent = false;
            return new ReadableStream<Uint8Array>({
              pull(controller) {
                if (sent) return controller.error(new RangeError("the encryptor's stream broke"));
                sent = true;
                controller.enqueue(encoder.encode(text.slice(0, cut(text))));
              },
            });
          },
        };
        const error = await expectRefused(
          (transport) =>
            mailer(transport, crypto).send(messageOf("streamed attachment", "fc-peer")),
          kind,
          "encryption_failed",
          "fc-peer",
        );
        expect(error.cause).toMatchObject({ name: "RangeError" });
      });
    }
  }
});
