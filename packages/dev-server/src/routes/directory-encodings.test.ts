// One key written two ways is still one key: an X25519 u with bit 255 set (RFC 7748 ignores it),
// a NIST point compressed. Key material the directory cannot compare (compressed or hybrid
// points, X448 / Ed448) is refused rather than claimed under a second name.
import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { DevServer } from "../server.js";
import {
  ALICE,
  armoredKey,
  BOB,
  expectProblem,
  keyClaimWorld,
  registerAs,
  registerBody,
  spkiPem,
  useServers,
} from "../testing/helpers.js";

const serve = useServers();
const CREATED = Buffer.from([0x65, 0x00, 0x00, 0x00]);
const P256_OID = Buffer.from("082a8648ce3d030107", "hex");

/** A v4 key packet body: version, creation time, algorithm, then the public parameters. */
const body = (algorithm: number, ...params: Buffer[]) =>
  Buffer.concat([Buffer.from([4]), CREATED, Buffer.from([algorithm]), ...params]);
/** An OpenPGP MPI of `bytes` (bit count from the first non-zero octet). */
const mpi = (bytes: Buffer) => {
  const bits = bytes.length * 8 - Math.clz32(bytes[0] ?? 0) + 24;
  return Buffer.concat([Buffer.from([bits >> 8, bits & 0xff]), bytes]);
};

const u = generateKeyPairSync("x25519").publicKey.export({ format: "jwk" }).x ?? "";
const ALICE_U = Buffer.from(u, "base64url");
const P256 = spkiPem("p256", 40);

const world = () =>
  keyClaimWorld(serve, {
    publicKey: P256,
    openpgpPublicKey: armoredKey(ALICE, 40, { subkeyBodies: [body(25, ALICE_U)] }),
  });

const registerBob = (server: DevServer, subkey: Buffer, variant: number) =>
  registerAs(
    server,
    "bob",
    registerBody({ openpgp_public_key: armoredKey(BOB, variant, { subkeyBodies: [subkey] }) }),
  );

describe("key encodings", () => {
  it("bob cannot register alice's X25519 subkey with bit 255 of u set: 409", async () => {
    const server = await world();
    const flipped = Buffer.from(ALICE_U);
    flipped[31] = (flipped[31] ?? 0) | 0x80;
    expect(await registerBob(server, body(25, flipped), 41).then((r) => r.status)).toBe(409);
    const legacy = Buffer.concat([Buffer.from([0x40]), flipped]);
    const oid = Buffer.from("0a2b060104019755010501", "hex");
    const kdf = Buffer.from([3, 1, 8, 7]);
    const ecdh = body(18, oid, mpi(legacy), kdf);
    await expectProblem(await registerBob(server, ecdh, 42), 409, "key_in_use");
  });

  it.each([
    [
      "compressed",
      (x: Buffer, y: Buffer) => Buffer.concat([Buffer.from([2 | ((y[31] ?? 0) & 1)]), x]),
    ],
    [
      "hybrid",
      (x: Buffer, y: Buffer) => Buffer.concat([Buffer.from([6 | ((y[31] ?? 0) & 1)]), x, y]),
    ],
  ])("bob's ECDSA subkey with alice's P-256 point %s: 400", async (_name, encode) => {
    const server = await world();
    const jwk = createPublicKey(P256).export({ format: "jwk" });
    const x = Buffer.from(jwk.x ?? "", "base64url");
    const y = Buffer.from(jwk.y ?? "", "base64url");
    const message = await expectProblem(
      await registerBob(server, body(19, P256_OID, mpi(encode(x, y))), 43),
      400,
      "invalid_request",
    );
    expect(message).toMatch(/not uncompressed/);
  });

  it.each([
    ["X448", 26, 56],
    ["Ed448", 28, 57],
  ])("a %s subkey is refused: 400", async (_name, algorithm, size) => {
    const server = await world();
    const key = body(algorithm, Buffer.alloc(size, 9));
    await expectProblem(await registerBob(server, key, 44), 400, "invalid_request");
  });

  it("bob's own uncompressed P-256 subkey registers (control)", async () => {
    const server = await world();
    const jwk = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).publicKey.export({
      format: "jwk",
    });
    const point = Buffer.concat([
      Buffer.from([4]),
      Buffer.from(jwk.x ?? "", "base64url"),
      Buffer.from(jwk.y ?? "", "base64url"),
    ]);
    expect((await registerBob(server, body(19, P256_OID, mpi(point)), 45)).status).toBe(200);
  });
});

describe("user ids naming two addresses", () => {
  it.each([`"x <${BOB}>" <${ALICE}>`, `${BOB} <${ALICE}>`, `<${ALICE}> <${BOB}>`])(
    "alice cannot register a key with user id %j: 400 key_identity_mismatch",
    async (userId) => {
      const server = await serve({ agents: [{ agentId: "alice" }, { agentId: "bob" }] });
      const response = await registerAs(
        server,
        "alice",
        registerBody({ openpgp_public_key: armoredKey(ALICE, 46, { userIds: [userId] }) }),
      );
      await expectProblem(response, 400, "key_identity_mismatch");
    },
  );
});
