export { certifiedUserIds, type UserIdCertification } from "./certified-user-ids.js";
export { hardenedConfig, MAX_DECOMPRESSED_BYTES } from "./config.js";
export {
  type DecryptWithKeyOptions,
  decryptBytes,
  decryptStream,
  decryptToSink,
  decryptUtf8,
} from "./decrypt.js";
export type { VerificationResult } from "./decrypt-message.js";
export {
  type EncryptOptions,
  encryptBytes,
  encryptStream,
  encryptUtf8,
  type LiteralFormat,
  type Recipients,
} from "./encrypt.js";
export { ParsedKeyCache, sha256Hex } from "./key-cache.js";
export {
  assertRecipientKey,
  inspectPublicKey,
  type PublicKeyReport,
  parsePublicKey,
  type RecipientKeyPolicy,
} from "./key-policy.js";
export { type GenerateKeyPairOptions, generateKeyPair, type KeyPairBundle } from "./keys.js";
export { type OpenpgpCryptoOptions, openpgpCrypto } from "./mail-crypto.js";
export { type RepairedKey, type RepairKeyOptions, repairKeyForPgpy } from "./pgpy-repair.js";
export { AgentPrivateKey, loadPrivateKey } from "./private-key.js";
export { type DirectoryKey, directoryKeyOf, toPem } from "./spki.js";
