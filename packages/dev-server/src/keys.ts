import { createHash, createPublicKey, type KeyObject } from "node:crypto";
import type { DirectoryAlgorithm } from "@assmbl/core";
import { spkiMaterial } from "./key-material.js";

/** A directory `public_key`, parsed. */
export interface SpkiKey {
  /** Lower-case hex SHA-256 of the DER SPKI (spec §6). */
  fingerprint: string;
  /** The algorithm the key itself has. */
  algorithm: DirectoryAlgorithm;
  /** What the key is, for messages: `rsa 2048`, `ed25519`. */
  description: string;
  /**
   * The key's canonical material (`key-material.ts`): the same key written another way (a
   * compressed P-256 point, say) has another DER and fingerprint but the same material.
   */
  material: string;
}

/** Either a parsed key or why the text is not one; the reason never quotes the text. */
export type SpkiResult = { ok: true; key: SpkiKey } | { ok: false; reason: string };

// Only the SPKI label: "RSA PUBLIC KEY" (PKCS#1), certificates and private keys are refused, even
// though node:crypto would derive a public key from some of them.
const SPKI_PEM =
  /^\s*-----BEGIN PUBLIC KEY-----\r?\n(?:[A-Za-z0-9+/=]+\r?\n)+-----END PUBLIC KEY-----\s*$/;

/**
 * Parses an SPKI PEM public key and names its directory algorithm.
 *
 * @example
 * const result = inspectSpkiPem(pem);
 * if (result.ok) console.log(result.key.fingerprint);
 */
export function inspectSpkiPem(pem: string): SpkiResult {
  if (!SPKI_PEM.test(pem)) {
    return { ok: false, reason: "is not an SPKI PEM public key (-----BEGIN PUBLIC KEY-----)" };
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: "pem" });
  } catch {
    return { ok: false, reason: "is not a parseable SPKI public key" };
  }
  const algorithm = directoryAlgorithmOf(key);
  const description = describe(key);
  if (!algorithm) {
    return {
      ok: false,
      reason: `is a ${description} key; the directory takes Ed25519, RSA or ECDSA P-256 keys`,
    };
  }
  const der = key.export({ type: "spki", format: "der" });
  const fingerprint = createHash("sha256").update(der).digest("hex");
  const material = spkiMaterial(key);
  if (material === undefined) return { ok: false, reason: "is not a key the directory takes" };
  return { ok: true, key: { fingerprint, algorithm, description, material } };
}

/**
 * Whether a declared algorithm fits a key: `RSA` fits any RSA key, `RSA2048` / `RSA4096` only
 * that modulus size.
 *
 * @example
 * algorithmFits("RSA", "RSA4096"); // true
 */
export function algorithmFits(declared: DirectoryAlgorithm, actual: DirectoryAlgorithm): boolean {
  if (declared === actual) return true;
  return declared === "RSA" && (actual === "RSA2048" || actual === "RSA4096");
}

function directoryAlgorithmOf(key: KeyObject): DirectoryAlgorithm | undefined {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case "ed25519":
      return "Ed25519";
    case "rsa":
      if (details.modulusLength === 2048) return "RSA2048";
      if (details.modulusLength === 4096) return "RSA4096";
      return (details.modulusLength ?? 0) >= 2048 ? "RSA" : undefined;
    case "ec":
      return details.namedCurve === "prime256v1" ? "ECDSA_P256" : undefined;
    default:
      return undefined;
  }
}

function describe(key: KeyObject): string {
  const details = key.asymmetricKeyDetails ?? {};
  const size = details.modulusLength ?? details.namedCurve;
  return size === undefined
    ? String(key.asymmetricKeyType)
    : `${key.asymmetricKeyType} ${String(size)}`;
}
