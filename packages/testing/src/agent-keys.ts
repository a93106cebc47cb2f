// Agent keys made with node:crypto: SPKI PEM keys of every kind, a minimal armored OpenPGP public
// key (Ed25519 primary, self-certified user ids, optional subkeys), its key packet bodies, and a
// stand-in ciphertext.

import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from "node:crypto";

const armoredKeys = new Map<string, string>();

/**
 * A minimal armored OpenPGP public key: a v4 EdDSA (Ed25519) primary key, one user id packet per
 * `userIds` entry, each with a positive self-certification made here with node:crypto (openpgp.js
 * verifies it on the server), and an optional subkey. `certify: false` leaves the user ids
 * unsigned; `subkeyBodies` appends subkey packets with the given bodies (another key's, say).
 * Generated once per test file for each address and variant; `userIds` defaults to
 * `["Test Agent <address>"]`.
 */
export function armoredKey(
  address: string,
  variant = 0,
  options: {
    userIds?: string[];
    subkey?: boolean;
    certify?: boolean;
    subkeyBodies?: Buffer[];
  } = {},
): string {
  const userIds = options.userIds ?? [`Test Agent <${address}>`];
  const certify = options.certify ?? true;
  const extra = (options.subkeyBodies ?? []).map((body) => body.toString("hex"));
  const id = JSON.stringify([address, variant, userIds, options.subkey ?? false, certify, extra]);
  let armored = armoredKeys.get(id);
  if (!armored) {
    const primary = ed25519KeyPacket();
    const packets = [
      packet(6, primary.body),
      ...userIds.flatMap((userId) => {
        const uid = Buffer.from(userId, "utf8");
        return [packet(13, uid), ...(certify ? [packet(2, selfCertification(primary, uid))] : [])];
      }),
      ...(options.subkey ? [packet(14, ed25519KeyPacket().body)] : []),
      // Unbound subkeys: the dev server claims every subkey's material, bound or not.
      ...(options.subkeyBodies ?? []).map((body) => packet(14, body)),
    ];
    armored = armorKey(Buffer.concat(packets));
    armoredKeys.set(id, armored);
  }
  return armored;
}

/**
 * The key packet bodies (primary key, then subkeys) of an armored key made by {@link armoredKey}
 * (new-format packet headers with one- or two-octet lengths).
 */
export function keyPacketBodies(armored: string): Buffer[] {
  const bytes = Buffer.from(
    armored
      .split("\n")
      .filter((line) => line !== "" && !line.startsWith("-----"))
      .join(""),
    "base64",
  );
  const bodies: Buffer[] = [];
  let at = 0;
  while (at < bytes.length) {
    const tag = (bytes[at] ?? 0) & 0x3f;
    const first = bytes[at + 1] ?? 0;
    const [length, header] =
      first < 192 ? [first, 2] : [((first - 192) << 8) + (bytes[at + 2] ?? 0) + 192, 3];
    if (tag === 6 || tag === 14) bodies.push(bytes.subarray(at + header, at + header + length));
    at += header + length;
  }
  return bodies;
}

/** Armors a public key block's packets. */
export function armorKey(packets: Buffer): string {
  const base64 = packets.toString("base64");
  return `-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n${base64.replace(/.{1,64}/g, "$&\n")}-----END PGP PUBLIC KEY BLOCK-----\n`;
}

const ED25519_OID = [0x2b, 0x06, 0x01, 0x04, 0x01, 0xda, 0x47, 0x0f, 0x01];

/** A v4 EdDSA key packet body (created at the epoch) and its private key. */
function ed25519KeyPacket(): { body: Buffer; privateKey: KeyObject } {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const point = Buffer.from(publicKey.export({ format: "jwk" }).x ?? "", "base64url");
  const body = Buffer.from([
    4,
    0,
    0,
    0,
    0,
    22,
    ED25519_OID.length,
    ...ED25519_OID,
    0x01,
    0x07,
    0x40,
    ...point,
  ]);
  return { body, privateKey };
}

/**
 * A v4 positive certification (0x13) of `userId` by `key`, SHA-256 (RFC 4880 §5.2.4): the hash
 * covers the key packet, the user id and the signature's hashed part; EdDSA signs the digest.
 */
function selfCertification(key: { body: Buffer; privateKey: KeyObject }, userId: Buffer): Buffer {
  const fingerprint = createHash("sha1")
    .update(
      Buffer.concat([Buffer.from([0x99, key.body.length >> 8, key.body.length & 0xff]), key.body]),
    )
    .digest();
  const created = Buffer.alloc(4);
  created.writeUInt32BE(Math.floor(Date.now() / 1000) - 3600);
  const hashedSubpackets = Buffer.concat([
    Buffer.from([5, 2]),
    created,
    Buffer.from([22, 33, 4]),
    fingerprint,
    Buffer.from([2, 27, 0x03]),
  ]);
  const hashed = Buffer.concat([
    Buffer.from([4, 0x13, 22, 8, hashedSubpackets.length >> 8, hashedSubpackets.length & 0xff]),
    hashedSubpackets,
  ]);
  const uidLength = Buffer.alloc(4);
  uidLength.writeUInt32BE(userId.length);
  const trailerLength = Buffer.alloc(4);
  trailerLength.writeUInt32BE(hashed.length);
  const digest = createHash("sha256")
    .update(Buffer.from([0x99, key.body.length >> 8, key.body.length & 0xff]))
    .update(key.body)
    .update(Buffer.from([0xb4]))
    .update(uidLength)
    .update(userId)
    .update(hashed)
    .update(Buffer.from([4, 0xff]))
    .update(trailerLength)
    .digest();
  const signature = sign(null, digest, key.privateKey);
  const unhashed = Buffer.concat([Buffer.from([0, 10, 9, 16]), fingerprint.subarray(12)]);
  return Buffer.concat([
    hashed,
    unhashed,
    digest.subarray(0, 2),
    mpi(signature.subarray(0, 32)),
    mpi(signature.subarray(32)),
  ]);
}

/** An MPI: its bit count, then its value without leading zero octets. */
function mpi(value: Buffer): Buffer {
  let at = 0;
  while (at < value.length - 1 && value[at] === 0) at++;
  const rest = value.subarray(at);
  const bits = (rest.length - 1) * 8 + (32 - Math.clz32(rest[0] ?? 0));
  return Buffer.concat([Buffer.from([bits >> 8, bits & 0xff]), rest]);
}

/** A new-format OpenPGP packet. */
function packet(tag: number, body: Buffer): Buffer {
  const n = body.length;
  const length =
    n < 192
      ? [n]
      : n < 8384
        ? [((n - 192) >> 8) + 192, (n - 192) & 0xff]
        : [255, n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
  return Buffer.concat([Buffer.from([0xc0 | tag, ...length]), body]);
}

/**
 * A stand-in armored OpenPGP message shaped like real ciphertext, packet by packet (a PKESK v3 to
 * a random key id, then one SEIPD v1 packet of random bytes), so that core's ciphertext checks
 * pass it; nobody can decrypt it. `size` is the SEIPD packet's random part.
 */
export function armoredCiphertext(size = 200): string {
  const pkesk = packet(
    1,
    Buffer.concat([
      Buffer.from([3]),
      randomBytes(8),
      Buffer.from([1, 0x08, 0x00]),
      randomBytes(256),
    ]),
  );
  const seipd = packet(18, Buffer.concat([Buffer.from([1]), randomBytes(size)]));
  const base64 = Buffer.concat([pkesk, seipd]).toString("base64");
  return `-----BEGIN PGP MESSAGE-----\n\n${base64.replace(/.{1,64}/g, "$&\n")}-----END PGP MESSAGE-----\n`;
}

/** The default agent's OpenPGP key (user id `my-agent@agents.localhost`). */
export const ARMORED = armoredKey("my-agent@agents.localhost");

const pems = new Map<string, string>();

/** An SPKI PEM public key of the given kind, generated once per test file. */
export function spkiPem(
  kind: "ed25519" | "rsa2048" | "rsa3072" | "rsa4096" | "p256" | "p384" | "x25519" | "rsa1024",
  variant = 0,
): string {
  const id = `${kind}#${variant}`;
  let pem = pems.get(id);
  if (!pem) {
    const { publicKey } =
      kind === "ed25519" || kind === "x25519"
        ? generateKeyPairSync(kind as "ed25519")
        : kind === "p256" || kind === "p384"
          ? generateKeyPairSync("ec", { namedCurve: kind === "p256" ? "prime256v1" : "secp384r1" })
          : generateKeyPairSync("rsa", { modulusLength: Number(kind.slice(3)) });
    pem = publicKey.export({ type: "spki", format: "pem" }).toString();
    pems.set(id, pem);
  }
  return pem;
}
