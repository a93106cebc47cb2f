// The reading both receive calls share: `openMessage` here, and `fetchMessage` in
// @assmbl/transport-api, which adds what the platform knows (the sender it vouches for, the
// attachments' status) and an AttachmentSource for the bytes it delivered by reference.
import type { MailDecryptor } from "@assmbl/core";
import { parseMime } from "./parse-mime.js";
import type { AttachmentSource } from "./part-stream.js";
import { type ReadFields, readMessage } from "./read-message.js";
import { prepareDownloadDir } from "./receive-options.js";
import type { PlatformAttachment } from "./received-message.js";
import { bindSigner } from "./signer-binding.js";
import {
  requireDomainForDirectory,
  type VerifyWith,
  verificationKeys,
} from "./verification-keys.js";

/**
 * Receive options once validated (by a schema built from `ReceiveOptionsShape` and
 * `StorageOptionsShape`).
 *
 * @example
 * const settings: ReceiveSettings = { decryptWith: key, verifyWith: directory, downloadDir: "./files" };
 */
export interface ReceiveSettings {
  decryptWith?: MailDecryptor | undefined;
  verifyWith?: VerifyWith | undefined;
  includeAttachments?: boolean | undefined;
  maxPlaintextBytes?: number | undefined;
  downloadDir?: string | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * What a platform that stored the message knows beyond its raw MIME.
 *
 * @example
 * const view: PlatformView = { sender: stored.sender, attachments, source };
 */
export interface PlatformView {
  /** The sender the platform vouches for: signature verdicts are bound to it. */
  sender: string;
  /** The platform's view of each attachment (status, size), layered over the MIME parts. */
  attachments: readonly PlatformAttachment[];
  /** Where the bytes of attachments delivered by reference come from. */
  source: AttachmentSource;
}

/**
 * A read of one raw message: its `Message-ID` (without brackets), the sender the signature
 * verdicts were bound to, and everything else a {@link ReceivedMessage} holds.
 *
 * @example
 * const { messageId, sender, fields } = await reading.read(raw);
 */
export interface MessageRead {
  messageId: string | undefined;
  sender: string;
  fields: ReadFields;
}

/**
 * A receive whose options have been checked and whose `downloadDir` is open: {@link MessageReading.read}
 * reads a raw message with them.
 *
 * @example
 * const { fields } = await (await prepareReceive(settings, "agents.example.com")).read(raw);
 */
export interface MessageReading {
  /**
   * Reads `raw` per spec §7. Without `platform`, the sender is the message's own `From`, every
   * attachment is `ready` and only the MIME's bytes are read (an empty part is an empty
   * attachment).
   */
  read(raw: string | Uint8Array, platform?: PlatformView): Promise<MessageRead>;
}

/**
 * Checks what can be checked before anything is fetched or decrypted (a `KeyDirectory` needs a
 * mail domain; `downloadDir` must be an existing directory and fit the other options) and opens
 * the download directory.
 *
 * @example
 * const reading = await prepareReceive(options, client.mailDomain);
 * const stored = await getStoredMessage(http, id, signal); // only once the options are known good
 * const { fields } = await reading.read(stored.rawMime, { sender: stored.sender, attachments, source });
 * @throws {AgentMailError} `invalid_options`.
 */
export async function prepareReceive(
  settings: ReceiveSettings,
  mailDomain: string | undefined,
): Promise<MessageReading> {
  const { verifyWith, signal } = settings;
  requireDomainForDirectory(verifyWith, mailDomain);
  const downloadDir = await prepareDownloadDir(settings);
  return {
    async read(raw, platform) {
      // Attachments that are not returned as bytes are not decoded while the message is parsed:
      // each is streamed from the raw into its file (or only measured).
      const parsed = await parseMime(raw, {
        stripAttachments: downloadDir !== undefined || settings.includeAttachments === false,
      });
      const sender = platform?.sender ?? parsed.sender;
      const fields = await readMessage(parsed, {
        // Signature verdicts bound to the sender (issue 13): see signer-binding.ts.
        decryptWith: bindSigner(settings.decryptWith, verifyWith, sender),
        verificationKeys: () => verificationKeys(verifyWith, sender, mailDomain, signal),
        platform: platform?.attachments,
        includeAttachments: settings.includeAttachments,
        maxPlaintextBytes: settings.maxPlaintextBytes,
        downloadDir,
        source: platform?.source,
        signal,
      });
      return { messageId: parsed.messageId, sender, fields };
    },
  };
}
