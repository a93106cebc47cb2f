// Issue 13: one agent claims another's key. Bob signs and encrypts to Carol; Alice resends that
// armored body as her own message, while the directory (lying, or fooled by Alice registering
// Bob's key) serves Bob's key as Alice's. Carol must not read Bob's signature as Alice's.
// Real peers: the dev server carries the mail; a loopback HTTP server plays the lying directory.
import { createMailer } from "@assmbl/core";
import {
  type AgentPrivateKey,
  generateKeyPair,
  type KeyPairBundle,
  loadPrivateKey,
  openpgpCrypto,
} from "@assmbl/crypto";
import { type DevServer, startDevServer } from "@assmbl/dev-server";
import { createDirectory } from "@assmbl/directory";
import { openMessage } from "@assmbl/mime";
import { type HostileServer, startHostileServer } from "@assmbl/testing/hostile-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentMailClient, createAgentMailClient } from "./client.js";
import { findBySubject } from "./testing/platform.js";
import { apiTransport } from "./transport.js";

const MAIL_DOMAIN = "agents.example.com";
const at = (id: string) => `${id}@${MAIL_DOMAIN}`;

let server: DevServer;
let lying: HostileServer;
let keys: Record<"alice" | "bob" | "carol" | "aliceMislabelled", KeyPairBundle>;
let carolKey: AgentPrivateKey;
let carol: AgentMailClient;
// What the lying directory serves for alice: set per test.
let aliceRecordKey: KeyPairBundle;

const wireRecord = (agentId: string, bundle: KeyPairBundle) => ({
  agent_id: agentId,
  public_key: bundle.directoryPublicKeyPem,
  algorithm: bundle.algorithm,
  key_fingerprint_sha256: bundle.keyFingerprintSha256,
  key_version: 1,
  key_status: "active",
  openpgp_public_key: bundle.publicKeyArmored,
});

beforeAll(async () => {
  const [alice, bob, carolKeys, aliceMislabelled] = await Promise.all([
    generateKeyPair({ name: "Alice", email: at("alice") }),
    generateKeyPair({ name: "Bob", email: at("bob") }),
    generateKeyPair({ name: "Carol", email: at("carol") }),
    // Alice's own key, whose only user id names another address.
    generateKeyPair({ name: "Alice", email: "alice@elsewhere.example" }),
  ]);
  keys = { alice, bob, carol: carolKeys, aliceMislabelled };
  const seed = (agentId: string, bundle: KeyPairBundle) => ({
    agentId,
    publicKey: bundle.directoryPublicKeyPem,
    openpgpPublicKey: bundle.publicKeyArmored,
  });
  server = await startDevServer({
    mailDomain: MAIL_DOMAIN,
    agents: [seed("alice", alice), seed("bob", bob), seed("carol", carolKeys)],
  });
  lying = await startHostileServer();
  lying.serve((request) => {
    const id = /^\/public\/agents\/([^/?]+)$/.exec(request.url ?? "")?.[1];
    const bundle =
      id === "alice" ? aliceRecordKey : id === "bob" ? bob : id === "carol" ? carolKeys : undefined;
    return bundle && id
      ? { kind: "json", body: wireRecord(id, bundle) }
      : { kind: "json", status: 404, body: { error: "agent_not_found", message: "no such agent" } };
  });
  carolKey = await loadPrivateKey(carolKeys.privateKeyArmored);
  carol = createAgentMailClient({
    baseUrl: server.url,
    token: server.agents.carol?.token ?? "",
    mailDomain: MAIL_DOMAIN,
  });
});

afterAll(async () => {
  await lying?.stop();
  await server?.stop();
});

async function sendSigned(from: "alice" | "bob", signer: KeyPairBundle, subject: string) {
  const mailer = createMailer(
    apiTransport({ baseUrl: server.url, token: server.agents[from]?.token ?? "" }),
    {
      from: at(from),
      mailDomain: MAIL_DOMAIN,
      directory: createDirectory({ baseUrl: server.url }),
      crypto: openpgpCrypto({ signingKey: await loadPrivateKey(signer.privateKeyArmored) }),
    },
  );
  await mailer.send({ to: at("carol"), subject, text: `${subject}: the numbers`, encrypt: true });
  return findBySubject(carol, subject);
}

// Alice resends an armored body as her own message, through the platform's /send.
async function forwardAsAlice(armored: string, subject: string): Promise<string> {
  const response = await fetch(`${server.url}/send`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${server.agents.alice?.token}`,
      "content-type": "application/json",
    },
    body: JSON.stringify({
      to: at("carol"),
      subject,
      body: armored,
      headers: { "X-AgentMail-Encrypted": "body" },
    }),
  });
  expect(response.status).toBe(200);
  return findBySubject(carol, subject);
}

describe("a signature counts only for the sender whose key made it", () => {
  it("Bob's message forwarded by Alice, Bob's key served as Alice's: invalid, signed by Bob", async () => {
    aliceRecordKey = keys.bob;
    const directory = createDirectory({ baseUrl: lying.url });
    const original = await sendSigned("bob", keys.bob, "Issue 13 original");
    const fromBob = await carol.fetchMessage(original, {
      decryptWith: carolKey,
      verifyWith: directory,
    });
    expect(fromBob).toMatchObject({ sender: at("bob"), verification: "valid" });
    expect(fromBob.signer).toBeUndefined();

    const forwarded = await forwardAsAlice(fromBob.bodyText, "Issue 13 forwarded");
    const fetched = await carol.fetchMessage(forwarded, {
      decryptWith: carolKey,
      verifyWith: directory,
    });
    expect(fetched.sender).toBe(at("alice"));
    expect(fetched.bodyTextDecrypted).toBe("Issue 13 original: the numbers");
    expect(fetched.verification).toBe("invalid");
    expect(fetched.signer?.fingerprint).toBe(keys.bob.fingerprint);
    expect(fetched.signer?.reason).toContain(`do not name ${at("alice")}`);
    expect(fetched.signer?.reason).toContain(at("bob"));

    // The same raw message read offline (SES inbound) says the same.
    const raw = (await carol.getMessage(forwarded)).rawMime;
    const opened = await openMessageOf(raw, directory);
    expect(opened.verification).toBe("invalid");
    expect(opened.signer?.fingerprint).toBe(keys.bob.fingerprint);

    // With Alice's real key pinned, Bob's signature is not hers either, and says whose it is.
    const pinned = await carol.fetchMessage(forwarded, {
      decryptWith: carolKey,
      verifyWith: keys.alice.publicKeyArmored,
    });
    expect(pinned.verification).toBe("invalid");
    expect(pinned.signer).toMatchObject({ fingerprint: keys.bob.fingerprint });
    expect(pinned.signer?.reason).toMatch(/not one of the verifyWith keys/);
    // Pinning Bob's key is the caller's own choice: valid, as before.
    const trusted = await carol.fetchMessage(forwarded, {
      decryptWith: carolKey,
      verifyWith: [keys.bob.publicKeyArmored],
    });
    expect(trusted.verification).toBe("valid");
  });

  it("Alice's own key without a user id naming Alice: not valid", async () => {
    aliceRecordKey = keys.aliceMislabelled;
    const id = await sendSigned("alice", keys.aliceMislabelled, "Issue 13 mislabelled");
    const fetched = await carol.fetchMessage(id, {
      decryptWith: carolKey,
      verifyWith: createDirectory({ baseUrl: lying.url }),
    });
    expect(fetched.bodyTextDecrypted).toBe("Issue 13 mislabelled: the numbers");
    expect(fetched.verification).toBe("invalid");
    expect(fetched.signer?.fingerprint).toBe(keys.aliceMislabelled.fingerprint);
    expect(fetched.signer?.reason).toContain("alice@elsewhere.example");

    // Alice's properly labelled key, signing her own message: valid.
    aliceRecordKey = keys.alice;
    const own = await sendSigned("alice", keys.alice, "Issue 13 own key");
    const ok = await carol.fetchMessage(own, {
      decryptWith: carolKey,
      verifyWith: createDirectory({ baseUrl: lying.url }),
    });
    expect(ok.verification).toBe("valid");
    expect(ok.signer).toBeUndefined();
  });
});

function openMessageOf(raw: string, directory: ReturnType<typeof createDirectory>) {
  return openMessage(raw, {
    decryptWith: carolKey,
    verifyWith: directory,
    mailDomain: MAIL_DOMAIN,
  });
}
