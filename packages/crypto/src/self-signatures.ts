// Self-signatures the Python SDK's PGPy 0.6 can load and verify. openpgp.js 6.3 writes SHA3-512
// and SHA3-256 into the preferred-hash subpacket of every user-ID self-certification, and no
// config removes them; PGPy's HashAlgorithm enum stops at SHA-224, so it cannot load such a key
// at all. These functions rebuild self-signatures the way openpgp.js builds them (see
// `createSignaturePacket` and `SignaturePacket.sign` in openpgp.js): a copy of the old signature's
// properties, with the values PGPy cannot parse or re-encode taken out, signed again by the
// primary key. The key packets, and so the fingerprint, do not change.
import {
  config as defaultConfig,
  enums,
  type PrivateKey,
  type SecretKeyPacket,
  SignaturePacket,
  type UserIDPacket,
} from "openpgp";
import { hardenedConfig } from "./config.js";

/**
 * The hash preferences of every key this package makes, strongest first: SHA-512, SHA-256,
 * SHA-384, SHA-224. SHA-2 only, because PGPy 0.6 cannot load a key that lists SHA3; SHA-512 first
 * as in openpgp.js's and GnuPG 2.2's own defaults; SHA-256 next because every OpenPGP
 * implementation must support it; no SHA-1, MD5 or RIPEMD-160, which this package's policy refuses.
 */
export const HASH_PREFERENCES: readonly enums.hash[] = Object.freeze([
  enums.hash.sha512,
  enums.hash.sha256,
  enums.hash.sha384,
  enums.hash.sha224,
]);

// PGPy 0.6's enums (pgpy/constants.py): values outside them make it refuse the key.
const PGPY_HASHES = new Set([1, 2, 3, 8, 9, 10, 11]);
const PGPY_SYMMETRIC = new Set([1, 2, 3, 4, 7, 8, 9, 10, 11, 12, 13]);
const PGPY_COMPRESSION = new Set([0, 1, 2, 3]);
// Hashes a new self-signature may keep from the old one: SHA-2, which PGPy verifies.
const SHA2 = new Set([8, 9, 10, 11]);
// openpgp.js adds a fresh salt notation to every v4 signature it makes, and refuses to sign one
// that already has one.
const SALT_NOTATION = "salt@notations.openpgpjs.org";

/** Members of an openpgp.js private key that its typings leave out. */
export interface PrivateKeyInternals {
  /** The primary key packet: secret, since the key is private. */
  keyPacket: SecretKeyPacket;
  directSignatures: SignaturePacket[];
  /** Zeroes the secret key material held in memory. */
  clearPrivateParams(): void;
}

/**
 * The typed view of members openpgp.js has but does not declare.
 *
 * @example
 * internals(key).clearPrivateParams();
 */
export function internals(key: PrivateKey): PrivateKeyInternals {
  return key as unknown as PrivateKeyInternals;
}

/** How {@link resignSelfSignatures} rebuilds the self-signatures of a key. */
export interface ResignOptions {
  /** The creation time of the new signature, given the old one's. */
  date: (previous: Date) => Date;
  /** Hash preferences to write; default: the old ones without the values PGPy does not know. */
  hashPreferences?: readonly number[] | undefined;
  /**
   * Rebuild only the newest valid self-certification of each user ID, subkey binding and
   * direct-key signature, dropping the older ones (PGPy verifies every self-signature, old ones
   * included); by default, user-ID certifications only, each in place.
   */
  everySelfSignature?: boolean | undefined;
  /**
   * User IDs and subkeys (members of `key.users`, `key.subkeys`) to leave exactly as they are,
   * signatures included: a revoked user ID must keep a certification older than its revocation.
   */
  keep?: ReadonlySet<object> | undefined;
}

/**
 * Rebuilds the self-signatures of `key` in place, signed by `signingKey` (its primary key packet,
 * decrypted), with properties PGPy 0.6 parses and writes back byte for byte.
 *
 * @example
 * await resignSelfSignatures(key, internals(unlocked).keyPacket, { date: () => new Date(), everySelfSignature: true });
 *
 * @throws {Error} from openpgp.js when signing fails, or when a user ID or subkey has no valid
 * self-signature to rebuild from (the message says which).
 */
export async function resignSelfSignatures(
  key: PrivateKey,
  signingKey: SecretKeyPacket,
  options: ResignOptions,
): Promise<void> {
  const primary = key.keyPacket;
  const keep = options.keep ?? new Set<object>();
  for (const user of key.users) {
    if (!user.userID || keep.has(user)) continue; // user attributes: openpgp.js makes none
    const data = { userID: user.userID as UserIDPacket, key: primary };
    const signatures = options.everySelfSignature
      ? [await newestValid(user.selfCertifications, primary, data, `user ID ${user.userID.userID}`)]
      : user.selfCertifications;
    user.selfCertifications = await Promise.all(
      signatures.map((old) => resign(old, data, signingKey, options)),
    );
  }
  if (!options.everySelfSignature) return;
  const withDirect = internals(key);
  if (withDirect.directSignatures.length > 0) {
    const data = { key: primary };
    const newest = await newestValid(withDirect.directSignatures, primary, data, "the key");
    withDirect.directSignatures = [await resign(newest, data, signingKey, options)];
  }
  for (const subkey of key.subkeys) {
    if (keep.has(subkey)) continue;
    const data = { key: primary, bind: subkey.keyPacket };
    const newest = await newestValid(
      subkey.bindingSignatures,
      primary,
      data,
      `subkey ${subkey.getKeyID().toHex()}`,
    );
    subkey.bindingSignatures = [await resign(newest, data, signingKey, options)];
  }
}

async function newestValid(
  signatures: SignaturePacket[],
  primary: PrivateKey["keyPacket"],
  data: object,
  what: string,
): Promise<SignaturePacket> {
  const newestFirst = [...signatures].sort(
    (a, b) => (b.created?.getTime() ?? 0) - (a.created?.getTime() ?? 0),
  );
  for (const signature of newestFirst) {
    // Checked at its own creation time, so a key that has since expired can still be repaired;
    // with openpgp.js's defaults, so an old SHA-1 self-signature is upgraded rather than refused.
    const valid = await signature
      .verify(
        primary,
        signature.signatureType as enums.signature,
        data as never,
        signature.created ?? undefined,
        false,
        defaultConfig,
      )
      .then(
        () => true,
        () => false,
      );
    if (valid) return signature;
  }
  throw new Error(`${what} has no valid self-signature to rebuild from`);
}

async function resign(
  old: SignaturePacket,
  data: object,
  signingKey: SecretKeyPacket,
  options: ResignOptions,
): Promise<SignaturePacket> {
  const fresh = Object.assign(
    new SignaturePacket(),
    old,
    pgpySafeProperties(old, options.hashPreferences),
  );
  fresh.rawNotations = old.rawNotations.filter((notation) => notation.name !== SALT_NOTATION);
  fresh.unhashedSubpackets = [];
  // openpgp.js's typings omit the config argument its sign() reads.
  const sign = fresh.sign as (
    key: SecretKeyPacket,
    data: object,
    date: Date,
    detached: boolean,
    config: typeof hardenedConfig,
  ) => Promise<void>;
  await sign.call(
    fresh,
    signingKey,
    data,
    options.date(old.created ?? new Date()),
    false,
    hardenedConfig,
  );
  return fresh;
}

/**
 * The properties of `signature` to change so that PGPy 0.6 parses it and re-encodes its hashed
 * subpackets byte for byte (pgpy/packet/subpackets/signature.py): preference lists without
 * values outside PGPy's enums, flag octets without bits PGPy drops, no Exportable or Revocable
 * subpacket set to 1 (PGPy 0.6 re-encodes those as 0), and a SHA-2 signature hash.
 *
 * @example
 * pgpySafeProperties(certification).preferredHashAlgorithms; // [10, 8] for openpgp.js's [10, 8, 14, 12]
 */
export function pgpySafeProperties(
  signature: SignaturePacket,
  hashPreferences?: readonly number[],
): Partial<SignaturePacket> {
  const keep = <T extends number>(values: readonly T[] | null, known: Set<number>) =>
    values === null ? null : values.filter((value) => known.has(value));
  const hashes = hashPreferences
    ? [...hashPreferences]
    : keep(signature.preferredHashAlgorithms, PGPY_HASHES);
  const oneOctet = (flags: ArrayLike<number> | null, mask: number) =>
    flags === null ? null : Uint8Array.of((flags[0] ?? 0) & mask);
  return {
    hashAlgorithm: SHA2.has(signature.hashAlgorithm ?? 0)
      ? signature.hashAlgorithm
      : enums.hash.sha512,
    // A list left empty falls back to ours rather than to "SHA-256 only".
    preferredHashAlgorithms: (hashes?.length === 0 ? [...HASH_PREFERENCES] : hashes) as
      | enums.hash[]
      | null,
    preferredSymmetricAlgorithms: keep(signature.preferredSymmetricAlgorithms, PGPY_SYMMETRIC),
    preferredCompressionAlgorithms: keep(
      signature.preferredCompressionAlgorithms,
      PGPY_COMPRESSION,
    ),
    keyFlags: oneOctet(signature.keyFlags, 0xbf),
    features: oneOctet(signature.features, 0x01),
    keyServerPreferences:
      signature.keyServerPreferences === null
        ? null
        : [(signature.keyServerPreferences[0] ?? 0) & 0x80],
    // Absent means exportable and revocable; PGPy 0.6 re-encodes a written 1 as 0.
    exportable: signature.exportable === true ? null : signature.exportable,
    revocable: signature.revocable === true ? null : signature.revocable,
  };
}
