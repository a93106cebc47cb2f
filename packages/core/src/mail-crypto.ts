import type { AttachmentBytes } from "./transport.js";

/**
 * One recipient to encrypt to. The mailer passes the recipients of one copy only: a Bcc
 * recipient of an encrypted message gets its own copy, so no recipient list mixes a Bcc recipient
 * with others, and an implementation writes each recipient's real key id (never a wildcard, which
 * the Python SDK's PGPy cannot decrypt).
 */
export interface EncryptionRecipient {
  agentId: string;
  /** Bare address, for error messages. */
  address: string;
  /** The recipient's armored OpenPGP public key, as the directory returned it. */
  publicKeyArmored: string;
}

/** Options of one encryption. */
export interface EncryptOptions {
  signal?: AbortSignal;
}

/** Options of one attachment encryption. */
export interface EncryptAttachmentOptions extends EncryptOptions {
  /** The plaintext file name, which an implementation may embed in the literal data packet. */
  filename?: string;
}

/**
 * What the mailer needs from an OpenPGP implementation (`@assmbl/crypto`'s `openpgpCrypto`).
 * Signing, when configured, happens inside `encryptText`: one armored message either way.
 *
 * Every method fails with an `AgentMailError`; none may ever return plaintext. The mailer checks
 * the structure of every result, packet by packet: one ASCII-armored message with no armor
 * headers (openpgp.js 6 writes none; GnuPG none without `--comment`: they go out in clear) and
 * strict base64 lines of at most 76 characters (CRC-24 checked when present), of one or more PKESK
 * packets, at least one per recipient, none with the wildcard key id, one naming a key of each
 * recipient whose key the mailer can read, then exactly one SEIPD packet and nothing after it;
 * anything else fails the send with `encryption_failed` before the transport is called. A streamed
 * result that yields nothing for `Limits.cryptoStreamIdleMs` fails the same way. The check is of
 * structure only: it cannot tell encrypted bytes inside the SEIPD from plaintext placed there, so
 * encrypting for real is the implementation's part of the contract.
 *
 * @example
 * const mailer = createMailer(transport, { from, mailDomain, directory, crypto: openpgpCrypto() });
 */
export interface MailCrypto {
  readonly specificationVersion: "v1";
  /**
   * `true` when the implementation encrypts to version 6 keys (RFC 9580: PKESK v6 and SEIPD v2,
   * which GnuPG 2.2 and the Python SDK's PGPy cannot read), because its user opted in. The mailer
   * then accepts that shape from it; otherwise it accepts only the contract's profile (PKESK v3,
   * SEIPD v1) and refuses anything else with `encryption_failed`. Optional; absent means `false`.
   */
  readonly allowV6Keys?: boolean;
  /**
   * Checks a peer's armored public key against policy before anything is encrypted to it.
   * @throws {AgentMailError} `invalid_public_key`, `key_too_large`, `peer_key_revoked`,
   * `peer_key_expired`, `peer_key_unusable`, `peer_key_weak`.
   */
  checkRecipientKey(
    publicKeyArmored: string,
    options?: EncryptOptions,
  ): Promise<{ fingerprint: string }>;
  /** Encrypts (and signs, when configured) UTF-8 text to every recipient; returns one armored message. */
  encryptText(
    text: string,
    recipients: readonly EncryptionRecipient[],
    options?: EncryptOptions,
  ): Promise<string>;
  /** Encrypts bytes or a stream to every recipient; returns the ASCII-armored ciphertext, streamed when the input was. */
  encryptAttachment(
    content: AttachmentBytes,
    recipients: readonly EncryptionRecipient[],
    options?: EncryptAttachmentOptions,
  ): Promise<AttachmentBytes>;
}

/**
 * The outcome of checking a signature: `valid`; `invalid` (bad signature, or made by a key not
 * among those given, or, for a key looked up by the sender's address, by a key none of whose
 * user ids names that address); `unsigned`; `unverified` (signed, but no verification key was
 * given). A signed message's decrypt result also says which key signed: `signerFingerprint`
 * when `valid`, else what the signature claims (`claimedSignerFingerprint`, `claimedSignerKeyId`).
 *
 * @example
 * if (result.verification === "invalid") console.warn(`signed by ${result.claimedSignerFingerprint}, not by a key given`);
 */
export type SignatureVerification = "valid" | "invalid" | "unsigned" | "unverified";

/** Options of one decryption. */
export interface DecryptOptions {
  /** Armored public keys whose signatures count as valid. */
  verificationKeys?: readonly string[] | undefined;
  /** Fail with `signature_missing` / `signature_invalid` unless a valid signature is present. */
  expectSigned?: boolean | undefined;
  /**
   * The most plaintext this decryption may produce, decompressed; past it the decryption fails
   * with `plaintext_too_large` and releases nothing (default: the implementation's own bound;
   * `@assmbl/crypto` uses 256 MiB).
   */
  maxPlaintextBytes?: number | undefined;
  signal?: AbortSignal | undefined;
}

/** What {@link MailDecryptor.decryptInto} found once every check passed. */
export interface DecryptedInto {
  verification: SignatureVerification;
  /** `valid` only: the primary-key fingerprint (lower-case hex) of the key that made the signature. */
  signerFingerprint?: string;
  /**
   * `valid` only: the user ids (`Name <address>`) of the signing key that carry a valid,
   * unrevoked self-certification. A receiver that looked the key up by the sender's address
   * checks that one of them names that address; a decryptor that does not report them leaves
   * such a receiver unable to call the signature valid.
   */
  signerUserIds?: readonly string[];
  /**
   * `invalid` / `unverified` only: the issuer fingerprint (lower-case hex) the signature names,
   * when it names one: which key signed instead of an expected one. A claim, never proof: the
   * signature did not verify against it.
   */
  claimedSignerFingerprint?: string;
  /**
   * `invalid` / `unverified` only: the issuer key id (16 lower-case hex digits) the signature
   * names; set also when it names no fingerprint. A claim, never proof.
   */
  claimedSignerKeyId?: string;
  /** Plaintext bytes written to the sink. */
  bytes: number;
}

/** Decrypted text and what its signature said. */
export interface DecryptedText {
  text: string;
  verification: SignatureVerification;
  /** `valid` only: the primary-key fingerprint (lower-case hex) of the key that made the signature. */
  signerFingerprint?: string;
  /**
   * `valid` only: the user ids (`Name <address>`) of the signing key that carry a valid,
   * unrevoked self-certification. A receiver that looked the key up by the sender's address
   * checks that one of them names that address; a decryptor that does not report them leaves
   * such a receiver unable to call the signature valid.
   */
  signerUserIds?: readonly string[];
  /**
   * `invalid` / `unverified` only: the issuer fingerprint (lower-case hex) the signature names,
   * when it names one: which key signed instead of an expected one. A claim, never proof: the
   * signature did not verify against it.
   */
  claimedSignerFingerprint?: string;
  /**
   * `invalid` / `unverified` only: the issuer key id (16 lower-case hex digits) the signature
   * names; set also when it names no fingerprint. A claim, never proof.
   */
  claimedSignerKeyId?: string;
}

/** Decrypted bytes and what their signature said. */
export interface DecryptedBytes {
  data: Uint8Array;
  verification: SignatureVerification;
  /** `valid` only: the primary-key fingerprint (lower-case hex) of the key that made the signature. */
  signerFingerprint?: string;
  /**
   * `valid` only: the user ids (`Name <address>`) of the signing key that carry a valid,
   * unrevoked self-certification. A receiver that looked the key up by the sender's address
   * checks that one of them names that address; a decryptor that does not report them leaves
   * such a receiver unable to call the signature valid.
   */
  signerUserIds?: readonly string[];
  /**
   * `invalid` / `unverified` only: the issuer fingerprint (lower-case hex) the signature names,
   * when it names one: which key signed instead of an expected one. A claim, never proof: the
   * signature did not verify against it.
   */
  claimedSignerFingerprint?: string;
  /**
   * `invalid` / `unverified` only: the issuer key id (16 lower-case hex digits) the signature
   * names; set also when it names no fingerprint. A claim, never proof.
   */
  claimedSignerKeyId?: string;
}

/**
 * A loaded private key that receive-side functions accept as `decryptWith`
 * (`@assmbl/crypto`'s `loadPrivateKey`). It never exposes key material, and fails with
 * `decryption_failed` rather than returning plaintext from a message that fails its integrity check.
 *
 * @example
 * const decryptWith = await loadPrivateKey(process.env.AGENT_PRIVATE_KEY ?? "", passphrase);
 * const { text, verification } = await decryptWith.decryptText(armoredBody);
 */
export interface MailDecryptor {
  readonly specificationVersion: "v1";
  /** OpenPGP fingerprint of the private key, lower-case hex. */
  readonly fingerprint: string;
  /**
   * @throws {AgentMailError} `decryption_failed`, `signature_missing`, `signature_invalid`.
   */
  decryptText(armored: string, options?: DecryptOptions): Promise<DecryptedText>;
  /**
   * @throws {AgentMailError} `decryption_failed`, `signature_missing`, `signature_invalid`.
   */
  decryptBytes(ciphertext: Uint8Array | string, options?: DecryptOptions): Promise<DecryptedBytes>;
  /**
   * Decrypts a message arriving as a stream into `sink` in bounded memory. The sink receives
   * plaintext **before** it is authenticated (OpenPGP puts the integrity check at the end): it
   * must keep what it gets where nobody reads it (a temporary file) and release it only when the
   * returned promise resolves, which happens after the integrity check (MDC) and, with
   * `expectSigned`, the signature check passed. On any failure the promise rejects, the sink is
   * aborted, and what it holds must be discarded. Optional: receive-side functions that need it
   * (`downloadDir`) fail with `invalid_options` for a decryptor without it.
   *
   * @throws {AgentMailError} `decryption_failed`, `plaintext_too_large`, `signature_missing`,
   * `signature_invalid`, `aborted`.
   */
  decryptInto?(
    ciphertext: ReadableStream<Uint8Array>,
    sink: WritableStream<Uint8Array>,
    options?: DecryptOptions,
  ): Promise<DecryptedInto>;
}
