// A key belongs to one agent however it is written (key material, not fingerprints or DER), and
// an OpenPGP key counts only the user ids it certifies.
import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  ALICE,
  armoredKey,
  BOB,
  CAROL,
  expectProblem,
  keyClaimWorld,
  keyPacketBodies,
  registerAs as register,
  registerBody,
  spkiPem,
  useServers,
} from "../testing/helpers.js";

const serve = useServers();
const world = () =>
  keyClaimWorld(
    serve,
    { publicKey: spkiPem("p256", 30), openpgpPublicKey: armoredKey(ALICE, 30, { subkey: true }) },
    ["bob", "carol"],
  );

/** A key packet body with another creation time: another fingerprint, the same material. */
function retimestamped(body: Buffer, seconds: number): Buffer {
  const copy = Buffer.from(body);
  copy.writeUInt32BE(seconds, 1);
  return copy;
}

describe("key material claims", () => {
  it.each([
    ["alice's subkey, re-timestamped", 1],
    ["alice's primary key, re-timestamped, as a subkey", 0],
  ])("bob cannot register %s under his own primary: 409", async (_name, index) => {
    const server = await world();
    const alicePacket = keyPacketBodies(armoredKey(ALICE, 30, { subkey: true }))[index] as Buffer;
    const key = armoredKey(BOB, 31 + index, {
      subkeyBodies: [retimestamped(alicePacket, 1_700_000_000)],
    });
    const message = await expectProblem(
      await register(server, "bob", registerBody({ openpgp_public_key: key })),
      409,
      "key_in_use",
    );
    expect(message).toMatch(/key material/);
    expect(server.store.agent("bob")?.key).toBeNull();
  });

  it("bob cannot register alice's P-256 public_key with its point compressed: 409", async () => {
    const server = await world();
    const jwk = createPublicKey(spkiPem("p256", 30)).export({ format: "jwk" });
    const x = Buffer.from(jwk.x ?? "", "base64url");
    const y = Buffer.from(jwk.y ?? "", "base64url");
    const algorithm = Buffer.from("301306072a8648ce3d020106082a8648ce3d030107", "hex");
    const bits = Buffer.concat([Buffer.from([0x03, 34, 0x00, 0x02 | ((y[31] ?? 0) & 1)]), x]);
    const der = Buffer.concat([
      Buffer.from([0x30, algorithm.length + bits.length]),
      algorithm,
      bits,
    ]);
    const compressed = `-----BEGIN PUBLIC KEY-----\n${der.toString("base64")}\n-----END PUBLIC KEY-----\n`;
    // The same key to node:crypto, a different DER (and so SPKI fingerprint).
    expect(createPublicKey(compressed).export({ format: "jwk" })).toEqual(jwk);
    await expectProblem(
      await register(
        server,
        "bob",
        registerBody({ public_key: compressed, algorithm: "ECDSA_P256", openpgp_public_key: null }),
      ),
      409,
      "key_in_use",
    );
  });

  it("bob cannot register alice's OpenPGP Ed25519 primary as his SPKI public_key: 409", async () => {
    const server = await world();
    const primary = keyPacketBodies(armoredKey(ALICE, 30, { subkey: true }))[0] as Buffer;
    const point = primary.subarray(primary.length - 32);
    const pem = createPublicKey({
      key: { kty: "OKP", crv: "Ed25519", x: point.toString("base64url") },
      format: "jwk",
    })
      .export({ type: "spki", format: "pem" })
      .toString();
    await expectProblem(
      await register(server, "bob", registerBody({ public_key: pem, openpgp_public_key: null })),
      409,
      "key_in_use",
    );
  });

  it("bob's own new keys register (control)", async () => {
    const server = await world();
    const { publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const response = await register(
      server,
      "bob",
      registerBody({
        public_key: publicKey.export({ type: "spki", format: "pem" }).toString(),
        algorithm: "ECDSA_P256",
        openpgp_public_key: armoredKey(BOB, 33, { subkey: true }),
      }),
    );
    expect(response.status).toBe(200);
  });
});

describe("certified user ids", () => {
  it("a key whose user id is not self-certified is 400 key_identity_mismatch", async () => {
    const server = await world();
    const message = await expectProblem(
      await register(
        server,
        "bob",
        registerBody({ openpgp_public_key: armoredKey(BOB, 40, { certify: false }) }),
      ),
      400,
      "key_identity_mismatch",
    );
    expect(message).toMatch(
      /user id "Test Agent <bob@agents\.localhost>" that is not certified by the key/,
    );
  });

  it("alice cannot squat carol's unregistered key with an unsigned user id; carol then registers it", async () => {
    const server = await world();
    const carolKey = armoredKey(CAROL, 41);
    const [primary] = keyPacketBodies(carolKey);
    // Carol's packets with an unsigned user id naming alice spliced in after the primary key.
    const carolBytes = Buffer.from(
      carolKey
        .split("\n")
        .filter((line) => line !== "" && !line.startsWith("-----"))
        .join(""),
      "base64",
    );
    const uid = Buffer.from(`<${ALICE}>`);
    const primaryPacketLength = 2 + (primary?.length ?? 0);
    const squatted = Buffer.concat([
      carolBytes.subarray(0, primaryPacketLength),
      Buffer.from([0xcd, uid.length]),
      uid,
      carolBytes.subarray(primaryPacketLength),
    ]);
    const armored = `-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n${squatted.toString("base64")}\n-----END PGP PUBLIC KEY BLOCK-----\n`;
    await expectProblem(
      await register(
        server,
        "alice",
        registerBody({
          public_key: spkiPem("ed25519", 41),
          key_version: 2,
          if_match_version: 1,
          openpgp_public_key: armored,
        }),
      ),
      400,
      "key_identity_mismatch",
    );
    const carol = await register(server, "carol", registerBody({ openpgp_public_key: carolKey }));
    expect(carol.status).toBe(200);
  });

  it("registers a GnuPG key (its self-signature verified)", async () => {
    const server = await serve({ agents: [{ agentId: "alice" }] });
    const armored = readFileSync(
      new URL("../testing/fixtures/alice-gpg.asc", import.meta.url),
      "utf8",
    );
    const response = await register(
      server as never,
      "alice",
      registerBody({ openpgp_public_key: armored }),
    );
    expect(response.status).toBe(200);
  });
});
