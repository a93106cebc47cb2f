// One key, one agent: registration refuses another agent's key (SPKI or OpenPGP, current or
// past) and an OpenPGP key whose user ids do not name the registering agent's address.
import { readFileSync } from "node:fs";
import { publicKeyIdentity, Routes } from "@assmbl/core";
import { describe, expect, it } from "vitest";
import { userIdNames } from "../key-claims.js";
import {
  ALICE,
  armoredKey,
  BOB,
  expectProblem,
  keyClaimWorld,
  keyPacketBodies,
  postJson,
  registerAs as register,
  registerBody,
  spkiPem,
  useServers,
} from "../testing/helpers.js";

const serve = useServers();
const aliceAndBob = () =>
  keyClaimWorld(serve, {
    publicKey: spkiPem("ed25519", 10),
    openpgpPublicKey: armoredKey(ALICE, 0, { subkey: true }),
  });

describe("key_in_use", () => {
  it.each([
    [
      "alice's SPKI key",
      () => registerBody({ public_key: spkiPem("ed25519", 10) }),
      409,
      "key_in_use",
    ],
    [
      // Its user id names alice, which is refused first.
      "alice's OpenPGP key as is, under bob's own SPKI key",
      () => registerBody({ openpgp_public_key: armoredKey(ALICE, 0, { subkey: true }) }),
      400,
      "key_identity_mismatch",
    ],
  ] as const)(
    "bob cannot register %s: bob unchanged, alice unchanged",
    async (_name, body, status, code) => {
      const server = await aliceAndBob();
      const before = server.store.directoryRecord("alice");
      const message = await expectProblem(await register(server, "bob", body()), status, code);
      // Who holds a key is not told (the record is public, but the refusal need not say).
      if (code === "key_in_use") expect(message).not.toContain("alice");
      expect(server.store.agent("bob")?.key).toBeNull();
      expect(server.store.directoryRecord("alice")).toEqual(before);
    },
  );

  it("refuses a key that shares only a subkey with another agent's key", async () => {
    const server = await aliceAndBob();
    // Bob's own certified primary key, with alice's subkey packet as is.
    const aliceSubkey = keyPacketBodies(armoredKey(ALICE, 0, { subkey: true }))[1] as Buffer;
    const stolen = armoredKey(BOB, 20, { subkeyBodies: [aliceSubkey] });
    const identity = publicKeyIdentity(stolen);
    expect(identity.ok && identity.value.fingerprints).toHaveLength(2);
    await expectProblem(
      await register(server, "bob", registerBody({ openpgp_public_key: stolen })),
      409,
      "key_in_use",
    );
  });

  it("a past key stays taken after rotation and after revocation; your own key re-registers", async () => {
    const server = await aliceAndBob();
    const rotated = await register(
      server,
      "alice",
      registerBody({
        public_key: spkiPem("ed25519", 11),
        key_version: 2,
        if_match_version: 1,
        openpgp_public_key: armoredKey(ALICE, 1),
      }),
    );
    expect(rotated.status).toBe(200);
    expect(
      (await postJson(server, Routes.revoke.path, {}, { token: server.agents.alice?.token ?? "" }))
        .status,
    ).toBe(200);
    for (const taken of [spkiPem("ed25519", 10), spkiPem("ed25519", 11)]) {
      await expectProblem(
        await register(server, "bob", registerBody({ public_key: taken })),
        409,
        "key_in_use",
      );
    }
    // Alice may go back to her first key.
    const back = await register(
      server,
      "alice",
      registerBody({
        public_key: spkiPem("ed25519", 10),
        key_version: 3,
        if_match_version: 2,
        openpgp_public_key: armoredKey(ALICE, 0, { subkey: true }),
      }),
    );
    expect(back.status).toBe(200);
  });

  it("seeding two agents with one key fails, naming the agent", async () => {
    await expect(
      serve({
        agents: [
          { agentId: "alice", publicKey: spkiPem("ed25519", 12) },
          { agentId: "bob", publicKey: spkiPem("ed25519", 12) },
        ],
      }),
    ).rejects.toMatchObject({
      code: "invalid_options",
      message: expect.stringMatching(/seed agent "bob"/),
    });
  });
});

describe("key_identity_mismatch", () => {
  it.each([
    ["another agent's address", [`Alice <${ALICE}>`]],
    ["no user id at all", []],
    ["the address only as a display name", [`${BOB} <someone@else.example>`]],
    ["the right local part on another domain", ["Bob <bob@agents.example.com>"]],
    ["a look-alike address", ["Bob <bob@agents.localhost.evil.example>"]],
    // Every user id must name the agent: a key that also names someone else is not only bob's.
    ["bob and another address", ["Bob Work <bob@work.example>", `<${BOB}>`]],
    ["bob and alice", [`<${BOB}>`, `Alice <${ALICE}>`]],
  ])("bob's OpenPGP key naming %s is 400", async (_name, userIds) => {
    const server = await aliceAndBob();
    const key = armoredKey(BOB, 5, { userIds });
    const message = await expectProblem(
      await register(server, "bob", registerBody({ openpgp_public_key: key })),
      400,
      "key_identity_mismatch",
    );
    expect(message).toContain(BOB);
    expect(server.store.agent("bob")?.key).toBeNull();
  });

  it.each([
    ["Name <addr>", ["Bob Agent <bob@agents.localhost>"]],
    ["a bare address, upper-case", ["BOB@Agents.Localhost"]],
    ["twice, spelled two ways", [`Bob <${BOB}>`, "bob@AGENTS.localhost"]],
  ])("accepts a user id %s", async (_name, userIds) => {
    const server = await aliceAndBob();
    const response = await register(
      server,
      "bob",
      registerBody({ openpgp_public_key: armoredKey(BOB, 6, { userIds }) }),
    );
    expect(response.status).toBe(200);
  });

  it("seeding an agent with a key for another address fails, naming the agent", async () => {
    await expect(
      serve({
        agents: [
          {
            agentId: "bob",
            publicKey: spkiPem("ed25519", 13),
            openpgpPublicKey: armoredKey(ALICE, 7),
          },
        ],
      }),
    ).rejects.toMatchObject({
      code: "invalid_options",
      message: expect.stringMatching(
        /seed agent "bob": openpgpPublicKey has a user id "Test Agent <alice@agents\.localhost>" that does not name bob@agents\.localhost/,
      ),
    });
  });

  it("reads a GnuPG key's fingerprints and user id as gpg shows them", () => {
    // Exported by gpg 2.2 (`--quick-gen-key "Alice <alice@agents.localhost>" ed25519`, then a
    // cv25519 subkey); fingerprints from `gpg --with-colons --list-keys`.
    const armored = readFileSync(
      new URL("../testing/fixtures/alice-gpg.asc", import.meta.url),
      "utf8",
    );
    expect(publicKeyIdentity(armored)).toEqual({
      ok: true,
      value: {
        fingerprints: [
          "4dfd7aa30d80b397dfbf73ca86a8826367e930ab",
          "af59c6c5d643ee6bf067f46c3131ce022bae594f",
        ],
        userIds: ["Alice <alice@agents.localhost>"],
      },
    });
    expect(userIdNames("Alice <alice@agents.localhost>", "ALICE@agents.localhost")).toBe(true);
  });
});
