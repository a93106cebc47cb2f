import { type Config, config as defaults, enums } from "openpgp";

/** Largest plaintext a compressed message may expand to (256 MiB): a bound against zip bombs. */
export const MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024;

/**
 * The one openpgp.js configuration every call in this package uses: the profile GnuPG 2.2 and the
 * Python SDK's `pgpy` read (v4 keys, SEIPD v1 with MDC, AES-256, no compression), and the
 * hardening a mail client needs: never release unauthenticated plaintext, bounded decompression,
 * no weak algorithms.
 *
 * @example
 * await openpgp.encrypt({ message, encryptionKeys, config: hardenedConfig });
 */
export const hardenedConfig: Config = Object.freeze({
  ...defaults,
  preferredSymmetricAlgorithm: enums.symmetric.aes256,
  preferredCompressionAlgorithm: enums.compression.uncompressed,
  preferredHashAlgorithm: enums.hash.sha256,
  aeadProtect: false,
  v6Keys: false,
  allowUnauthenticatedMessages: false,
  allowUnauthenticatedStream: false,
  allowInsecureDecryptionWithSigningKeys: false,
  maxDecompressedMessageSize: MAX_DECOMPRESSED_BYTES,
  minRSABits: 2048,
  rejectPublicKeyAlgorithms: new Set([enums.publicKey.elgamal, enums.publicKey.dsa]),
  rejectHashAlgorithms: new Set([enums.hash.md5, enums.hash.ripemd, enums.hash.sha1]),
  rejectMessageHashAlgorithms: new Set([enums.hash.md5, enums.hash.ripemd, enums.hash.sha1]),
  showVersion: false,
  showComment: false,
});
