// A key block as PGPy 0.6 groups it (pgp.py PGPKey.parse): the primary key, its user IDs and
// subkeys, each with the signatures that follow it, and the signature fields PGPy's rules read.
import type { SignatureV4 } from "../openpgp/signature-packet.js";

/** A primary key or subkey. */
export interface KeyNode {
  /** "the primary key", or "subkey N (key ID)". */
  label: string;
  /** Lower-case hex. */
  keyId: string;
  fingerprint: string;
  algorithm: number;
  /** PGPy's name of an ECC key's curve. */
  curve: string | undefined;
  /** Bit length of the first public number (RSA n, DSA p, ElGamal p): PGPy's key_size. */
  bits: number;
  /** Creation time, seconds since the epoch. */
  created: number;
  signatures: SignatureNode[];
}

/** A user ID or user attribute packet. */
export interface UserNode {
  /** `user ID "..."` or "a user attribute". */
  label: string;
  isUserId: boolean;
  signatures: SignatureNode[];
}

/** A signature and the fields PGPSignature reads from it. */
export interface SignatureNode {
  /** Where it sits, for messages: "a signature on user ID ...". */
  where: string;
  signature: SignatureV4;
  /** Key ID of the last Issuer subpacket (PGPSignature.signer), lower-case hex. */
  signer: string | undefined;
  /** The first Issuer Fingerprint subpacket (PGPSignature.signer_fingerprint), lower-case hex. */
  signerFingerprint: string | undefined;
  /** The last hashed creation time (PGPSignature.created), seconds; 0 when there is none. */
  created: number;
  /** The first signature expiration time, seconds after `created`. */
  expiresAfter: number | undefined;
  /** The first key expiration time (PGPSignature.key_expiration), seconds after the key's creation. */
  keyExpiresAfter: number | undefined;
  /** The bits of the first hashed key flags subpacket, every octet OR-ed (PGPSignature.key_flags). */
  keyFlags: number;
  /** The first hashed primary-user-ID subpacket is set (PGPUID.is_primary). */
  primaryUserId: boolean;
}

/** The first key of a key block, as PGPy loads it. */
export interface KeyBlock {
  primary: KeyNode;
  users: UserNode[];
  subkeys: KeyNode[];
}
