// The corpus keys for the findings of a review of pgpyKeyProblems: subkeys and keys PGPy would
// encrypt to though they are revoked or expired, expired keys PGPy still verifies, user IDs
// without self-certification, and self-signatures damaged in their mathematics or only in their
// two-octet hash prefix (which PGPy never reads). Not exported by the package.

import type { GpgHome } from "@assmbl/testing/gpg";
import { enums, generateKey, type PrivateKey, readKey } from "openpgp";
import { hardenedConfig } from "../config.js";
import { HASH_PREFERENCES, internals, resignSelfSignatures } from "../self-signatures.js";
import type { CorpusKey, Generated } from "./pgpy-corpus.js";

const HOUR = 3_600_000;
const FAKED_2024 = ["--faked-system-time", "20240101T000000!"];

/**
 * The review's cases, made with openpgp.js and GnuPG 2.2.
 *
 * @example
 * corpus.push(...(await reviewCases(gpg, generated)));
 */
export async function reviewCases(gpg: GpgHome, generated: Generated): Promise<CorpusKey[]> {
  return [
    ...(await subkeyCases()),
    ...(await gnupgCases(gpg)),
    ...(await userIdCases()),
    ...(await damagedCases(generated.ecc.publicKeyArmored)),
  ];
}

/** An ECC key with two encryption subkeys, SHA-2 preferences, made an hour ago (or `date`). */
async function twoSubkeys(first: { keyExpirationTime?: number } = {}): Promise<PrivateKey> {
  const { privateKey } = await generateKey({
    type: "ecc",
    curve: "ed25519Legacy",
    userIDs: [{ name: "Two Subkeys", email: "two-subkeys@agents.test" }],
    subkeys: [first, {}],
    date: new Date(Date.now() - HOUR),
    format: "object",
    config: hardenedConfig,
  });
  await resignSelfSignatures(privateKey, internals(privateKey).keyPacket, {
    hashPreferences: HASH_PREFERENCES,
    date: (previous) => previous,
  });
  return privateKey;
}

// PGPy encrypts to the first subkey that may encrypt, revoked or expired; GnuPG and openpgp.js
// take the second.
async function subkeyCases(): Promise<CorpusKey[]> {
  const revoked = await twoSubkeys();
  const [old] = revoked.subkeys;
  if (!old) throw new Error("no subkey");
  revoked.subkeys[0] = await old.revoke(
    internals(revoked).keyPacket,
    { flag: enums.reasonForRevocation.keySuperseded },
    undefined,
    hardenedConfig,
  );
  const expired = await twoSubkeys({ keyExpirationTime: 60 });
  return [
    {
      name: "review: first encryption subkey revoked, second valid",
      armored: revoked.toPublic().armor(hardenedConfig),
    },
    {
      name: "review: first encryption subkey expired, second valid",
      armored: expired.toPublic().armor(hardenedConfig),
    },
  ];
}

// GnuPG keys that expired (made with a faked clock in 2024, valid for a day): PGPy fails the
// signatures of the Ed25519 key, but verifies the NIST P-256 one (it rates the curve weak, and
// Expired | InsecureCurve is not one of the issues that fail) and the revoked one (Expired |
// Revoked), and it would encrypt to either.
async function gnupgCases(gpg: GpgHome): Promise<CorpusKey[]> {
  const expiring = async (uid: string, algo: string, subkeyAlgo: string) => {
    const options = { extraArgs: FAKED_2024 };
    const fingerprint = await gpg.generateKey(uid, algo, "sign", "1d", options);
    await gpg.addSubkey(fingerprint, subkeyAlgo, "encr", "1d", options);
    return fingerprint;
  };
  const p256 = await expiring("Expired P-256 <p256-expired@gpg.test>", "nistp256", "nistp256");
  const ed = await expiring("Expired Ed <ed-expired@gpg.test>", "ed25519", "cv25519");
  const edRevoked = await expiring("Expired Revoked <ed-revoked@gpg.test>", "ed25519", "cv25519");
  const revokedUid = await gpg.generateKey("Revoked UID <kept@gpg.test>");
  await gpg.run(["--passphrase", "", "--quick-add-uid", revokedUid, "Gone <gone@gpg.test>"]);
  await gpg.run(["--passphrase", "", "--quick-revoke-uid", revokedUid, "Gone <gone@gpg.test>"]);
  return [
    {
      name: "review: gpg nistp256 with an encryption subkey, expired",
      armored: await gpg.exportPublic(p256),
    },
    { name: "review: gpg ed25519/cv25519, expired", armored: await gpg.exportPublic(ed) },
    {
      name: "review: gpg ed25519/cv25519, expired and revoked",
      armored: await gpg.revoke(edRevoked),
    },
    { name: "review: gpg key with a revoked user ID", armored: await gpg.exportPublic(revokedUid) },
  ];
}

// Two user IDs, the second without self-certification. PGPy loads and verifies both keys; it
// takes its preferences from the first user ID in its order, which is the uncertified one when
// no user ID is marked primary, and then fails when it encrypts (AttributeError).
async function userIdCases(): Promise<CorpusKey[]> {
  const key = async (markPrimary: boolean) => {
    const { privateKey } = await generateKey({
      type: "ecc",
      curve: "ed25519Legacy",
      userIDs: [
        { name: "Certified", email: "certified@agents.test" },
        { name: "Uncertified", email: "uncertified@agents.test" },
      ],
      format: "object",
      config: hardenedConfig,
    });
    for (const certification of privateKey.users[0]?.selfCertifications ?? []) {
      certification.isPrimaryUserID = markPrimary ? true : null;
    }
    await resignSelfSignatures(privateKey, internals(privateKey).keyPacket, {
      hashPreferences: HASH_PREFERENCES,
      date: (previous) => previous,
    });
    (privateKey.users[1] as PrivateKey["users"][number]).selfCertifications = [];
    return privateKey.toPublic().armor(hardenedConfig);
  };
  return [
    {
      name: "review: a user ID without self-certification, another marked primary",
      armored: await key(true),
    },
    {
      name: "review: a user ID without self-certification, none marked primary",
      armored: await key(false),
    },
  ];
}

// generateKeyPair's key with its certification damaged: in its mathematics (PGPy fails to
// verify it; only openpgp.js, in inspectPublicKey, can tell), or only in its hash prefix (PGPy
// never reads the prefix, and verifies it).
async function damagedCases(publicKeyArmored: string): Promise<CorpusKey[]> {
  const damaged = async (change: (signature: CertificationParts) => Promise<void>) => {
    const key = await readKey({ armoredKey: publicKeyArmored });
    const certification = key.users[0]?.selfCertifications[0] as unknown as CertificationParts;
    await change(certification);
    return key.armor(hardenedConfig);
  };
  return [
    {
      name: "review: certification damaged in its mathematics",
      armored: await damaged(async (signature) => {
        const { r } = (await signature.params) as { r: Uint8Array };
        r.set([(r[r.length - 1] ?? 0) ^ 0x01], r.length - 1);
      }),
      mathematicsOnly: true,
    },
    {
      name: "review: certification damaged in its hash prefix only",
      armored: await damaged(async (signature) => {
        signature.signedHashValue = Uint8Array.of(
          (signature.signedHashValue[0] ?? 0) ^ 0xff,
          signature.signedHashValue[1] ?? 0,
        );
      }),
    },
  ];
}

/** The members of an openpgp.js signature packet the damage touches. */
interface CertificationParts {
  params: Promise<unknown> | unknown;
  signedHashValue: Uint8Array;
}
