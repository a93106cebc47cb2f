import { AgentMailError, type MailDecryptor } from "@assmbl/core";
import { z } from "zod";
import { type DownloadDir, openDownloadDir } from "./download-dir.js";

/**
 * Where received bytes go and how much plaintext they may become: options both receive calls take.
 *
 * @example
 * const Schema = z.strictObject({ ...ReceiveOptionsShape, ...StorageOptionsShape });
 */
export const StorageOptionsShape = {
  /**
   * The most plaintext the message may decrypt to, body and attachments together (default: its
   * ciphertext bytes plus `Limits.plaintextExpansionBytes`).
   */
  maxPlaintextBytes: z.int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
  /** Write each ready attachment to a file in this (existing) directory instead of `bytes`. */
  downloadDir: z.string().min(1, "expected a directory path").optional(),
  includeAttachments: z.boolean().optional(),
};

/**
 * Checks the `downloadDir` options and opens the directory, before anything is fetched or
 * decrypted. `undefined` without `downloadDir`.
 *
 * @example
 * const dir = await prepareDownloadDir({ downloadDir: "./files", decryptWith: key });
 * @throws {AgentMailError} `invalid_options`: `downloadDir` with `includeAttachments: false`, with
 * a `decryptWith` that has no `decryptInto` (it could not decrypt to a file in bounded memory),
 * or naming something that is not a directory.
 */
export async function prepareDownloadDir(options: {
  downloadDir?: string | undefined;
  decryptWith?: MailDecryptor | undefined;
  includeAttachments?: boolean | undefined;
}): Promise<DownloadDir | undefined> {
  if (options.downloadDir === undefined) return undefined;
  if (options.includeAttachments === false) {
    throw new AgentMailError({
      code: "invalid_options",
      message:
        "downloadDir writes the attachments to files; includeAttachments: false lists them without their bytes: pass one or the other",
    });
  }
  if (options.decryptWith && typeof options.decryptWith.decryptInto !== "function") {
    throw new AgentMailError({
      code: "invalid_options",
      message:
        "downloadDir: decryptWith has no decryptInto(), which decrypting to a file needs (loadPrivateKey from @assmbl/crypto has it); leave downloadDir out to receive bytes",
    });
  }
  return openDownloadDir(options.downloadDir);
}
