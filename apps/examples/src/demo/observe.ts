import type { SignatureVerification } from "@assmbl/core";
import { loadPrivateKey } from "@assmbl/crypto";
import { createDirectory } from "@assmbl/directory";
import { createAgentMailClient } from "@assmbl/transport-api";
import type { ExampleContext } from "../context.js";
import { findMessage } from "../find-message.js";

/**
 * One attachment as the recipient got it.
 *
 * @example
 * const [first] = (await read(subject)).attachments; // first.sentAs "numbers.csv.asc", first.filename "numbers.csv"
 */
export interface ObservedAttachment {
  /** The name it travelled under (the platform's `file_name`), e.g. `numbers.csv.asc`. */
  sentAs: string;
  /** The name after reading: restored when decrypted. */
  filename: string;
  contentType: string;
  encrypted: boolean;
  decrypted: boolean;
  bytes: Uint8Array | null;
  verification?: SignatureVerification | undefined;
  error?: string | undefined;
}

/**
 * A message as the recipient's inbox holds it, read with the recipient's key.
 *
 * @example
 * const seen: Observed = await read("Q3 numbers (k3x9a1)");
 */
export interface Observed {
  senderVerified: boolean;
  encrypted: boolean;
  /** The clear text, or the decrypted text of an encrypted body. */
  text: string | undefined;
  html: string | undefined;
  verification: SignatureVerification | undefined;
  bodyError: string | undefined;
  /** By lower-case name. */
  headers: Record<string, string>;
  attachments: ObservedAttachment[];
}

/**
 * Reads messages from the recipient's inbox by subject.
 *
 * @example
 * const read: InboxReader = await inboxReader(context);
 */
export type InboxReader = (subject: string) => Promise<Observed>;

/**
 * A reader of the recipient's inbox through the transport-api client: it finds a message by
 * subject, lists its attachments as the platform stored them, and fetches it decrypted with the
 * recipient's key and verified against the directory.
 *
 * @example
 * const read = await inboxReader(context);
 * const seen = await read("Q3 numbers (k3x9a1)");
 * @throws {Error} without the recipient's token and private key.
 */
export async function inboxReader(context: ExampleContext): Promise<InboxReader> {
  const { recipient, apiBaseUrl, mailDomain } = context;
  if (!recipient.token || !recipient.privateKeyArmored) {
    throw new Error("reading the recipient's inbox needs its token and private key");
  }
  const inbox = createAgentMailClient({ baseUrl: apiBaseUrl, token: recipient.token, mailDomain });
  const decryptWith = await loadPrivateKey(recipient.privateKeyArmored, recipient.passphrase);
  const verifyWith = createDirectory({ baseUrl: apiBaseUrl });
  return async (subject) => {
    const item = await findMessage(inbox, subject, { timeoutMs: 0 });
    const stored = await inbox.getMessage(item.id);
    const message = await inbox.fetchMessage(item.id, { decryptWith, verifyWith });
    return {
      senderVerified: message.senderVerified,
      encrypted: message.encrypted,
      text: message.encrypted ? message.bodyTextDecrypted : message.bodyText,
      html: message.bodyHtml,
      verification: message.verification,
      bodyError: message.bodyError?.code,
      headers: message.headers,
      attachments: message.attachments.map((attachment) => ({
        sentAs: stored.attachments[attachment.index]?.filename ?? "",
        filename: attachment.filename,
        contentType: attachment.contentType,
        encrypted: attachment.encrypted,
        decrypted: attachment.decrypted,
        bytes: attachment.bytes,
        verification: attachment.verification,
        error: attachment.error?.code,
      })),
    };
  };
}
